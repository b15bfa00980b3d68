"""Cycles: HR starts one review per employee in scope."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, NowDep, SessionDep, SettingsDep, TemporalDep
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.reviews_start import start_reviews
from api.schemas import CycleIn, CycleOut
from store.directory import add_cycle, as_person, get_cycle, reviewable
from store.models import Cycle, Employee
from store.queries import ReviewFilter, list_reviews

router = APIRouter(prefix="/cycles", tags=["cycles"])


def _require_hr(me: Employee) -> None:
    if not me.is_hr:
        raise Forbidden("only HR can do this")


@router.post("", response_model=CycleOut, status_code=201)
async def create(
    body: CycleIn,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    me: CurrentUser,
    now: NowDep,
) -> CycleOut:
    """Start a cycle: one review per active employee with a manager (or those listed).

    Repeating the same request starts nothing twice."""
    _require_hr(me)
    if body.window_end <= body.window_start:
        raise Unprocessable("the window must end after it starts", rule="R1")
    pairs = await reviewable(session, body.employee_ids)
    if body.employee_ids is not None:
        missing = sorted(set(body.employee_ids) - {e.id for e, _ in pairs})
        if missing:
            raise Unprocessable(
                f"no active employee with a manager for: {', '.join(missing)}", rule="R1"
            )
    cycle = await add_cycle(
        session,
        cycle_id=body.id,
        name=body.name,
        year=body.year,
        window_start=body.window_start,
        window_end=body.window_end,
        created_by=me.id,
        now=now,
    )
    if (cycle.name, cycle.year, cycle.window_start, cycle.window_end) != (
        body.name,
        body.year,
        body.window_start,
        body.window_end,
    ):
        raise Conflict(f"cycle {body.id} already exists with other settings")
    await session.commit()
    started = await start_reviews(
        temporal,
        task_queue=settings.task_queue,
        cycle_id=cycle.id,
        pairs=[(as_person(e), as_person(m)) for e, m in pairs],
        hr=as_person(me),
        policy=body.policy.apply(),
        window_end=body.window_end,
    )
    return _out(cycle, started)


@router.get("/{cycle_id}", response_model=CycleOut)
async def get(cycle_id: str, session: SessionDep, me: CurrentUser) -> CycleOut:
    """A cycle's settings and how many reviews it has."""
    _require_hr(me)
    cycle = await get_cycle(session, cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} not found")
    _, total = await list_reviews(session, ReviewFilter(cycle_id=cycle_id), limit=1, offset=0)
    return _out(cycle, total)


def _out(cycle: Cycle, reviews: int) -> CycleOut:
    return CycleOut(
        id=cycle.id,
        name=cycle.name,
        year=cycle.year,
        window_start=cycle.window_start,
        window_end=cycle.window_end,
        reviews_started=reviews,
    )
