"""The API, worker and a real Temporal dev server together, as `make run` wires them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from samtale.mailsink import MailSink
from samtale.worker import build_worker
from tests.factories import EMPLOYEE, HR, MANAGER, kinds, working_slot
from tests.waiting import eventually, mail_arrived
from workflows.ids import review_workflow_id


@pytest_asyncio.fixture
async def api(
    dev_server: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, temporal=dev_server.client, sessions=sessions)
    async with build_worker(dev_server.client, settings, sessions):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


def auth(settings: Settings, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, who)}"}


async def test_a_cycle_on_the_dev_server_invites_and_refuses_without_a_trace(
    api: httpx.AsyncClient, settings: Settings, dev_server: WorkflowEnvironment, sink: MailSink
) -> None:
    cycle = f"dev{uuid.uuid4().hex[:8]}"
    r = await api.post(
        "/cycles",
        headers=auth(settings, HR.id),
        json={
            "id": cycle,
            "name": "Dev",
            "year": 2027,
            "window_start": "2026-01-01",
            "window_end": "2028-12-31",
            "employee_ids": [EMPLOYEE.id],
        },
    )
    assert r.status_code == 201, r.text
    review = review_workflow_id(cycle, EMPLOYEE.id)
    manager = auth(settings, MANAGER.id)

    async def listed() -> bool:
        page = (await api.get("/reviews", params={"cycle_id": cycle}, headers=manager)).json()
        return [i["id"] for i in page["items"]] == [review]

    await eventually(listed, "the review in the manager's list")

    handle = dev_server.client.get_workflow_handle(review)

    async def asleep() -> bool:
        # The kickoff lists a review before its workflow starts; wait until the workflow
        # has run its first task and sleeps on its timer, so its history holds still.
        try:
            events = (await handle.fetch_history()).events
        except RPCError:
            return False  # not started yet
        return bool(events) and events[-1].event_type == EventType.EVENT_TYPE_TIMER_STARTED

    await eventually(asleep, "the review's workflow asleep on its first timer")
    events_before = len((await handle.fetch_history()).events)
    start = working_slot(await dev_server.get_current_time() + timedelta(days=3))
    body = {
        "start": start.isoformat(),
        "duration_minutes": 60,
        "location_kind": "video",
        "location_text": "https://meet.example.no/x",
    }
    refused = await api.post(f"/reviews/{review}/schedule", headers=manager, json=body)
    assert refused.status_code == 422
    assert refused.json()["rule"] == "R2"
    # On a full server a rejected update leaves no event at all in the history.
    assert len((await handle.fetch_history()).events) == events_before

    body["start"] = working_slot(start + timedelta(days=20)).isoformat()
    r = await api.post(f"/reviews/{review}/schedule", headers=manager, json=body)
    assert r.status_code == 200, r.text
    await mail_arrived(sink, "invitation")
    await mail_arrived(sink, "kickoff")
    assert sorted(kinds(sink.messages)) == ["invitation", "kickoff"]
    await handle.terminate("test over")
