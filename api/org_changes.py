"""Carry an organisation re-import into every running cycle.

A late joiner in a cycle's scope gets a review; a leaver's open review is
cancelled (their manager is told); a new manager takes over the review with what
was done so far (both managers are told). Each step is idempotent, so an import
that is retried changes nothing twice.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from activities.kickoff import review_id
from store.cycles import cycle_policy, units_within
from store.directory import as_person, get_employee
from store.models import Cycle, Employee
from store.org_sync import SyncReport
from workflows.contracts import Actor, Cancel, ChangeManager, ReviewInput
from workflows.review import ReviewWorkflow

CONCURRENT = 32


@dataclass
class CycleChanges:
    reviews_started: int = 0
    reviews_cancelled: int = 0
    reviews_moved: int = 0


async def apply_to_running_cycles(
    session: AsyncSession,
    temporal: Client,
    report: SyncReport,
    *,
    hr: Employee,
    task_queue: str,
) -> CycleChanges:
    changes = CycleChanges()
    cycles = list(await session.scalars(select(Cycle).where(Cycle.status == "running")))
    gate = asyncio.Semaphore(CONCURRENT)
    actor = Actor(id=hr.id, is_hr=True)

    async def run(coro: Any) -> bool:
        async with gate:
            try:
                await coro
            except (WorkflowUpdateFailedError, WorkflowAlreadyStartedError, RPCError):
                return False  # no such review, or it ended: nothing to change
            return True

    for cycle in cycles:
        units = await units_within(session, json.loads(cycle.scope)) if cycle.scope else None
        policy = cycle_policy(cycle)
        creator = await get_employee(session, cycle.created_by)
        starts = []
        for eid in report.added:
            e = await get_employee(session, eid)
            m = await get_employee(session, e.manager_id) if e and e.manager_id else None
            if e and m and e.active and (units is None or e.org_unit_id in units):
                inp = ReviewInput(
                    review_id=review_id(cycle.id, e.id),
                    cycle_id=cycle.id,
                    employee=as_person(e),
                    manager=as_person(m),
                    hr=as_person(creator or hr),
                    policy=policy,
                    window_end=cycle.window_end,
                )
                starts.append(
                    run(
                        temporal.start_workflow(
                            ReviewWorkflow.run,
                            inp,
                            id=inp.review_id,
                            task_queue=task_queue,
                            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                        )
                    )
                )
        cancels = [
            run(
                temporal.get_workflow_handle(review_id(cycle.id, eid)).execute_update(
                    ReviewWorkflow.cancel, Cancel(actor, "The employee has left the organisation")
                )
            )
            for eid in report.left
        ]
        moves = []
        for eid, _old, new in report.manager_changed:
            new_manager = await get_employee(session, new) if new else None
            if new_manager is not None:
                moves.append(
                    run(
                        temporal.get_workflow_handle(review_id(cycle.id, eid)).execute_update(
                            ReviewWorkflow.change_manager,
                            ChangeManager(actor, as_person(new_manager)),
                        )
                    )
                )
        changes.reviews_started += sum(await asyncio.gather(*starts))
        changes.reviews_cancelled += sum(await asyncio.gather(*cancels))
        changes.reviews_moved += sum(await asyncio.gather(*moves))
    return changes
