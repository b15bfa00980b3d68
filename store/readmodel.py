"""Writes from the workflow's point of view: mirror a review's state into rows.

Called by the sync activity, which may run twice for the same change (a retry
after a lost reply), so every write is idempotent: a review row is replaced
only by a newer version, and a timeline event is inserted once per sequence.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from store import tallies
from store.models import ActionItem, Employee, Review, ReviewEvent
from workflows.contracts import CommandResult, ReviewState, ReviewSync


async def apply_sync(session: AsyncSession, sync: ReviewSync) -> None:
    """Mirror the state, and count what changed in the cycle's tallies. The row is locked
    first (on PostgreSQL): two writers of one review must not both count its change."""
    s = sync.state
    row = await session.get(Review, s.review_id, with_for_update=True)
    before: tallies.Facts | None = None
    if row is None:
        # A review started outside a kickoff (a late joiner) counts in the employee's unit.
        employee = await session.get(Employee, s.employee.id)
        row = Review(
            id=s.review_id, version=-1, org_unit_id=employee.org_unit_id if employee else None
        )
    if row.version <= s.version:
        actions = await _actions(session, s.review_id)
        if row.version >= 0:
            before = _facts(row, actions.values())
        _copy_state(row, s)
        session.add(row)
        await session.flush()  # the review before its actions: no relationship orders them
        _sync_actions(session, s, actions)
        change = tallies.change(before, _facts(row, actions.values()))
        await tallies.add(session, {(row.cycle_id, row.org_unit_id): change})
    await _add_events(session, sync)


async def write_answer(sessions: async_sessionmaker, answer: CommandResult) -> None:
    """Write what an accepted command answered, in its own short transaction, so that the
    caller reads its own write. The workflow's sync writes the same change too; whichever
    comes second finds the version already there (or, racing on SQLite, a changed row or
    an event already inserted) and changes nothing."""
    try:
        async with sessions.begin() as session:
            await apply_sync(session, ReviewSync(state=answer.state, events=answer.events))
    except (StaleDataError, IntegrityError):
        pass  # the concurrent writer held this version or a newer one


def _facts(row: Review, actions: Iterable[ActionItem]) -> tallies.Facts:
    return tallies.Facts(
        phase=row.phase,
        phase_since=row.phase_since,
        meeting_start=row.meeting_start,
        open_actions_due=tuple(sorted(a.due for a in actions if a.done_at is None)),
    )


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


async def _actions(session: AsyncSession, review_id: str) -> dict[int, ActionItem]:
    rows = await session.scalars(select(ActionItem).where(ActionItem.review_id == review_id))
    return {a.number: a for a in rows}


def _sync_actions(session: AsyncSession, s: ReviewState, existing: dict[int, ActionItem]) -> None:
    """Add or update each action of the state in `existing` (actions are never removed)."""
    for a in s.actions:
        row = existing.get(a.id)
        if row is None:
            row = existing[a.id] = ActionItem(review_id=s.review_id, number=a.id)
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
