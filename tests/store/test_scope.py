"""A cycle's scope is its units with everything below them, walked by the database."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from store.cycles import Cursor, page_in_scope, units_within
from tests.store.test_tallies import ORG, import_org


async def test_a_scope_takes_in_every_unit_below_it(db: async_sessionmaker) -> None:
    await import_org(db, ORG)
    async with db() as session:
        assert await units_within(session, ["Salg"]) == {"Salg", "Salg Vest", "Salg Øst"}
        people = await page_in_scope(
            session, scope=["Salg"], employee_ids=None, after=Cursor(), limit=100
        )
    # m1 heads Salg; the CEO has no manager, Drift is outside.
    assert sorted(p.employee.id for p in people) == ["e1", "e2", "e3", "m1"]


async def test_pages_group_each_managers_reports(db: async_sessionmaker) -> None:
    await import_org(db, ORG)
    async with db() as session:
        first = await page_in_scope(session, scope=None, employee_ids=None, after=Cursor(), limit=4)
        last = first[-1]
        rest = await page_in_scope(
            session,
            scope=None,
            employee_ids=None,
            after=Cursor(last.manager.id, last.employee.id),
            limit=100,
        )
    order = [(p.manager.id, p.employee.id) for p in first + rest]
    assert order == sorted(order) and len(set(order)) == len(order) == 6
