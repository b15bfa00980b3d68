"""A cycle's progress from the read model: the funnel per phase, per org unit with sub-units
rolled up, and what is slipping; the funnel from the tallies, the weekly list of managers
from the reviews."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import tallies
from store.models import ActionItem, Employee, OrgUnit, Review
from store.queries import ENDED_PHASES
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
    parents: dict[str, str | None]  # of the units shown


async def funnel(
    session: AsyncSession,
    cycle_id: str,
    *,
    today: date,
    policy: Policy,
    focus: str | None = None,
) -> Funnel:
    """Overall counts, and `units`: the focus unit (default: the top) and its direct
    sub-units, each with everything below it. Read from the tallies, so it costs the
    same for 100 reviews as for 100,000. Raises KeyError for an unknown unit."""
    shown = await _drill_down(session, focus)
    read = await tallies.read(
        session, cycle_id, [tallies.WHOLE_CYCLE, *shown], tallies.Cutoffs.on(today, policy)
    )
    counts = {u: _counts(t) for u, t in read.items()}
    return Funnel(
        overall=counts.pop(tallies.WHOLE_CYCLE),
        units={u: counts[u] for u in shown if counts[u].total},
        parents=shown,
    )


async def _drill_down(session: AsyncSession, focus: str | None) -> dict[str, str | None]:
    """The focus (default: the top units) and its direct sub-units, with their parents."""
    if focus is None:
        top = select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
        q = select(OrgUnit.id, OrgUnit.parent_id).where(
            OrgUnit.parent_id.is_(None) | OrgUnit.parent_id.in_(top)
        )
    else:
        q = select(OrgUnit.id, OrgUnit.parent_id).where(
            (OrgUnit.id == focus) | (OrgUnit.parent_id == focus)
        )
    found = dict((await session.execute(q)).tuples().all())
    if focus is not None and focus not in found:
        raise KeyError(focus)
    tops = sorted(u for u, p in found.items() if u == focus or (focus is None and p is None))
    return {u: found[u] for u in tops + sorted(u for u in found if u not in tops)}


_SLIPPING_FROM = {
    tallies.SCHEDULING_SINCE: "unscheduled_past_deadline",
    tallies.MEETING_DAY: "summaries_missing",
    tallies.ACTION_DUE: "actions_overdue",
}


def _counts(t: tallies.Tally) -> Counts:
    c = Counts()
    for phase, n in t.phases.items():
        c.phases[phase] = n
    for what, n in t.slipping.items():
        c.slipping[_SLIPPING_FROM[what]] = n
    return c


async def slipping_by_manager(
    session: AsyncSession,
    cycle_id: str,
    *,
    today: date,
    policy: Policy,
    limit: int = 10,
) -> list[tuple[str, int]]:
    """Managers with the most slipping items (late scheduling, missing summaries, overdue
    actions), by name, most first: where HR's follow-up helps most."""
    cut = tallies.Cutoffs.on(today, policy)
    late = (Review.phase == Phase.SCHEDULING) & (
        Review.phase_since < cut.before(tallies.SCHEDULING_SINCE)
    )
    missing = (Review.phase == Phase.AWAITING_SUMMARY) & (
        Review.meeting_start < cut.before(tallies.MEETING_DAY)
    )
    totals: dict[str, int] = defaultdict(int)
    reviews = await session.execute(
        select(Review.manager_id, func.count())
        .where(Review.cycle_id == cycle_id, late | missing)
        .group_by(Review.manager_id)
    )
    actions = await session.execute(
        select(Review.manager_id, func.count())
        .join(ActionItem, ActionItem.review_id == Review.id)
        .where(
            Review.cycle_id == cycle_id,
            ActionItem.done_at.is_(None),
            Review.phase.not_in(ENDED_PHASES),  # an ended review's actions are not slipping
            ActionItem.due < cut.action_due,
        )
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
