"""A review started today says once that every patch until now is on (one marker and one
search-attribute upsert), instead of once per patch where each is first used; reviews started
before it replay with their own markers (tests/workflows/test_replay.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.factories import EMPLOYEE, meeting, review_input, working_slot
from workflows.contracts import Accept, Actor
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


async def test_a_review_started_today_records_one_patch_marker(
    time_env: WorkflowEnvironment, worker: Worker
) -> None:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    handle = await time_env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )
    start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    await handle.execute_update(ReviewWorkflow.accept, Accept(Actor(EMPLOYEE.id)))
    events = (await handle.fetch_history()).events
    patches = [
        e.marker_recorded_event_attributes
        for e in events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    upserts = [
        e for e in events if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    ]
    assert len(patches) == 1 and len(upserts) == 1
