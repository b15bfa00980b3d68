"""The email log: one row per idempotency key, so a send is done at most once in the normal case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import DIALECTS, upsert_insert
from store.models import SentEmail

SENT = "sent"
SENDING = "sending"
FAILED = "failed"

# Core statements on the table, built once (the values come with each execution): no
# identity map or unit of work for a row nobody reads back, no statement built per email.
_EMAILS: Table = SentEmail.__table__  # type: ignore[assignment]
_CLAIM = {
    # Both dialects spell the upsert the same way, each with its own INSERT construct.
    dialect: upsert_insert(dialect)(_EMAILS).on_conflict_do_update(
        index_elements=[_EMAILS.c.key],
        set_={"attempts": _EMAILS.c.attempts + 1, "status": SENDING},
        where=_EMAILS.c.status != SENT,
    )
    for dialect in DIALECTS
}
_MARK = update(_EMAILS).where(_EMAILS.c.key == bindparam("k"))


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

    One statement, INSERT … ON CONFLICT (key) DO UPDATE … WHERE status <> 'sent': it
    writes one row, or none for a key already sent (rowcount, on SQLite and PostgreSQL).
    SQLite's write lock is the whole database's and is held from the statement to the
    commit; no read before it (on SQLite a SELECT … FOR UPDATE locks nothing, so two
    claims of a new key could both insert), and no RETURNING (on aiosqlite its rows are
    one more trip to the driver's thread, each trip a turn of a busy event loop)."""
    params = {
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
    result = await session.execute(_CLAIM[session.get_bind().dialect.name], params)
    return cast(CursorResult[Any], result).rowcount == 1


async def mark(
    session: AsyncSession, key: str, *, status: str, now: datetime, error: str | None = None
) -> None:
    """Record an attempt's outcome in one UPDATE (a key never claimed changes nothing)."""
    params: dict[str, object] = {"k": key, "status": status}
    params["last_error"] = error[:1000] if error else None
    if status == SENT:
        params["sent_at"] = now
    await session.execute(_MARK, params)  # SET the columns `params` names


async def sent(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these keys were sent already: a sweep that checks a page in one query."""
    rows = await session.scalars(
        select(SentEmail.key).where(SentEmail.key.in_(keys), SentEmail.status == SENT)
    )
    return set(rows)
