"""Writes from the workflow's point of view: mirror a review's state into rows.

Called by the sync activity, which may run twice for the same change (a retry
after a lost reply), so every write is idempotent: a review row is replaced
only by a newer version, and a timeline event is inserted once per sequence.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ActionItem, Review, ReviewEvent
from workflows.contracts import ReviewState, ReviewSync


async def apply_sync(session: AsyncSession, sync: ReviewSync) -> None:
    s = sync.state
    row = await session.get(Review, s.review_id)
    if row is None:
        row = Review(id=s.review_id, version=-1)
        session.add(row)
    if row.version <= s.version:
        _copy_state(row, s)
        await _sync_actions(session, s)
    await _add_events(session, sync)


def _copy_state(row: Review, s: ReviewState) -> None:
    m = s.meeting
    row.cycle_id = s.cycle_id
    row.employee_id = s.employee.id
    row.manager_id = s.manager.id
    row.phase = s.phase.value
    row.version = s.version
    row.started_at = s.started_at
    row.phase_since = s.phase_since
    row.updated_at = max([s.phase_since, *(e for e in [s.summary_at, s.signed_off_at] if e)])
    row.meeting_start = m.start if m else None
    row.meeting_duration_minutes = m.duration_minutes if m else None
    row.location_kind = m.location_kind.value if m else None
    row.location_text = m.location_text if m else None
    row.meeting_sequence = m.sequence if m else None
    row.meeting_held = bool(m and m.held)
    row.employee_prepared = s.employee_prepared
    row.manager_prepared = s.manager_prepared
    row.summary = s.summary
    row.signed_off_at = s.signed_off_at
    row.ended_at = s.ended_at
    row.cancel_reason = s.cancel_reason


async def _sync_actions(session: AsyncSession, s: ReviewState) -> None:
    if not s.actions:
        return
    existing = {
        a.number: a
        for a in await session.scalars(
            select(ActionItem).where(ActionItem.review_id == s.review_id)
        )
    }
    for a in s.actions:
        row = existing.get(a.id)
        if row is None:
            row = ActionItem(review_id=s.review_id, number=a.id)
            session.add(row)
        row.title, row.owner_id, row.manager_id = a.title, a.owner_id, s.manager.id
        row.due, row.done_at = a.due, a.done_at


async def _add_events(session: AsyncSession, sync: ReviewSync) -> None:
    if not sync.events:
        return
    review_id = sync.state.review_id
    await session.flush()
    seen = set(
        await session.scalars(
            select(ReviewEvent.seq).where(
                ReviewEvent.review_id == review_id,
                ReviewEvent.seq.in_([e.seq for e in sync.events]),
            )
        )
    )
    for e in sync.events:
        if e.seq not in seen:
            session.add(
                ReviewEvent(
                    review_id=review_id,
                    seq=e.seq,
                    at=e.at,
                    kind=e.kind,
                    actor_id=e.actor_id,
                    detail=e.detail[:1000],
                )
            )
