"""Organisation import: HR uploads the HR system's CSV export; it is validated, then synced."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.deps import CurrentUser, NowDep, SessionDep, SettingsDep, TemporalDep
from api.errors import Forbidden, Unprocessable
from api.org_changes import apply_to_running_cycles
from org.csv_import import COLUMNS, InvalidFile, parse
from store.org_sync import sync_org
from workflows.calendar import OSLO

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


class ImportReport(BaseModel):
    added: list[str]
    updated: list[str]
    left: list[str]
    manager_changed: list[tuple[str, str | None, str | None]]
    unchanged: int
    reviews_started: int = Field(description="late joiners' reviews in running cycles")
    reviews_cancelled: int = Field(description="leavers' open reviews cancelled")
    reviews_moved: int = Field(description="reviews moved to a new manager")


@router.post("/employees", response_model=ImportReport, openapi_extra=CSV_BODY)
async def import_employees(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    now: NowDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> ImportReport:
    """Sync the organisation from a CSV export (HR): all rows apply, or none when any is wrong.

    Columns: employee_id, name, email, language (nb/en), manager_id, org_unit, parent_unit,
    start_date, end_date. A 422 lists every problem with its line, column and reason.
    Running cycles follow: joiners get a review, leavers' reviews are cancelled, and a
    new manager takes over their report's review."""
    if not me.is_hr:
        raise Forbidden("only HR can import the organisation")
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
    report = await sync_org(session, snapshot, today=now.astimezone(OSLO).date(), now=now)
    await session.commit()
    changes = await apply_to_running_cycles(
        session, temporal, report, hr=me, task_queue=settings.task_queue
    )
    return ImportReport(**report.__dict__, **changes.__dict__)
