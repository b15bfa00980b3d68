"""Importing the organisation: read the file, preview what it would change, guard, apply,
log it, and carry its changes into running cycles.

A dry run stops at the preview and writes nothing. An import that would take more
than a share of the active employees away, or cancel open reviews, applies only with
the preview's confirmation (org/import_guard.py). One import runs at a time, so the
same file sent twice at once applies once and the second changes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.errors import Conflict, Unprocessable
from api.schemas import (
    CycleChanges,
    EmployeeChange,
    ImportPreview,
    ImportReport,
    PersonRef,
    ReviewToCancel,
    ReviewToMove,
)
from org import import_guard
from org.csv_import import InvalidFile, Snapshot, parse
from store import org_changes as changes
from store.models import OrgChange
from store.org_sync import SyncPlan, SyncReport, apply_sync, one_import_at_a_time, plan_sync
from workflows.contracts import OrgChangesInput
from workflows.ids import org_changes_workflow_id
from workflows.org_changes import OrgChangesWorkflow

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ImportRequest:
    raw: bytes
    by: str
    now: datetime
    today: date
    dry_run: bool
    confirm: str | None


@dataclass(frozen=True)
class ImportRules:
    max_leaver_share: float
    wait_seconds: float
    task_queue: str


async def run_import(
    session: AsyncSession, temporal: Client, req: ImportRequest, rules: ImportRules
) -> ImportPreview | ImportReport:
    snap = read_file(req.raw)
    if not req.dry_run:
        await one_import_at_a_time(session, now=req.now)
    plan, shown = await preview(session, snap, req.raw, today=req.today, rules=rules)
    if req.dry_run:
        return shown
    if shown.needs_confirmation and req.confirm != shown.confirmation:
        stale = " (the confirmation sent is for other changes)" if req.confirm else ""
        raise Conflict(
            f"the import needs confirming{stale}: {'; '.join(shown.needs_confirmation)}. "
            "Check the preview, then send the same file with ?confirm=<preview.confirmation>",
            rule="confirm",
            preview=shown.model_dump(mode="json"),
        )
    return await _apply(session, temporal, snap, plan, req, rules, shown)


def read_file(raw: bytes) -> Snapshot:
    if len(raw) > MAX_BYTES:
        raise Unprocessable(
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", rule="input"
        )
    try:
        return parse(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Unprocessable("the file is not UTF-8 text", rule="input") from None
    except InvalidFile as e:
        raise Unprocessable(
            f"{len(e.problems)} problem(s) in the file; nothing was imported",
            rule="input",
            problems=[{"line": p.line, "column": p.column, "reason": p.reason} for p in e.problems],
        ) from None


async def preview(
    session: AsyncSession, snap: Snapshot, raw: bytes, *, today: date, rules: ImportRules
) -> tuple[SyncPlan, ImportPreview]:
    """What the file would change, with names; read only."""
    plan = await plan_sync(session, snap, today=today)
    r = plan.report
    names = {e.id: e.name for e in plan.existing.values()}
    names |= {row.employee_id: row.name for row in snap.rows}

    def ref(eid: str) -> PersonRef:
        return PersonRef(id=eid, name=names.get(eid, eid))

    cancels, moves = await _affected_reviews(session, r, ref)
    shown = ImportPreview(
        file_digest=hashlib.sha256(raw).hexdigest(),
        rows=len(snap.rows),
        active_before=plan.active_before,
        joiners=[ref(e) for e in r.added],
        changes=[
            EmployeeChange(**ref(e).model_dump(), fields=sorted(plan.updates[e])) for e in r.updated
        ],
        leavers=[ref(e) for e in r.left],
        unchanged=r.unchanged,
        reviews_to_cancel=cancels,
        reviews_to_move=moves,
        needs_confirmation=import_guard.reasons(
            active=plan.active_before,
            leavers=len(r.left),
            cancels=len(cancels),
            max_leaver_share=rules.max_leaver_share,
        ),
        confirmation="",
    )
    token = import_guard.confirmation(shown.model_dump(mode="json", exclude={"confirmation"}))
    return plan, shown.model_copy(update={"confirmation": token})


async def _affected_reviews(
    session: AsyncSession, r: SyncReport, ref: Callable[[str], PersonRef]
) -> tuple[list[ReviewToCancel], list[ReviewToMove]]:
    """The open reviews in running cycles that the org changes workflow will cancel (a
    leaver's) or move (to a new manager who is someone else), as it will find them."""
    new_manager = {eid: new for eid, _old, new in r.manager_changed if new and eid not in r.left}
    cancels = [
        ReviewToCancel(
            review_id=c.review_id,
            cycle_id=c.cycle_id,
            employee=PersonRef(id=c.employee_id, name=c.employee_name),
            manager=PersonRef(id=c.manager_id, name=c.manager_name),
        )
        for c in await changes.open_reviews_of(session, r.left)
    ]
    moves = [
        ReviewToMove(
            review_id=m.review_id,
            cycle_id=m.cycle_id,
            employee=PersonRef(id=m.employee_id, name=m.employee_name),
            manager=PersonRef(id=m.manager_id, name=m.manager_name),
            new_manager=ref(new_manager[m.employee_id]),
        )
        for m in await changes.open_reviews_of(session, list(new_manager))
        if m.manager_id != new_manager[m.employee_id]
    ]
    return cancels, moves


async def _apply(
    session: AsyncSession,
    temporal: Client,
    snap: Snapshot,
    plan: SyncPlan,
    req: ImportRequest,
    rules: ImportRules,
    shown: ImportPreview,
) -> ImportReport:
    """The sync, its log row and its outbox row (org_changes) commit together before any
    workflow starts: a crash after the commit loses nothing (the next import starts what
    is pending), and the commit hands the connection back before waiting on Temporal."""
    import_id = uuid.uuid4().hex
    try:
        report = await apply_sync(session, snap, plan, now=req.now)
    except StaleDataError:
        # A review the import moves to a new unit changed under it (SQLite has no row locks).
        raise Conflict(
            "a review changed while importing; nothing was imported, try again"
        ) from None
    carried = changes.carries_anything(report)
    if carried:
        await changes.record(session, report, by=req.by, now=req.now, change_id=import_id)
    changes.log(
        session,
        report,
        import_id=import_id,
        by=req.by,
        now=req.now,
        file_digest=shown.file_digest,
        rows=shown.rows,
        confirmed=bool(shown.needs_confirmation),
    )
    pending = await changes.pending(session)
    await session.commit()
    await _start(temporal, pending, rules.task_queue)
    return ImportReport(
        id=import_id,
        file_digest=shown.file_digest,
        added=report.added,
        updated=report.updated,
        left=report.left,
        manager_changed=report.manager_changed,
        unit_changed=report.unit_changed,
        unchanged=report.unchanged,
        running_cycles=await _outcome(temporal, import_id, rules.wait_seconds) if carried else None,
    )


async def _start(temporal: Client, pending: list[str], task_queue: str) -> None:
    """Earlier changes whose workflow never started (a crash right after their commit) go
    first, then this one's; each workflow id is its change's, so none runs twice."""
    for change_id in pending:
        try:
            await temporal.start_workflow(
                OrgChangesWorkflow.run,
                OrgChangesInput(change_id),
                id=org_changes_workflow_id(change_id),
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            pass  # it ran and ended: HR sees its outcome in GET /imports/{id}


async def _outcome(temporal: Client, change_id: str, seconds: float) -> CycleChanges:
    """Wait, up to `seconds`, for the workflow's own result; no database connection is held
    meanwhile. (A handle by id: awaiting it does not move a time-skipping test clock.)"""
    handle = temporal.get_workflow_handle_for(
        OrgChangesWorkflow.run, org_changes_workflow_id(change_id)
    )
    try:
        async with asyncio.timeout(seconds):
            result = await handle.result()
    except (TimeoutError, WorkflowFailureError):
        return CycleChanges(
            id=change_id,
            status="in_progress",
            reviews_started=None,
            reviews_cancelled=None,
            reviews_moved=None,
        )
    return CycleChanges(id=change_id, status="applied", **asdict(result))


def cycle_changes(change: OrgChange) -> CycleChanges:
    counts = json.loads(change.result) if change.result else {}
    return CycleChanges(
        id=change.id,
        status="applied" if change.applied_at else "in_progress",
        reviews_started=counts.get("reviews_started"),
        reviews_cancelled=counts.get("reviews_cancelled"),
        reviews_moved=counts.get("reviews_moved"),
    )
