"""The conversation as the workflow sees it, facts only: preparations with digests and HMS
flags, summary versions that answer every flagged item, the employee's decision, and a
correction signed again. The histories recorded here guard the new flow (test_replay)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from samtale.mailsink import MailSink
from tests.factories import (
    EMPLOYEE,
    HR,
    MANAGER,
    OTHER_MANAGER,
    meeting,
    review_input,
    working_slot,
)
from tests.waiting import mail_arrived
from tests.workflows.recording import record_history
from workflows.calendar import OSLO
from workflows.contracts import (
    Accept,
    ActionKind,
    Actor,
    Cancel,
    ChangeManager,
    CompleteAction,
    Decision,
    HmsFlag,
    HmsResolution,
    NewAction,
    Phase,
    RecordOutcome,
    ReviewState,
    SignOff,
    SubmitPreparation,
    SubmitSummary,
)
from workflows.review import ReviewWorkflow

EMPLOYEE_ACTOR, MANAGER_ACTOR = Actor(EMPLOYEE.id), Actor(MANAGER.id)
WORKLOAD, NOISE = HmsFlag("ps_workload", "workload"), HmsFlag("ph_noise", "noise")


async def held(env: WorkflowEnvironment, worker: Worker) -> WorkflowHandle:
    """Both prepared (the employee flags workload; the manager workload and noise), held."""
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    handle = await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )
    start = working_slot(await env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start))
    await handle.execute_update(ReviewWorkflow.accept, Accept(EMPLOYEE_ACTOR))
    for actor, flags in ((EMPLOYEE_ACTOR, [WORKLOAD]), (MANAGER_ACTOR, [WORKLOAD, NOISE])):
        cmd = SubmitPreparation(actor, digest=f"digest-of-{actor.id}", flagged=flags)
        await handle.execute_update(ReviewWorkflow.submit_preparation, cmd)
    await env.sleep(start + timedelta(hours=2) - await env.get_current_time())
    await handle.execute_update(ReviewWorkflow.record_outcome, RecordOutcome(MANAGER_ACTOR, True))
    return handle


async def due(env: WorkflowEnvironment, days: int = 30) -> date:
    return (await env.get_current_time()).astimezone(OSLO).date() + timedelta(days=days)


async def state(handle: WorkflowHandle) -> ReviewState:
    return await handle.query(ReviewWorkflow.state)


async def test_flags_from_both_sides_count_once_each(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    s = await state(await held(time_env, worker))
    assert s.flagged == [WORKLOAD, NOISE]
    assert (s.employee_prep_digest, s.manager_prep_digest) == (
        f"digest-of-{EMPLOYEE.id}",
        f"digest-of-{MANAGER.id}",
    )


async def test_a_summary_leaving_a_flagged_item_open_is_refused(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    handle = await held(time_env, worker)
    cmd = SubmitSummary(MANAGER_ACTOR, version=1, digest="d1", hms=[HmsResolution("ps_workload")])
    with pytest.raises(WorkflowUpdateFailedError) as e:
        await handle.execute_update(ReviewWorkflow.submit_summary, cmd)
    assert "ph_noise" in str(e.value.cause)
    assert (await state(handle)).phase is Phase.AWAITING_SUMMARY


async def test_versions_a_correction_and_signing_again_run_to_completed(
    time_env: WorkflowEnvironment, worker: Worker, sink: MailSink
) -> None:
    env = time_env
    handle = await held(env, worker)
    first = SubmitSummary(
        MANAGER_ACTOR,
        actions=[
            NewAction(owner_id=EMPLOYEE.id, due=await due(env), kind=ActionKind.DEVELOPMENT),
            NewAction(owner_id=MANAGER.id, due=await due(env), kind=ActionKind.TILRETTELEGGING),
        ],
        version=1,
        digest="d1",
        hms=[HmsResolution("ps_workload", 2), HmsResolution("ph_noise")],
    )
    await handle.execute_update(ReviewWorkflow.submit_summary, first)
    disagree = SignOff(EMPLOYEE_ACTOR, Decision.DISAGREE, has_comment=True)
    result = await handle.execute_update(ReviewWorkflow.sign_off, disagree)
    assert (result.state.phase, result.state.signed_version) == (Phase.FOLLOW_UP, 1)
    await handle.execute_update(ReviewWorkflow.complete_action, CompleteAction(EMPLOYEE_ACTOR, 1))

    correction = SubmitSummary(
        MANAGER_ACTOR,
        actions=[
            NewAction(owner_id=EMPLOYEE.id, due=await due(env, 40), number=2),
            NewAction(owner_id=EMPLOYEE.id, due=await due(env, 50)),
        ],
        version=2,
        digest="d2",
        hms=[HmsResolution("ps_workload", 1), HmsResolution("ph_noise", 2)],
    )
    s = (await handle.execute_update(ReviewWorkflow.submit_summary, correction)).state
    assert (s.phase, s.summary_version, s.signed_off_at) == (Phase.AWAITING_SIGNOFF, 2, None)
    assert [(a.id, a.owner_id, a.done_at is not None) for a in s.actions] == [
        (1, EMPLOYEE.id, True),
        (2, EMPLOYEE.id, False),
        (3, EMPLOYEE.id, False),
    ]
    assert s.hms == [HmsResolution("ps_workload", 2), HmsResolution("ph_noise", 3)]
    await mail_arrived(sink, "signoff_request", 2)  # the correction is sent to sign again
    approve = SignOff(EMPLOYEE_ACTOR, Decision.APPROVE)
    s = (await handle.execute_update(ReviewWorkflow.sign_off, approve)).state
    assert (s.phase, s.signed_version, s.decision) == (Phase.FOLLOW_UP, 2, Decision.APPROVE)
    for n in (2, 3):
        await handle.execute_update(
            ReviewWorkflow.complete_action, CompleteAction(MANAGER_ACTOR, n)
        )
    final: ReviewState = await handle.result()
    assert final.phase is Phase.COMPLETED
    record_history("review_conversation_versions", (await handle.fetch_history()).to_json())


async def test_declining_closes_the_review_unsigned(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    handle = await held(time_env, worker)
    cmd = SubmitSummary(
        MANAGER_ACTOR,
        actions=[NewAction(owner_id=EMPLOYEE.id, due=await due(time_env))],
        version=1,
        digest="d1",
        hms=[HmsResolution("ps_workload", 1), HmsResolution("ph_noise")],
    )
    await handle.execute_update(ReviewWorkflow.submit_summary, cmd)
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            ReviewWorkflow.sign_off, SignOff(EMPLOYEE_ACTOR, Decision.DECLINE)
        )
    decline = SignOff(EMPLOYEE_ACTOR, Decision.DECLINE, has_comment=True)
    await handle.execute_update(ReviewWorkflow.sign_off, decline)
    final: ReviewState = await handle.result()
    assert (final.phase, final.signed_off_at, final.decision) == (
        Phase.CLOSED_UNSIGNED,
        None,
        Decision.DECLINE,
    )
    assert final.ended_at is not None
    record_history("review_declined_unsigned", (await handle.fetch_history()).to_json())


async def test_declining_a_correction_leaves_the_signed_version_standing(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    handle = await held(time_env, worker)
    hms = [HmsResolution("ps_workload", 1), HmsResolution("ph_noise")]
    first = SubmitSummary(
        MANAGER_ACTOR,
        actions=[NewAction(owner_id=EMPLOYEE.id, due=await due(time_env))],
        version=1,
        digest="d1",
        hms=hms,
    )
    await handle.execute_update(ReviewWorkflow.submit_summary, first)
    await handle.execute_update(
        ReviewWorkflow.sign_off, SignOff(EMPLOYEE_ACTOR, version=1, digest="d1")
    )
    correction = SubmitSummary(
        MANAGER_ACTOR,
        actions=[NewAction(owner_id=EMPLOYEE.id, due=await due(time_env), number=1)],
        version=2,
        digest="d2",
        hms=hms,
    )
    s = (await handle.execute_update(ReviewWorkflow.submit_summary, correction)).state
    assert s.correcting_signed
    decline = SignOff(EMPLOYEE_ACTOR, Decision.DECLINE, has_comment=True, version=2, digest="d2")
    s = (await handle.execute_update(ReviewWorkflow.sign_off, decline)).state
    assert (s.phase, s.signed_version, s.summary_version) == (Phase.FOLLOW_UP, 1, 2)
    assert s.signed_off_at is not None and s.ended_at is None
    await handle.execute_update(ReviewWorkflow.complete_action, CompleteAction(EMPLOYEE_ACTOR, 1))
    final: ReviewState = await handle.result()
    assert final.phase is Phase.COMPLETED
    record_history("review_correction_declined", (await handle.fetch_history()).to_json())


async def test_a_new_manager_before_the_meeting_prepares_for_themselves(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    handle = await time_env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )
    start = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start))
    old = SubmitPreparation(MANAGER_ACTOR, digest="digest-of-the-old-manager")
    await handle.execute_update(ReviewWorkflow.submit_preparation, old)
    hr = Actor(HR.id, is_hr=True)
    s = (
        await handle.execute_update(ReviewWorkflow.change_manager, ChangeManager(hr, OTHER_MANAGER))
    ).state
    assert (s.manager_prepared, s.manager_prep_digest) == (False, "")
    new = SubmitPreparation(Actor(OTHER_MANAGER.id), digest="digest-of-the-new-manager")
    s = (await handle.execute_update(ReviewWorkflow.submit_preparation, new)).state
    assert (s.manager_prepared, s.manager_prep_digest) == (True, "digest-of-the-new-manager")
    await handle.execute_update(ReviewWorkflow.cancel, Cancel(hr, "The test ends here"))
    await handle.result()
    record_history("review_new_manager_prepares", (await handle.fetch_history()).to_json())
