"""Employees and cycles: who works here, who manages whom, which cycles exist."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from conversation.templates import DEFAULT_TEMPLATE_KEY
from store.db import upsert_insert
from store.models import Cycle, Employee, OrgUnit
from store.templates import latest_version
from workflows.contracts import Person, Policy

T = TypeVar("T")


@dataclass(frozen=True)
class NewEmployee:
    id: str
    name: str
    email: str
    language: str
    manager_id: str | None
    is_hr: bool = False


class DirectoryError(Exception):
    """A directory change that cannot apply: `problems` says each reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


async def get_employee(session: AsyncSession, employee_id: str) -> Employee | None:
    return await session.get(Employee, employee_id)


async def employee_by_email(session: AsyncSession, email: str) -> Employee | None:
    """The active employee with this address (case-insensitive), as a sign-in names them."""
    rows = await session.scalars(
        select(Employee)
        .where(func.lower(Employee.email) == email.lower(), Employee.active.is_(True))
        .order_by(Employee.id)
        .limit(1)
    )
    return rows.first()


async def employees_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, Employee]:
    rows = await session.scalars(select(Employee).where(Employee.id.in_(ids)))
    return {e.id: e for e in rows}


async def add_employees(
    session: AsyncSession, new: Sequence[NewEmployee], *, now: datetime
) -> list[Employee]:
    """Add a batch whose managers are in the batch or already stored; all or nothing."""
    ids = [e.id for e in new]
    existing = set(await session.scalars(select(Employee.id).where(Employee.id.in_(ids))))
    known = set(ids)
    managers = {e.manager_id for e in new if e.manager_id and e.manager_id not in known}
    stored_managers = set(
        await session.scalars(select(Employee.id).where(Employee.id.in_(managers)))
    )
    problems = [f"employee {i!r} already exists" for i in ids if i in existing]
    problems += [f"employee {i!r} appears twice" for i in sorted(known) if ids.count(i) > 1]
    problems += [
        f"employee {e.id!r}: manager {e.manager_id!r} is unknown"
        for e in new
        if e.manager_id and e.manager_id not in known and e.manager_id not in stored_managers
    ]
    problems += [f"employee {e.id!r} cannot manage themself" for e in new if e.manager_id == e.id]
    ordered = managers_first(new, id_of=lambda e: e.id, manager_of=lambda e: e.manager_id)
    if ordered is None:
        problems.append("the managers form a cycle: someone manages their own manager")
    if problems or ordered is None:
        raise DirectoryError(problems)
    rows = [
        Employee(
            id=e.id,
            name=e.name,
            email=e.email,
            language=e.language,
            manager_id=e.manager_id,
            is_hr=e.is_hr,
            active=True,
            created_at=now,
        )
        for e in ordered
    ]
    session.add_all(rows)  # managers first: the inserts keep this order
    await session.flush()
    return rows


def managers_first(
    batch: Sequence[T], *, id_of: Callable[[T], str], manager_of: Callable[[T], str | None]
) -> list[T] | None:
    """Order a batch so every manager in it precedes their reports, keeping the manager
    foreign key true at each insert; None if the managers form a cycle."""
    by_id = {id_of(e): e for e in batch}
    placed: set[str] = set()
    out: list[T] = []
    for e in batch:
        chain: list[T] = []
        cur: T | None = e
        while cur is not None and id_of(cur) not in placed:
            if any(id_of(c) == id_of(cur) for c in chain):
                return None
            chain.append(cur)
            manager = manager_of(cur)
            cur = by_id.get(manager) if manager else None
        for c in reversed(chain):
            placed.add(id_of(c))
            out.append(c)
    return out


async def reports_of(session: AsyncSession, manager_id: str) -> list[Employee]:
    rows = await session.scalars(
        select(Employee).where(Employee.manager_id == manager_id, Employee.active.is_(True))
    )
    return list(rows)


async def reviewable(
    session: AsyncSession, ids: Sequence[str] | None = None
) -> list[tuple[Employee, Employee]]:
    """(employee, manager) for every active employee who has a manager, or those of `ids`."""
    manager = aliased(Employee)
    q = (
        select(Employee, manager)
        .join(manager, manager.id == Employee.manager_id)
        .where(Employee.active.is_(True))
    )
    if ids is not None:
        q = q.where(Employee.id.in_(ids))
    rows = await session.execute(q.order_by(Employee.id))
    return [(e, m) for e, m in rows.tuples()]


def as_person(e: Employee) -> Person:
    return Person(id=e.id, name=e.name, email=e.email, language=e.language)


async def get_cycle(session: AsyncSession, cycle_id: str) -> Cycle | None:
    return await session.get(Cycle, cycle_id)


async def add_cycle(
    session: AsyncSession,
    *,
    cycle_id: str,
    name: str,
    year: int,
    window_start: date,
    window_end: date,
    created_by: str,
    now: datetime,
) -> None:
    """Add a cycle's row (no workflow) unless the id exists. It writes only the columns the
    first schema had, so a test of an old migration can seed with it."""
    if await session.scalar(select(Cycle.id).where(Cycle.id == cycle_id)) is not None:
        return
    await session.execute(
        insert(Cycle).values(
            id=cycle_id,
            name=name,
            year=year,
            window_start=window_start,
            window_end=window_end,
            created_by=created_by,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class CycleSpec:
    """What a cycle is started with; a running cycle keeps all of it."""

    id: str
    name: str
    year: int
    window_start: date
    window_end: date
    scope: list[str] | None
    employee_ids: list[str] | None
    policy: Policy
    template: str = DEFAULT_TEMPLATE_KEY  # its latest version then is the cycle's


async def unknown_units(session: AsyncSession, ids: Sequence[str]) -> list[str]:
    known = set(await session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(ids))))
    return [u for u in ids if u not in known]


async def register_cycle(
    session: AsyncSession, spec: CycleSpec, *, created_by: str, now: datetime
) -> tuple[Cycle, bool]:
    """The cycle's row, and whether this call wrote it. INSERT … ON CONFLICT DO NOTHING:
    of two identical requests at once, the second waits for the first's row and reads it,
    where a plain insert would fail on the key."""
    insert = upsert_insert(session.get_bind().dialect.name)
    row = {
        "id": spec.id,
        "name": spec.name,
        "year": spec.year,
        "window_start": spec.window_start,
        "window_end": spec.window_end,
        "created_by": created_by,
        "created_at": now,
        "status": "running",
        "scope": json.dumps(spec.scope) if spec.scope is not None else None,
        "employee_ids": json.dumps(spec.employee_ids) if spec.employee_ids is not None else None,
        "policy": json.dumps(asdict(spec.policy)),
        "template_key": spec.template,
        "template_version": await latest_version(session, spec.template),
    }
    stmt = insert(Cycle).values(row).on_conflict_do_nothing(index_elements=["id"])
    created = (await session.execute(stmt.returning(Cycle.id))).first() is not None
    cycle = await session.get(Cycle, spec.id, populate_existing=True)
    assert cycle is not None, "inserted or already there"
    return cycle, created


def cycle_differences(cycle: Cycle, spec: CycleSpec) -> list[str]:
    """The settings in which `spec` differs from the stored cycle, by name; lists compare
    as sets (the same units in another order are the same scope)."""
    mine: dict[str, Any] = {
        "name": cycle.name,
        "year": cycle.year,
        "window_start": cycle.window_start,
        "window_end": cycle.window_end,
        "scope": _as_set(cycle.scope),
        "employee_ids": _as_set(cycle.employee_ids),
        "template": cycle.template_key or DEFAULT_TEMPLATE_KEY,
    }
    theirs: dict[str, Any] = {
        "name": spec.name,
        "year": spec.year,
        "window_start": spec.window_start,
        "window_end": spec.window_end,
        "scope": None if spec.scope is None else set(spec.scope),
        "employee_ids": None if spec.employee_ids is None else set(spec.employee_ids),
        "template": spec.template,
    }
    out = [k for k in mine if mine[k] != theirs[k]]
    stored = json.loads(cycle.policy) if cycle.policy else asdict(Policy())
    wanted = json.loads(json.dumps(asdict(spec.policy)))
    return out + [f"policy.{k}" for k in wanted if stored.get(k) != wanted[k]]


def _as_set(stored: str | None) -> set[str] | None:
    return None if stored is None else set(json.loads(stored))
