"""Cycles: HR starts one, watches its funnel, lists its reviews, or cancels it."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from temporalio.client import WorkflowUpdateFailedError

from api.cycle_start import start_cycle
from api.deps import HrUser, NowDep, SessionDep, SettingsDep, TemporalDep
from api.errors import Conflict, NotFound, from_update_failure
from api.schemas import (
    ID_PATTERN,
    CancelCycleIn,
    CountsOut,
    CycleId,
    CycleIn,
    CycleOut,
    CycleProgress,
    IdFilter,
    Limit,
    Offset,
    Page,
    ReviewItem,
    UnitProgress,
)
from conversation.templates import DEFAULT_TEMPLATE_KEY
from store.cycles import cycle_policy
from store.directory import as_person, get_cycle
from store.models import Cycle
from store.progress import Counts, funnel
from store.queries import ReviewFilter, list_reviews
from workflows.calendar import OSLO
from workflows.contracts import CancelCycle, Phase
from workflows.cycle import CycleWorkflow
from workflows.ids import cycle_workflow_id

router = APIRouter(prefix="/cycles", tags=["cycles"])


@router.post("", response_model=CycleOut, status_code=201)
async def create(
    body: CycleIn,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    me: HrUser,
    now: NowDep,
) -> CycleOut:
    """Start a cycle (HR): one review per active employee with a manager in scope, then one
    email per manager. It runs in the background. A cycle runs once: the same request again
    answers the same cycle (201) and starts nothing twice; a cycle that has ended, or a
    running one asked for with other settings, is a 409."""
    cycle = await start_cycle(
        session, temporal, body.spec(), hr=as_person(me), task_queue=settings.task_queue, now=now
    )
    return _out(cycle)


@router.get("/{cycle_id}", response_model=CycleProgress)
async def progress(
    cycle_id: CycleId,
    session: SessionDep,
    me: HrUser,
    now: NowDep,
    unit: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=ID_PATTERN,
            description="show this unit and its direct sub-units; "
            "default: the top of the organisation",
        ),
    ] = None,
) -> CycleProgress:
    """The funnel (reviews per phase) and what is slipping (unscheduled past the deadline,
    summaries missing, actions overdue): overall, and for one org unit and its direct
    sub-units, each with everything below it rolled up. Drill down with `unit`."""
    cycle = await _cycle(session, cycle_id)
    policy = cycle_policy(cycle)
    try:
        f = await funnel(
            session, cycle_id, today=now.astimezone(OSLO).date(), policy=policy, focus=unit
        )
    except KeyError:
        raise NotFound(f"org unit {unit} not found") from None
    return CycleProgress(
        **_out(cycle).model_dump(),
        overall=_counts(f.overall),
        units=[
            UnitProgress(unit=u, parent=f.parents.get(u), **_counts(c).model_dump())
            for u, c in f.units.items()
        ],
        final_figures=json.loads(cycle.final_figures) if cycle.final_figures else None,
    )


@router.get("/{cycle_id}/reviews", response_model=Page[ReviewItem])
async def reviews(
    cycle_id: CycleId,
    session: SessionDep,
    me: HrUser,
    phase: Phase | None = None,
    org_unit: IdFilter = None,
    manager_id: IdFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReviewItem]:
    """A cycle's reviews (HR), filtered by phase, org unit (with sub-units) and manager."""
    await _cycle(session, cycle_id)
    f = ReviewFilter(
        cycle_id=cycle_id,
        phase=phase.value if phase else None,
        manager_id=manager_id,
        unit=org_unit,
    )
    rows, total = await list_reviews(session, f, limit=limit, offset=offset)
    items = [ReviewItem.from_row(r, name) for r, name in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/{cycle_id}/cancel", response_model=CycleOut)
async def cancel(
    cycle_id: CycleId, body: CancelCycleIn, session: SessionDep, temporal: TemporalDep, me: HrUser
) -> CycleOut:
    """Cancel the whole cycle (HR): every open review is cancelled and its people told."""
    cycle = await _cycle(session, cycle_id)
    if cycle.status != "running":
        raise Conflict(f"cycle {cycle_id} is {cycle.status}", rule="phase")
    try:
        await temporal.get_workflow_handle(cycle_workflow_id(cycle_id)).execute_update(
            CycleWorkflow.cancel, CancelCycle(body.reason)
        )
    except WorkflowUpdateFailedError as e:
        raise from_update_failure(e) from None
    return _out(cycle)


async def _cycle(session: SessionDep, cycle_id: str) -> Cycle:
    cycle = await get_cycle(session, cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} not found")
    return cycle


def _out(cycle: Cycle) -> CycleOut:
    return CycleOut(
        id=cycle.id,
        name=cycle.name,
        year=cycle.year,
        window_start=cycle.window_start,
        window_end=cycle.window_end,
        status=cycle.status,
        scope=json.loads(cycle.scope) if cycle.scope else None,
        template=cycle.template_key or DEFAULT_TEMPLATE_KEY,
        template_version=cycle.template_version,
    )


def _counts(c: Counts) -> CountsOut:
    return CountsOut(total=c.total, phases=c.phases, slipping=c.slipping)
