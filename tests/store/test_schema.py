"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from store.models import Base


async def test_migrations_match_the_models(store_engine: AsyncEngine) -> None:
    def diff(conn: Connection) -> list:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)

    async with store_engine.connect() as conn:
        assert await conn.run_sync(diff) == []
