"""Every workflow and update takes one dataclass, and runs started before that, with a plain
string, still work: an org change started with its id, a cycle cancelled with a reason."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.factories import HR
from tests.waiting import eventually
from tests.workflows.recording import record_history
from workflows.contracts import (
    CancelCycle,
    CycleEnd,
    CycleInput,
    OrgChangesInput,
    OrgChangesResult,
)
from workflows.cycle import CycleWorkflow


@pytest.mark.parametrize("arg", [OrgChangesInput("no-such-change"), "no-such-change"])
async def test_an_org_change_runs_from_its_input_or_from_a_plain_id(
    time_env: WorkflowEnvironment, worker: Worker, arg: object
) -> None:
    # By name, with an untyped argument: what a caller of the old signature sent.
    result = await time_env.client.execute_workflow(
        "OrgChangesWorkflow",
        arg,
        id=f"org-changes-{uuid.uuid4()}",
        task_queue=worker.task_queue,
        result_type=OrgChangesResult,
    )
    assert result == OrgChangesResult()


async def empty_cycle(
    env: WorkflowEnvironment, worker: Worker, *, days_left: int = 30
) -> WorkflowHandle:
    """A cycle of nobody (no review to start): the workflow alone, waiting for its window."""
    today = (await env.get_current_time()).date()
    cycle = CycleInput(
        cycle_id=f"c{uuid.uuid4().hex[:8]}",
        name="Empty",
        window_start=today - timedelta(days=60),
        window_end=today + timedelta(days=days_left),
        hr=HR,
        employee_ids=[],
    )
    return await env.client.start_workflow(
        CycleWorkflow.run, cycle, id=f"cycle-{cycle.cycle_id}", task_queue=worker.task_queue
    )


@pytest.mark.parametrize("cmd", [CancelCycle("Reorganisation"), "Reorganisation"])
async def test_a_cycle_is_cancelled_with_a_reason_given_either_way(
    time_env: WorkflowEnvironment, worker: Worker, cmd: object
) -> None:
    handle = await empty_cycle(time_env, worker)
    await handle.execute_update("cancel", cmd)
    end = await handle.result()
    assert isinstance(end, CycleEnd)
    assert (end.status, end.reason) == ("cancelled", "Reorganisation")
    if isinstance(cmd, str):
        # Recorded on the code before CancelCycle: a cycle cancelled with a bare reason.
        record_history("cycle_cancelled_with_a_reason", (await handle.fetch_history()).to_json())


async def test_a_cycle_being_finished_refuses_to_be_cancelled(
    time_env: WorkflowEnvironment, worker: Worker, sessions: async_sessionmaker
) -> None:
    """Once the window has closed the loop is over: a cancel accepted then would answer 200
    and cancel nothing. Holding finish_cycle back (its table is gone, so it retries) keeps
    the cycle in that moment."""
    async with sessions.begin() as session:
        await session.execute(text("ALTER TABLE cycles RENAME TO cycles_away"))
    handle = await empty_cycle(time_env, worker, days_left=-2)  # its window closed already

    async def finishing() -> bool:
        pending = (await handle.describe()).raw_description.pending_activities
        return any(a.activity_type.name == "finish_cycle" for a in pending)

    await eventually(finishing, "finish_cycle to be under way")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(CycleWorkflow.cancel, CancelCycle("too late"))
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.message) == ("WrongPhase", "the cycle has already ended")
