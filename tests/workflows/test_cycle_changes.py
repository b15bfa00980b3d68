"""A re-import during a running cycle: a late joiner gets a review, a leaver's is cancelled,
a manager change moves the review to the new manager."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.auth import issue_token
from core.settings import Settings
from org.csv_import import parse
from samtale.mailsink import MailSink
from store import org_changes
from store.cycles import review_ids_of
from store.models import Cycle, Review
from store.org_sync import sync_org
from tests.factories import HR
from tests.importing import CSV, confirmed_import
from tests.waiting import eventually, mail_arrived
from tests.workflows.recording import record_history
from workflows.ids import org_changes_workflow_id

HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date\n"
CEO = "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n"
M1 = "m1,Ola Nordmann,ola@example.no,nb,ceo,Salg,Konsern,,\n"
M2 = "m2,Siri Moe,siri@example.no,en,ceo,Drift,Konsern,,\n"
E1 = "e1,Kari Hansen,kari@example.no,nb,m1,Salg,Konsern,,\n"
E2 = "e2,Per Berg,per@example.no,nb,m1,Salg,Konsern,,\n"
V1 = HEADER + CEO + M1 + M2 + E1 + E2


async def review(sessions: async_sessionmaker, cycle: str, employee: str) -> Review | None:
    async with sessions() as session:
        ids = await review_ids_of(session, [(cycle, employee)])
        return await session.get(Review, ids[(cycle, employee)]) if ids else None


async def test_a_reimport_carries_joiners_leavers_and_new_managers_into_the_cycle(
    api: httpx.AsyncClient,
    settings: Settings,
    sessions: async_sessionmaker,
    sink: MailSink,
    time_env: WorkflowEnvironment,
) -> None:
    hr = {"Authorization": f"Bearer {issue_token(settings, HR.id)}"}
    cycle = await started_cycle(api, hr, sessions, scope=["Konsern"])
    e3 = "e3,Nils Ås,nils@example.no,nb,m2,Drift,Konsern,,\n"
    moved = E1.replace(",m1,Salg,", ",m2,Drift,")
    v2 = HEADER + CEO + M1 + M2 + moved + e3  # e2 has left
    r = await confirmed_import(api, v2, hr)
    assert r.status_code == 200, r.text
    running = r.json()["running_cycles"]
    assert running["status"] == "applied"
    assert (
        running["reviews_started"],
        running["reviews_cancelled"],
        running["reviews_moved"],
    ) == (1, 1, 1)
    again = await api.get(f"/imports/{running['id']}", headers=hr)
    assert again.json() == running
    history = await time_env.client.get_workflow_handle(
        org_changes_workflow_id(running["id"])
    ).fetch_history()
    record_history("org_changes", history.to_json())

    async def applied() -> bool:
        joiner, leaver, mover = [await review(sessions, cycle, e) for e in ("e3", "e2", "e1")]
        return bool(
            joiner and leaver and mover and leaver.phase == "cancelled" and mover.manager_id == "m2"
        )

    await eventually(applied, "the changes in the read model")
    await mail_arrived(sink, "review_cancelled")
    await mail_arrived(sink, "manager_changed", count=2)
    cancelled = next(m for m in sink.messages if m["X-Samtale-Kind"] == "review_cancelled")
    assert cancelled["To"].addresses[0].addr_spec == "ola@example.no"


async def started_cycle(
    api: httpx.AsyncClient,
    hr: dict[str, str],
    sessions: async_sessionmaker,
    scope: list[str] | None = None,
) -> str:
    """V1 imported and a cycle over it kicked off: the story's starting point."""
    async with sessions.begin() as session:  # the seeded cycle is not part of this story
        seeded = await session.get(Cycle, "2027")
        assert seeded is not None
        seeded.status = "finished"
    assert (await confirmed_import(api, V1, hr)).status_code == 200
    cycle = f"c{uuid.uuid4().hex[:8]}"
    body = {
        "id": cycle,
        "name": "2027",
        "year": 2027,
        "window_start": "2026-11-01",
        "window_end": "2027-12-31",
        "scope": scope,
    }
    assert (await api.post("/cycles", headers=hr, json=body)).status_code == 201

    async def kicked_off() -> bool:
        return all([await review(sessions, cycle, e) for e in ("m1", "m2", "e1", "e2")])

    await eventually(kicked_off, "the cycle's reviews")
    return cycle


async def test_changes_whose_workflow_never_started_are_carried_by_the_next_import(
    api: httpx.AsyncClient, settings: Settings, sessions: async_sessionmaker
) -> None:
    hr = {"Authorization": f"Bearer {issue_token(settings, HR.id)}"}
    cycle = await started_cycle(api, hr, sessions)
    v2 = HEADER + CEO + M1 + M2 + E1  # e2 has left
    # The API committed the sync and its changes, then died before starting the workflow.
    async with sessions.begin() as session:
        report = await sync_org(session, parse(v2), today=date(2027, 1, 4), now=datetime.now(UTC))
        lost = await org_changes.record(session, report, by=HR.id, now=datetime.now(UTC))
    leaver = await review(sessions, cycle, "e2")
    assert leaver is not None and leaver.phase == "scheduling"
    # The same file again changes nothing itself, but sends the stranded change on its way.
    r = await api.post("/imports/employees", content=v2, headers=hr | CSV)
    assert r.status_code == 200, r.text
    assert r.json()["running_cycles"] is None

    async def applied() -> bool:
        return (await api.get(f"/imports/{lost.id}", headers=hr)).json()["status"] == "applied"

    await eventually(applied, "the stranded change applied")
    leaver = await review(sessions, cycle, "e2")
    assert leaver is not None and leaver.phase == "cancelled"
    body = (await api.get(f"/imports/{lost.id}", headers=hr)).json()
    assert (body["reviews_started"], body["reviews_cancelled"], body["reviews_moved"]) == (0, 1, 0)


async def test_an_unknown_import_is_a_404(api: httpx.AsyncClient, settings: Settings) -> None:
    hr = {"Authorization": f"Bearer {issue_token(settings, HR.id)}"}
    r = await api.get("/imports/nope", headers=hr)
    assert r.status_code == 404
    assert "nope" in r.json()["message"]
