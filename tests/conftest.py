"""Real components for every test: Temporal test servers, an SMTP sink, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from samtale.binaries import find_binary
from samtale.mailsink import MailSink
from samtale.settings import Settings
from samtale.temporal import DATA_CONVERTER
from samtale.worker import build_worker
from store.db import create_engine, session_factory
from store.migrate import upgrade
from tests.factories import seed_people
from tests.pg import fresh_postgres_url


@pytest_asyncio.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test: a skip must not wake other tests' orphaned workflows."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"), data_converter=DATA_CONVERTER
    )
    yield env
    await env.shutdown()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as s:
        yield s


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Both databases the store must work on; CI fails rather than skips if PostgreSQL is down."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'samtale.db'}"
        return
    async for url in fresh_postgres_url():
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'samtale.db'}"


@pytest_asyncio.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(sqlite_url)
    await upgrade(eng)
    yield eng
    await eng.dispose()


@pytest_asyncio.fixture
async def sessions(engine: AsyncEngine) -> async_sessionmaker:
    """A migrated database holding the test people and the 2027 cycle."""
    factory = session_factory(engine)
    async with factory.begin() as session:
        await seed_people(session)
    return factory


@pytest.fixture
def settings(sink: MailSink, sqlite_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=sqlite_url,
        smtp_port=sink.port,
        task_queue=f"test-{uuid.uuid4()}",
        base_url="https://samtale.example.no",
    )


@pytest_asyncio.fixture
async def worker(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> AsyncIterator[Worker]:
    w = build_worker(time_env.client, settings, sessions)
    async with w:
        yield w
