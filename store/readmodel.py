"""Writes from the workflow's point of view: mirror a review's state into rows.

Called by the sync activity, which may run twice for the same change (a retry
after a lost reply), so every write is idempotent: a review row is replaced
only by a newer version, and a timeline event is inserted once per sequence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from store import tallies
from store.db import DIALECTS, upsert_insert
from store.models import ActionItem, Employee, Review, ReviewEvent
from store.templates import cycle_template
from workflows.contracts import CommandResult, ReviewState, ReviewSync

_REVIEWS = cast(Table, Review.__table__)
_ACTIONS = cast(Table, ActionItem.__table__)
_EVENTS = cast(Table, ReviewEvent.__table__)
# What of the held row decides the write (its version) and what the tallies count of it.
_HELD = (
    _REVIEWS.c.version,
    _REVIEWS.c.org_unit_id,
    _REVIEWS.c.phase,
    _REVIEWS.c.phase_since,
    _REVIEWS.c.meeting_start,
)
_BY_ID = _REVIEWS.c.id == bindparam("b_id")
_VERSION = select(_REVIEWS.c.version).where(_BY_ID)
# SQLite has no SELECT ... FOR UPDATE and reads outside a transaction: a no-op UPDATE
# takes the database's write lock, and its RETURNING (the values after a change to
# nothing: the row as it stands) is the read. Nobody can change the row before the commit.
_HOLD_SQLITE = update(_REVIEWS).where(_BY_ID).values(version=_REVIEWS.c.version).returning(*_HELD)
# PostgreSQL: FOR NO KEY UPDATE, the lock an UPDATE that keeps the key takes. It queues
# the review's writers as FOR UPDATE would, but not the foreign-key check (FOR KEY SHARE)
# of a writer that only adds events: with FOR UPDATE, that writer's event and this one's
# (the same seq, unique) deadlocked, each waiting for the other.
_HOLD_PG = select(*_HELD).where(_BY_ID).with_for_update(key_share=True)
# The SET clause is the state's columns, given at execution; the guard is belt and braces
# (the row is held), and a miss fails the attempt like the ORM's version check did.
_REPLACE = update(_REVIEWS).where(_BY_ID, _REVIEWS.c.version == bindparam("b_version"))
# PostgreSQL's RETURNING may name the UPDATE's other FROM items, so there the hold and the
# replace are one statement: the row is locked and read in a CTE (FOR UPDATE waits for a
# writer ahead and then reads the row it committed), replaced when older, and the CTE's
# (old) values come back. Nothing back: no row, or not older; the two statements decide.
_WAS = (
    _HOLD_PG.add_columns(_REVIEWS.c.id)
    .cte("was")
    .prefix_with("MATERIALIZED")  # evaluated once, as written: never folded into the UPDATE
)
_HOLD_AND_REPLACE_PG = (
    update(_REVIEWS)
    .where(_REVIEWS.c.id == _WAS.c.id, _WAS.c.version < bindparam("b_newer"))
    .returning(*(_WAS.c[c.name] for c in _HELD))
)
_ACTIONS_OF = select(
    _ACTIONS.c.number,
    _ACTIONS.c.title,
    _ACTIONS.c.owner_id,
    _ACTIONS.c.manager_id,
    _ACTIONS.c.due,
    _ACTIONS.c.done_at,
    _ACTIONS.c.kind,
).where(_ACTIONS.c.review_id == bindparam("b_id"))
_UPDATE_ACTION = update(_ACTIONS).where(
    _ACTIONS.c.review_id == bindparam("b_id"), _ACTIONS.c.number == bindparam("b_number")
)
_ADD_EVENTS = {
    d: upsert_insert(d)(_EVENTS).on_conflict_do_nothing(index_elements=["review_id", "seq"])
    for d in DIALECTS
}


async def apply_sync(session: AsyncSession, sync: ReviewSync, *, probe: bool = True) -> None:
    """Mirror the state, and count what changed in the cycle's tallies.

    A row that already holds this version or a newer one (the usual case for the sync
    activity, the backstop: the command's in-task write, or its caller, came first) gets
    only its missing events, without a lock. Otherwise the row is held first (locked,
    and read in the same statement): two writers of one review must not both count its
    change. Every mirrored change bumps the workflow's version in the same step, so an
    equal version is an equal state.

    `probe=False` (the in-task write or a command's answer, nearly always newer) holds
    the row at once: one query fewer, and on SQLite the transaction's first statement is
    then its write, which waits for the lock instead of failing on a snapshot another
    writer made stale between a read and the write.

    Core statements, no ORM objects: this runs on every command's path. The common case
    (the row exists, the answer is newer, no actions) is four statements: hold, replace,
    one tally upsert per table the change touches, the events."""
    s = sync.state
    conn = await session.connection()
    if probe:
        held = await conn.scalar(_VERSION, {"b_id": s.review_id})
        if held is None or held < s.version:
            await _apply_state(session, conn, s)
    else:
        await _apply_state(session, conn, s)
    await _add_events(conn, sync)


async def _apply_state(session: AsyncSession, conn: AsyncConnection, s: ReviewState) -> None:
    replaced = await _replace(session, conn, s)
    if replaced is None:
        return  # this version or a newer one landed before the hold (or the probe)
    was, unit = replaced
    dues_before, dues_after = await _sync_actions(conn, s)
    before = None
    if was is not None:
        before = tallies.Facts(was.phase, was.phase_since, was.meeting_start, dues_before)
    m = s.meeting
    after = tallies.Facts(s.phase.value, s.phase_since, m.start if m else None, dues_after)
    await tallies.add_one(conn, s.cycle_id, unit, tallies.change(before, after))


async def _replace(
    session: AsyncSession, conn: AsyncConnection, s: ReviewState
) -> tuple[Row[Any] | None, str | None] | None:
    """Hold the row and replace it by the state: the row as it was (None: there was none,
    now there is) and its unit; None if the row holds this version or a newer one."""
    columns = _columns(s)
    if conn.dialect.name == "postgresql":
        params = {"b_id": s.review_id, "b_newer": s.version, **columns}
        was = (await conn.execute(_HOLD_AND_REPLACE_PG, params)).first()
        if was is not None:
            return was, was.org_unit_id
    hold = _HOLD_SQLITE if conn.dialect.name == "sqlite" else _HOLD_PG
    was = (await conn.execute(hold, {"b_id": s.review_id})).first()
    if was is None:
        return None, await _insert_row(session, conn, s)
    if was.version >= s.version:
        return None
    params = {"b_id": s.review_id, "b_version": was.version, **columns}
    if (await conn.execute(_REPLACE, params)).rowcount != 1:
        raise StaleDataError(f"review {s.review_id} changed under its write")
    return was, was.org_unit_id


async def _insert_row(session: AsyncSession, conn: AsyncConnection, s: ReviewState) -> str | None:
    """The first row of a review started outside a kickoff (a late joiner): it counts in
    the employee's unit, and keeps the template version its cycle pinned, as a kickoff's
    reviews do. A writer racing to insert it too fails on the key, and its retry replaces."""
    employee = await session.get(Employee, s.employee.id)
    template_key, template_version = await cycle_template(session, s.cycle_id)
    unit = employee.org_unit_id if employee else None
    await conn.execute(
        insert(_REVIEWS),
        {
            "id": s.review_id,
            "org_unit_id": unit,
            "template_key": template_key,
            "template_version": template_version,
            **_columns(s),
        },
    )
    return unit


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
    inserts of a new row; a row changed under the version-guarded UPDATE, which holding
    the row first should rule out), the write runs again and then sees the other
    writer's version. On return the read
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


def _columns(s: ReviewState) -> dict[str, Any]:
    """The row's columns as the state has them (all but its unit and template)."""
    m = s.meeting
    return {
        "cycle_id": s.cycle_id,
        "employee_id": s.employee.id,
        "manager_id": s.manager.id,
        "phase": s.phase.value,
        "version": s.version,
        "started_at": s.started_at,
        "phase_since": s.phase_since,
        "updated_at": max([s.phase_since, *(e for e in [s.summary_at, s.signed_off_at] if e)]),
        "meeting_start": m.start if m else None,
        "meeting_duration_minutes": m.duration_minutes if m else None,
        "location_kind": m.location_kind.value if m else None,
        "location_text": m.location_text if m else None,
        "meeting_sequence": m.sequence if m else None,
        "meeting_held": bool(m and m.held),
        "employee_prepared": s.employee_prepared,
        "manager_prepared": s.manager_prepared,
        "summary": s.summary,
        "signed_off_at": s.signed_off_at,
        "ended_at": s.ended_at,
        "cancel_reason": s.cancel_reason,
        "summary_version": s.summary_version,
        "decision": s.decision.value if s.decision else None,
        "hms_categories": ",".join(sorted({f.category for f in s.flagged}))[:1000],
    }


Dues = tuple[date, ...]


async def _sync_actions(conn: AsyncConnection, s: ReviewState) -> tuple[Dues, Dues]:
    """Insert the state's new actions and update its changed ones (actions are never
    removed); the open actions' due dates before and after, for the tallies. A state
    without actions needs no query: this state is at least as new as the row."""
    if not s.actions:
        return (), ()
    rows = {r.number: r for r in await conn.execute(_ACTIONS_OF, {"b_id": s.review_id})}
    open_after = {n: r.due for n, r in rows.items() if r.done_at is None}
    added, changed = [], []
    for a in s.actions:
        row = rows.get(a.id)
        # A versioned summary's titles are in the database only (store/conversation.py
        # writes them): the workflow's empty title never overwrites one.
        want = {
            "title": a.title or (row.title if row is not None else ""),
            "owner_id": a.owner_id,
            "manager_id": s.manager.id,
            "due": a.due,
            "done_at": a.done_at,
            "kind": a.kind.value,
        }
        if row is None:
            added.append({"review_id": s.review_id, "number": a.id, **want})
        elif any(getattr(row, k) != v for k, v in want.items()):
            changed.append({"b_id": s.review_id, "b_number": a.id, **want})
        open_after.pop(a.id, None)
        if a.done_at is None:
            open_after[a.id] = a.due
    if added:
        await conn.execute(insert(_ACTIONS), added)
    if changed:
        await conn.execute(_UPDATE_ACTION, changed)
    before = tuple(sorted(r.due for r in rows.values() if r.done_at is None))
    return before, tuple(sorted(open_after.values()))


async def _add_events(conn: AsyncConnection, sync: ReviewSync) -> None:
    """Insert the events this row lacks, in one statement; one another writer inserted
    meanwhile is skipped by the database (ON CONFLICT DO NOTHING), so racing writers
    never fail on it."""
    if not sync.events:
        return
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
    await conn.execute(_ADD_EVENTS[conn.dialect.name], rows)  # a list: no RETURNING of the new ids
