"""Timed emails that can no longer help are dropped, not sent late, and the review's timeline
says so: a day-before reminder once the meeting has begun, a preparation reminder once its
person has prepared."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from samtale.mailsink import MailSink, free_port
from samtale.worker import build_worker
from store.queries import review_detail
from tests.factories import EMPLOYEE, MANAGER, kinds, meeting, review_input, working_slot
from tests.waiting import eventually, mail_arrived
from workflows.contracts import Actor, Policy, SubmitPreparation
from workflows.review import ReviewWorkflow


async def scheduled(
    env: WorkflowEnvironment, task_queue: str, sink: MailSink, policy: Policy
) -> tuple[WorkflowHandle, datetime]:
    """A review with a meeting 15 days ahead, its invitation delivered."""
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}", policy=policy)
    handle = await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=task_queue
    )
    start_at = working_slot(await env.get_current_time() + timedelta(days=15))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    await mail_arrived(sink, "invitation")
    return handle, start_at


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    """Skip time to `moment` an hour at a time, so that the retries between happen."""
    while (left := moment - await env.get_current_time()) > timedelta(0):
        await env.sleep(min(left, timedelta(hours=1)))


async def timeline(sessions: async_sessionmaker, review_id: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        detail = await review_detail(session, review_id)
    return [(e.kind, e.detail) for e in detail.events] if detail else []


async def test_a_relay_down_until_the_meeting_drops_the_day_before_reminders(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> None:
    port = free_port()
    relay = settings.model_copy(update={"smtp_port": port})
    policy = Policy(prep_reminder_days=[])  # the day-before reminders only
    async with build_worker(time_env.client, relay, sessions):
        with MailSink(port=port) as sink:
            handle, start_at = await scheduled(time_env, relay.task_queue, sink, policy)
        # The relay is down from the day before until after the meeting has begun.
        await sleep_until(time_env, start_at + timedelta(hours=1))

        async def both_dropped() -> bool:
            events = await timeline(sessions, handle.id)
            return events.count(("email_dropped", "day_before")) == 2

        await eventually(both_dropped, "both day-before reminders dropped", seconds=20)
        with MailSink(port=port) as back:
            await time_env.sleep(timedelta(hours=2))  # past any retry backoff
            assert "day_before" not in kinds(back.messages)
        state = await handle.query(ReviewWorkflow.state)
    assert sorted(state.dropped_email_keys) == [
        f"{handle.id}:day-before:0:employee",
        f"{handle.id}:day-before:0:manager",
    ]
    assert state.failed_email_keys == []  # out of time, not undeliverable: HR is not told


async def test_a_preparation_reminder_still_trying_when_its_person_prepares_is_dropped(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> None:
    port = free_port()
    relay = settings.model_copy(update={"smtp_port": port})
    policy = Policy(prep_reminder_days=[7], day_before_reminder=False)
    async with build_worker(time_env.client, relay, sessions):
        with MailSink(port=port) as sink:
            handle, start_at = await scheduled(time_env, relay.task_queue, sink, policy)
        # Both preparation reminders are due and trying while the relay is down.
        await sleep_until(time_env, start_at - timedelta(days=7, minutes=-30))
        await handle.execute_update(
            ReviewWorkflow.submit_preparation, SubmitPreparation(Actor(EMPLOYEE.id))
        )

        async def dropped() -> bool:
            events = await timeline(sessions, handle.id)
            return ("email_dropped", "prep_reminder") in events

        await eventually(dropped, "the employee's preparation reminder dropped")
        with MailSink(port=port) as back:
            await time_env.sleep(timedelta(minutes=30))  # past the retry backoff
            await mail_arrived(back, "prep_reminder")
            await time_env.sleep(timedelta(hours=1))
            to = [m["To"].addresses[0].addr_spec for m in back.messages]
        assert to == [MANAGER.email]  # the manager, who has not prepared, still hears
    assert (await timeline(sessions, handle.id)).count(("email_dropped", "prep_reminder")) == 1
