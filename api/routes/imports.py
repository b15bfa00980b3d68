"""Organisation import: HR uploads the HR system's CSV export; it is validated, then synced."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.deps import HrUser, NowDep, SessionDep, SettingsDep, TemporalDep
from api.errors import Conflict, NotFound, Unprocessable
from org.csv_import import COLUMNS, InvalidFile, parse
from store import org_changes as changes
from store.models import OrgChange
from store.org_sync import sync_org
from workflows.calendar import OSLO
from workflows.contracts import OrgChangesInput
from workflows.ids import org_changes_workflow_id
from workflows.org_changes import OrgChangesWorkflow

router = APIRouter(prefix="/imports", tags=["organisation"])
MAX_BYTES = 50 * 1024 * 1024

CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": ",".join(COLUMNS) + "\n"}
        },
    }
}


class CycleChanges(BaseModel):
    """What the import changed in running cycles; counts once applied."""

    id: str
    status: Literal["applied", "in_progress"]
    reviews_started: int | None = Field(description="late joiners' reviews in running cycles")
    reviews_cancelled: int | None = Field(description="leavers' open reviews cancelled")
    reviews_moved: int | None = Field(description="reviews moved to a new manager")

    @classmethod
    def of(cls, change: OrgChange) -> CycleChanges:
        counts = json.loads(change.result) if change.result else {}
        return cls(
            id=change.id,
            status="applied" if change.applied_at else "in_progress",
            reviews_started=counts.get("reviews_started"),
            reviews_cancelled=counts.get("reviews_cancelled"),
            reviews_moved=counts.get("reviews_moved"),
        )


class ImportReport(BaseModel):
    added: list[str]
    updated: list[str]
    left: list[str]
    manager_changed: list[tuple[str, str | None, str | None]]
    unit_changed: dict[str, str | None] = Field(description="employee -> their new org unit")
    unchanged: int
    running_cycles: CycleChanges | None = Field(
        description="the changes carried into running cycles (none when nothing to carry): "
        "applied within the request when quick, else in the background; "
        "GET /imports/{running_cycles.id} tells the outcome"
    )


@router.post("/employees", response_model=ImportReport, openapi_extra=CSV_BODY)
async def import_employees(
    request: Request,
    session: SessionDep,
    me: HrUser,
    now: NowDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> ImportReport:
    """Sync the organisation from a CSV export (HR): all rows apply, or none when any is wrong.

    Columns: employee_id, name, email, language (nb/en), manager_id, org_unit, parent_unit,
    start_date, end_date. A 422 lists every problem with its line, column and reason.
    Running cycles follow, durably (a workflow per import): joiners get a review, leavers'
    reviews are cancelled, and a new manager takes over their report's review."""
    raw = await request.body()
    if len(raw) > MAX_BYTES:
        raise Unprocessable(
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", rule="input"
        )
    try:
        snapshot = parse(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Unprocessable("the file is not UTF-8 text", rule="input") from None
    except InvalidFile as e:
        raise Unprocessable(
            f"{len(e.problems)} problem(s) in the file; nothing was imported",
            rule="input",
            problems=[{"line": p.line, "column": p.column, "reason": p.reason} for p in e.problems],
        ) from None
    try:
        report = await sync_org(session, snapshot, today=now.astimezone(OSLO).date(), now=now)
        change = (
            await changes.record(session, report, by=me.id, now=now)
            if changes.carries_anything(report)
            else None
        )
        await session.commit()
    except StaleDataError:
        # A review the import moves to a new unit changed under it (SQLite has no row locks).
        raise Conflict(
            "a review changed while importing; nothing was imported, try again"
        ) from None
    # Earlier changes whose workflow never started (a crash right after their commit)
    # go first, then this one's; each workflow id is its change's, so none runs twice.
    for change_id in await changes.pending(session):
        try:
            await temporal.start_workflow(
                OrgChangesWorkflow.run,
                OrgChangesInput(change_id),
                id=org_changes_workflow_id(change_id),
                task_queue=settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            pass  # it ran and ended: HR sees its outcome in GET /imports/{id}
    running = None
    if change is not None:
        running = CycleChanges.of(
            await _applied_or_waited(session, change, settings.import_wait_seconds)
        )
    return ImportReport(
        added=report.added,
        updated=report.updated,
        left=report.left,
        manager_changed=report.manager_changed,
        unit_changed=report.unit_changed,
        unchanged=report.unchanged,
        running_cycles=running,
    )


@router.get("/{change_id}", response_model=CycleChanges)
async def import_changes(change_id: str, session: SessionDep, me: HrUser) -> CycleChanges:
    """How far an import's changes to running cycles have come (HR)."""
    change = await changes.result_of(session, change_id)
    if change is None:
        raise NotFound(f"import {change_id} not found")
    return CycleChanges.of(change)


async def _applied_or_waited(session: AsyncSession, change: OrgChange, seconds: float) -> OrgChange:
    """Poll the outbox row rather than await the workflow: waiting must not move a test
    server's clock, and the row is the record either way."""
    deadline = time.monotonic() + seconds
    while True:
        await session.refresh(change)
        if change.applied_at is not None or time.monotonic() >= deadline:
            return change
        await asyncio.sleep(0.1)
