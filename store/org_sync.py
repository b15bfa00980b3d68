"""Apply an organisation snapshot: a re-import is a sync, and the same file twice changes nothing.

New employees are added, changes of name, email, language, manager, unit and
dates applied, and those who left (an end date passed, or no longer in the
export) marked inactive. HR users absent from the export keep their access:
HR systems rarely list the people who administer samtale.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from org.csv_export import ExportRow
from org.csv_import import Row, Snapshot
from store import tallies
from store.db import upsert_insert
from store.directory import managers_first
from store.models import Cycle, Employee, Lock, OrgUnit, Review

_FIELDS = (
    "name",
    "email",
    "language",
    "manager_id",
    "org_unit_id",
    "start_date",
    "end_date",
    "birth_year",
    "active",
)


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    manager_changed: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    unit_changed: dict[str, str | None] = field(default_factory=dict)  # employee -> new unit
    unchanged: int = 0


@dataclass
class SyncPlan:
    """What a sync would write, read but not yet applied: the dry run shows it, the
    import applies exactly it."""

    report: SyncReport
    existing: dict[str, Employee]
    new: list[dict[str, object]] = field(default_factory=list)  # managers first
    updates: dict[str, dict[str, object]] = field(default_factory=dict)  # id -> changed fields

    @property
    def active_before(self) -> int:
        return sum(1 for e in self.existing.values() if e.active)


async def plan_sync(session: AsyncSession, snap: Snapshot, *, today: date) -> SyncPlan:
    """Read only: compare the snapshot with the stored organisation."""
    existing = {e.id: e for e in await session.scalars(select(Employee))}
    plan = SyncPlan(report=SyncReport(), existing=existing)
    report = plan.report
    ordered = managers_first(
        snap.rows, id_of=lambda r: r.employee_id, manager_of=lambda r: r.manager_id
    )
    if ordered is None:
        raise ValueError("the managers form a cycle; parse() refuses such a file")
    for row in ordered:
        values = _values(row, today)
        emp = existing.get(row.employee_id)
        if emp is None:
            plan.new.append({"id": row.employee_id, **values})
            report.added.append(row.employee_id)
            continue
        changed = {f: values[f] for f in _FIELDS if getattr(emp, f) != values[f]}
        if not changed:
            report.unchanged += 1
            continue
        if "manager_id" in changed:
            report.manager_changed.append((emp.id, emp.manager_id, row.manager_id))
        if "org_unit_id" in changed:
            report.unit_changed[emp.id] = row.org_unit
        (report.left if changed.get("active") is False else report.updated).append(emp.id)
        plan.updates[emp.id] = changed
    in_file = {r.employee_id for r in snap.rows}
    for emp in existing.values():
        if emp.id not in in_file and emp.active and not emp.is_hr:
            plan.updates[emp.id] = {"active": False}
            report.left.append(emp.id)
    return plan


async def apply_sync(
    session: AsyncSession, snap: Snapshot, plan: SyncPlan, *, now: datetime
) -> SyncReport:
    unwritten: tallies.Rows = Counter()  # tally changes, written once at the end
    await _sync_units(session, snap.units, unwritten)
    session.add_all(Employee(is_hr=False, created_at=now, **values) for values in plan.new)
    # Joiners first, in their own flush: an update that names a joiner as someone's new
    # manager must find them (a flush would run the updates before the inserts).
    await session.flush()
    for eid, changed in plan.updates.items():
        for f, value in changed.items():
            setattr(plan.existing[eid], f, value)
    await session.flush()
    await _move_reviews(session, plan.report.unit_changed, unwritten)
    await tallies.write(session, unwritten)
    return plan.report


async def sync_org(
    session: AsyncSession, snap: Snapshot, *, today: date, now: datetime
) -> SyncReport:
    return await apply_sync(session, snap, await plan_sync(session, snap, today=today), now=now)


async def one_import_at_a_time(session: AsyncSession, *, now: datetime) -> None:
    """Write the import lock row first: a second import waits here until the first commits
    (a row lock on PostgreSQL, the write lock on SQLite), then reads what it wrote, so two
    identical imports at once both succeed and the second changes nothing."""
    insert = upsert_insert(session.get_bind().dialect.name)
    stmt = insert(Lock).values(name="import", taken_at=now)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["name"], set_={"taken_at": now})
    )


def _values(row: Row, today: date) -> dict[str, object]:
    return {
        "name": row.name,
        "email": row.email,
        "language": row.language,
        "manager_id": row.manager_id,
        "org_unit_id": row.org_unit,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "birth_year": row.birth_year,
        "active": row.end_date is None or row.end_date > today,
    }


async def _sync_units(
    session: AsyncSession, units: dict[str, str | None], unwritten: tallies.Rows
) -> None:
    """New units go in without a parent, then every parent is set: no insert order to get
    right."""
    existing = {u.id: u for u in await session.scalars(select(OrgUnit))}
    new = set(units) - set(existing)
    for u in units:
        if u not in existing:
            existing[u] = OrgUnit(id=u, parent_id=None)
            session.add(existing[u])
    await session.flush()
    for u in new:
        existing[u].parent_id = units[u]
    await session.flush()
    for u, parent in units.items():
        if existing[u].parent_id != parent:
            # One at a time, each on the tree as the moves before it left it.
            await tallies.move_unit(session, existing[u], parent, unwritten)


async def _move_reviews(
    session: AsyncSession, new_units: dict[str, str | None], unwritten: tallies.Rows
) -> None:
    """Reviews in running cycles follow their employee to a new unit, counts and all."""
    if not new_units:
        return
    reviews = list(
        await session.scalars(
            select(Review)
            .join(Cycle, Cycle.id == Review.cycle_id)
            .where(Cycle.status == "running", Review.employee_id.in_(new_units))
            # NO KEY: the unit changes, never the id, so event writers (their foreign-key
            # check takes KEY SHARE) are not held up behind the import.
            .with_for_update(of=Review, key_share=True)
        )
    )
    dues = await tallies.open_dues(session, Review.id.in_([r.id for r in reviews]))
    deltas: dict[tuple[str, str | None], tallies.Delta] = defaultdict(Counter)
    for r in reviews:
        counts = tallies.counted(
            tallies.Facts(r.phase, r.phase_since, r.meeting_start, tuple(dues[r.id]))
        )
        deltas[(r.cycle_id, r.org_unit_id)].subtract(counts)
        deltas[(r.cycle_id, new_units[r.employee_id])].update(counts)
        r.org_unit_id = new_units[r.employee_id]
    unwritten.update(await tallies.spread(session, deltas))


async def organisation(session: AsyncSession) -> list[ExportRow]:
    """Every active employee with their unit and its parent, managers before their
    reports, as an export lists them."""
    rows = await session.execute(
        select(Employee, OrgUnit.parent_id)
        .outerjoin(OrgUnit, OrgUnit.id == Employee.org_unit_id)
        .where(Employee.active.is_(True))
        .order_by(Employee.id)
    )
    found = [
        ExportRow(
            employee_id=e.id,
            name=e.name,
            email=e.email,
            language=e.language,
            manager_id=e.manager_id,
            org_unit=e.org_unit_id,
            parent_unit=parent,
            start_date=e.start_date,
            end_date=e.end_date,
            birth_year=e.birth_year,
        )
        for e, parent in rows.tuples()
    ]
    ordered = managers_first(
        found, id_of=lambda r: r.employee_id, manager_of=lambda r: r.manager_id
    )
    return ordered if ordered is not None else found
