"""Organisation import: HR uploads the HR system's CSV export; it is validated, previewed,
guarded, then synced. Every applied import is logged."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from api.deps import HrUser, NowDep, SessionDep, SettingsDep, TemporalDep
from api.errors import NotFound
from api.org_import import ImportRequest, ImportRules, cycle_changes, run_import
from api.schemas import (
    CycleChanges,
    ImportId,
    ImportOut,
    ImportPreview,
    ImportReport,
    Limit,
    Offset,
    Page,
)
from org.csv_export import to_csv
from org.demo import demo_csv
from store import org_changes as changes
from store.org_sync import organisation
from workflows.calendar import OSLO

router = APIRouter(prefix="/imports", tags=["organisation"])

CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}, "example": demo_csv()}},
    }
}
Confirm = Annotated[
    str | None,
    Query(
        description="the preview's `confirmation`: apply exactly the changes it showed",
        pattern=r"^[0-9a-f]{64}$",
    ),
]


@router.post("/employees", response_model=ImportReport | ImportPreview, openapi_extra=CSV_BODY)
async def import_employees(
    request: Request,
    session: SessionDep,
    me: HrUser,
    now: NowDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    dry_run: Annotated[bool, Query(description="only show what would change")] = False,
    confirm: Confirm = None,
) -> ImportReport | ImportPreview:
    """Sync the organisation from a CSV export (HR): all rows apply, or none when any is wrong.

    Columns: employee_id, name, email, language (nb/en), manager_id, org_unit, parent_unit,
    start_date, end_date. A 422 lists every problem with its line, column and
    reason; a file with no rows is refused. `dry_run=true` answers the preview (joiners,
    changes, leavers, reviews to cancel or move) and writes nothing. An import that would
    deactivate more than `SAMTALE_IMPORT_MAX_LEAVER_SHARE` (10 %) of the active employees,
    or cancel open reviews, is a 409 with that preview until sent with
    `confirm=<preview.confirmation>`. Running cycles follow, durably (a workflow per
    import): joiners get a review, leavers' reviews are cancelled, and a new manager takes
    over their report's review."""
    req = ImportRequest(
        raw=await request.body(),
        by=me.id,
        now=now,
        today=now.astimezone(OSLO).date(),
        dry_run=dry_run,
        confirm=confirm,
    )
    rules = ImportRules(
        max_leaver_share=settings.import_max_leaver_share,
        wait_seconds=settings.import_wait_seconds,
        task_queue=settings.task_queue,
    )
    return await run_import(session, temporal, req, rules)


@router.get(
    "/employees",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def export_employees(session: SessionDep, me: HrUser) -> PlainTextResponse:
    """The organisation as a CSV file in the import's own columns (HR): every active
    employee with their unit and its parent. Imported again unchanged, it changes nothing."""
    text = to_csv(await organisation(session))
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8")


@router.get("", response_model=Page[ImportOut])
async def list_imports(
    session: SessionDep,
    me: HrUser,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ImportOut]:
    """Every applied import, newest first (HR): who, when, the file's SHA-256, the counts."""
    rows, total = await changes.imports(session, limit=limit, offset=offset)
    items = [
        ImportOut(
            id=i.id,
            at=i.at,
            by=i.by,
            file_digest=i.file_digest,
            rows=i.rows,
            added=i.added,
            updated=i.updated,
            left=i.left,
            unchanged=i.unchanged,
            confirmed=i.confirmed,
            running_cycles=cycle_changes(c) if c else None,
        )
        for i, c in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/{import_id}", response_model=CycleChanges)
async def import_changes(import_id: ImportId, session: SessionDep, me: HrUser) -> CycleChanges:
    """How far an import's changes to running cycles have come (HR); an import that had
    none to carry is applied with nothing to count."""
    change = await changes.result_of(session, import_id)
    if change is not None:
        return cycle_changes(change)
    if await changes.get_import(session, import_id) is None:
        raise NotFound(f"import {import_id} not found")
    return CycleChanges(
        id=import_id, status="applied", reviews_started=0, reviews_cancelled=0, reviews_moved=0
    )
