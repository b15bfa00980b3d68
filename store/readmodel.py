"""Writes from the workflow's point of view: mirror a review's state into rows.

Called by the sync activity, which may run twice for the same change (a retry
after a lost reply), so every write is idempotent: a review row is replaced
only by a newer version, and a timeline event is inserted once per sequence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from store import tallies
from store.models import ActionItem, Employee, Review, ReviewEvent
from store.templates import cycle_template
from workflows.contracts import CommandResult, ReviewState, ReviewSync


async def apply_sync(session: AsyncSession, sync: ReviewSync, *, probe: bool = True) -> None:
    """Mirror the state, and count what changed in the cycle's tallies.

    A row that already holds this version or a newer one (the usual case for the
    workflow's sync: the API wrote the command's answer first) gets only its missing
    events, without a lock. Otherwise the row is locked first (on PostgreSQL): two
    writers of one review must not both count its change. Every mirrored change bumps
    the workflow's version in the same step, so an equal version is an equal state.

    `probe=False` (a command's answer, which is nearly always newer) locks at once and
    reads the version with the row: one query fewer, and on SQLite the transaction's
    first statement is then its write, which waits for the lock instead of failing on a
    snapshot another writer made stale between a read and the write."""
    s = sync.state
    if probe:
        held = await session.scalar(select(Review.version).where(Review.id == s.review_id))
        if held is None or held < s.version:
            await _apply_state(session, s)
    else:
        await _apply_state(session, s)
    await _add_events(session, sync)


async def _apply_state(session: AsyncSession, s: ReviewState) -> None:
    await _lock(session, s.review_id)
    row = await session.get(Review, s.review_id, with_for_update=True)
    before: tallies.Facts | None = None
    if row is None:
        # A review started outside a kickoff (a late joiner) counts in the employee's unit.
        # It keeps the template version its cycle pinned, as a kickoff's reviews do.
        employee = await session.get(Employee, s.employee.id)
        template_key, template_version = await cycle_template(session, s.cycle_id)
        row = Review(
            id=s.review_id,
            version=-1,
            org_unit_id=employee.org_unit_id if employee else None,
            template_key=template_key,
            template_version=template_version,
        )
    if row.version >= s.version:
        return  # this version or a newer one landed before the lock (or the probe)
    actions = await _actions(session, s)
    if row.version >= 0:
        before = _facts(row, actions.values())
    _copy_state(row, s)
    session.add(row)
    await session.flush()  # the review before its actions: no relationship orders them
    _sync_actions(session, s, actions)
    change = tallies.change(before, _facts(row, actions.values()))
    await tallies.add(session, {(row.cycle_id, row.org_unit_id): change})


async def _lock(session: AsyncSession, review_id: str) -> None:
    """SQLite has no SELECT ... FOR UPDATE and reads outside a transaction, so a writer
    that read the row could find it changed under its version-checked UPDATE (and fail
    with StaleDataError: a failed sync attempt per command when the API wrote first).
    A no-op UPDATE first takes the database's write lock; the read that follows then
    sees the newest row and nobody can change it before the commit."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(Review).where(Review.id == review_id).values(version=Review.version)
        )


WRITE_ATTEMPTS = 3
T = TypeVar("T")


async def _nothing(_session: AsyncSession) -> None:
    return None


async def write_answer(sessions: async_sessionmaker, answer: CommandResult) -> None:
    """Write what an accepted command answered, in its own short transaction, so that the
    caller reads its own write (see write_synced)."""
    await write_answer_then(sessions, answer, _nothing)


async def write_answer_then(
    sessions: async_sessionmaker,
    answer: CommandResult,
    read: Callable[[AsyncSession], Awaitable[T]],
) -> T:
    """Write a command's answer, then `read` in the same transaction: one connection and
    one commit for the API's write and its read-your-write. An answer the workflow has
    written itself (`written`, in the update's own task) is only read: nothing is owed."""
    if answer.written:
        async with sessions.begin() as session:
            return await read(session)
    sync = ReviewSync(state=answer.state, events=answer.events)
    return await write_synced(sessions, sync, read, probe=False)


async def write_synced(
    sessions: async_sessionmaker,
    sync: ReviewSync,
    read: Callable[[AsyncSession], Awaitable[T]] = _nothing,  # type: ignore[assignment]
    *,
    probe: bool = True,
) -> T:
    """The one way the read model takes a review's state: by a command's answer (the API,
    the fan-out activities) and by the workflow's own sync, maybe at the same moment.

    Whichever comes second finds the version there and adds nothing; if they race (two
    inserts of a new row; on SQLite also a row changed under the version-checked UPDATE),
    the write runs again and then sees the other writer's version. On return the read
    model holds this version or a newer one, and `read` ran in the same transaction."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            async with sessions.begin() as session:
                await apply_sync(session, sync, probe=probe)
                return await read(session)
        except (StaleDataError, IntegrityError):
            if attempt == WRITE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


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
    row.summary_version = s.summary_version
    row.decision = s.decision.value if s.decision else None
    row.hms_categories = ",".join(sorted({f.category for f in s.flagged}))[:1000]


async def _actions(session: AsyncSession, s: ReviewState) -> dict[int, ActionItem]:
    """The review's action rows. A state without actions needs no query: actions are never
    removed, and this state is at least as new as the row (the caller has checked)."""
    if not s.actions:
        return {}
    rows = await session.scalars(select(ActionItem).where(ActionItem.review_id == s.review_id))
    return {a.number: a for a in rows}


def _sync_actions(session: AsyncSession, s: ReviewState, existing: dict[int, ActionItem]) -> None:
    """Add or update each action of the state in `existing` (actions are never removed)."""
    for a in s.actions:
        row = existing.get(a.id)
        if row is None:
            row = existing[a.id] = ActionItem(review_id=s.review_id, number=a.id)
            session.add(row)
        if a.title or row.title is None:
            # A versioned summary's titles are in the database only (store/conversation.py
            # writes them): the workflow's empty title never overwrites one.
            row.title = a.title
        row.owner_id, row.manager_id = a.owner_id, s.manager.id
        row.due, row.done_at, row.kind = a.due, a.done_at, a.kind.value


async def _add_events(session: AsyncSession, sync: ReviewSync) -> None:
    """Insert the events this row lacks; one another writer inserted meanwhile is skipped
    by the database (ON CONFLICT DO NOTHING), so racing writers never fail on it."""
    if not sync.events:
        return
    await session.flush()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {
            "review_id": sync.state.review_id,
            "seq": e.seq,
            "at": e.at,
            "kind": e.kind,
            "actor_id": e.actor_id,
            "detail": e.detail[:1000],
        }
        for e in sync.events
    ]
    stmt = insert(ReviewEvent).on_conflict_do_nothing(index_elements=["review_id", "seq"])
    await session.execute(stmt, rows)
