"""Changes HR makes to a running review: a new manager, a cancellation before any meeting."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from samtale.mailsink import MailSink
from tests.factories import (
    EMPLOYEE,
    HR,
    MANAGER,
    OTHER_MANAGER,
    body_text,
    meeting,
    review_input,
    working_slot,
)
from tests.waiting import mail_arrived
from workflows.contracts import Actor, Cancel, ChangeManager, Phase
from workflows.review import ReviewWorkflow

HR_ACTOR = Actor(HR.id, is_hr=True)


async def start(env: WorkflowEnvironment, worker: Worker) -> WorkflowHandle:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    return await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )


async def test_hr_cancelling_an_unscheduled_review_tells_the_manager(
    time_env: WorkflowEnvironment, worker: Worker, sink: MailSink
) -> None:
    handle = await start(time_env, worker)
    await handle.execute_update(ReviewWorkflow.cancel, Cancel(HR_ACTOR, "Kari has left"))
    await mail_arrived(sink, "review_cancelled")
    (msg,) = sink.messages
    assert msg["To"].addresses[0].addr_spec == MANAGER.email
    assert "Kari has left" in body_text(msg)


async def test_a_new_manager_takes_over_the_review_with_what_was_done(
    time_env: WorkflowEnvironment, worker: Worker, sink: MailSink
) -> None:
    handle = await start(time_env, worker)
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    state = (
        await handle.execute_update(
            ReviewWorkflow.change_manager, ChangeManager(HR_ACTOR, OTHER_MANAGER)
        )
    ).state
    assert state.manager == OTHER_MANAGER
    assert state.phase is Phase.INVITED and state.meeting is not None  # the meeting stands
    await mail_arrived(sink, "manager_changed", count=2)
    told = {
        m["To"].addresses[0].addr_spec
        for m in sink.messages
        if m["X-Samtale-Kind"] == "manager_changed"
    }
    assert told == {MANAGER.email, OTHER_MANAGER.email}
    # From now on only the new manager may run it: the old one is refused as the wrong
    # person (403), the new one moves the meeting.
    later = start_at + timedelta(days=7)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(ReviewWorkflow.reschedule, meeting(later, by=MANAGER.id))
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "WrongActor"
    moved = (
        await handle.execute_update(ReviewWorkflow.reschedule, meeting(later, by=OTHER_MANAGER.id))
    ).state
    assert moved.meeting is not None and moved.meeting.sequence == 1


async def test_only_hr_moves_a_review_to_another_manager(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    handle = await start(time_env, worker)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            ReviewWorkflow.change_manager, ChangeManager(Actor(EMPLOYEE.id), OTHER_MANAGER)
        )
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "WrongActor"
    assert "only HR" in cause.message
