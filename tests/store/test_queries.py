"""One review in full (`review_detail`): every child list in its order, in two statements."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from store.models import ActionItem, Cycle, Employee, Review, ReviewEvent, SentEmail
from store.queries import active_employee, review_detail
from tests.factories import EMPLOYEE, MANAGER
from workflows.contracts import Policy

RID = "review-2027-e-100"
T0 = datetime(2027, 3, 1, 9, tzinfo=UTC)


def review(review_id: str = RID) -> Review:
    return Review(
        id=review_id,
        cycle_id="2027",
        employee_id=EMPLOYEE.id,
        manager_id=MANAGER.id,
        phase="follow_up",
        version=1,
        started_at=T0,
        phase_since=T0,
        updated_at=T0,
    )


def email(key: str, first_attempt_at: datetime) -> SentEmail:
    return SentEmail(
        key=key,
        review_id=RID,
        kind="invitation",
        language="nb",
        to_addrs="e@example.no",
        subject="s",
        message_id=f"<{key}>",
        status="sent",
        first_attempt_at=first_attempt_at,
    )


async def test_the_children_come_in_their_orders(db: async_sessionmaker) -> None:
    async with db.begin() as session:
        session.add(review())
        await session.flush()
        session.add_all(
            [
                *(
                    ActionItem(
                        review_id=RID,
                        number=n,
                        title=f"a{n}",
                        owner_id=EMPLOYEE.id,
                        manager_id=MANAGER.id,
                        due=date(2027, 6, n),
                    )
                    for n in (2, 3, 1)
                ),
                *(ReviewEvent(review_id=RID, seq=s, at=T0, kind=f"k{s}") for s in (5, 1, 3)),
                email("b", T0),
                email("c", T0 - timedelta(hours=1)),
                email("a", T0),
            ]
        )
    async with db() as session:
        d = await review_detail(session, RID)
    assert d is not None
    assert [a.number for a in d.actions] == [1, 2, 3]
    assert [e.seq for e in d.events] == [1, 3, 5]
    assert [m.key for m in d.emails] == ["c", "a", "b"]  # by first attempt, then by key
    assert (d.employee.id, d.manager.id) == (EMPLOYEE.id, MANAGER.id)


async def test_a_review_without_children_comes_back_whole(db: async_sessionmaker) -> None:
    async with db.begin() as session:
        session.add(review())
        await session.flush()
        await session.execute(
            update(Cycle)
            .where(Cycle.id == "2027")
            .values(policy=json.dumps(asdict(Policy(notice_days=10))))
        )
    async with db() as session:
        d = await review_detail(session, RID)
    assert d is not None
    assert d.review.id == RID
    assert (list(d.actions), list(d.events), list(d.emails)) == ([], [], [])
    assert d.policy.notice_days == 10


async def test_an_unknown_review_is_none(db: async_sessionmaker) -> None:
    async with db() as session:
        assert await review_detail(session, "review-2027-nobody") is None


async def test_a_review_and_all_its_children_are_read_in_two_statements(
    db: async_sessionmaker, store_engine: AsyncEngine
) -> None:
    async with db.begin() as session:
        session.add(review())
        await session.flush()
        session.add_all([ReviewEvent(review_id=RID, seq=s, at=T0, kind="k") for s in (1, 2)])
        session.add_all([email("a", T0), email("b", T0)])
    statements: list[str] = []
    event.listen(
        store_engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2])
    )
    async with db() as session:
        d = await review_detail(session, RID)
    assert d is not None and len(d.events) == len(d.emails) == 2
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


async def test_a_leaver_is_no_active_employee(db: async_sessionmaker) -> None:
    async with db.begin() as session:
        assert await active_employee(session, EMPLOYEE.id) is not None
        await session.execute(
            update(Employee).where(Employee.id == EMPLOYEE.id).values(active=False)
        )
    async with db() as session:
        assert await active_employee(session, EMPLOYEE.id) is None
        assert await active_employee(session, "nobody") is None
