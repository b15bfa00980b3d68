"""Test databases: a fresh PostgreSQL database per test, and migrated, seeded session factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from store.db import create_engine, session_factory
from store.migrate import upgrade
from tests.factories import seed_people

ADMIN_DSN = os.environ.get("SAMTALE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


async def fresh_postgres_url() -> AsyncIterator[str]:
    try:
        admin = await asyncpg.connect(ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as e:
        if os.environ.get("CI"):
            raise
        pytest.skip(
            f"PostgreSQL at {ADMIN_DSN} is unreachable ({e}); start it with "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    name = f"samtale_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def seeded_database(url: str) -> AsyncIterator[async_sessionmaker]:
    """A migrated database at `url` holding the test people and the 2027 cycle."""
    engine = create_engine(url)
    await upgrade(engine)
    factory = session_factory(engine)
    async with factory.begin() as session:
        await seed_people(session)
    yield factory
    await engine.dispose()
