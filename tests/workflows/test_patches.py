"""A review started today takes every patch until now for granted: its input says so (the
kickoff and the re-import set it) and it records no patch marker, or one marker says so,
instead of a marker and a search-attribute upsert per patch where each is first used; reviews
started before it replay with their own markers (tests/workflows/test_replay.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.factories import EMPLOYEE, meeting, review_input, working_slot
from workflows.contracts import PATCHES_OF_2026_12, Accept, Actor, ReviewInput
from workflows.review import ReviewWorkflow
from workflows.review_core import CURRENT_PATCHES

# What ALL_PATCHES_OF_2026_12 stands for, frozen: a review started under it replays only if
# this set never grows. A patch added later is asked with workflow.patched itself.
OF_2026_12 = {
    "tell-hr-undeliverable",
    "tell-manager-cancelled",
    "answer-before-sync",
    "drop-stale-emails",
    "conversation-facts",
    "new-manager-prepares",
    "signed-version-stands",
    "write-in-task",
    "one-timer",
    "sync-with-an-end",
    "sync-when-quiet",
    "email-task-queue",
    "reminders-on-working-days",
}


def test_the_patches_a_current_review_takes_for_granted_never_change() -> None:
    assert CURRENT_PATCHES == OF_2026_12


async def patch_events(env: WorkflowEnvironment, worker: Worker, inp: ReviewInput) -> int:
    """Patch markers and search-attribute upserts in a review scheduled and accepted."""
    handle = await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )
    start_at = working_slot(await env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    await handle.execute_update(ReviewWorkflow.accept, Accept(Actor(EMPLOYEE.id)))
    return sum(
        e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
        or e.marker_recorded_event_attributes.marker_name == "core_patch"
        for e in (await handle.fetch_history()).events
    )


async def test_a_review_whose_starter_says_the_patches_records_no_patch_marker(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}", patches=PATCHES_OF_2026_12)
    assert await patch_events(time_env, worker, inp) == 0


async def test_a_review_started_without_saying_records_one_patch_marker(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}", patches="")
    assert await patch_events(time_env, worker, inp) == 2, "one marker and its upsert"
