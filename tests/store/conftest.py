"""A migrated, seeded database for each store test, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from store.db import create_engine, session_factory
from store.migrate import upgrade
from tests.factories import seed_people


@pytest_asyncio.fixture
async def store_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url)
    await upgrade(eng)
    yield eng
    await eng.dispose()


@pytest_asyncio.fixture
async def db(store_engine: AsyncEngine) -> async_sessionmaker:
    factory = session_factory(store_engine)
    async with factory.begin() as session:
        await seed_people(session)
    return factory
