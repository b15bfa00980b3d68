"""A migrated, seeded database for each store test, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.databases import seeded_database


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker]:
    async for factory in seeded_database(database_url):
        yield factory


@pytest.fixture
def store_engine(db: async_sessionmaker) -> AsyncEngine:
    engine = db.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine
