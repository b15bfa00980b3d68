"""Cycle kickoff queries: who is in scope (paged), registering reviews in bulk, managers' lists."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store import tallies
from store.models import Cycle, Employee, OrgUnit, Review, ReviewEvent
from store.templates import cycle_template
from workflows.contracts import Phase, Policy


def units_under(roots: Sequence[str]) -> Select[tuple[str]]:
    """The given units and every unit below them, as a subquery: the database walks the
    tree, so a scope of 40,000 units is not 40,000 bound parameters."""
    down = select(OrgUnit.id).where(OrgUnit.id.in_(roots)).cte("down", recursive=True)
    down = down.union(select(OrgUnit.id).join(down, OrgUnit.parent_id == down.c.id))
    return select(down.c.id)


async def units_within(session: AsyncSession, roots: Sequence[str]) -> set[str]:
    """The given units and every unit below them."""
    return set(await session.scalars(units_under(roots)))


@dataclass(frozen=True)
class InScope:
    employee: Employee
    manager: Employee


@dataclass(frozen=True)
class Cursor:
    """Where a kickoff got to: the last employee done, and their manager."""

    manager_id: str = ""
    employee_id: str = ""


async def page_in_scope(
    session: AsyncSession,
    *,
    scope: Sequence[str] | None,
    employee_ids: Sequence[str] | None,
    after: Cursor,
    limit: int,
) -> list[InScope]:
    """Active employees with a manager, in the scope's units (with sub-units) if given,
    grouped by manager (in manager, then employee id
    order) after `after`: a page holds every report of its managers but perhaps the last."""
    manager = aliased(Employee)
    q = (
        select(Employee, manager)
        .join(manager, manager.id == Employee.manager_id)
        .where(
            Employee.active.is_(True),
            tuple_(Employee.manager_id, Employee.id) > tuple_(after.manager_id, after.employee_id),
        )
    )
    if scope is not None:
        q = q.where(Employee.org_unit_id.in_(units_under(scope)))
    if employee_ids is not None:
        q = q.where(Employee.id.in_(employee_ids))
    rows = await session.execute(q.order_by(Employee.manager_id, Employee.id).limit(limit))
    return [InScope(e, m) for e, m in rows.tuples()]


async def register_reviews(
    session: AsyncSession,
    *,
    cycle_id: str,
    review_ids: Sequence[str],
    people: Sequence[InScope],
    now: datetime,
) -> None:
    """Write each review's first row and 'started' event, unless it is there already. Each
    keeps the template version its cycle pinned: what it started with, for good."""
    have = set(await session.scalars(select(Review.id).where(Review.id.in_(review_ids))))
    new = [(rid, p) for rid, p in zip(review_ids, people, strict=True) if rid not in have]
    if not new:
        return
    template_key, template_version = await cycle_template(session, cycle_id)
    # Plain multi-row inserts: a kickoff writes thousands, and ORM objects cost CPU the
    # worker needs for the review workflows it is starting.
    await session.execute(
        insert(Review),
        [
            {
                "id": rid,
                "cycle_id": cycle_id,
                "employee_id": p.employee.id,
                "manager_id": p.manager.id,
                "org_unit_id": p.employee.org_unit_id,
                "phase": Phase.SCHEDULING.value,
                "version": 1,
                "started_at": now,
                "phase_since": now,
                "updated_at": now,
                "template_key": template_key,
                "template_version": template_version,
            }
            for rid, p in new
        ],
    )
    await session.execute(
        insert(ReviewEvent),
        [{"review_id": rid, "seq": 1, "at": now, "kind": "started"} for rid, _ in new],
    )
    each = tallies.counted(tallies.Facts(Phase.SCHEDULING.value, now, None))
    per_unit = Counter(p.employee.org_unit_id for _, p in new)
    await tallies.add(
        session,
        {
            (cycle_id, unit): Counter({k: n * reviews for k, n in each.items()})
            for unit, reviews in per_unit.items()
        },
    )


async def managers_in_cycle(
    session: AsyncSession, cycle_id: str, *, after: str, limit: int
) -> list[str]:
    q = (
        select(Review.manager_id)
        .where(Review.cycle_id == cycle_id, Review.manager_id > after)
        .group_by(Review.manager_id)
        .order_by(Review.manager_id)
        .limit(limit)
    )
    return list(await session.scalars(q))


async def reports_in_cycle(
    session: AsyncSession, cycle_id: str, manager_ids: Sequence[str]
) -> dict[str, list[str]]:
    """Each manager's reports' names in the cycle, for the one kickoff email they get."""
    rows = await session.execute(
        select(Review.manager_id, Employee.name)
        .join(Employee, Employee.id == Review.employee_id)
        .where(
            Review.cycle_id == cycle_id,
            Review.manager_id.in_(manager_ids),
            Review.phase != "cancelled",
        )
        .order_by(Review.manager_id, Employee.name)
    )
    out: dict[str, list[str]] = {}
    for manager_id, name in rows.tuples():
        out.setdefault(manager_id, []).append(name)
    return out


def cycle_policy(cycle: Cycle) -> Policy:
    """The policy the cycle was started with (stored as JSON), or the defaults."""
    return policy_of(cycle.policy)


def policy_of(stored: str | None) -> Policy:
    """A policy as the cycles table stores it (JSON; fields added later take defaults)."""
    return Policy(**json.loads(stored)) if stored else Policy()


async def review_ids_of(
    session: AsyncSession, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The review ids of these (cycle, employee) pairs that have a review, as the read model
    holds them: reviews started under an earlier id scheme keep their ids (workflows/ids.py)."""
    if not pairs:
        return {}
    rows = await session.execute(
        select(Review.cycle_id, Review.employee_id, Review.id).where(
            tuple_(Review.cycle_id, Review.employee_id).in_(list(set(pairs)))
        )
    )
    return {(c, e): rid for c, e, rid in rows.tuples()}
