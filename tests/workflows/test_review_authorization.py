"""Authorization before state: someone who may not act on a review is refused as such (403),
whatever the review's phase, so a refusal never tells a stranger where the review stands."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.factories import HR, OTHER_MANAGER, meeting, review_input, working_slot
from workflows.contracts import (
    Accept,
    Actor,
    Cancel,
    ChangeManager,
    CompleteAction,
    RecordOutcome,
    SignOff,
    SubmitPreparation,
    SubmitSummary,
)
from workflows.review import ReviewWorkflow

STRANGER = Actor("someone-else")


def commands(start_at: Any) -> list[tuple[Any, object]]:
    """Every review command, issued by someone who is neither the employee nor the manager
    (nor, for HR's commands, HR)."""
    return [
        (ReviewWorkflow.schedule, meeting(start_at, by=STRANGER.id)),
        (ReviewWorkflow.reschedule, meeting(start_at, by=STRANGER.id)),
        (ReviewWorkflow.accept, Accept(STRANGER)),
        (ReviewWorkflow.submit_preparation, SubmitPreparation(STRANGER)),
        (ReviewWorkflow.record_outcome, RecordOutcome(STRANGER, held=True)),
        (ReviewWorkflow.submit_summary, SubmitSummary(STRANGER, "a summary")),
        (ReviewWorkflow.sign_off, SignOff(STRANGER)),
        (ReviewWorkflow.complete_action, CompleteAction(STRANGER, 1)),
        (ReviewWorkflow.cancel, Cancel(STRANGER, "why not")),
        (ReviewWorkflow.change_manager, ChangeManager(STRANGER, OTHER_MANAGER)),
    ]


async def cancelled_review(env: WorkflowEnvironment, worker: Worker) -> WorkflowHandle:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    handle = await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )
    await handle.execute_update(ReviewWorkflow.cancel, Cancel(Actor(HR.id, is_hr=True), "gone"))
    return handle


@pytest.mark.parametrize("index", range(len(commands(None))))
async def test_a_stranger_is_refused_as_a_stranger_not_told_the_phase(
    time_env: WorkflowEnvironment, worker: Worker, index: int
) -> None:
    # A cancelled review refuses every command on its phase; the stranger must not learn it.
    handle = await cancelled_review(time_env, worker)
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    update, cmd = commands(start_at)[index]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(update, cmd)
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, "cancelled" in str(cause)) == ("WrongActor", False)


async def test_the_employee_completing_an_action_is_told_the_phase_not_refused_as_actor(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    """The participant check for actions lets the review's own people through to the phase
    check: only strangers are stopped before it."""
    handle = await cancelled_review(time_env, worker)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            ReviewWorkflow.complete_action,
            CompleteAction(Actor(review_input().employee.id), 1),
        )
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "WrongPhase"
