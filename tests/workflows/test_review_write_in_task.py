"""A command's change is in the read model when the command answers: the workflow writes it
in the update's own workflow task, by a local activity, so the caller only reads and no
second task, timer or sync activity follows (patch write-in-task). When that write gives up,
the command answers with the change for the caller to write, and the sync activity, the
durable backstop, writes it once the database answers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core.settings import Settings
from samtale.mailsink import MailSink
from samtale.worker import workflow_runner
from store.queries import review_detail
from store.readmodel import write_synced
from tests.factories import EMPLOYEE, meeting, review_input, working_slot
from tests.waiting import eventually
from tests.workflows.recording import record_history
from workflows.contracts import Accept, Actor, ReviewSync
from workflows.review import ReviewWorkflow


async def start(env: WorkflowEnvironment, task_queue: str) -> WorkflowHandle:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    return await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=task_queue
    )


async def read_model(sessions: async_sessionmaker, review_id: str) -> tuple | None:
    async with sessions() as session:
        detail = await review_detail(session, review_id)
    return None if detail is None else (detail.review.phase, [e.kind for e in detail.events])


async def written(sessions: async_sessionmaker, review_id: str, expected: tuple) -> None:
    async def there() -> bool:
        return await read_model(sessions, review_id) == expected

    await eventually(there, f"the read model to show {expected}")


async def counts(handle: WorkflowHandle) -> dict[str, int]:
    """Workflow tasks, timers and activities so far (by type), from the history."""
    seen = {"tasks": 0, "timers": 0, "local writes": 0}
    for e in (await handle.fetch_history()).events:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            seen["tasks"] += 1
        elif e.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            seen["timers"] += 1
        elif e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            seen["local writes"] += e.marker_recorded_event_attributes.marker_name == (
                "core_local_activity"
            )
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            name = e.activity_task_scheduled_event_attributes.activity_type.name
            seen[name] = seen.get(name, 0) + 1
    return seen


async def test_a_command_is_in_the_read_model_when_it_answers_and_costs_one_task(
    time_env: WorkflowEnvironment, worker: Worker, sessions: async_sessionmaker, sink: MailSink
) -> None:
    handle = await start(time_env, worker.task_queue)
    await written(sessions, handle.id, ("scheduling", ["started"]))
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    answer = await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    assert answer.written and answer.events == []
    # Read at once, not eventually: written before the answer left the workflow.
    assert await read_model(sessions, handle.id) == ("invited", ["started", "scheduled"])
    await eventually(lambda: _delivered(sink, 1), "the invitation at the relay")
    await eventually(lambda: _sent(handle), "the invitation recorded as sent")

    before = await counts(handle)
    answer = await handle.execute_update(ReviewWorkflow.accept, Accept(Actor(EMPLOYEE.id)))
    assert answer.written
    assert await read_model(sessions, handle.id) == (
        "preparing",
        ["started", "scheduled", "accepted"],
    )
    after = await counts(handle)
    assert after["tasks"] == before["tasks"] + 1, "the accept took more than its own task"
    assert after["local writes"] == before["local writes"] + 1
    assert after["timers"] == before["timers"], "a timer started for a written command"
    assert "sync_review" not in after, "a sync activity followed a written command"
    record_history("review_write_in_task", (await handle.fetch_history()).to_json())


async def _delivered(sink: MailSink, n: int) -> bool:
    return len(sink.handler.messages) >= n


async def _sent(handle: WorkflowHandle) -> bool:
    return bool((await handle.query(ReviewWorkflow.state)).sent_email_keys)


async def test_a_command_whose_write_gives_up_answers_with_the_change_and_the_sync_writes_it(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> None:
    @activity.defn(name="sync_review")
    async def local_write_fails(sync: ReviewSync) -> None:
        """The read model refuses the in-task (local) write only: the database answers
        again by the time the sync activity runs."""
        if activity.info().is_local:
            raise OperationalError("connect", None, ConnectionRefusedError("database down"))
        await write_synced(sessions, sync)

    queue = f"write-fails-{uuid.uuid4().hex[:6]}"
    async with Worker(
        time_env.client,
        task_queue=queue,
        workflows=[ReviewWorkflow],
        activities=[local_write_fails],
        workflow_runner=workflow_runner(),
    ):
        handle = await start(time_env, queue)
        await written(sessions, handle.id, ("scheduling", ["started"]))
        start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
        answer = await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
        assert not answer.written
        assert [e.kind for e in answer.events] == ["scheduled"], "the change, for the caller"
        await written(sessions, handle.id, ("invited", ["started", "scheduled"]))
        assert (await counts(handle))["sync_review"] == 2, "the start and the schedule"


async def test_a_change_the_loop_makes_itself_is_written_at_once(
    time_env: WorkflowEnvironment, worker: Worker, sessions: async_sessionmaker, sink: MailSink
) -> None:
    sink.handler.refuse.add(EMPLOYEE.email)
    handle = await start(time_env, worker.task_queue)
    await written(sessions, handle.id, ("scheduling", ["started"]))
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    await written(sessions, handle.id, ("invited", ["started", "scheduled", "email_failed"]))
    assert "sync_review" not in await counts(handle)
