"""The web app as a person reaches it: a real server on a port, the real local OpenID
provider (npm oidc-provider, deploy/oidc), the time-skipping Temporal server and a worker."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from samtale import dev_oidc
from samtale.mailsink import MailSink
from tests.factories import EMPLOYEE, HR, MANAGER, OTHER_MANAGER
from tests.waiting import eventually
from workflows.ids import review_workflow_id

STRANGER = dev_oidc.DevUser("x-1", "nobody@elsewhere.example", "Not Employed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


APP_PORT = free_port()  # one per test session: the provider knows this redirect URI
APP_URL = f"http://127.0.0.1:{APP_PORT}"


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The local OpenID provider with the test people (and one stranger) as its users."""
    problem = dev_oidc.missing()
    if problem is not None:
        pytest.fail(f"the local OpenID provider is needed: {problem}")
    people = [HR, MANAGER, EMPLOYEE, OTHER_MANAGER]
    port = free_port()
    process = dev_oidc.start_provider(
        port=port,
        users=[*(dev_oidc.DevUser(p.id, p.email, p.name) for p in people), STRANGER],
        redirect_uris=[f"{APP_URL}/auth/callback"],
        resource=APP_URL,
        folder=tmp_path_factory.mktemp("oidc"),
    )
    yield dev_oidc.issuer_at(port)
    dev_oidc.stop(process)


@pytest.fixture
def settings(sink: MailSink, sqlite_url: str, provider: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=sqlite_url,
        smtp_port=sink.port,
        task_queue=f"test-{uuid.uuid4()}",
        base_url=APP_URL,
        oidc_issuer=provider,
        oidc_client_id=dev_oidc.CLIENT_ID,
        oidc_client_secret=dev_oidc.CLIENT_SECRET,
        data_dir=str(tmp_path),
    )


@pytest_asyncio.fixture
async def live_app(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker, worker: Worker
) -> AsyncIterator[str]:
    """The app served on APP_URL by uvicorn, on the time-skipping server with a worker."""
    app = create_app(
        settings, temporal=time_env.client, sessions=sessions, clock=time_env.get_current_time
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=APP_PORT,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=2,  # a browser's open connection never holds a test
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield APP_URL
    server.should_exit = True
    await task


@pytest_asyncio.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies, as a browser does, and follows no redirect by itself."""
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def bearer(settings: Settings, employee_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, employee_id)}"}


async def start_review(api_url: str, settings: Settings, employee_id: str = EMPLOYEE.id) -> str:
    """A review started through the JSON API by HR; its id once the read model has it."""
    cycle_id = f"c{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(base_url=api_url, headers=bearer(settings, HR.id)) as api:
        r = await api.post(
            "/cycles",
            json={
                "id": cycle_id,
                "name": "Medarbeidersamtaler 2027",
                "year": 2027,
                "window_start": "2026-11-01",
                "window_end": "2028-12-31",
                "employee_ids": [employee_id],
            },
        )
        assert r.status_code == 201, r.text
        review = review_workflow_id(cycle_id, employee_id)

        async def visible() -> bool:
            return (await api.get(f"/reviews/{review}")).status_code == 200

        await eventually(visible, f"{review} in the read model")
    return review
