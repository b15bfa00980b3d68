"""Running counts per cycle and org unit, kept in step with the reviews they count.

The funnel must answer in milliseconds for 100,000 reviews in 15,000 units; counting
the reviews on every request cannot. So every write that changes what a review
counts as also adds the difference here, in the same transaction, to the review's
unit, every unit above it and the whole cycle (unit ""). The funnel then reads a
few dozen rows.

What slips depends on today, so it is tallied by the day it counts from: the day a
review entered scheduling, the day of a meeting whose summary is due, an open
action's due date. "Slipping" is then a sum over the days before a cutoff.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Date,
    Insert,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import ColumnElement, Label

from store.db import upsert_insert
from store.models import ActionItem, OrgUnit, PhaseTally, Review, SlipTally
from workflows.calendar import OSLO
from workflows.contracts import TERMINAL_PHASES, Phase, Policy
from workflows.rules import local_moment

WHOLE_CYCLE = ""  # the unit id of the row every review counts in

# What a slip tally's day means.
SCHEDULING_SINCE = "scheduling_since"  # a review waiting to be scheduled, since that day
MEETING_DAY = "meeting_day"  # a meeting held on that day whose summary is not written
ACTION_DUE = "action_due"  # an open action due that day
_ENDED = frozenset(p.value for p in TERMINAL_PHASES)  # no action of theirs comes due

# (what, day): a phase has no day; a slip item always has one.
Key = tuple[str, date | None]
Delta = Counter[Key]


@dataclass(frozen=True)
class Facts:
    """What of a review the tallies count."""

    phase: str
    phase_since: datetime
    meeting_start: datetime | None
    open_actions_due: tuple[date, ...] = ()


def oslo_day(at: datetime) -> date:
    return at.astimezone(OSLO).date()


def counted(facts: Facts | None) -> Delta:
    """What one review adds to its units' tallies."""
    out: Delta = Counter()
    if facts is None:
        return out
    out[(facts.phase, None)] += 1
    if facts.phase == Phase.SCHEDULING.value:
        out[(SCHEDULING_SINCE, oslo_day(facts.phase_since))] += 1
    if facts.phase == Phase.AWAITING_SUMMARY.value and facts.meeting_start is not None:
        out[(MEETING_DAY, oslo_day(facts.meeting_start))] += 1
    if facts.phase not in _ENDED:  # a declined or cancelled review's actions never come due
        for due in facts.open_actions_due:
            out[(ACTION_DUE, due)] += 1
    return out


def change(before: Facts | None, after: Facts | None) -> Delta:
    delta = counted(after)
    delta.subtract(counted(before))
    return Counter({k: n for k, n in delta.items() if n})


@dataclass(frozen=True)
class Cutoffs:
    """A slip item slips when its day is before its cutoff."""

    scheduling_since: date
    meeting_day: date
    action_due: date

    @classmethod
    def on(cls, today: date, policy: Policy) -> Cutoffs:
        # Scheduled by the deadline day, summary written by the reminder day, action
        # done by its due day: late from the next day on.
        return cls(
            scheduling_since=today - timedelta(days=policy.scheduling_deadline_days),
            meeting_day=today - timedelta(days=policy.summary_reminder_days),
            action_due=today,
        )

    def before(self, item: str) -> datetime:
        """The instant the cutoff day starts in Oslo, for comparing timestamps."""
        return local_moment(getattr(self, item), 0, OSLO)


async def paths(session: AsyncSession, units: Iterable[str | None]) -> dict[str | None, list[str]]:
    """Each unit with every unit above it and the whole cycle: where its counts go."""
    wanted = {u for u in units if u is not None}
    out: dict[str | None, list[str]] = {None: [WHOLE_CYCLE]}
    if not wanted:
        return out
    up = (
        select(OrgUnit.id.label("origin"), OrgUnit.id, OrgUnit.parent_id)
        .where(OrgUnit.id.in_(wanted))
        .cte("up", recursive=True)
    )
    up = up.union(
        select(up.c.origin, OrgUnit.id, OrgUnit.parent_id).join(
            OrgUnit, OrgUnit.id == up.c.parent_id
        )
    )
    found: dict[str | None, list[str]] = defaultdict(list)
    for origin, unit in (await session.execute(select(up.c.origin, up.c.id))).tuples():
        found[origin].append(unit)
    for u in wanted:
        # A unit the tree does not know yet still counts for itself and the cycle.
        out[u] = [*(found.get(u) or [u]), WHOLE_CYCLE]
    return out


Rows = Counter[tuple[str, str, str, date | None]]  # (cycle, unit, what, day) -> n


async def spread(session: AsyncSession, deltas: Mapping[tuple[str, str | None], Delta]) -> Rows:
    """Changes per (cycle, a review's own unit) as changes to every row they touch."""
    where = await paths(session, {unit for _, unit in deltas})
    return _expand(deltas, where.__getitem__)


def _expand(
    deltas: Mapping[tuple[str, str | None], Delta], path: Callable[[str | None], list[str]]
) -> Rows:
    rows: Rows = Counter()
    for (cycle_id, unit), delta in deltas.items():
        for row_unit in path(unit):
            for (what, day), n in delta.items():
                rows[(cycle_id, row_unit, what, day)] += n
    return rows


def table_rows(rows: Rows) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The non-zero rows as values for phase_tallies and for slip_tallies, in key order."""
    changed = sorted(
        ((k, n) for k, n in rows.items() if n), key=lambda kv: (kv[0][:3], kv[0][3] or date.min)
    )
    phases = [
        {"cycle_id": c, "unit_id": u, "phase": w, "n": n}
        for (c, u, w, d), n in changed
        if d is None
    ]
    slips = [
        {"cycle_id": c, "unit_id": u, "what": w, "day": d, "n": n}
        for (c, u, w, d), n in changed
        if d is not None
    ]
    return phases, slips


async def write(session: AsyncSession, rows: Rows) -> None:
    """Add to the tallies; keys in order, so concurrent writers lock rows alike."""
    phases, slips = table_rows(rows)
    insert = upsert_insert(session.get_bind().dialect.name)
    for table, values, key in (
        (PhaseTally, phases, ["cycle_id", "unit_id", "phase"]),
        (SlipTally, slips, ["cycle_id", "unit_id", "what", "day"]),
    ):
        if values:
            stmt = insert(table)
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=key, set_={"n": table.n + stmt.excluded.n}
                ),
                values,
            )


async def add(session: AsyncSession, deltas: Mapping[tuple[str, str | None], Delta]) -> None:
    """Count changes to reviews: (cycle, the review's unit) -> what changed."""
    nonzero = {k: d for k, d in deltas.items() if d}
    if nonzero:
        await write(session, await spread(session, nonzero))


async def add_one(conn: AsyncConnection, cycle_id: str, unit: str | None, delta: Delta) -> None:
    """`add` for one review's change, in one statement per table it touches: the unit's
    path up the tree is looked up inside each upsert, not before it. Same rows, same
    key order as `add` (the path and the keys sorted), so writers lock rows alike."""
    for slip in (False, True):
        keys = sorted(  # a phase has no day: date.min sorts it and is not sent
            (what, day or date.min, n)
            for (what, day), n in delta.items()
            if n and (day is not None) == slip
        )
        if not keys:
            continue
        params: dict[str, Any] = {"b_cycle": cycle_id, "b_unit": unit or WHOLE_CYCLE}
        for i, (what, day, n) in enumerate(keys):
            params |= {f"b_what{i}": what, f"b_n{i}": n} | ({f"b_day{i}": day} if slip else {})
        await conn.execute(_upsert_along_path(conn.dialect.name, slip, len(keys)), params)


@functools.cache
def _upsert_along_path(dialect: str, slip: bool, keys: int) -> Insert:
    """INSERT INTO <tally> SELECT cycle, unit, key, n FROM <the unit's path> x <the keys>
    ON CONFLICT add n. The path is the unit, every unit above it and the whole cycle; a
    unit the tree does not know counts for itself and the cycle (as `paths`). A review
    without a unit passes WHOLE_CYCLE as its unit, which the union then holds once."""
    org = cast(Table, OrgUnit.__table__)
    up = select(org.c.id, org.c.parent_id).where(org.c.id == bindparam("b_unit", type_=String))
    up_cte = up.cte("up", recursive=True)
    up_cte = up_cte.union(select(org.c.id, org.c.parent_id).where(org.c.id == up_cte.c.parent_id))
    path = union(
        select(up_cte.c.id),
        select(bindparam("b_unit", type_=String).label("id")),
        select(literal(WHOLE_CYCLE, String).label("id")),
    ).cte("path")
    table = cast(Table, (SlipTally if slip else PhaseTally).__table__)
    key_rows = []
    for i in range(keys):
        cols: list[Label[Any]] = [bindparam(f"b_what{i}", type_=String).label("what")]
        if slip:
            cols.append(bindparam(f"b_day{i}", type_=Date).label("day"))
        cols.append(bindparam(f"b_n{i}", type_=Integer).label("n"))
        key_rows.append(select(*cols))
    wanted = (union_all(*key_rows) if keys > 1 else key_rows[0]).cte("wanted")
    order = [path.c.id, wanted.c.what, *([wanted.c.day] if slip else [])]
    rows = (
        select(bindparam("b_cycle", type_=String), *order, wanted.c.n)
        .select_from(path.join(wanted, true()))
        .where(true())  # SQLite: an upsert's SELECT needs a WHERE (a parsing ambiguity)
        .order_by(*order)
    )
    names = ["cycle_id", "unit_id", "what" if slip else "phase", *(["day"] if slip else []), "n"]
    stmt = upsert_insert(dialect)(table)
    stmt = stmt.from_select(names, rows)
    return stmt.on_conflict_do_update(
        index_elements=names[:-1], set_={"n": table.c.n + stmt.excluded.n}
    )


async def move_unit(session: AsyncSession, unit: OrgUnit, parent: str | None, into: Rows) -> None:
    """Put `unit` under `parent`, its counts (everything below it) taken out of the units
    above it before and added to those above it after: as changes into `into`, which
    the caller writes once, so that one transaction's tally writes go in key order."""
    held = await _held_by(session, unit.id, into)
    into.update(await _along_path(session, unit.id, held, sign=-1))
    unit.parent_id = parent
    await session.flush()
    into.update(await _along_path(session, unit.id, held, sign=1))


async def _held_by(session: AsyncSession, unit_id: str, unwritten: Rows) -> Rows:
    """The unit's own rows: as stored, plus what this transaction has not written yet."""
    held: Rows = Counter({k: n for k, n in unwritten.items() if k[1] == unit_id})
    for cycle_id, what, n in (
        await session.execute(
            select(PhaseTally.cycle_id, PhaseTally.phase, PhaseTally.n).where(
                PhaseTally.unit_id == unit_id
            )
        )
    ).tuples():
        held[(cycle_id, unit_id, what, None)] += n
    for cycle_id, what, day, n in (
        await session.execute(
            select(SlipTally.cycle_id, SlipTally.what, SlipTally.day, SlipTally.n).where(
                SlipTally.unit_id == unit_id
            )
        )
    ).tuples():
        held[(cycle_id, unit_id, what, day)] += n
    return held


async def _along_path(session: AsyncSession, unit_id: str, held: Rows, *, sign: int) -> Rows:
    """`held` (the unit's own rows) added to each unit strictly above it, times `sign`.
    The whole-cycle row is left alone: a move changes nothing there."""
    above = [u for u in (await paths(session, [unit_id]))[unit_id] if u not in (unit_id, "")]
    rows: Rows = Counter()
    for (cycle_id, _, what, day), n in held.items():
        for u in above:
            rows[(cycle_id, u, what, day)] += sign * n
    return rows


@dataclass
class Tally:
    phases: dict[str, int]
    slipping: dict[str, int]


async def read(
    session: AsyncSession, cycle_id: str, units: Iterable[str], cutoffs: Cutoffs
) -> dict[str, Tally]:
    """The tallies of the given units (WHOLE_CYCLE for the cycle as a whole)."""
    wanted = sorted(set(units))
    out = {u: Tally({}, {}) for u in wanted}
    phase_rows = await session.execute(
        select(PhaseTally.unit_id, PhaseTally.phase, PhaseTally.n).where(
            PhaseTally.cycle_id == cycle_id, PhaseTally.unit_id.in_(wanted), PhaseTally.n != 0
        )
    )
    for unit, phase, n in phase_rows.tuples():
        out[unit].phases[phase] = n
    late = or_(
        *(
            and_(SlipTally.what == what, SlipTally.day < getattr(cutoffs, what))
            for what in (SCHEDULING_SINCE, MEETING_DAY, ACTION_DUE)
        )
    )
    slip_rows = await session.execute(
        select(SlipTally.unit_id, SlipTally.what, func.sum(SlipTally.n))
        .where(SlipTally.cycle_id == cycle_id, SlipTally.unit_id.in_(wanted), late)
        .group_by(SlipTally.unit_id, SlipTally.what)
    )
    for unit, what, n in slip_rows.tuples():
        out[unit].slipping[what] = int(n)
    return out


async def open_dues(
    session: AsyncSession, *where: ColumnElement[bool]
) -> defaultdict[str, list[date]]:
    """Each review's open actions' due dates, for the reviews `where` selects."""
    dues: defaultdict[str, list[date]] = defaultdict(list)
    rows = await session.execute(
        select(ActionItem.review_id, ActionItem.due)
        .join(Review, Review.id == ActionItem.review_id)
        .where(ActionItem.done_at.is_(None), Review.phase.not_in(sorted(_ENDED)), *where)
    )
    for review_id, due in rows.tuples():
        dues[review_id].append(due)
    return dues


async def rebuild(session: AsyncSession, cycle_id: str) -> None:
    """Count a cycle's tallies afresh from its reviews: for data loaded in bulk (the
    benchmark), or should a tally ever be in doubt."""
    await session.execute(delete(PhaseTally).where(PhaseTally.cycle_id == cycle_id))
    await session.execute(delete(SlipTally).where(SlipTally.cycle_id == cycle_id))
    parents = dict((await session.execute(select(OrgUnit.id, OrgUnit.parent_id))).tuples().all())
    dues = await open_dues(session, Review.cycle_id == cycle_id)
    reviews = select(
        Review.id, Review.org_unit_id, Review.phase, Review.phase_since, Review.meeting_start
    ).where(Review.cycle_id == cycle_id)
    rows = from_scratch(
        (
            (cycle_id, unit, Facts(phase, since, meeting, tuple(dues.get(rid, ()))))
            for rid, unit, phase, since, meeting in (await session.execute(reviews)).tuples()
        ),
        parents,
    )
    await write(session, rows)


def from_scratch(
    reviews: Iterable[tuple[str, str | None, Facts]],
    parents: Mapping[str, str | None],
) -> Rows:
    """Every tally row of the given reviews (cycle, unit, facts), counted afresh: for
    filling the tables when they are new, and for checking them."""
    own: dict[tuple[str, str | None], Delta] = defaultdict(Counter)
    for cycle_id, unit, facts in reviews:
        own[(cycle_id, unit)].update(counted(facts))
    return _expand(own, lambda unit: _path_in(parents, unit))


def _path_in(parents: Mapping[str, str | None], unit: str | None) -> list[str]:
    path: list[str] = []
    while unit is not None and unit not in path:
        path.append(unit)
        unit = parents.get(unit)
    return [*path, WHOLE_CYCLE]
