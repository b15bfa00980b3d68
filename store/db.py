"""Engine and session factory; the one place that knows how to reach the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from core.settings import Settings
from store import sqlite_onetrip

T = TypeVar("T")


def _setting(name: str) -> Any:
    """A setting's default: the pool's defaults are the settings' (core/settings.py says
    why each is what it is), so an engine built without settings gets the same ones."""
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class PoolLimits:
    """How many connections one process may hold and how long anything may wait.

    Nothing holds a connection while it waits on Temporal (STYLE 19), so a small pool
    serves many concurrent commands; these bounds turn a database that is down, full or
    slow into a quick error (503 in the API, a retry in an activity) instead of a hang."""

    size: int = _setting("db_pool_size")
    max_overflow: int = _setting("db_max_overflow")
    timeout: float = _setting("db_pool_timeout_seconds")  # waiting for a connection
    connect_timeout: float = _setting("db_connect_timeout_seconds")
    # PostgreSQL: per statement; SQLite: the wait for the write lock.
    statement_timeout: float = _setting("db_statement_timeout_seconds")
    application_name: str = "samtale"


def limits_of(settings: Settings, application_name: str = "samtale") -> PoolLimits:
    return PoolLimits(
        size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        timeout=settings.db_pool_timeout_seconds,
        connect_timeout=settings.db_connect_timeout_seconds,
        statement_timeout=settings.db_statement_timeout_seconds,
        application_name=application_name,
    )


def engine_for(settings: Settings, application_name: str = "samtale") -> AsyncEngine:
    """The engine an entry point builds from its settings (the API, the worker, the dev
    stack); `application_name` shows in PostgreSQL's pg_stat_activity."""
    return create_engine(settings.database_url, limits_of(settings, application_name))


def create_engine(url: str, limits: PoolLimits | None = None, **kwargs: Any) -> AsyncEngine:
    lim = limits or PoolLimits()
    pool: dict[str, Any] = {
        "pool_size": lim.size,
        "max_overflow": lim.max_overflow,
        "pool_timeout": lim.timeout,
    }
    if url.startswith("sqlite"):
        # A file database gets a queue pool like PostgreSQL (in-memory ones a static pool,
        # which takes no sizes); `timeout` is how long a writer waits for the file's lock.
        if ":memory:" in url or url.rstrip("/").endswith(":"):
            pool = {}
        if url.startswith("sqlite+aiosqlite"):
            kwargs.setdefault("module", sqlite_onetrip.dbapi())  # one trip per statement
        engine = create_async_engine(
            url, connect_args={"timeout": lim.statement_timeout}, **pool, **kwargs
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {
        "timeout": lim.connect_timeout,
        # Client side, so it also ends a wait on a server that no longer answers at all.
        "command_timeout": lim.statement_timeout,
        "server_settings": {"application_name": lim.application_name},
    }
    # No pre-ping: it costs a round trip on every checkout. A connection the server
    # dropped fails its first use instead; SQLAlchemy then invalidates every older
    # connection of the pool, that one request answers 503 (an activity is retried) and
    # the next one connects afresh.
    return create_async_engine(url, pool_recycle=1800, connect_args=connect_args, **pool, **kwargs)


# The two databases samtale runs on, by SQLAlchemy's dialect name.
DIALECTS = ("postgresql", "sqlite")


def upsert_insert(dialect: str) -> Any:
    """The dialect's INSERT construct, the one with ON CONFLICT (PostgreSQL's, or SQLite's):
    the one place that chooses it, for every upsert in store/."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


# SQLSTATE classes of a server that cannot serve now: connection exception, insufficient
# resources (too many connections), operator intervention (shutting down, starting up).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57")


def unavailable(err: BaseException) -> bool:
    """The database cannot answer now (down, refusing, starting, out of connections, too
    slow), as against a bug in a query: the first is worth a retry (503), the second is a
    500. asyncpg's own errors reach us unwrapped when they happen while connecting."""
    if isinstance(err, sa_exc.DBAPIError):
        if err.connection_invalidated or isinstance(
            err, (sa_exc.OperationalError, sa_exc.InterfaceError)
        ):
            return True
        err = err.orig or err
    code = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None)
    if isinstance(code, str) and code[:2] in _UNAVAILABLE_SQLSTATES:
        return True
    if type(err).__module__.startswith("asyncpg") and "InterfaceError" in {
        c.__name__ for c in type(err).__mro__
    }:
        return True  # asyncpg: the connection is closed or was never made
    return isinstance(err, (sa_exc.TimeoutError, OSError, TimeoutError))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the API read while the worker writes; foreign keys are off by default.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


async def finish_even_if_cancelled(work: Awaitable[T]) -> T:
    """Run a unit of work to its commit or rollback even if the caller is cancelled.

    A cancelled activity (a stopping worker) would otherwise abandon a transaction inside
    the driver: on SQLite that connection keeps the write lock and the next writer waits
    until it times out."""
    return await asyncio.shield(work)
