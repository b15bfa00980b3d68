"""A review: read it, list them, and one endpoint per command of its workflow."""

from __future__ import annotations

from fastapi import APIRouter

from api.commands import CtxDep, run_command
from api.deps import CurrentUser, NowDep, SessionDep
from api.errors import NotFound
from api.reviews_view import can_see_detail, review_out
from api.schemas import (
    ActionNumber,
    CancelIn,
    IdFilter,
    Limit,
    Offset,
    OutcomeIn,
    Page,
    ReviewId,
    ReviewItem,
    ReviewOut,
    ScheduleIn,
)
from store.models import Employee
from store.queries import ReviewDetail, ReviewFilter, list_reviews, review_detail
from workflows.contracts import (
    Accept,
    Actor,
    Cancel,
    CompleteAction,
    Phase,
    RecordOutcome,
    ScheduleMeeting,
)
from workflows.review import ReviewWorkflow

router = APIRouter(prefix="/reviews", tags=["reviews"])


@router.get("", response_model=Page[ReviewItem])
async def list_(
    session: SessionDep,
    me: CurrentUser,
    cycle_id: IdFilter = None,
    phase: Phase | None = None,
    manager_id: IdFilter = None,
    employee_id: IdFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReviewItem]:
    """Reviews you may see (HR: all; others: those you are in), filtered and paged."""
    f = ReviewFilter(
        cycle_id=cycle_id,
        phase=phase.value if phase else None,
        manager_id=manager_id,
        employee_id=employee_id,
        visible_to=None if me.is_hr else me.id,
    )
    rows, total = await list_reviews(session, f, limit=limit, offset=offset)
    items = [ReviewItem.from_row(r, name) for r, name in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/{review_id}", response_model=ReviewOut)
async def get(review_id: ReviewId, session: SessionDep, me: CurrentUser, now: NowDep) -> ReviewOut:
    """Where a review stands: phase, meeting, actions, timeline and every email sent (its
    text, the summary and the actions' titles, only to the employee and the manager)."""
    return review_out(await _visible(session, review_id, me), me, now)


async def _visible(session: SessionDep, review_id: str, me: Employee) -> ReviewDetail:
    detail = await review_detail(session, review_id)
    if detail is None or not can_see_detail(me, detail):
        raise NotFound(f"review {review_id} not found")
    return detail


def _actor(me: Employee) -> Actor:
    return Actor(id=me.id, is_hr=me.is_hr)


def _meeting(me: Employee, body: ScheduleIn) -> ScheduleMeeting:
    return ScheduleMeeting(
        actor=_actor(me),
        start=body.start,
        duration_minutes=body.duration_minutes,
        location_kind=body.location_kind,
        location_text=body.location_text,
    )


@router.post("/{review_id}/schedule", response_model=ReviewOut)
async def schedule(review_id: ReviewId, body: ScheduleIn, ctx: CtxDep) -> ReviewOut:
    """Set the meeting (manager): 14+ days ahead, working hours, not the manager's office."""
    return await run_command(ctx, review_id, ReviewWorkflow.schedule, _meeting(ctx.me, body))


@router.post("/{review_id}/reschedule", response_model=ReviewOut)
async def reschedule(review_id: ReviewId, body: ScheduleIn, ctx: CtxDep) -> ReviewOut:
    """Move the meeting (manager); the same rules apply and a new invitation goes out."""
    return await run_command(ctx, review_id, ReviewWorkflow.reschedule, _meeting(ctx.me, body))


@router.post("/{review_id}/accept", response_model=ReviewOut)
async def accept(review_id: ReviewId, ctx: CtxDep) -> ReviewOut:
    """Accept the invitation (employee)."""
    return await run_command(ctx, review_id, ReviewWorkflow.accept, Accept(_actor(ctx.me)))


@router.post("/{review_id}/outcome", response_model=ReviewOut)
async def outcome(review_id: ReviewId, body: OutcomeIn, ctx: CtxDep) -> ReviewOut:
    """Record that the meeting was held, or a no-show that sends it back to scheduling (manager)."""
    return await run_command(
        ctx, review_id, ReviewWorkflow.record_outcome, RecordOutcome(_actor(ctx.me), held=body.held)
    )


@router.post("/{review_id}/actions/{number}/complete", response_model=ReviewOut)
async def complete_action(review_id: ReviewId, number: ActionNumber, ctx: CtxDep) -> ReviewOut:
    """Mark an agreed action done (its owner or the manager)."""
    return await run_command(
        ctx, review_id, ReviewWorkflow.complete_action, CompleteAction(_actor(ctx.me), number)
    )


@router.post("/{review_id}/cancel", response_model=ReviewOut)
async def cancel(review_id: ReviewId, body: CancelIn, ctx: CtxDep) -> ReviewOut:
    """Cancel the review (manager or HR); a scheduled meeting is cancelled by email."""
    return await run_command(
        ctx, review_id, ReviewWorkflow.cancel, Cancel(_actor(ctx.me), body.reason)
    )
