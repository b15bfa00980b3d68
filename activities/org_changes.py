"""Carry a re-import into every running cycle.

A late joiner in a cycle's scope gets a review; a leaver's open review is
cancelled (their manager is told); a new manager takes over the review with what
was done so far (both managers are told). The steps go in chunks, side by side,
with a heartbeat after each: a retry resumes after the last chunk done, and each
step is idempotent, so nothing happens twice.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from store import org_changes as changes
from store.cycles import cycle_policy, review_ids_of, units_within
from store.directory import as_person, employees_by_id
from store.models import Cycle, Employee, OrgChange
from store.readmodel import write_answer
from workflows.contracts import (
    PATCHES_OF_2026_12,
    Actor,
    Cancel,
    ChangeManager,
    CommandResult,
    OrgChangesResult,
    ReviewInput,
)
from workflows.ids import review_workflow_id
from workflows.review import ReviewWorkflow

CHUNK = 200
LEFT_REASON = "The employee has left the organisation"


@dataclass(frozen=True)
class Step:
    kind: str  # "start", "cancel" or "move"
    cycle_id: str
    employee_id: str
    new_manager_id: str | None = None


class OrgChangeActivities:
    def __init__(
        self,
        *,
        client: Client,
        sessions: async_sessionmaker,
        task_queue: str,
        concurrency: int = 32,
    ) -> None:
        self._client = client
        self._sessions = sessions
        self._task_queue = task_queue
        self._concurrency = concurrency

    @activity.defn(name="apply_org_changes")
    async def apply_org_changes(self, change_id: str) -> OrgChangesResult:
        async with self._sessions() as session:
            change = await session.get(OrgChange, change_id)
            if change is None:
                return OrgChangesResult()
            if change.applied_at is not None and change.result:
                return OrgChangesResult(**json.loads(change.result))
            report = changes.report_of(change)
            cycles = list(
                await session.scalars(
                    select(Cycle).where(Cycle.status == "running").order_by(Cycle.id)
                )
            )
            steps = [s for c in cycles for s in await self._steps(session, c, report)]
            cycle_by_id = {c.id: c for c in cycles}
            hr = await session.get(Employee, change.created_by)
        details = activity.info().heartbeat_details
        done, counts = (
            (int(details[0]), OrgChangesResult(**details[1]))
            if details
            else (0, OrgChangesResult())
        )
        actor = Actor(id=change.created_by, is_hr=True)
        gate = asyncio.Semaphore(self._concurrency)
        while done < len(steps):
            chunk = steps[done : done + CHUNK]
            async with self._sessions() as session:
                ids = {s.employee_id for s in chunk} | {
                    m for s in chunk for m in (s.new_manager_id,) if m
                }
                people = await employees_by_id(session, list(ids))
                people |= await employees_by_id(
                    session,
                    [p.manager_id for p in people.values() if p.manager_id]
                    + [c.created_by for c in cycle_by_id.values()],
                )
                reviews = await review_ids_of(session, [(s.cycle_id, s.employee_id) for s in chunk])
            outcomes = await asyncio.gather(
                *(
                    _guarded(
                        gate,
                        self._sessions,
                        self._apply(s, cycle_by_id[s.cycle_id], people, hr, actor, reviews),
                    )
                    for s in chunk
                )
            )
            for s, ok in zip(chunk, outcomes, strict=True):
                if ok and s.kind == "start":
                    counts.reviews_started += 1
                elif ok and s.kind == "cancel":
                    counts.reviews_cancelled += 1
                elif ok:
                    counts.reviews_moved += 1
            done += len(chunk)
            activity.heartbeat(done, asdict(counts))
        async with self._sessions.begin() as session:
            await changes.mark_applied(
                session, change_id, asdict(counts), activity.info().current_attempt_scheduled_time
            )
        return counts

    async def _steps(
        self, session: AsyncSession, cycle: Cycle, report: dict[str, Any]
    ) -> list[Step]:
        """This cycle's steps, in the report's order: the same list on every attempt."""
        units = await units_within(session, json.loads(cycle.scope)) if cycle.scope else None
        joiners = await employees_by_id(session, report["added"])
        steps = [
            Step("start", cycle.id, eid)
            for eid in report["added"]
            if (e := joiners.get(eid)) is not None
            and e.active
            and e.manager_id
            and (units is None or e.org_unit_id in units)
        ]
        steps += [Step("cancel", cycle.id, eid) for eid in report["left"]]
        steps += [
            Step("move", cycle.id, eid, new) for eid, _old, new in report["manager_changed"] if new
        ]
        return steps

    def _apply(
        self,
        step: Step,
        cycle: Cycle,
        people: dict[str, Employee],
        hr: Employee | None,
        actor: Actor,
        reviews: dict[tuple[str, str], str],
    ) -> Awaitable[object] | None:
        """The step's call, or None when there is nobody to apply it to. A review's id is
        read from the read model, never recomputed: reviews keep the id they started with."""
        review_id = reviews.get((cycle.id, step.employee_id))
        if step.kind != "start":
            new = people.get(step.new_manager_id or "")
            if review_id is None or (step.kind == "move" and new is None):
                return None  # no review in this cycle to cancel or move, or nobody to move to
            handle = self._client.get_workflow_handle(review_id)
            if step.kind == "cancel":
                return handle.execute_update(ReviewWorkflow.cancel, Cancel(actor, LEFT_REASON))
            assert new is not None  # checked above for a move
            return handle.execute_update(
                ReviewWorkflow.change_manager, ChangeManager(actor, as_person(new))
            )
        e = people[step.employee_id]
        manager = people.get(e.manager_id or "")
        creator = people.get(cycle.created_by) or hr
        if manager is None or creator is None:
            return None
        inp = ReviewInput(
            review_id=review_id or review_workflow_id(cycle.id, e.id),
            cycle_id=cycle.id,
            employee=as_person(e),
            manager=as_person(manager),
            hr=as_person(creator),
            policy=cycle_policy(cycle),
            window_end=cycle.window_end,
            patches=PATCHES_OF_2026_12,
        )
        return self._client.start_workflow(
            ReviewWorkflow.run,
            inp,
            id=inp.review_id,
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


async def _guarded(
    gate: asyncio.Semaphore, sessions: async_sessionmaker, work: Awaitable[object] | None
) -> bool:
    """True if the step changed something; False if there was nothing to change (no such
    review, it ended already, it was moved already, or the person is gone). Any other
    error (Temporal unavailable, a deadline) propagates: the activity fails and its retry
    starts again from the last chunk it heartbeat, every step being idempotent."""
    if work is None:
        return False
    async with gate:
        try:
            answer = await work
        except WorkflowAlreadyStartedError:
            return False  # the late joiner's review ran and ended
        except (WorkflowUpdateFailedError, RPCError) as err:
            if nothing_to_do(err, also=ALREADY_MOVED):
                return False
            raise
        if isinstance(answer, CommandResult):
            await write_answer(sessions, answer)
    return True


# A move retried after it went through: the review's manager is the new one already (R6).
ALREADY_MOVED = "R6"


def nothing_to_do(err: WorkflowUpdateFailedError | RPCError, *, also: str | None = None) -> bool:
    """Whether a command to a review failed only because there is nothing left to do: no
    such workflow (NOT_FOUND), or the review refused because it has already ended
    (WrongPhase), or, if `also` names it, because of that rule."""
    if isinstance(err, RPCError):
        return err.status is RPCStatusCode.NOT_FOUND
    cause = err.cause
    if not isinstance(cause, ApplicationError):
        return False
    rule = (
        cause.details[0].get("rule")
        if cause.details and isinstance(cause.details[0], dict)
        else None
    )
    return cause.type == "WrongPhase" or (also is not None and rule == also)
