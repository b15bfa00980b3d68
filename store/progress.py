"""A cycle's progress from the read model: the funnel per phase, per org unit with sub-units
rolled up, and what is slipping. Grouped counts in SQL; the unit tree is small."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ActionItem, Employee, OrgUnit, Review
from workflows.contracts import Phase, Policy

PHASES = [p.value for p in Phase]
SLIPPING = ("unscheduled_past_deadline", "summaries_missing", "actions_overdue")


@dataclass
class Counts:
    phases: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PHASES, 0))
    slipping: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SLIPPING, 0))

    @property
    def total(self) -> int:
        return sum(self.phases.values())

    def add(self, other: Counts) -> None:
        for k, v in other.phases.items():
            self.phases[k] += v
        for k, v in other.slipping.items():
            self.slipping[k] += v


@dataclass
class Funnel:
    overall: Counts
    units: dict[str, Counts]  # each unit with everything below it
    parents: dict[str, str | None]


async def funnel(
    session: AsyncSession,
    cycle_id: str,
    *,
    now: datetime,
    today: date,
    policy: Policy,
    focus: str | None = None,
) -> Funnel:
    """Overall counts, and `units`: the focus unit (default: the top) and its direct
    sub-units, each with everything below it. Raises KeyError for an unknown unit."""
    own: dict[str | None, Counts] = defaultdict(Counts)
    in_cycle = Review.cycle_id == cycle_id
    by_phase = await session.execute(
        select(Review.org_unit_id, Review.phase, func.count())
        .where(in_cycle)
        .group_by(Review.org_unit_id, Review.phase)
    )
    for unit, phase, n in by_phase.tuples():
        own[unit].phases[phase] = n
    deadline = now - timedelta(days=policy.scheduling_deadline_days)
    summary_due = now - timedelta(days=policy.summary_reminder_days)
    for name, condition in (
        (
            "unscheduled_past_deadline",
            (Review.phase == "scheduling") & (Review.phase_since < deadline),
        ),
        (
            "summaries_missing",
            (Review.phase == "awaiting_summary") & (Review.meeting_start < summary_due),
        ),
    ):
        rows = await session.execute(
            select(Review.org_unit_id, func.count())
            .where(in_cycle, condition)
            .group_by(Review.org_unit_id)
        )
        for unit, n in rows.tuples():
            own[unit].slipping[name] = n
    rows = await session.execute(
        select(Review.org_unit_id, func.count())
        .join(ActionItem, ActionItem.review_id == Review.id)
        .where(in_cycle, ActionItem.done_at.is_(None), ActionItem.due < today)
        .group_by(Review.org_unit_id)
    )
    for unit, n in rows.tuples():
        own[unit].slipping["actions_overdue"] = n
    units = await session.execute(select(OrgUnit.id, OrgUnit.parent_id))
    parents = {
        unit: parent for unit, parent in units.tuples()
    }  # dict() takes a Result as a mapping
    shown = drill_down(parents, focus)
    return Funnel(
        overall=_sum(own.values()), units=_rolled_up(own, parents, shown), parents=parents
    )


def drill_down(parents: dict[str, str | None], focus: str | None) -> list[str]:
    if focus is not None and focus not in parents:
        raise KeyError(focus)
    tops = {focus} if focus else {u for u, p in parents.items() if p is None or p not in parents}
    return sorted(tops) + sorted(u for u, p in parents.items() if p in tops)


def _sum(counts) -> Counts:  # type: ignore[no-untyped-def]
    total = Counts()
    for c in counts:
        total.add(c)
    return total


def _rolled_up(
    own: dict[str | None, Counts], parents: dict[str, str | None], shown: list[str]
) -> dict[str, Counts]:
    """Add each unit's own counts to every shown unit at or above it."""
    out = {u: Counts() for u in shown}
    for unit, counts in own.items():
        seen: set[str] = set()
        cur = unit
        while cur is not None and cur not in seen:
            seen.add(cur)
            if cur in out:
                out[cur].add(counts)
            cur = parents.get(cur)
    return {u: c for u, c in out.items() if c.total}


async def slipping_by_manager(
    session: AsyncSession,
    cycle_id: str,
    *,
    now: datetime,
    today: date,
    policy: Policy,
    limit: int = 10,
) -> list[tuple[str, int]]:
    """Managers with the most slipping items (late scheduling, missing summaries, overdue
    actions), by name, most first: where HR's follow-up helps most."""
    deadline = now - timedelta(days=policy.scheduling_deadline_days)
    summary_due = now - timedelta(days=policy.summary_reminder_days)
    late = (Review.phase == "scheduling") & (Review.phase_since < deadline)
    missing = (Review.phase == "awaiting_summary") & (Review.meeting_start < summary_due)
    totals: dict[str, int] = defaultdict(int)
    reviews = await session.execute(
        select(Review.manager_id, func.count())
        .where(Review.cycle_id == cycle_id, late | missing)
        .group_by(Review.manager_id)
    )
    actions = await session.execute(
        select(Review.manager_id, func.count())
        .join(ActionItem, ActionItem.review_id == Review.id)
        .where(Review.cycle_id == cycle_id, ActionItem.done_at.is_(None), ActionItem.due < today)
        .group_by(Review.manager_id)
    )
    for rows in (reviews, actions):
        for manager_id, n in rows.tuples():
            totals[manager_id] += n
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    names = dict(
        (
            await session.execute(
                select(Employee.id, Employee.name).where(Employee.id.in_([m for m, _ in top]))
            )
        )
        .tuples()
        .all()
    )
    return [(names.get(m, m), n) for m, n in top]
