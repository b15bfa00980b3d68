"""The funnel reads running tallies; after any change they say what counting the reviews says."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from org.csv_import import parse
from store import tallies
from store.cycles import Cursor, page_in_scope, register_reviews, units_within
from store.db import create_engine, session_factory
from store.directory import as_person
from store.migrate import alembic_config, upgrade
from store.models import ActionItem, Employee, OrgUnit, PhaseTally, Review, SlipTally
from store.org_sync import sync_org
from store.progress import Counts, funnel
from store.readmodel import apply_sync
from tests.factories import HR, seed_people
from workflows.calendar import OSLO
from workflows.contracts import (
    Action,
    LocationKind,
    Meeting,
    Phase,
    Policy,
    ReviewState,
    ReviewSync,
)

POLICY = Policy()
KICKOFF = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
TODAY = date(2027, 3, 10)  # past the scheduling deadline of everything started at kickoff
HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date\n"
ORG = HEADER + (
    "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n"
    "m1,Ola Nordmann,ola@example.no,nb,ceo,Salg,Konsern,,\n"
    "m2,Siri Moe,siri@example.no,nb,ceo,Drift,Konsern,,\n"
    "e1,Kari Hansen,kari@example.no,en,m1,Salg Vest,Salg,,\n"
    "e2,Per Berg,per@example.no,nb,m1,Salg Vest,Salg,,\n"
    "e3,Nils Ås,nils@example.no,nb,m1,Salg Øst,Salg,,\n"
    "e4,Lise Lie,lise@example.no,nb,m2,Drift,Konsern,,\n"
)


async def import_org(db: async_sessionmaker, text: str) -> None:
    async with db.begin() as session:
        await sync_org(session, parse(text), today=TODAY, now=KICKOFF)


async def kickoff(db: async_sessionmaker) -> None:
    async with db.begin() as session:
        people = await page_in_scope(
            session, scope=None, employee_ids=None, after=Cursor(), limit=100
        )
        people = [p for p in people if p.employee.id in {"m1", "m2", "e1", "e2", "e3", "e4"}]
        await register_reviews(
            session,
            cycle_id="2027",
            review_ids=[f"review-2027-{p.employee.id}" for p in people],
            people=people,
            now=KICKOFF,
        )


async def change(db: async_sessionmaker, eid: str, version: int, phase: Phase, **kw: Any) -> None:
    async with db.begin() as session:
        e = await session.get(Employee, eid)
        assert e is not None and e.manager_id is not None
        m = await session.get(Employee, e.manager_id)
        assert m is not None
        s = ReviewState(
            review_id=f"review-2027-{eid}",
            cycle_id="2027",
            employee=as_person(e),
            manager=as_person(m),
            hr=HR,
            policy=POLICY,
            phase=phase,
            started_at=KICKOFF,
            phase_since=KICKOFF + timedelta(days=version),
            version=version,
            **kw,
        )
        await apply_sync(session, ReviewSync(s))


def meeting(day: int) -> Meeting:
    return Meeting(
        start=datetime(2027, 2, day, 9, 0, tzinfo=UTC),
        duration_minutes=60,
        location_kind=LocationKind.MEETING_ROOM,
        location_text="Rom 1",
        sequence=0,
        set_at=KICKOFF,
    )


def action(n: int, due: date, done: bool = False) -> Action:
    return Action(
        id=n,
        title=f"Action {n}",
        owner_id="e1",
        due=due,
        created_at=KICKOFF,
        done_at=KICKOFF if done else None,
    )


async def counted_directly(session: AsyncSession, unit: str | None) -> Counts:
    """The oracle: every review of the unit (and below) looked at, one by one."""
    q = select(Review).where(Review.cycle_id == "2027")
    if unit is not None:
        q = q.where(Review.org_unit_id.in_(await units_within(session, [unit])))
    out = Counts()
    for r in await session.scalars(q):
        out.phases[r.phase] += 1
        if r.phase == "scheduling":
            deadline = r.phase_since.astimezone(OSLO).date() + timedelta(
                days=POLICY.scheduling_deadline_days
            )
            out.slipping["unscheduled_past_deadline"] += deadline < TODAY
        if r.phase == "awaiting_summary" and r.meeting_start:
            due = r.meeting_start.astimezone(OSLO).date() + timedelta(
                days=POLICY.summary_reminder_days
            )
            out.slipping["summaries_missing"] += due < TODAY
        for a in await session.scalars(select(ActionItem).where(ActionItem.review_id == r.id)):
            out.slipping["actions_overdue"] += a.done_at is None and a.due < TODAY
    return out


async def all_tallies(db: async_sessionmaker) -> set[tuple]:
    async with db() as session:
        phases = await session.execute(select(PhaseTally).where(PhaseTally.n != 0))
        slips = await session.execute(select(SlipTally).where(SlipTally.n != 0))
        return {(t.unit_id, t.phase, None, t.n) for t in phases.scalars()} | {
            (t.unit_id, t.what, t.day, t.n) for t in slips.scalars()
        }


async def assert_tallies_match_the_reviews(db: async_sessionmaker) -> None:
    async with db() as session:
        units = list(await session.scalars(select(OrgUnit.id)))
        overall = (await funnel(session, "2027", today=TODAY, policy=POLICY)).overall
        assert overall == await counted_directly(session, None)
        for unit in units:
            shown = await funnel(session, "2027", today=TODAY, policy=POLICY, focus=unit)
            direct = await counted_directly(session, unit)
            assert shown.units.get(unit, Counts()) == direct, unit


async def test_the_funnel_matches_the_reviews_through_a_cycle_of_changes(
    db: async_sessionmaker,
) -> None:
    await import_org(db, ORG)
    await kickoff(db)
    await assert_tallies_match_the_reviews(db)
    # Reviews move through their phases; meetings and actions come and go.
    await change(db, "e1", 2, Phase.INVITED, meeting=meeting(20))
    await change(db, "e2", 3, Phase.AWAITING_SUMMARY, meeting=meeting(15))
    await change(db, "e3", 4, Phase.FOLLOW_UP, actions=[action(1, date(2027, 3, 1))])
    await change(db, "m2", 2, Phase.CANCELLED)
    await assert_tallies_match_the_reviews(db)
    await change(
        db,
        "e3",
        5,
        Phase.FOLLOW_UP,
        actions=[
            action(1, date(2027, 3, 1), done=True),
            action(2, date(2027, 3, 5)),
            action(3, date(2027, 4, 1)),
        ],
    )
    await change(db, "e2", 4, Phase.AWAITING_SIGNOFF, meeting=meeting(15))
    await assert_tallies_match_the_reviews(db)
    # A re-import: e4 moves to Salg Øst, Salg Vest moves under Drift, a joiner arrives.
    await import_org(
        db,
        ORG.replace(
            "e4,Lise Lie,lise@example.no,nb,m2,Drift,Konsern",
            "e4,Lise Lie,lise@example.no,nb,m2,Salg Øst,Salg",
        ).replace("Salg Vest,Salg,,", "Salg Vest,Drift,,")
        + "e5,Ny Ansatt,ny@example.no,nb,m2,Drift,Konsern,,\n",
    )
    await change(db, "e5", 1, Phase.SCHEDULING)  # a late joiner's first sync
    await assert_tallies_match_the_reviews(db)
    kept = await all_tallies(db)
    async with db.begin() as session:
        await tallies.rebuild(session, "2027")
    assert await all_tallies(db) == kept
    async with db() as session:
        e5 = await session.get(Review, "review-2027-e5")
    assert e5 is not None and e5.org_unit_id == "Drift"


async def test_a_repeated_or_older_sync_counts_nothing_twice(db: async_sessionmaker) -> None:
    await import_org(db, ORG)
    await kickoff(db)
    await change(db, "e3", 4, Phase.FOLLOW_UP, actions=[action(1, date(2027, 3, 1))])
    await change(db, "e3", 4, Phase.FOLLOW_UP, actions=[action(1, date(2027, 3, 1))])
    await change(db, "e3", 2, Phase.INVITED, meeting=meeting(20))
    await kickoff(db)
    await assert_tallies_match_the_reviews(db)
    async with db() as session:
        f = await funnel(session, "2027", today=TODAY, policy=POLICY)
    assert f.overall.total == 6
    assert f.overall.slipping["actions_overdue"] == 1


async def test_slipping_counts_from_the_day_after_the_deadline(db: async_sessionmaker) -> None:
    await import_org(db, ORG)
    await kickoff(db)
    deadline = KICKOFF.astimezone(OSLO).date() + timedelta(days=POLICY.scheduling_deadline_days)
    async with db() as session:
        on = await funnel(session, "2027", today=deadline, policy=POLICY)
        after = await funnel(session, "2027", today=deadline + timedelta(days=1), policy=POLICY)
    assert on.overall.slipping["unscheduled_past_deadline"] == 0
    assert after.overall.slipping["unscheduled_past_deadline"] == 6


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """SQLite drops a column by rebuilding its table, which foreign keys pointing at its
    rows refuse: they are off for the step, as Alembic's batch mode advises."""

    def run(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await conn.run_sync(run)
        await conn.commit()
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=ON")


async def test_the_migration_counts_the_reviews_already_there(database_url: str) -> None:
    # Seeded by today's code at the newest schema, then taken back to before the tallies
    # (0003): seeding the old schema with the live models breaks at each new column.
    engine = create_engine(database_url)
    await upgrade(engine)
    db = session_factory(engine)
    async with db.begin() as session:
        await seed_people(session)
        await sync_org(session, parse(ORG), today=TODAY, now=KICKOFF)
        for eid, unit, phase in [("e1", "Salg Vest", "scheduling"), ("e4", "Drift", "follow_up")]:
            session.add(
                Review(
                    id=f"review-2027-{eid}",
                    cycle_id="2027",
                    employee_id=eid,
                    manager_id="m1",
                    org_unit_id=unit,
                    phase=phase,
                    version=2,
                    started_at=KICKOFF,
                    phase_since=KICKOFF,
                    updated_at=KICKOFF,
                )
            )
        await session.flush()
        session.add(
            ActionItem(
                review_id="review-2027-e4",
                number=1,
                title="Kurs",
                owner_id="e4",
                manager_id="m2",
                due=date(2027, 3, 1),
            )
        )
    await downgrade(engine, "0002")
    await upgrade(engine)
    await assert_tallies_match_the_reviews(db)
    async with db() as session:
        f = await funnel(session, "2027", today=TODAY, policy=POLICY)
    assert (f.overall.total, f.overall.slipping["actions_overdue"]) == (2, 1)
    await engine.dispose()


async def test_units_moving_inside_each_other_in_one_import_keep_their_counts(
    db: async_sessionmaker,
) -> None:
    await import_org(db, ORG)
    await kickoff(db)
    await change(db, "e3", 4, Phase.FOLLOW_UP, actions=[action(1, date(2027, 3, 1))])
    # Salg Øst goes under Salg Vest, then Salg Vest under Drift: the file lists Salg Øst
    # first, so Salg Vest moves holding counts this very import gave it.
    header, *rows = ORG.splitlines()
    e3 = next(r for r in rows if r.startswith("e3,"))
    moved = [e3.replace("Salg Øst,Salg,,", "Salg Øst,Salg Vest,,")] + [
        r.replace("Salg Vest,Salg,,", "Salg Vest,Drift,,") for r in rows if r != e3
    ]
    await import_org(db, "\n".join([header, *moved]) + "\n")
    await assert_tallies_match_the_reviews(db)
    await import_org(db, ORG)  # and back again
    await assert_tallies_match_the_reviews(db)


async def test_concurrent_syncs_of_one_review_count_its_change_once(
    db: async_sessionmaker,
) -> None:
    """A retried sync may race its first attempt: the loser fails and, retried as the
    activity would be, finds the change made and counts nothing."""
    await import_org(db, ORG)
    await kickoff(db)

    async def sync_until_done() -> None:
        for _ in range(10):
            try:
                await change(db, "e1", 2, Phase.INVITED, meeting=meeting(20))
                return
            except StaleDataError:
                continue
        raise AssertionError("never applied")

    await asyncio.gather(*(sync_until_done() for _ in range(4)))
    await assert_tallies_match_the_reviews(db)
    async with db() as session:
        f = await funnel(session, "2027", today=TODAY, policy=POLICY)
    assert (f.overall.phases["invited"], f.overall.total) == (1, 6)


async def test_one_reviews_change_adds_along_its_path_what_add_adds(
    db: async_sessionmaker,
) -> None:
    """add_one looks the path up inside its upserts: the same rows as add, for a unit deep
    in the tree, a unit the tree does not know (itself and the cycle) and no unit."""
    await import_org(db, ORG)
    delta = tallies.change(
        tallies.Facts("scheduling", KICKOFF, None, (date(2027, 3, 1),)),
        tallies.Facts("invited", KICKOFF, KICKOFF, (date(2027, 3, 1), date(2027, 4, 1))),
    )
    for unit in ("Salg Vest", "Ukjent", None):
        async with db.begin() as session:
            await tallies.add(session, {("2026", unit): delta})
            await tallies.add_one(await session.connection(), "2027", unit, delta)
        async with db() as session:
            rows = await session.execute(
                select(PhaseTally.cycle_id, PhaseTally.unit_id, PhaseTally.phase, PhaseTally.n)
            )
            slips = await session.execute(
                select(
                    SlipTally.cycle_id,
                    SlipTally.unit_id,
                    SlipTally.what,
                    SlipTally.day,
                    SlipTally.n,
                )
            )
            by_cycle: dict[str, set[tuple]] = {"2026": set(), "2027": set()}
            for cycle, *rest in [*rows.tuples(), *slips.tuples()]:
                by_cycle[cycle].add(tuple(rest))
        assert by_cycle["2026"] == by_cycle["2027"], unit
    assert ("Konsern", "invited", 1) in by_cycle["2027"]
    assert ("Ukjent", "invited", 1) in by_cycle["2027"]
    assert ("", "invited", 3) in by_cycle["2027"]


def test_an_ended_reviews_open_actions_never_come_due() -> None:
    due = (date(2027, 4, 1),)
    running = tallies.Facts(Phase.FOLLOW_UP.value, KICKOFF, None, due)
    assert tallies.counted(running)[(tallies.ACTION_DUE, due[0])] == 1
    for ended in (Phase.CLOSED_UNSIGNED, Phase.CANCELLED):
        facts = tallies.Facts(ended.value, KICKOFF, None, due)
        assert (tallies.ACTION_DUE, due[0]) not in tallies.counted(facts), ended
