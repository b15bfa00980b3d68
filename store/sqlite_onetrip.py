"""aiosqlite as SQLAlchemy drives it, in one trip to its thread per statement.

aiosqlite runs each sqlite3 call on a thread of its own and hands the result back to the
event loop. SQLAlchemy's adapter makes one such trip for each step of a statement (open a
cursor, execute, fetch, close), one for every commit, and one more for the pool's
rollback when a connection goes back, even after a read that began no transaction. Each
trip wakes the thread and then the loop: on the dev stack's command path (about twenty
statements) they were most of the time spent in the database (session 9's step timing).

Here a statement is one trip (the cursor's whole life runs in the thread, which hands
back its description, rows, row count and last row id), and the commit and rollback ask
the thread only when sqlite3 says a transaction is open: Python's sqlite3 begins one
before the first INSERT, UPDATE or DELETE only, so a read-only session needs neither.
That state is read in the thread after every call and kept beside the connection.

Only what samtale's engine uses changes (execute, executemany, commit, rollback); server
side cursors (`stream()`) and everything else stay SQLAlchemy's own, and once one is
used the connection's transaction ends with a trip again, as it did before.
`create_engine` passes this in as the dialect's DBAPI module (`module=`), the hook
SQLAlchemy offers for it.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# What one trip hands back: description, rows, rowcount, lastrowid, in a transaction.
Outcome = tuple[Any, Sequence[Any], int, int | None, bool]


def _statement(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """A statement's whole cursor, on aiosqlite's thread."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid, conn.in_transaction
    finally:
        cursor.close()


def _end(conn: sqlite3.Connection, commit: bool) -> bool:
    conn.commit() if commit else conn.rollback()
    return conn.in_transaction


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement runs start to finish in one call on aiosqlite's thread;
    its rows wait here, as SQLAlchemy's own adapter keeps them after its fetchall."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")

    _adapt_connection: OneTripConnection

    def __init__(self, adapt_connection: OneTripConnection) -> None:  # no trip: no cursor yet
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1  # sqlite3's default: what fetchmany() with no size takes

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._take(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._take(operation, seq_of_parameters, many=True)

    def _take(self, operation: Any, parameters: Any, many: bool) -> None:
        outcome = self._adapt_connection._statement(operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid, _ = outcome
        self._rows = deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the sqlite3 cursor closed in its trip."""

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's connection that knows whether sqlite3 holds a transaction open."""

    __slots__ = ("_open",)
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._open = True  # unknown until the first trip: ask the thread

    def cursor(self, server_side: bool = False) -> Any:
        """A server-side cursor (`stream()`) is SQLAlchemy's own, and its statements do not
        say what they began: the transaction's end asks the thread from then on."""
        if server_side:
            self._open = True
        return super().cursor(server_side)

    def _trip(self, fn: Any, *args: Any) -> Any:
        """`fn(sqlite3 connection, *args)` on aiosqlite's thread, waited for. Until it
        answers (and if it fails or is cancelled) a transaction may be open."""
        self._open = True
        try:
            return await_(self._connection._execute(fn, self._connection._conn, *args))
        except Exception as error:
            self._handle_exception(error)

    def _statement(self, operation: Any, parameters: Any, many: bool) -> Outcome:
        outcome: Outcome = self._trip(_statement, operation, parameters, many)
        self._open = outcome[4]
        return outcome

    def commit(self) -> None:
        self._end(commit=True)

    def rollback(self) -> None:
        self._end(commit=False)

    def _end(self, commit: bool) -> None:
        if self._open and self._connection._connection:
            self._open = self._trip(_end, commit)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite module, handing out one-trip connections."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    import aiosqlite

    return OneTripDBAPI(aiosqlite, sqlite3)
