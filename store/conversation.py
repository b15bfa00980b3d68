"""The conversation's text: preparations and summary versions, kept here and nowhere else.

A review's workflow is told facts only (submitted, a digest, HMS flags, counts), so that
the text never reaches a Temporal history; this module holds the text. Query functions
take a session and never commit (the caller owns the transaction). Who may read what is
decided by the API (api/conversation.py); these functions return what they are asked.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ActionItem, Preparation, Review, SummaryVersion


def digest(content: Any, salt: str) -> str:
    """A digest of the content under a random salt: it says "this content, unchanged" to
    whoever holds the salt (the database), and nothing about the content to anyone else
    (a bare hash of a short answer could be guessed)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{salt}:{canonical}".encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


# ---- preparations -------------------------------------------------------------------------


async def preparations(session: AsyncSession, review_id: str) -> dict[str, Preparation]:
    """Every preparation of a review, by its author."""
    rows = await session.scalars(select(Preparation).where(Preparation.review_id == review_id))
    return {p.author_id: p for p in rows}


def answers_of(p: Preparation | None) -> dict[str, dict[str, Any]]:
    return {} if p is None else dict(json.loads(p.answers))


async def save_draft(
    session: AsyncSession,
    *,
    review_id: str,
    author_id: str,
    answers: dict[str, dict[str, Any]],
    feedback_in_summary: bool,
    now: datetime,
) -> Preparation:
    """Replace the author's draft (the caller checked it is not submitted)."""
    p = await session.get(Preparation, (review_id, author_id), with_for_update=True)
    if p is None:
        p = Preparation(review_id=review_id, author_id=author_id)
        session.add(p)
    p.answers = json.dumps(answers, ensure_ascii=False)
    p.feedback_in_summary = feedback_in_summary
    p.updated_at = now
    await session.flush()
    return p


def content_of(p: Preparation) -> dict[str, Any]:
    """What a preparation's digest is of: its answers and the feedback tick."""
    return {"answers": answers_of(p), "feedback_in_summary": bool(p.feedback_in_summary)}


async def pending_submission(
    session: AsyncSession, *, review_id: str, author_id: str, now: datetime
) -> Preparation:
    """The author's preparation as it is being submitted: digested under a new salt and
    frozen before the workflow is told (a digest set, not yet submitted: pending), so that
    what the workflow accepts is exactly what is kept, whatever fails after. A pending or
    submitted preparation is returned as it stands: a retry sends the same digest again."""
    p = await session.get(Preparation, (review_id, author_id), with_for_update=True)
    if p is None:
        p = Preparation(
            review_id=review_id,
            author_id=author_id,
            answers="{}",
            feedback_in_summary=False,
            updated_at=now,
        )
        session.add(p)
    if p.digest is None:
        p.salt = new_salt()
        p.digest = digest(content_of(p), p.salt)
    await session.flush()
    return p


async def mark_submitted(
    session: AsyncSession, *, review_id: str, author_id: str, digest: str, now: datetime
) -> None:
    """The workflow accepted the pending preparation of this digest: it is submitted. Run
    again by a retry, it changes nothing."""
    p = await session.get(Preparation, (review_id, author_id), with_for_update=True)
    if p is not None and p.submitted_at is None and p.digest == digest:
        p.submitted_at = now


async def withdraw_pending(
    session: AsyncSession, *, review_id: str, author_id: str, digest: str
) -> None:
    """The workflow refused the pending preparation of this digest: a draft again."""
    p = await session.get(Preparation, (review_id, author_id), with_for_update=True)
    if p is not None and p.submitted_at is None and p.digest == digest:
        p.digest = p.salt = None


def pending(p: Preparation | None) -> bool:
    return p is not None and p.submitted_at is None and p.digest is not None


def submitted(p: Preparation | None) -> bool:
    return p is not None and p.submitted_at is not None


# ---- summary versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryAction:
    number: int
    title: str
    owner_id: str
    due: date
    kind: str

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "owner_id": self.owner_id,
            "due": self.due.isoformat(),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class HmsAnswer:
    item_key: str
    category: str
    action: int | None  # the action's number, or None: no action, because `reason`
    reason: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "item_key": self.item_key,
            "category": self.category,
            "action": self.action,
            "reason": self.reason,
        }


async def versions(session: AsyncSession, review_id: str) -> list[SummaryVersion]:
    """The summary's versions the review has reached, oldest first: a row written for a
    version the workflow then refused is never shown."""
    reached = select(Review.summary_version).where(Review.id == review_id).scalar_subquery()
    rows = await session.scalars(
        select(SummaryVersion)
        .where(SummaryVersion.review_id == review_id, SummaryVersion.version <= reached)
        .order_by(SummaryVersion.version)
    )
    return list(rows)


def version_content(
    sections: dict[str, str], actions: Sequence[SummaryAction], hms: Sequence[HmsAnswer]
) -> dict[str, Any]:
    """A version's content as its row keeps it, and as its digest is of."""
    return {
        "sections": sections,
        "actions": [a.as_json() for a in actions],
        "hms": [h.as_json() for h in hms],
    }


def stored_content(row: SummaryVersion) -> dict[str, Any]:
    return {
        "sections": json.loads(row.sections),
        "actions": json.loads(row.actions),
        "hms": json.loads(row.hms),
    }


async def pending_version(
    session: AsyncSession,
    *,
    review_id: str,
    version: int,
    content: dict[str, Any],
    created_by: str,
    now: datetime,
) -> SummaryVersion:
    """Keep a version before the workflow is told of it (pending: beyond the version the
    review has reached, so versions() shows it to nobody). A retry of the same content
    finds its row and sends the same digest; other content replaces a version the
    workflow never reached (one it refused)."""
    row = await session.get(SummaryVersion, (review_id, version), with_for_update=True)
    if row is not None and stored_content(row) == content:
        return row
    if row is None:
        row = SummaryVersion(review_id=review_id, version=version)
        session.add(row)
    salt = new_salt()
    row.sections = json.dumps(content["sections"], ensure_ascii=False)
    row.actions = json.dumps(content["actions"], ensure_ascii=False)
    row.hms = json.dumps(content["hms"], ensure_ascii=False)
    row.digest, row.salt = digest(content, salt), salt
    row.created_by, row.created_at = created_by, now
    await session.flush()
    return row


async def reached(session: AsyncSession, review_id: str, version: int) -> None:
    """The workflow accepted this version: its actions' titles go on the read model's rows
    (the workflow has none). Run again by a retry, it writes the same."""
    row = await session.get(SummaryVersion, (review_id, version))
    if row is None:
        return  # a summary from before versions
    titles = {a["number"]: a["title"] for a in json.loads(row.actions)}
    rows = await session.scalars(
        select(ActionItem).where(
            ActionItem.review_id == review_id, ActionItem.number.in_(list(titles))
        )
    )
    for item in rows:
        item.title = titles[item.number]
    await session.flush()


async def current_version(session: AsyncSession, review: Review) -> SummaryVersion | None:
    """The row of the version the review holds now, locked for the caller's change. A
    summary from before versions (one text in the review's row, version 0) gets its row
    here, so that the employee's comment and decision are kept as for any other."""
    row = await session.get(
        SummaryVersion, (review.id, review.summary_version or 0), with_for_update=True
    )
    if row is None and not review.summary_version and review.summary:
        row = await _version_zero(session, review)
    return row


async def _version_zero(session: AsyncSession, review: Review) -> SummaryVersion:
    """Version 0: the text from before versions, as its only section. Its empty digest and
    salt say it predates versions (the workflow holds no digest of it either)."""
    items = await session.scalars(
        select(ActionItem).where(ActionItem.review_id == review.id).order_by(ActionItem.number)
    )
    actions = [
        SummaryAction(a.number, a.title or "", a.owner_id, a.due, a.kind or "other").as_json()
        for a in items
    ]
    row = SummaryVersion(
        review_id=review.id,
        version=0,
        sections=json.dumps({"summary": review.summary}, ensure_ascii=False),
        actions=json.dumps(actions, ensure_ascii=False),
        hms="[]",
        digest="",
        salt="",
        created_by=review.manager_id,
        created_at=review.updated_at,
    )
    session.add(row)
    await session.flush()
    return row


async def version_row(
    session: AsyncSession, review_id: str, version: int, *, lock: bool = False
) -> SummaryVersion | None:
    """One version's row (version 0: a summary from before versions, see
    ensure_version_zero)."""
    return await session.get(SummaryVersion, (review_id, version), with_for_update=lock)


def set_comment(row: SummaryVersion, comment: str, *, now: datetime) -> None:
    row.comment, row.commented_at = comment, now


async def undecide(
    session: AsyncSession,
    review_id: str,
    version: int,
    comment: tuple[str | None, datetime | None],
) -> None:
    """The workflow refused a decision kept before it was sent: the row as it was."""
    row = await session.get(SummaryVersion, (review_id, version), with_for_update=True)
    if row is not None:
        row.comment, row.commented_at = comment
        row.decision = row.decided_at = None


def decide(row: SummaryVersion, decision: str, *, now: datetime) -> None:
    if row.decided_at is None:
        row.decision, row.decided_at = decision, now


# ---- carry-over ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Carried:
    """The previous review's agreed actions, and who held that review (its titles are that
    review's text: its employee and its manager read them, a manager who took over since
    sees each action's number, due date and status only)."""

    manager_id: str | None
    actions: list[ActionItem]


async def last_cycles_actions(
    session: AsyncSession, *, employee_id: str, before_review: str
) -> Carried:
    """The actions agreed in the employee's previous review (the latest started before this
    one), for the preparation's "follow-up of last conversation"."""
    this = await session.get(Review, before_review)
    if this is None:
        return Carried(None, [])
    previous = (
        await session.execute(
            select(Review.id, Review.manager_id)
            .where(
                Review.employee_id == employee_id,
                Review.id != before_review,
                Review.started_at < this.started_at,
            )
            .order_by(Review.started_at.desc())
            .limit(1)
        )
    ).first()
    if previous is None:
        return Carried(None, [])
    rows = await session.scalars(
        select(ActionItem).where(ActionItem.review_id == previous.id).order_by(ActionItem.number)
    )
    return Carried(previous.manager_id, list(rows))
