"""Review ids name one (cycle, employee) pair, whatever the ids hold; reviews started under the
earlier `review-{cycle}-{employee}` scheme keep their ids and stay reachable."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.auth import issue_token
from core.settings import Settings
from store import cycles as q
from store.directory import add_cycle, as_person, employees_by_id
from store.models import Cycle, Review
from tests.factories import HR
from tests.importing import confirmed_import
from tests.waiting import eventually
from tests.workflows.test_cycle_changes import CEO, E2, HEADER, M1, M2, V1
from workflows.contracts import CycleInput, ReviewInput
from workflows.cycle import CycleWorkflow
from workflows.ids import review_workflow_id
from workflows.review import ReviewWorkflow


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("2027", "h1-e5"), ("2027-h1", "e5")),  # the old scheme's collision
        (("a:b", "c"), ("a", "b:c")),  # the separator inside a part
        (("a%3Ab", "c"), ("a:b", "c")),  # an escape sequence inside a part
        (("a%", "3Ab"), ("a", "%3Ab")),
    ],
)
def test_two_pairs_never_share_a_review_id(one: tuple[str, str], other: tuple[str, str]) -> None:
    assert review_workflow_id(*one) != review_workflow_id(*other)


def test_a_review_id_fits_in_a_url_path() -> None:
    assert review_workflow_id("2027-h1", "e-5") == "review:2027-h1:e-5"


def old_id(cycle: str, employee: str) -> str:
    return f"review-{cycle}-{employee}"


async def old_scheme_cycle(
    env: WorkflowEnvironment,
    worker: Worker,
    sessions: async_sessionmaker,
    api: httpx.AsyncClient,
    settings: Settings,
) -> tuple[str, dict[str, str]]:
    """V1 imported, and a cycle whose kickoff, under the old scheme, registered and started
    e1's review before it stopped: what a kickoff retried after the upgrade finds."""
    hr = {"Authorization": f"Bearer {issue_token(settings, HR.id)}"}
    async with sessions.begin() as session:  # the seeded cycle is not part of this story
        seeded = await session.get(Cycle, "2027")
        assert seeded is not None
        seeded.status = "finished"
    assert (await confirmed_import(api, V1, hr)).status_code == 200
    cycle, now = f"c{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    async with sessions.begin() as session:
        await add_cycle(
            session,
            cycle_id=cycle,
            name="2027",
            year=2027,
            window_start=date(2026, 11, 1),
            window_end=date(2027, 12, 31),
            created_by=HR.id,
            now=now,
        )
        people = await employees_by_id(session, ["e1", "m1"])
        e1 = q.InScope(people["e1"], people["m1"])
        await q.register_reviews(
            session, cycle_id=cycle, review_ids=[old_id(cycle, "e1")], people=[e1], now=now
        )
    await env.client.start_workflow(
        ReviewWorkflow.run,
        ReviewInput(
            review_id=old_id(cycle, "e1"),
            cycle_id=cycle,
            employee=as_person(e1.employee),
            manager=as_person(e1.manager),
            hr=HR,
            registered=True,
        ),
        id=old_id(cycle, "e1"),
        task_queue=worker.task_queue,
    )
    return cycle, hr


async def reviews_of(sessions: async_sessionmaker, cycle: str) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(
            select(Review.employee_id, Review.id).where(Review.cycle_id == cycle)
        )
        return {employee: review for employee, review in rows.tuples()}


async def test_a_kickoff_retried_after_the_upgrade_keeps_the_old_review_and_starts_no_second(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    sessions: async_sessionmaker,
) -> None:
    cycle, _ = await old_scheme_cycle(time_env, worker, sessions, api, settings)
    handle: WorkflowHandle = await time_env.client.start_workflow(
        CycleWorkflow.run,
        CycleInput(
            cycle_id=cycle,
            name="2027",
            window_start=date(2026, 11, 1),
            window_end=date(2027, 12, 31),
            hr=HR,
        ),
        id=f"cycle-{cycle}",
        task_queue=worker.task_queue,
    )

    async def kicked_off() -> bool:
        return await handle.query(CycleWorkflow.kickoff) is not None

    await eventually(kicked_off, "the kickoff to finish")
    assert await reviews_of(sessions, cycle) == {
        "e1": old_id(cycle, "e1"),
        **{e: review_workflow_id(cycle, e) for e in ("m1", "m2", "e2")},
    }
    with pytest.raises(RPCError) as missing:
        await time_env.client.get_workflow_handle(review_workflow_id(cycle, "e1")).describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND


async def test_a_leaver_s_review_under_the_old_id_is_cancelled_by_a_reimport(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    sessions: async_sessionmaker,
) -> None:
    cycle, hr = await old_scheme_cycle(time_env, worker, sessions, api, settings)
    async with sessions.begin() as session:  # the cycle ran its kickoff: it is running
        found = await session.get(Cycle, cycle)
        assert found is not None
        found.status = "running"
    without_e1 = HEADER + CEO + M1 + M2 + E2
    r = await confirmed_import(api, without_e1, hr)
    assert r.status_code == 200, r.text
    assert r.json()["running_cycles"]["reviews_cancelled"] == 1

    async def cancelled() -> bool:
        async with sessions() as session:
            review = await session.get(Review, old_id(cycle, "e1"))
            return review is not None and review.phase == "cancelled"

    await eventually(cancelled, "the old-id review cancelled in the read model")
