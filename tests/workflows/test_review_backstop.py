"""The backstop sync waits for a quiet review: the API writes each command's answer itself,
so the workflow's own write of those changes follows a few seconds after the last command,
once for a burst of them, and still reaches the read model when nobody else wrote it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from samtale.mailsink import MailSink
from store.queries import review_detail
from tests.factories import EMPLOYEE, meeting, review_input, working_slot
from tests.waiting import eventually
from tests.workflows.recording import record_history
from workflows.contracts import Accept, Actor
from workflows.review import SYNC_LAG_MAX, SYNC_QUIET, ReviewWorkflow


async def start(env: WorkflowEnvironment, worker: Worker) -> WorkflowHandle:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    return await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )


async def read_model(sessions: async_sessionmaker, review_id: str) -> tuple | None:
    async with sessions() as session:
        detail = await review_detail(session, review_id)
    return None if detail is None else (detail.review.phase, [e.kind for e in detail.events])


async def syncs(handle: WorkflowHandle) -> int:
    """How many times the workflow has written its read model (sync_review activities)."""
    history = await handle.fetch_history()
    return sum(
        e.activity_task_scheduled_event_attributes.activity_type.name == "sync_review"
        for e in history.events
    )


async def written(sessions: async_sessionmaker, review_id: str, expected: tuple) -> None:
    async def there() -> bool:
        return await read_model(sessions, review_id) == expected

    await eventually(there, f"the read model to show {expected}")


async def test_commands_nobody_wrote_reach_the_read_model_in_one_write_once_it_is_quiet(
    time_env: WorkflowEnvironment, worker: Worker, sessions: async_sessionmaker
) -> None:
    handle = await start(time_env, worker)
    # What the loop records itself (the review started) is written at once.
    await written(sessions, handle.id, ("scheduling", ["started"]))
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    # Updates sent straight to the workflow: as if the API's write of each answer failed.
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    await handle.execute_update(ReviewWorkflow.accept, Accept(Actor(EMPLOYEE.id)))
    assert await syncs(handle) == 1, "a command's change was written before the review was quiet"

    await time_env.sleep(SYNC_QUIET + timedelta(seconds=1))
    await written(sessions, handle.id, ("preparing", ["started", "scheduled", "accepted"]))
    assert await syncs(handle) == 2, "both commands in one write"
    record_history("review_sync_when_quiet", (await handle.fetch_history()).to_json())


async def test_a_review_never_quiet_is_written_at_most_the_longest_lag_after_its_first_command(
    time_env: WorkflowEnvironment, worker: Worker, sessions: async_sessionmaker
) -> None:
    handle = await start(time_env, worker)
    await written(sessions, handle.id, ("scheduling", ["started"]))
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    # A reschedule a little more often than the quiet takes: the review is never quiet.
    gap = SYNC_QUIET - timedelta(seconds=1)
    for n in range(1, SYNC_LAG_MAX // gap + 1):
        await time_env.sleep(gap)
        await handle.execute_update(
            ReviewWorkflow.reschedule, meeting(start_at + n * timedelta(minutes=15))
        )
    assert await syncs(handle) == 1, "written before the longest lag had passed"
    await time_env.sleep(gap)
    await written(sessions, handle.id, ("invited", ["started", "scheduled"] + ["rescheduled"] * n))
    assert await syncs(handle) == 2


async def test_a_change_the_loop_makes_while_the_backstop_waits_is_written_at_once(
    time_env: WorkflowEnvironment, worker: Worker, sessions: async_sessionmaker, sink: MailSink
) -> None:
    sink.handler.refuse.add(EMPLOYEE.email)
    handle = await start(time_env, worker)
    await written(sessions, handle.id, ("scheduling", ["started"]))
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))

    async def failed() -> bool:
        shown = await read_model(sessions, handle.id)
        return shown is not None and "email_failed" in shown[1]

    # The refused invitation is the loop's own change: it does not wait for the quiet.
    quiet = SYNC_QUIET.total_seconds()
    await eventually(failed, "the refusal on the timeline before the quiet", seconds=quiet - 2)
