"""Migrations are frozen history and run once per release, as their own step."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from samtale.cli import main
from store.db import create_engine
from store.migrate import MIGRATIONS, upgrade
from tests.databases import fresh_postgres_url

LIVE = ("store", "api", "workflows", "activities", "samtale", "core", "org", "conversation")


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_migration_imports_live_code() -> None:
    """A change to store/ or workflows/ must not rewrite what an old migration did."""
    files = sorted(MIGRATIONS.rglob("*.py"))
    assert len(files) >= 5  # env.py and the four versions: the scan is not empty
    for f in files:
        live = {m for m in imported_modules(f.read_text()) if m.split(".")[0] in LIVE}
        assert not live, f"{f.relative_to(MIGRATIONS)} imports {sorted(live)}"


def test_the_scan_sees_a_live_import() -> None:
    assert imported_modules("from store.tallies import Facts\nimport api.app") == {
        "store.tallies",
        "api.app",
    }


def tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def test_samtale_migrate_brings_a_new_database_to_the_newest_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("SAMTALE_DATABASE_URL", url)
    await asyncio.to_thread(main, ["migrate"])
    assert "newest schema" in capsys.readouterr().out
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(tables)
    await engine.dispose()
    assert {"reviews", "phase_tallies", "org_changes", "alembic_version"} <= names


async def test_two_migrations_at_once_on_postgresql_take_turns() -> None:
    """Two release steps (or replicas of an old worker) racing must not both create tables."""
    async for url in fresh_postgres_url():
        engines = [create_engine(url), create_engine(url)]
        try:
            # Unserialised, the two wait on each other's DDL for ever: a deadline, not a hang.
            await asyncio.wait_for(asyncio.gather(*(upgrade(e) for e in engines)), 60)
            async with engines[0].connect() as conn:
                assert "reviews" in await conn.run_sync(tables)
        finally:
            for e in engines:
                await e.dispose()
