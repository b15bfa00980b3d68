"""Adding employees is all or nothing, and managers may come in the same batch in any order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from store.directory import DirectoryError, NewEmployee, add_employees, reviewable
from store.models import Employee

NOW = datetime(2027, 1, 4, tzinfo=UTC)


async def count(db: async_sessionmaker) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(Employee)) or 0)


async def test_reports_may_come_before_their_manager_in_a_batch(db: async_sessionmaker) -> None:
    async with db.begin() as session:
        await add_employees(
            session,
            [
                NewEmployee("x-2", "Report", "r@example.no", "nb", "x-1"),
                NewEmployee("x-1", "Boss", "b@example.no", "en", "hr-1"),
            ],
            now=NOW,
        )
    async with db() as session:
        pairs = {e.id: m.id for e, m in await reviewable(session, ["x-1", "x-2"])}
    assert pairs == {"x-1": "hr-1", "x-2": "x-1"}


@pytest.mark.parametrize(
    ("batch", "reason"),
    [
        ([NewEmployee("y-1", "A", "a@example.no", "nb", "nobody")], "unknown"),
        ([NewEmployee("e-100", "Again", "a@example.no", "nb", None)], "already exists"),
        (
            [
                NewEmployee("y-1", "A", "a@example.no", "nb", "y-2"),
                NewEmployee("y-2", "B", "b@example.no", "nb", "y-1"),
            ],
            "cycle",
        ),
    ],
)
async def test_a_bad_batch_is_refused_whole(
    db: async_sessionmaker, batch: list[NewEmployee], reason: str
) -> None:
    before = await count(db)
    good = NewEmployee("z-1", "Fine", "f@example.no", "nb", None)
    with pytest.raises(DirectoryError, match=reason):
        async with db.begin() as session:
            await add_employees(session, [good, *batch], now=NOW)
    assert await count(db) == before
