"""The weekly manager digest: one email per manager with something to do, once a week."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core.settings import Settings
from samtale.mailsink import MailSink
from samtale.schedules import MANAGER_DIGEST, disable_manager_digest, enable_manager_digest
from samtale.worker import build_worker
from store.readmodel import apply_sync
from tests.factories import EMPLOYEE, HR, MANAGER, OTHER_MANAGER, body_text
from tests.waiting import mail_arrived
from workflows.calendar import OSLO
from workflows.contracts import (
    Action,
    DigestInput,
    DigestResult,
    Phase,
    Policy,
    ReviewState,
    ReviewSync,
)
from workflows.digest import ManagerDigestWorkflow


async def seed(sessions: async_sessionmaker, today: date) -> None:
    """The manager's report has an overdue and an open action; HR's report (the manager
    themself) still has a conversation to schedule."""
    t = datetime.now(UTC)
    follow_up = ReviewState(
        review_id="review-2027-e-100",
        cycle_id="2027",
        employee=EMPLOYEE,
        manager=MANAGER,
        hr=HR,
        policy=Policy(),
        phase=Phase.FOLLOW_UP,
        started_at=t,
        phase_since=t,
        version=9,
        actions=[
            Action(1, "Course in facilitation", EMPLOYEE.id, today - timedelta(days=3), t),
            Action(2, "Find a mentor", MANAGER.id, today + timedelta(days=30), t),
        ],
    )
    scheduling = ReviewState(
        review_id="review-2027-m-10",
        cycle_id="2027",
        employee=MANAGER,
        manager=HR,
        hr=HR,
        policy=Policy(),
        phase=Phase.SCHEDULING,
        started_at=t,
        phase_since=t,
        version=1,
    )
    async with sessions.begin() as session:
        await apply_sync(session, ReviewSync(follow_up))
        await apply_sync(session, ReviewSync(scheduling))


async def run_digest(
    env: WorkflowEnvironment, worker: Worker, week: str | None = None
) -> DigestResult:
    return await env.client.execute_workflow(
        ManagerDigestWorkflow.run,
        DigestInput(week),
        id=f"digest-{uuid.uuid4().hex[:6]}",
        task_queue=worker.task_queue,
    )


async def test_each_manager_gets_one_digest_listing_their_teams_work(
    time_env: WorkflowEnvironment, worker: Worker, sessions: async_sessionmaker, sink: MailSink
) -> None:
    today = (await time_env.get_current_time()).astimezone(OSLO).date()
    await seed(sessions, today)
    result = await run_digest(time_env, worker)
    assert (result.sent, result.failed) == (2, 0)
    by_recipient = {m["To"].addresses[0].addr_spec: m for m in sink.messages}
    assert set(by_recipient) == {MANAGER.email, HR.email}
    text = body_text(by_recipient[MANAGER.email])
    overdue, open_ = text.split("Forfalte tiltak:")[1].split("Åpne tiltak:")
    assert "• Kari Nordmann, " in overdue and "• Ola Hansen, " in open_
    assert "Course in facilitation" not in text  # whose and when, never the title
    assert "https://samtale.example.no/team/actions" in text  # the action board page
    hr_text = body_text(by_recipient[HR.email])
    assert "• Ola Hansen" in hr_text.split("Samtaler som ikke er avtalt ennå:")[1]
    assert OTHER_MANAGER.email not in by_recipient  # nothing to tell them


async def test_a_second_run_in_the_same_week_sends_nothing(
    time_env: WorkflowEnvironment, worker: Worker, sessions: async_sessionmaker, sink: MailSink
) -> None:
    await seed(sessions, (await time_env.get_current_time()).astimezone(OSLO).date())
    # The week is pinned: between two runs the test server may skip years of idle time.
    await run_digest(time_env, worker, week="2027-W07")
    again = await run_digest(time_env, worker, week="2027-W07")
    assert (again.sent, again.already_sent) == (0, 2)
    assert len(sink.messages) == 2


async def test_the_schedule_runs_the_digest_on_the_dev_server(
    dev_server: WorkflowEnvironment,
    settings: Settings,
    sessions: async_sessionmaker,
    sink: MailSink,
) -> None:
    await seed(sessions, datetime.now(OSLO).date())
    client = dev_server.client
    await enable_manager_digest(client, task_queue=settings.task_queue, weekday=1, hour=7)
    await enable_manager_digest(client, task_queue=settings.task_queue, weekday=5, hour=9)
    try:
        handle = client.get_schedule_handle(MANAGER_DIGEST)
        (cal,) = (await handle.describe()).schedule.spec.calendars
        assert (cal.day_of_week[0].start, cal.hour[0].start) == (5, 9)  # updated in place
        async with build_worker(client, settings, sessions):
            await handle.trigger()
            await mail_arrived(sink, "manager_digest", count=2)
    finally:
        assert await disable_manager_digest(client)
    assert not await disable_manager_digest(client)
