"""Reads for the API: lists, one review in full, a manager's actions. All read SQL is here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
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
    return [(r, name) for r, name in rows], int(total or 0)  # Result.tuples() is deprecated


_EMPLOYEE_ID: BindParameter[str] = bindparam("employee_id", type_=String)
# Built once: every authenticated request runs it (api/deps.py `_current_user`).
_ACTIVE_EMPLOYEE = select(Employee).where(Employee.id == _EMPLOYEE_ID, Employee.active.is_(True))


async def active_employee(session: AsyncSession, employee_id: str) -> Employee | None:
    """The employee with this id if still active; None for nobody and for a leaver."""
    rows = await session.scalars(_ACTIVE_EMPLOYEE, {"employee_id": employee_id})
    return rows.one_or_none()


@dataclass(frozen=True)
class Participants:
    """Who is in a review and where it stands: all a command checks before it goes out."""

    manager_id: str
    employee_id: str
    phase: str


# The review's id as each statement below takes it: the statements are built once, not per
# request: `review_detail` cost 4.5 ms of CPU with its four statements built afresh, about
# 1.5 with two prebuilt (bench/request_path.py, SQLite and PostgreSQL).
_REVIEW_ID: BindParameter[str] = bindparam("review_id", type_=String)
_PARTICIPANTS = select(Review.manager_id, Review.employee_id, Review.phase).where(
    Review.id == _REVIEW_ID
)


async def review_participants(session: AsyncSession, review_id: str) -> Participants | None:
    row = (await session.execute(_PARTICIPANTS, {"review_id": review_id})).one_or_none()
    return None if row is None else Participants(*row)


_employee, _manager = aliased(Employee, name="employee"), aliased(Employee, name="manager")
_HEAD = (
    select(Review, _employee, _manager, Cycle.policy)
    .join(_employee, _employee.id == Review.employee_id)
    .join(_manager, _manager.id == Review.manager_id)
    .outerjoin(Cycle, Cycle.id == Review.cycle_id)
    .where(Review.id == _REVIEW_ID)
)


def _children_statement() -> Select:
    """A review's actions, events and emails in one statement: a UNION ALL of (list, id)
    pairs, each joined back to its own table by primary key, so that a row carries one
    child and None for the other two; ordered by list, then each list's own order."""
    no_int, no_str = cast(null(), Integer), cast(null(), String)
    ids = union_all(
        select(
            literal_column("0").label("list"),
            ActionItem.id.label("action_id"),
            no_int.label("event_id"),
            no_str.label("email_key"),
        ).where(ActionItem.review_id == _REVIEW_ID),
        select(literal_column("1"), no_int, ReviewEvent.id, no_str).where(
            ReviewEvent.review_id == _REVIEW_ID
        ),
        select(literal_column("2"), no_int, no_int, SentEmail.key).where(
            SentEmail.review_id == _REVIEW_ID
        ),
    ).subquery("children")
    return (
        select(ActionItem, ReviewEvent, SentEmail)
        .select_from(ids)
        .outerjoin(ActionItem, ActionItem.id == ids.c.action_id)
        .outerjoin(ReviewEvent, ReviewEvent.id == ids.c.event_id)
        .outerjoin(SentEmail, SentEmail.key == ids.c.email_key)
        .order_by(
            ids.c.list,
            ActionItem.number,
            ReviewEvent.seq,
            SentEmail.first_attempt_at,
            SentEmail.key,
        )
    )


_CHILDREN = _children_statement()


async def review_detail(session: AsyncSession, review_id: str) -> ReviewDetail | None:
    """The review with both people and its cycle's policy in one statement, then its
    actions (by number), timeline (by seq) and emails (by first attempt, then key) in one
    more (`_children_statement`), instead of one per list.

    Two statements, not one: joining the children to the review's row repeats the
    review's and both people's columns on every child's row, and converting those cost
    more than the round trip it saves (bench/request_path.py; 2.9 against 1.9 ms of CPU
    for a review with 80 events and emails on SQLite)."""
    params = {"review_id": review_id}
    head = (await session.execute(_HEAD, params)).one_or_none()
    if head is None:
        return None
    review, emp, mgr, policy = head
    actions: list[ActionItem] = []
    events: list[ReviewEvent] = []
    emails: list[SentEmail] = []
    for action, event, email in await session.execute(_CHILDREN, params):
        if action is not None:
            actions.append(action)
        elif event is not None:
            events.append(event)
        else:
            emails.append(email)
    return ReviewDetail(review, emp, mgr, actions, events, emails, policy_of(policy))


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
