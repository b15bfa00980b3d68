"""What a manager's weekly digest lists: conversations to schedule, overdue and open actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.models import ActionItem, Employee, Review
from store.queries import open_action


@dataclass(frozen=True)
class ActionLine:
    """An action in a digest: whose and when, never its title (conversation text)."""

    owner_name: str
    due: date


@dataclass(frozen=True)
class ManagerDigest:
    manager: Employee
    to_schedule: list[str]
    overdue: list[ActionLine]
    open: list[ActionLine]


async def managers_with_news(session: AsyncSession, *, after: str, limit: int) -> list[str]:
    """Managers with a review to schedule or an open action, in id order after `after`."""
    scheduling = select(Review.manager_id.label("m")).where(Review.phase == "scheduling")
    open_actions = select(ActionItem.manager_id.label("m")).where(open_action())
    ids = union(scheduling, open_actions).subquery()
    q = select(ids.c.m).where(ids.c.m > after).order_by(ids.c.m).limit(limit)
    return list(await session.scalars(q))


async def digest_for(session: AsyncSession, manager_id: str, today: date) -> ManagerDigest | None:
    manager = await session.get(Employee, manager_id)
    if manager is None or not manager.active:
        return None
    to_schedule = await session.scalars(
        select(Employee.name)
        .join(Review, Review.employee_id == Employee.id)
        .where(Review.manager_id == manager_id, Review.phase == "scheduling")
        .order_by(Employee.name)
    )
    owner = aliased(Employee)
    rows = await session.execute(
        select(owner.name, ActionItem.due)
        .join(owner, owner.id == ActionItem.owner_id)
        .where(ActionItem.manager_id == manager_id, open_action())
        .order_by(ActionItem.due, ActionItem.id)
    )
    lines = [ActionLine(name, due) for name, due in rows.tuples()]
    return ManagerDigest(
        manager=manager,
        to_schedule=list(to_schedule),
        overdue=[a for a in lines if a.due < today],
        open=[a for a in lines if a.due >= today],
    )
