"""A cycle runs once: an ended cycle is not started again, a running one keeps its settings."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from store.models import Cycle
from tests.api.conftest import Auth
from tests.factories import EMPLOYEE, HR
from tests.waiting import eventually
from workflows.ids import cycle_workflow_id


def body(**changes: Any) -> dict[str, Any]:
    return {
        "id": f"c{uuid.uuid4().hex[:10]}",
        "name": "Medarbeidersamtaler 2027",
        "year": 2027,
        "window_start": "2026-11-01",
        "window_end": "2028-12-31",
        "employee_ids": [EMPLOYEE.id],
    } | changes


async def status_becomes(api: httpx.AsyncClient, auth: Auth, cycle_id: str, status: str) -> None:
    async def there() -> bool:
        r = await api.get(f"/cycles/{cycle_id}", headers=auth(HR.id))
        return bool(r.json()["status"] == status)

    await eventually(there, f"cycle {cycle_id} {status}", seconds=30)


async def latest_run(time_env: WorkflowEnvironment, cycle_id: str) -> tuple[str, object]:
    """The cycle workflow's newest run: its id and status."""
    d = await time_env.client.get_workflow_handle(cycle_workflow_id(cycle_id)).describe()
    return d.run_id, d.status


async def test_a_cancelled_cycle_posted_again_is_a_409_and_starts_nothing(
    api: httpx.AsyncClient, auth: Auth, time_env: WorkflowEnvironment
) -> None:
    cycle = body()
    assert (await api.post("/cycles", json=cycle, headers=auth(HR.id))).status_code == 201
    r = await api.post(
        f"/cycles/{cycle['id']}/cancel", json={"reason": "Omorganisering"}, headers=auth(HR.id)
    )
    assert r.status_code == 200, r.text
    await status_becomes(api, auth, cycle["id"], "cancelled")
    again = await api.post("/cycles", json=cycle, headers=auth(HR.id))
    assert again.status_code == 409, again.text
    assert again.json()["rule"] == "cycle-ended"
    assert f"cycle {cycle['id']} was cancelled" in again.json()["message"]
    handle = time_env.client.get_workflow_handle(cycle_workflow_id(cycle["id"]))
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_a_finished_cycle_posted_again_is_a_409(
    api: httpx.AsyncClient, auth: Auth, time_env: WorkflowEnvironment
) -> None:
    past = body(window_start="2026-01-05", window_end="2026-06-30")  # it closes at once
    assert (await api.post("/cycles", json=past, headers=auth(HR.id))).status_code == 201
    await status_becomes(api, auth, past["id"], "finished")
    again = await api.post("/cycles", json=past, headers=auth(HR.id))
    assert again.status_code == 409, again.text
    assert f"cycle {past['id']} has finished" in again.json()["message"]
    handle = time_env.client.get_workflow_handle(cycle_workflow_id(past["id"]))
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_the_engine_refuses_a_second_run_even_if_the_read_model_says_running(
    api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker, time_env: WorkflowEnvironment
) -> None:
    past = body(window_start="2026-01-05", window_end="2026-06-30")
    assert (await api.post("/cycles", json=past, headers=auth(HR.id))).status_code == 201
    await status_becomes(api, auth, past["id"], "finished")
    first_run, _ = await latest_run(time_env, past["id"])
    async with sessions.begin() as session:  # a read model that missed the end
        row = await session.get(Cycle, past["id"])
        assert row is not None
        row.status = "running"
    again = await api.post("/cycles", json=past, headers=auth(HR.id))
    assert again.status_code == 409, again.text
    assert again.json()["rule"] == "cycle-ended"
    assert await latest_run(time_env, past["id"]) == (first_run, WorkflowExecutionStatus.COMPLETED)


async def test_a_running_cycle_posted_with_other_settings_is_a_409_naming_each_and_keeps_its_own(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    cycle = body()
    assert (await api.post("/cycles", json=cycle, headers=auth(HR.id))).status_code == 201
    other = cycle | {"scope": ["Salg"], "employee_ids": None, "policy": {"notice_days": 7}}
    r = await api.post("/cycles", json=other | {"scope": None}, headers=auth(HR.id))
    assert r.status_code == 409, r.text
    assert r.json()["differs"] == ["employee_ids", "policy.notice_days"]
    assert "employee_ids, policy.notice_days" in r.json()["message"]
    again = await api.post("/cycles", json=cycle, headers=auth(HR.id))
    assert again.status_code == 201, again.text  # the same body: the same answer as the first
    stored = (await api.get(f"/cycles/{cycle['id']}", headers=auth(HR.id))).json()
    assert (stored["status"], stored["scope"]) == ("running", None)


async def test_an_empty_scope_is_a_422_not_a_cycle_for_nobody(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await api.post("/cycles", json=body(scope=[], employee_ids=None), headers=auth(HR.id))
    assert r.status_code == 422, r.text
    assert "scope is empty" in r.json()["message"]
