"""A re-import is a sync: joiners added, changes applied, leavers marked, a repeat is a no-op."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from org.csv_export import to_csv
from org.csv_import import parse
from org.demo import DEMO, demo_csv
from samtale.demo import seed_demo
from store.db import create_engine, session_factory
from store.migrate import upgrade
from store.models import Employee, OrgUnit
from store.org_sync import SyncReport, apply_sync, organisation, plan_sync, sync_org

TODAY = date(2027, 2, 1)
HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date\n"
V1 = HEADER + (
    "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n"
    "m1,Ola Nordmann,ola@example.no,nb,ceo,Salg,Konsern,,\n"
    "m2,Siri Moe,siri@example.no,nb,ceo,Drift,Konsern,,\n"
    "e1,Kari Hansen,kari@example.no,en,m1,Salg Vest,Salg,,\n"
    "e2,Per Berg,per@example.no,nb,m1,Salg Vest,Salg,,\n"
)


async def sync(db: async_sessionmaker, text: str) -> SyncReport:
    async with db.begin() as session:
        return await sync_org(session, parse(text), today=TODAY, now=datetime.now(UTC))


async def employee(db: async_sessionmaker, eid: str) -> Employee:
    async with db() as session:
        found = await session.get(Employee, eid)
    assert found is not None
    return found


async def test_a_first_import_adds_everyone_and_the_unit_tree(db: async_sessionmaker) -> None:
    report = await sync(db, V1)
    assert sorted(report.added) == ["ceo", "e1", "e2", "m1", "m2"]
    async with db() as session:
        units = {u.id: u.parent_id for u in await session.scalars(select(OrgUnit))}
    assert units == {"Konsern": None, "Salg": "Konsern", "Drift": "Konsern", "Salg Vest": "Salg"}


async def test_the_same_file_twice_changes_nothing(db: async_sessionmaker) -> None:
    await sync(db, V1)
    again = await sync(db, V1)
    assert (again.added, again.updated, again.left, again.unchanged) == ([], [], [], 5)


async def test_a_reimport_applies_joiners_changes_and_leavers(db: async_sessionmaker) -> None:
    await sync(db, V1)
    v2 = HEADER + (
        "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n"
        "m1,Ola Nordmann,ola.nordmann@example.no,nb,ceo,Salg,Konsern,,\n"
        "m2,Siri Moe,siri@example.no,nb,ceo,Drift,Konsern,,\n"
        "e1,Kari Hansen,kari@example.no,en,m2,Drift,Konsern,,\n"
        "e3,Nils Ås,nils@example.no,nb,m2,Drift,Konsern,2027-01-15,\n"
        "e2,Per Berg,per@example.no,nb,m1,Salg Vest,Salg,,2027-01-31\n"
    )
    report = await sync(db, v2)
    assert report.added == ["e3"]
    assert sorted(report.updated) == ["e1", "m1"]
    assert report.left == ["e2"]
    assert report.manager_changed == [("e1", "m1", "m2")]
    assert (await employee(db, "m1")).email == "ola.nordmann@example.no"
    assert not (await employee(db, "e2")).active


async def test_someone_missing_from_the_export_has_left_but_hr_keeps_access(
    db: async_sessionmaker,
) -> None:
    first = await sync(db, V1)
    # The seeded people are not in this export: they have left, except HR.
    assert sorted(first.left) == ["e-100", "m-10", "m-20"]
    assert (await employee(db, "hr-1")).active
    report = await sync(db, V1.replace("e2,Per Berg,per@example.no,nb,m1,Salg Vest,Salg,,\n", ""))
    assert report.left == ["e2"]


async def test_a_plan_reads_only_and_applying_it_does_exactly_what_it_said(
    db: async_sessionmaker,
) -> None:
    await sync(db, V1)
    v2 = (
        V1.replace("e2,Per Berg,per@example.no,nb,m1,Salg Vest,Salg,,\n", "").replace(
            "e1,Kari Hansen,kari@example.no,en,m1,", "e1,Kari Hansen,kari@example.no,en,m2,"
        )
        + "e3,Nils Ås,nils@example.no,nb,m2,Drift,Konsern,,\n"
    )
    async with db() as session:
        plan = await plan_sync(session, parse(v2), today=TODAY)
        assert not session.dirty and not session.new
    assert (plan.report.added, plan.report.left, plan.report.updated) == (["e3"], ["e2"], ["e1"])
    assert plan.updates == {"e1": {"manager_id": "m2"}, "e2": {"active": False}}
    assert plan.active_before == 6  # V1's five and HR
    assert (await employee(db, "e2")).active  # nothing written
    async with db.begin() as session:
        plan = await plan_sync(session, parse(v2), today=TODAY)
        await apply_sync(session, parse(v2), plan, now=datetime.now(UTC))
    assert not (await employee(db, "e2")).active
    assert (await employee(db, "e1")).manager_id == "m2"
    assert (await employee(db, "e3")).org_unit_id == "Drift"


async def test_the_demo_organisation_has_units_and_imports_again_unchanged(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    await upgrade(engine)
    demo = session_factory(engine)
    try:
        assert await seed_demo(demo)
        async with demo() as session:
            people = list(await session.scalars(select(Employee).order_by(Employee.id)))
            plan = await plan_sync(session, parse(demo_csv()), today=TODAY)
    finally:
        await engine.dispose()
    assert {e.org_unit_id for e in people} == {"HR", "Salg", "Utvikling"}
    assert [e.id for e in people if e.is_hr] == ["hr-1"]
    assert (plan.report.unchanged, plan.updates, plan.new) == (len(DEMO), {}, [])


async def test_someone_moved_to_a_manager_who_joins_in_the_same_file(
    db: async_sessionmaker,
) -> None:
    await sync(db, V1)
    v2 = (
        V1.replace("e1,Kari Hansen,kari@example.no,en,m1,", "e1,Kari Hansen,kari@example.no,en,n1,")
        + "n1,Nina Ny,nina@example.no,nb,ceo,Salg,Konsern,,\n"
    )
    report = await sync(db, v2)
    assert report.added == ["n1"]
    assert report.manager_changed == [("e1", "m1", "n1")]
    assert (await employee(db, "e1")).manager_id == "n1"


async def test_a_birth_year_is_stored_changed_and_exported_as_imported(
    db: async_sessionmaker,
) -> None:
    with_years = V1.replace("end_date\n", "end_date,birth_year\n").replace(
        "e1,Kari Hansen,kari@example.no,en,m1,Salg Vest,Salg,,\n",
        "e1,Kari Hansen,kari@example.no,en,m1,Salg Vest,Salg,,,1965\n",
    )
    report = await sync(db, with_years)
    assert (await employee(db, "e1")).birth_year == 1965
    assert (await employee(db, "e2")).birth_year is None
    async with db() as session:
        exported = to_csv(await organisation(session))
    assert "e1,Kari Hansen,kari@example.no,en,m1,Salg Vest,Salg,,,1965\n" in exported
    again = await sync(db, with_years)
    assert (again.updated, again.unchanged) == ([], len(report.added))
    without = await sync(db, V1)  # the file is the whole truth: no column, no birth year
    assert without.updated == ["e1"]
    assert (await employee(db, "e1")).birth_year is None
