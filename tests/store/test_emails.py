"""The email log: a claim counts an attempt unless the key was sent, each in one statement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from store import emails as log
from store.models import SentEmail

KEY = "review-1:invitation:0"
FIRST = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
LATER = FIRST + timedelta(minutes=5)


async def claim(db: async_sessionmaker, now: datetime = FIRST, key: str = KEY) -> bool:
    async with db.begin() as session:
        return await log.claim(
            session,
            key=key,
            review_id="review-1",
            kind="invitation",
            language="nb",
            to_addrs=["kari@example.no"],
            cc_addrs=["ola@example.no", "hr@example.no"],
            subject="Invitasjon",
            message_id="<m@samtale.local>",
            now=now,
        )


async def mark(db: async_sessionmaker, status: str, error: str | None = None) -> None:
    async with db.begin() as session:
        await log.mark(session, KEY, status=status, now=LATER, error=error)


async def row(db: async_sessionmaker, key: str = KEY) -> SentEmail | None:
    async with db() as session:
        return await session.get(SentEmail, key)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_a_first_claim_creates_the_row_with_one_attempt(db: async_sessionmaker) -> None:
    assert await claim(db)
    found = await row(db)
    assert found is not None
    assert (found.status, found.attempts, found.first_attempt_at) == ("sending", 1, FIRST)
    assert (found.to_addrs, found.cc_addrs) == ("kari@example.no", "ola@example.no, hr@example.no")
    assert (found.sent_at, found.last_error) == (None, None)


async def test_a_claim_after_a_failure_counts_another_attempt_and_sends_again(
    db: async_sessionmaker,
) -> None:
    await claim(db)
    await mark(db, log.FAILED, "550 mailbox unavailable")
    assert await claim(db, now=LATER)
    found = await row(db)
    assert found is not None
    assert (found.status, found.attempts, found.first_attempt_at) == ("sending", 2, FIRST)


async def test_a_claim_of_a_sent_key_refuses_and_counts_no_attempt(db: async_sessionmaker) -> None:
    await claim(db)
    await mark(db, log.SENT)
    assert not await claim(db, now=LATER)
    found = await row(db)
    assert found is not None
    assert (found.status, found.attempts, found.sent_at) == ("sent", 1, LATER)


async def test_a_claim_touches_no_other_key(db: async_sessionmaker) -> None:
    await claim(db)
    await mark(db, log.SENT)
    assert await claim(db, key="review-1:reminder:0")
    assert (await row(db, "review-1:reminder:0")) is not None


async def test_a_mark_records_the_error_cut_to_the_column_and_sent_clears_it(
    db: async_sessionmaker,
) -> None:
    await claim(db)
    await mark(db, log.SENDING, "421 " + "x" * 2000)
    found = await row(db)
    assert found is not None
    assert (found.status, len(found.last_error or ""), found.sent_at) == ("sending", 1000, None)
    await mark(db, log.SENT)
    found = await row(db)
    assert found is not None
    assert (found.status, found.last_error, found.sent_at) == ("sent", None, LATER)


async def test_a_mark_of_a_key_never_claimed_creates_nothing(db: async_sessionmaker) -> None:
    await mark(db, log.SENT)
    assert await row(db) is None


async def test_a_claim_and_a_mark_are_one_statement_each(
    db: async_sessionmaker, store_engine: AsyncEngine
) -> None:
    with statements(store_engine) as seen:
        await claim(db)
        await mark(db, log.SENT)
        await claim(db)
    assert seen == ["INSERT", "UPDATE", "INSERT"]
