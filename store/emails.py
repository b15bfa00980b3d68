"""The email log: one row per idempotency key, so a send is done at most once in the normal case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import SentEmail

SENT = "sent"
SENDING = "sending"
FAILED = "failed"

# Core statements on the table: no identity map or unit of work for a row nobody reads back.
_EMAILS: Table = SentEmail.__table__  # type: ignore[assignment]


async def claim(
    session: AsyncSession,
    *,
    key: str,
    review_id: str,
    kind: str,
    language: str,
    to_addrs: list[str],
    cc_addrs: list[str],
    subject: str,
    message_id: str,
    now: datetime,
) -> bool:
    """Count one more attempt at sending `key`, creating its row: False if it was sent already
    (then nothing changes).

    One statement, so the write lock (SQLite's is the whole database's) is held for that
    statement only, not across a read, a flush and the event loop's turns between them:
    INSERT … ON CONFLICT (key) DO UPDATE … WHERE status <> 'sent' RETURNING (SQLite ≥ 3.35,
    PostgreSQL). A sent row matches no update and returns nothing."""
    values = {
        "key": key,
        "review_id": review_id,
        "kind": kind,
        "language": language,
        "to_addrs": ", ".join(to_addrs),
        "cc_addrs": ", ".join(cc_addrs),
        "subject": subject,
        "message_id": message_id,
        "status": SENDING,
        "attempts": 1,
        "first_attempt_at": now,
    }
    stmt = _insert(session)(_EMAILS).values(values)
    upsert = stmt.on_conflict_do_update(
        index_elements=[_EMAILS.c.key],
        set_={"attempts": _EMAILS.c.attempts + 1, "status": SENDING},
        where=_EMAILS.c.status != SENT,
    ).returning(_EMAILS.c.status)
    claimed = (await session.execute(upsert)).first()
    return claimed is not None


async def mark(
    session: AsyncSession, key: str, *, status: str, now: datetime, error: str | None = None
) -> None:
    """Record an attempt's outcome in one UPDATE (a key never claimed changes nothing)."""
    values: dict[str, object] = {"status": status, "last_error": error[:1000] if error else None}
    if status == SENT:
        values["sent_at"] = now
    await session.execute(update(_EMAILS).where(_EMAILS.c.key == key).values(values))


def _insert(session: AsyncSession) -> Callable[[Table], PgInsert | SqliteInsert]:
    """The dialect's INSERT, the one with ON CONFLICT: both spell it the same way."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def sent(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these keys were sent already: a sweep that checks a page in one query."""
    rows = await session.scalars(
        select(SentEmail.key).where(SentEmail.key.in_(keys), SentEmail.status == SENT)
    )
    return set(rows)
