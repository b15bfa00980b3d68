"""Employees and cycles: who works here, who manages whom, which cycles exist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Cycle, Employee
from workflows.contracts import Person


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
    if problems:
        raise DirectoryError(problems)
    rows = [
        Employee(id=e.id, name=e.name, email=e.email, language=e.language,
                 manager_id=e.manager_id, is_hr=e.is_hr, active=True, created_at=now)
        for e in new
    ]
    # Managers first, so the foreign key holds at every insert.
    session.add_all(sorted(rows, key=lambda r: r.manager_id in known))
    await session.flush()
    return rows


async def reports_of(session: AsyncSession, manager_id: str) -> list[Employee]:
    rows = await session.scalars(
        select(Employee).where(Employee.manager_id == manager_id, Employee.active.is_(True))
    )
    return list(rows)


async def active_employees_with_manager(
    session: AsyncSession, ids: Sequence[str] | None = None
) -> list[Employee]:
    q = select(Employee).where(Employee.active.is_(True), Employee.manager_id.is_not(None))
    if ids is not None:
        q = q.where(Employee.id.in_(ids))
    return list(await session.scalars(q.order_by(Employee.id)))


def as_person(e: Employee) -> Person:
    return Person(id=e.id, name=e.name, email=e.email, language=e.language)


async def get_cycle(session: AsyncSession, cycle_id: str) -> Cycle | None:
    return await session.get(Cycle, cycle_id)


async def add_cycle(
    session: AsyncSession, *, cycle_id: str, name: str, year: int, window_start: date,
    window_end: date, created_by: str, now: datetime,
) -> Cycle:
    """Create the cycle, or return it unchanged if the same id was created before (a retry)."""
    found = await session.get(Cycle, cycle_id)
    if found is not None:
        return found
    cycle = Cycle(id=cycle_id, name=name, year=year, window_start=window_start,
                  window_end=window_end, created_by=created_by, created_at=now)
    session.add(cycle)
    await session.flush()
    return cycle
