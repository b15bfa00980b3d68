"""The SQLite engine's one-trip adapter: a statement is one call on aiosqlite's thread, a
transaction ends with a call only when one is open, and SQLAlchemy sees what it always saw."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import pytest_asyncio
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from store.db import create_engine
from store.sqlite_onetrip import OneTripConnection

METADATA = MetaData()
ITEMS = Table(
    "items",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String, unique=True, nullable=False),
)


@pytest_asyncio.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'onetrip.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield engine
    await engine.dispose()


def committed_names(engine: AsyncEngine) -> list[str]:
    """What another connection to the file sees (the pool would hand back the same one)."""
    with closing(sqlite3.connect(str(engine.url.database))) as other:
        return [name for (name,) in other.execute("SELECT name FROM items ORDER BY id")]


class Trips:
    """Counts the calls one connection queues on aiosqlite's thread."""

    def __init__(self) -> None:
        self.count = 0

    async def watch(self, conn: AsyncConnection) -> None:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneTripConnection)
        driver: aiosqlite.Connection = raw.driver_connection  # type: ignore[assignment]
        queue = driver._execute

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await queue(fn, *args, **kwargs)

        driver._execute = counted  # type: ignore[method-assign]


async def test_the_file_engine_uses_the_one_trip_adapter(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneTripConnection)


async def test_a_select_is_one_trip_and_its_read_only_transaction_ends_without_one(
    engine: AsyncEngine,
) -> None:
    trips = Trips()
    async with engine.connect() as conn:
        await trips.watch(conn)
        rows = (await conn.execute(select(ITEMS))).all()
        assert trips.count == 1
        await conn.commit()
    assert rows == []
    assert trips.count == 1  # neither the commit nor the pool's rollback asked the thread


async def test_a_write_is_one_trip_and_its_commit_one_more(engine: AsyncEngine) -> None:
    trips = Trips()
    async with engine.connect() as conn:
        await trips.watch(conn)
        await conn.execute(insert(ITEMS).values(name="a"))
        await conn.commit()
    assert trips.count == 2  # and none for the pool's rollback: nothing is open
    async with engine.connect() as conn:
        assert (await conn.execute(select(ITEMS.c.name))).scalars().all() == ["a"]


async def test_a_rollback_undoes_the_write(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(insert(ITEMS).values(name="a"))
        await conn.rollback()
        assert (await conn.execute(select(ITEMS))).all() == []


async def test_a_connection_returned_with_a_write_open_is_rolled_back(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        await conn.execute(insert(ITEMS).values(name="a"))  # no commit: the pool resets it
    async with engine.connect() as conn:
        assert (await conn.execute(select(ITEMS))).all() == []


async def test_rows_rowcount_and_inserted_ids_reach_sqlalchemy(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(ITEMS).values(name="a"))
        assert first.inserted_primary_key == (1,)
        many = await conn.execute(insert(ITEMS), [{"name": "b"}, {"name": "c"}])
        assert many.rowcount == 2
        changed = await conn.execute(text("UPDATE items SET name = name || '!' WHERE id > 1"))
        assert changed.rowcount == 2
        result = await conn.execute(select(ITEMS).order_by(ITEMS.c.id))
        assert list(result.keys()) == ["id", "name"]
        assert result.all() == [(1, "a"), (2, "b!"), (3, "c!")]


async def test_a_refused_statement_raises_sqlalchemys_error_and_the_transaction_rolls_back(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        await conn.execute(insert(ITEMS).values(name="a"))
        with pytest.raises(IntegrityError):
            await conn.execute(insert(ITEMS).values(name="a"))
        await conn.rollback()
        assert (await conn.execute(select(ITEMS))).all() == []


async def test_a_syntax_error_is_sqlalchemys_operational_error(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        with pytest.raises(OperationalError, match="syntax error"):
            await conn.execute(text("SELEC 1"))
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1


async def test_fetchmany_without_a_size_takes_one_row_as_sqlite3_does(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(ITEMS), [{"name": "a"}, {"name": "b"}])
        result = await conn.execute(select(ITEMS.c.name).order_by(ITEMS.c.id))
        assert result.fetchmany() == [("a",)]


async def test_a_write_through_a_streamed_statement_is_committed(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(select(ITEMS))  # a read first: nothing open
        streamed = await conn.stream(insert(ITEMS).values(name="a").returning(ITEMS.c.id))
        assert [tuple(r) async for r in streamed] == [(1,)]
        await conn.commit()
    assert committed_names(engine) == ["a"]
