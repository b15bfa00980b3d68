"""The email log: one row per idempotency key, so a send is done at most once in the normal case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import SentEmail

SENT = "sent"
SENDING = "sending"
FAILED = "failed"


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
) -> SentEmail:
    """Return the log row for `key`, creating it, and count one more attempt unless already sent."""
    row = await session.get(SentEmail, key, with_for_update=True)
    if row is None:
        row = SentEmail(
            key=key,
            review_id=review_id,
            kind=kind,
            language=language,
            to_addrs=", ".join(to_addrs),
            cc_addrs=", ".join(cc_addrs),
            subject=subject,
            message_id=message_id,
            status=SENDING,
            attempts=0,
            first_attempt_at=now,
        )
        session.add(row)
    if row.status != SENT:
        row.attempts += 1
        row.status = SENDING
    return row


async def mark(
    session: AsyncSession, key: str, *, status: str, now: datetime, error: str | None = None
) -> None:
    row = await session.get(SentEmail, key)
    if row is None:
        return
    row.status = status
    row.last_error = error[:1000] if error else None
    if status == SENT:
        row.sent_at = now


async def sent(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these keys were sent already: a sweep that checks a page in one query."""
    rows = await session.scalars(
        select(SentEmail.key).where(SentEmail.key.in_(keys), SentEmail.status == SENT)
    )
    return set(rows)
