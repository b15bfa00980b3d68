"""Reads for the API: lists, one review in full, a manager's actions. All read SQL is here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.cycles import policy_of, units_under
from store.models import ActionItem, Cycle, Employee, OrgUnit, Review, ReviewEvent, SentEmail
from workflows.contracts import TERMINAL_PHASES, Policy

ENDED_PHASES = sorted(p.value for p in TERMINAL_PHASES)


def open_action() -> ColumnElement[bool]:
    """An action still to do: not done, in a review that has not ended. A declined or
    cancelled review's actions were never signed (or no longer run): nobody can complete
    them, so they are neither open nor overdue anywhere (lists, digests, tallies)."""
    running = select(Review.id).where(Review.phase.not_in(ENDED_PHASES))
    return and_(ActionItem.done_at.is_(None), ActionItem.review_id.in_(running))


@dataclass(frozen=True)
class ReviewFilter:
    cycle_id: str | None = None
    phase: str | None = None
    manager_id: str | None = None
    employee_id: str | None = None
    visible_to: str | None = None  # None: everybody's (HR); else reviews this person is in
    unit: str | None = None  # reviews in this org unit and the units below it


@dataclass(frozen=True)
class ReviewDetail:
    review: Review
    employee: Employee
    manager: Employee
    actions: Sequence[ActionItem]
    events: Sequence[ReviewEvent]
    emails: Sequence[SentEmail]
    policy: Policy = field(default_factory=Policy)  # the cycle's, for its calendar warnings


class ActionStatus(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    ALL = "all"


def _filtered(q: Select, f: ReviewFilter) -> Select:
    for column, value in (
        (Review.cycle_id, f.cycle_id),
        (Review.phase, f.phase),
        (Review.manager_id, f.manager_id),
        (Review.employee_id, f.employee_id),
    ):
        if value is not None:
            q = q.where(column == value)
    if f.unit is not None:
        q = q.where(Review.org_unit_id.in_(units_under([f.unit])))
    if f.visible_to is not None:
        q = q.where(or_(Review.manager_id == f.visible_to, Review.employee_id == f.visible_to))
    return q


async def list_reviews(
    session: AsyncSession, f: ReviewFilter, *, limit: int, offset: int
) -> tuple[list[tuple[Review, str]], int]:
    total = await session.scalar(_filtered(select(func.count()).select_from(Review), f))
    q = _filtered(
        select(Review, Employee.name).join(Employee, Employee.id == Review.employee_id), f
    )
    rows = await session.execute(q.order_by(Review.id).limit(limit).offset(offset))
    return [(r, name) for r, name in rows.tuples()], int(total or 0)


@dataclass(frozen=True)
class Participants:
    """Who is in a review and where it stands: all a command checks before it goes out."""

    manager_id: str
    employee_id: str
    phase: str


async def review_participants(session: AsyncSession, review_id: str) -> Participants | None:
    row = (
        await session.execute(
            select(Review.manager_id, Review.employee_id, Review.phase).where(
                Review.id == review_id
            )
        )
    ).one_or_none()
    return None if row is None else Participants(*row)


async def review_detail(session: AsyncSession, review_id: str) -> ReviewDetail | None:
    """The review with both people in one query, then its actions, events and emails."""
    employee, manager = aliased(Employee), aliased(Employee)
    row = (
        await session.execute(
            select(Review, employee, manager, Cycle.policy)
            .join(employee, employee.id == Review.employee_id)
            .join(manager, manager.id == Review.manager_id)
            .outerjoin(Cycle, Cycle.id == Review.cycle_id)
            .where(Review.id == review_id)
        )
    ).one_or_none()
    if row is None:
        return None
    review, emp, mgr, policy = row.tuple()
    actions = await session.scalars(
        select(ActionItem).where(ActionItem.review_id == review_id).order_by(ActionItem.number)
    )
    events = await session.scalars(
        select(ReviewEvent).where(ReviewEvent.review_id == review_id).order_by(ReviewEvent.seq)
    )
    emails = await session.scalars(
        select(SentEmail)
        .where(SentEmail.review_id == review_id)
        .order_by(SentEmail.first_attempt_at, SentEmail.key)
    )
    return ReviewDetail(
        review, emp, mgr, list(actions), list(events), list(emails), policy_of(policy)
    )


async def list_actions(
    session: AsyncSession,
    *,
    today: date,
    status: ActionStatus,
    manager_id: str | None = None,
    owner_id: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[ActionItem], int]:
    """Actions of a manager's team and/or owned by someone, overdue meaning due before today."""
    q = select(ActionItem)
    if manager_id is not None:
        q = q.where(ActionItem.manager_id == manager_id)
    if owner_id is not None:
        q = q.where(ActionItem.owner_id == owner_id)
    if status is ActionStatus.OPEN:
        q = q.where(open_action())
    elif status is ActionStatus.OVERDUE:
        q = q.where(open_action(), ActionItem.due < today)
    elif status is ActionStatus.DONE:
        q = q.where(ActionItem.done_at.is_not(None))
    total = await session.scalar(select(func.count()).select_from(q.subquery()))
    rows = await session.scalars(
        q.order_by(ActionItem.due, ActionItem.id).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


async def list_cycles(session: AsyncSession, *, limit: int = 100) -> list[Cycle]:
    """Cycles, newest first (HR's list)."""
    rows = await session.scalars(
        select(Cycle).order_by(Cycle.created_at.desc(), Cycle.id).limit(limit)
    )
    return list(rows)


async def unit_ids(session: AsyncSession) -> list[str]:
    """Every org unit's id, for choosing a cycle's scope."""
    return list(await session.scalars(select(OrgUnit.id).order_by(OrgUnit.id)))
