"""A relay that is down delays mail but loses none and blocks nothing; a refusal is recorded."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core.settings import Settings
from samtale.mailsink import MailSink, free_port
from samtale.worker import build_worker
from store.queries import review_detail
from tests.factories import (
    EMPLOYEE,
    HR,
    MANAGER,
    body_text,
    kinds,
    meeting,
    review_input,
    working_slot,
)
from tests.waiting import eventually, mail_arrived
from tests.workflows.recording import record_history
from workflows.contracts import Accept, Actor, Cancel, Phase
from workflows.review import ReviewWorkflow


async def start(env: WorkflowEnvironment, task_queue: str) -> WorkflowHandle:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    return await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=task_queue
    )


async def email_log(sessions: async_sessionmaker, review_id: str) -> list[tuple[str, str]]:
    """The review's emails as the log has them: (kind, status), sorted."""
    async with sessions() as s:
        d = await review_detail(s, review_id)
    assert d is not None
    return sorted((m.kind, m.status) for m in d.emails)


async def test_an_smtp_outage_delays_the_invitation_but_never_blocks_or_duplicates(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> None:
    port = free_port()
    down = settings.model_copy(update={"smtp_port": port})
    async with build_worker(time_env.client, down, sessions) as worker:
        handle = await start(time_env, worker.task_queue)
        start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
        await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
        # The relay is down, yet the employee can accept: sending does not hold the review.
        state = (
            await handle.execute_update(ReviewWorkflow.accept, Accept(Actor(EMPLOYEE.id)))
        ).state
        assert state.phase is Phase.PREPARING

        async def attempted() -> bool:
            async with sessions() as s:
                d = await review_detail(s, handle.id)
                return bool(d and d.emails and d.emails[0].attempts >= 1)

        async def delivered() -> bool:
            return "invitation" in kinds(sink.messages)

        await eventually(attempted, "a failed attempt to be recorded")
        with MailSink(port=port) as sink:
            await time_env.sleep(timedelta(minutes=15))  # past the retry backoff
            await eventually(delivered, "the invitation after the outage")
            await time_env.sleep(timedelta(minutes=30))
            assert kinds(sink.messages).count("invitation") == 1


async def test_a_refused_mailbox_is_recorded_on_the_review_which_goes_on(
    time_env: WorkflowEnvironment, worker: Worker, sink: MailSink, sessions: async_sessionmaker
) -> None:
    sink.handler.refuse.add(EMPLOYEE.email)
    handle = await start(time_env, worker.task_queue)
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))

    async def failed() -> bool:
        async with sessions() as s:
            d = await review_detail(s, handle.id)
            return bool(d and any(e.kind == "email_failed" for e in d.events))

    async def both_logged() -> bool:  # the relay takes a message a moment before its log says so
        return await email_log(sessions, handle.id) == [
            ("email_undeliverable", "sent"),
            ("invitation", "failed"),
        ]

    await eventually(failed, "the refusal on the review's timeline")
    await mail_arrived(sink, "email_undeliverable")
    await eventually(both_logged, "the notice sent and the invitation failed, in the email log")
    state = (await handle.execute_update(ReviewWorkflow.accept, Accept(Actor(EMPLOYEE.id)))).state
    assert state.phase is Phase.PREPARING
    # The manager, in copy, was not refused: they got it, once. HR is told what failed.
    delivered, notice = sink.messages
    assert delivered["Cc"].addresses[0].addr_spec == MANAGER.email
    assert notice["To"].addresses[0].addr_spec == HR.email
    assert EMPLOYEE.email in body_text(notice)
    await handle.execute_update(ReviewWorkflow.cancel, Cancel(Actor(MANAGER.id), "test over"))
    await handle.result()
    record_history("review_refused_invitation_hr_told", (await handle.fetch_history()).to_json())


async def test_hr_is_told_of_a_refused_last_email_before_the_review_ends(
    time_env: WorkflowEnvironment, worker: Worker, sink: MailSink, sessions: async_sessionmaker
) -> None:
    handle = await start(time_env, worker.task_queue)
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    await mail_arrived(sink, "invitation")
    sink.handler.refuse.add(EMPLOYEE.email)
    # The cancellation is the review's last email: it is in flight as the loop ends.
    await handle.execute_update(ReviewWorkflow.cancel, Cancel(Actor(MANAGER.id), "moved"))
    await handle.result()
    notices = [m for m in sink.messages if m["X-Samtale-Kind"] == "email_undeliverable"]
    assert len(notices) == 1
    assert notices[0]["To"].addresses[0].addr_spec == HR.email
    assert EMPLOYEE.email in body_text(notices[0])
    assert await email_log(sessions, handle.id) == [
        ("cancellation", "failed"),
        ("email_undeliverable", "sent"),
        ("invitation", "sent"),
    ]
    record_history("review_last_email_refused_hr_told", (await handle.fetch_history()).to_json())


async def test_a_worker_dying_mid_send_resends_with_the_same_message_id(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: async_sessionmaker,
    sink: MailSink,
) -> None:
    """The relay has the message but the worker dies before hearing 250: the rare resend
    carries the same Message-ID, so mail clients and people can tell it is the same mail."""
    sink.handler.reply_delay = 30
    first = build_worker(time_env.client, settings, sessions)
    first_run = asyncio.create_task(first.run())
    handle = await start(time_env, settings.task_queue)
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    await mail_arrived(sink, "invitation")
    await first.shutdown()
    await first_run

    sink.handler.reply_delay = 0
    # The stopping worker reports the attempt as failed; the retry follows the backoff.
    async with build_worker(time_env.client, settings, sessions):
        await mail_arrived(sink, "invitation", count=2)
        once, again = sink.messages
        assert once["Message-ID"] == again["Message-ID"]

        async def logged_sent() -> bool:
            async with sessions() as s:
                d = await review_detail(s, handle.id)
                return bool(d and [(m.status, m.attempts) for m in d.emails] == [("sent", 2)])

        await eventually(logged_sent, "the log to show one email sent on the second attempt")
