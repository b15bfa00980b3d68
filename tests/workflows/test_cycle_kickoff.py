"""Kicking off a cycle for a few hundred people: once per employee and once per manager,
whatever is repeated or interrupted; the funnel counts what the reviews say."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from org.csv_import import parse
from org.generate import org_csv, people
from samtale.mailsink import MailSink
from samtale.worker import build_worker
from store.models import Review, SentEmail
from store.org_sync import sync_org
from tests.factories import HR, body_text
from tests.waiting import eventually, mail_arrived
from tests.workflows.recording import record_history
from workflows.calendar import OSLO
from workflows.rules import local_moment

N = 300
IN_CYCLE = N - 1  # everyone but the CEO, who has no manager
MANAGERS = 46


@pytest_asyncio.fixture
async def org(sessions: async_sessionmaker) -> async_sessionmaker:
    async with sessions.begin() as session:
        await sync_org(
            session, parse(org_csv(N)), today=datetime.now(UTC).date(), now=datetime.now(UTC)
        )
    return sessions


@pytest_asyncio.fixture
async def api(
    time_env: WorkflowEnvironment, settings: Settings, org: async_sessionmaker
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings, temporal=time_env.client, sessions=org, clock=time_env.get_current_time
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client


def hr(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, HR.id)}"}


def cycle_body(cycle_id: str) -> dict:
    return {
        "id": cycle_id,
        "name": "Medarbeidersamtaler 2027",
        "year": 2027,
        "window_start": "2026-11-01",
        "window_end": "2027-12-31",
    }


async def review_count(sessions: async_sessionmaker, cycle_id: str) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Review).where(Review.cycle_id == cycle_id)
            )
            or 0
        )


async def kickoff_log(sessions: async_sessionmaker, cycle_id: str) -> list[str]:
    """The email log's status of each kickoff key of the cycle (one row per key)."""
    async with sessions() as session:
        statuses = await session.scalars(
            select(SentEmail.status).where(SentEmail.key.like(f"kickoff:{cycle_id}:%"))
        )
        return list(statuses)


async def settled(sessions: async_sessionmaker, sink: MailSink, cycle_id: str) -> None:
    """Every review in, and every manager's kickoff email logged as sent. A key is marked
    sent only after the relay took it, and a sent key is never sent again, so nothing
    more can arrive: the checks that follow need no grace period."""

    async def done() -> bool:
        log = await kickoff_log(sessions, cycle_id)
        arrived = [m for m in sink.messages if m["X-Samtale-Kind"] == "kickoff"]
        return (
            await review_count(sessions, cycle_id) >= IN_CYCLE
            and len(log) == MANAGERS
            and set(log) == {"sent"}
            and len(arrived) >= MANAGERS
        )

    await eventually(done, "every review and every kickoff email", seconds=60)


async def kicked_off(
    api: httpx.AsyncClient, settings: Settings, sessions: async_sessionmaker, sink: MailSink
) -> str:
    """A new cycle over the whole organisation, its kickoff done (a worker must run)."""
    cycle = f"c{uuid.uuid4().hex[:8]}"
    r = await api.post("/cycles", json=cycle_body(cycle), headers=hr(settings))
    assert r.status_code == 201, r.text
    await settled(sessions, sink, cycle)
    return cycle


def assert_once_each(sink: MailSink) -> None:
    """One email per manager, listing every one of their reports: none was sent before
    all of a manager's reviews were in, even where they straddle pages."""
    kickoffs = [m for m in sink.messages if m["X-Samtale-Kind"] == "kickoff"]
    per_manager = Counter(m["To"].addresses[0].addr_spec for m in kickoffs)
    assert len(per_manager) == MANAGERS and set(per_manager.values()) == {1}
    reports = Counter(f"{p.manager}@example.no" for p in people(N) if p.manager)
    for m in kickoffs:
        text = body_text(m)
        bullets = [line for line in text.splitlines() if line.startswith("• ")]
        assert len(bullets) == reports[m["To"].addresses[0].addr_spec]


async def test_a_kickoff_run_twice_starts_each_review_and_mails_each_manager_once(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    settings: Settings,
    org: async_sessionmaker,
    sink: MailSink,
) -> None:
    cycle = f"c{uuid.uuid4().hex[:8]}"
    # Pages smaller than a team: a manager's reports straddle pages.
    small_pages = settings.model_copy(update={"kickoff_page_size": 7})
    async with build_worker(time_env.client, small_pages, org):
        for _ in range(2):
            r = await api.post("/cycles", json=cycle_body(cycle), headers=hr(settings))
            assert r.status_code == 201, r.text
        await settled(org, sink, cycle)
        handle = time_env.client.get_workflow_handle(f"cycle-{cycle}")
        record_history("cycle_kickoff", (await handle.fetch_history()).to_json())
    assert await review_count(org, cycle) == IN_CYCLE
    assert_once_each(sink)
    # Each email lists the manager's reports, as many as its subject says.
    for m in (m for m in sink.messages if m["X-Samtale-Kind"] == "kickoff"):
        text = body_text(m)
        bullets = [line for line in text.splitlines() if line.startswith("• ")]
        assert str(m["Subject"]).split(": ")[1].startswith(f"{len(bullets)} ")


async def test_a_kickoff_whose_worker_is_stopped_midway_completes_without_duplicates(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    settings: Settings,
    org: async_sessionmaker,
    sink: MailSink,
) -> None:
    small_pages = settings.model_copy(update={"kickoff_page_size": 20})
    cycle = f"c{uuid.uuid4().hex[:8]}"
    # No workflow cache, so no sticky queue: the test server would hold the cycle's next
    # task for the stopped worker until a timeout it counts on its own, frozen, clock.
    first = build_worker(time_env.client, small_pages, org, max_cached_workflows=0)
    running = asyncio.create_task(first.run())
    r = await api.post("/cycles", json=cycle_body(cycle), headers=hr(settings))
    assert r.status_code == 201

    async def partway() -> bool:
        return await review_count(org, cycle) >= 60

    await eventually(partway, "the kickoff to be under way")
    await first.shutdown()
    await running
    assert await review_count(org, cycle) < IN_CYCLE, "the kickoff finished before the stop"
    async with build_worker(time_env.client, small_pages, org):
        await settled(org, sink, cycle)
    assert await review_count(org, cycle) == IN_CYCLE
    assert_once_each(sink)


async def test_the_funnel_counts_the_reviews_overall_and_per_unit(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    settings: Settings,
    org: async_sessionmaker,
    sink: MailSink,
) -> None:
    async with build_worker(time_env.client, settings, org):
        cycle = await kicked_off(api, settings, org, sink)
        body = (await api.get(f"/cycles/{cycle}", headers=hr(settings))).json()
    assert body["overall"]["total"] == IN_CYCLE
    assert body["overall"]["phases"]["scheduling"] == IN_CYCLE
    units = {u["unit"]: u for u in body["units"]}
    # Every review sits under the root unit; a division holds the sum of its departments'.
    assert units["Konsern"]["total"] == IN_CYCLE
    assert {u["parent"] for u in body["units"]} == {None, "Konsern"}  # the top, one level
    d1 = units["D1"]["total"]
    drill = await api.get(f"/cycles/{cycle}", params={"unit": "D1"}, headers=hr(settings))
    children = [u for u in drill.json()["units"] if u["parent"] == "D1"]
    own = (
        await api.get(
            f"/cycles/{cycle}/reviews", params={"org_unit": "D1", "limit": 1}, headers=hr(settings)
        )
    ).json()["total"]
    assert d1 == own == sum(u["total"] for u in children) + 1  # + the D1 head's own review


async def test_cancelling_a_cycle_cancels_every_open_review(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    settings: Settings,
    org: async_sessionmaker,
    sink: MailSink,
) -> None:
    async with build_worker(time_env.client, settings, org):
        cycle = await kicked_off(api, settings, org, sink)
        r = await api.post(
            f"/cycles/{cycle}/cancel", json={"reason": "Reorganisation"}, headers=hr(settings)
        )
        assert r.status_code == 200, r.text

        async def all_cancelled() -> bool:
            body = (await api.get(f"/cycles/{cycle}", headers=hr(settings))).json()
            return body["status"] == "cancelled"

        await eventually(all_cancelled, "the cycle to close", seconds=60)
        body = (await api.get(f"/cycles/{cycle}", headers=hr(settings))).json()
    assert body["overall"]["phases"]["cancelled"] == IN_CYCLE
    assert body["final_figures"]["phases"]["cancelled"] == IN_CYCLE
    again = await api.post(f"/cycles/{cycle}/cancel", json={"reason": "x"}, headers=hr(settings))
    assert again.status_code == 409


async def test_hr_gets_one_weekly_digest_of_what_is_slipping(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    settings: Settings,
    org: async_sessionmaker,
    sink: MailSink,
) -> None:
    async with build_worker(time_env.client, settings, org):
        cycle = await kicked_off(api, settings, org, sink)
        now = (await time_env.get_current_time()).astimezone(OSLO)
        monday = now.date() + timedelta(days=(7 - now.weekday()) % 7 or 7)
        await time_env.sleep(local_moment(monday, 8, OSLO) + timedelta(minutes=5) - now)
        await mail_arrived(sink, "hr_digest")
        handle = time_env.client.get_workflow_handle(f"cycle-{cycle}")
        record_history("cycle_weekly_digest", (await handle.fetch_history()).to_json())
    (digest,) = [m for m in sink.messages if m["X-Samtale-Kind"] == "hr_digest"]
    assert digest["To"].addresses[0].addr_spec == HR.email
    text = body_text(digest)
    assert "Medarbeidersamtaler 2027" in text and "Ikke avtalt etter fristen: 0" in text
    assert f"/cycles/{cycle}" in text
