"""Bring a database to the newest schema with Alembic: `samtale migrate`, once per release
(and the dev stack before it starts the worker and the API); never each worker at start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import create_engine
from store.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_KEY = 0x5A3741  # the advisory lock that serialises migrations on PostgreSQL


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["target_metadata"] = Base.metadata  # for autogenerate only
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    def run(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two releases' steps at once (or a step and a stray worker of old) take turns:
            # the second finds the schema at head and does nothing.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        await conn.run_sync(run)


async def migrate(database_url: str) -> None:
    """The release step: the database at `database_url` brought to the newest schema."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
