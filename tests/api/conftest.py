"""The API in-process over ASGI, wired to the time-skipping server, the worker and the sink."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from tests.factories import EMPLOYEE, HR
from tests.waiting import eventually
from workflows.ids import review_workflow_id

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def auth(settings: Settings) -> Auth:
    return lambda employee_id: {"Authorization": f"Bearer {issue_token(settings, employee_id)}"}


@pytest_asyncio.fixture
async def review_id(api: httpx.AsyncClient, auth: Auth) -> str:
    """A review started through the API, by HR, for the test employee."""
    # Workflow ids live on the shared test server for the whole session: a cycle id per test.
    cycle_id = f"c{uuid.uuid4().hex[:10]}"
    r = await api.post(
        "/cycles",
        headers=auth(HR.id),
        json={
            "id": cycle_id,
            "name": "Medarbeidersamtaler 2027",
            "year": 2027,
            "window_start": "2026-11-01",
            "window_end": "2028-12-31",
            "employee_ids": [EMPLOYEE.id],
        },
    )
    assert r.status_code == 201, r.text
    review = review_workflow_id(cycle_id, EMPLOYEE.id)

    # The workflow writes its first read-model row moments after it starts.
    async def visible() -> bool:
        return (await api.get(f"/reviews/{review}", headers=auth(HR.id))).status_code == 200

    await eventually(visible, f"{review} in the read model")
    return review


@pytest_asyncio.fixture
async def bare_api(
    settings: Settings, sessions: async_sessionmaker
) -> AsyncIterator[httpx.AsyncClient]:
    """The API over ASGI on the seeded database, with no Temporal server: for what the
    API answers by itself (reads, errors, the schema). An unexpected exception is
    answered (500) rather than raised into the test."""
    app = create_app(settings, sessions=sessions)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://samtale.test") as client:
        yield client
