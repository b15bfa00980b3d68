"""HR's pages: cycles (the list, starting one with its template), the funnel per unit with
drill-down and the slipping list, the CSV import with its dry-run preview and error table,
and the conversation templates (the list, a preview in either language).

Each calls what the JSON API's routes call: api/cycle_start.start_cycle,
store/progress.funnel and slipping_by_manager, api/org_import.run_import,
store/templates.list_templates and conversation.preview (GET /templates). Only HR.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.cycle_start import start_cycle
from api.deps import NowDep, SessionDep, SettingsDep, TemporalDep
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.org_import import ImportRequest, ImportRules, run_import
from api.routes.templates import preview_ as template_preview
from api.schemas import CycleIn, ImportPreview
from conversation.templates import DEFAULT_TEMPLATE_KEY
from store.cycles import cycle_policy
from store.directory import as_person, get_cycle
from store.models import Employee
from store.progress import SLIPPING, funnel, slipping_by_manager
from store.queries import list_cycles, unit_ids
from store.templates import list_templates
from web.conversations import layout
from web.i18n import LANGS, Lang
from web.pages import Form, PageRoute, PageUser, flash, render, see_other
from workflows.calendar import OSLO
from workflows.contracts import Phase

router = APIRouter(prefix="/hr", route_class=PageRoute, include_in_schema=False)
FUNNEL = [p.value for p in Phase]


def hr_only(me: Employee, what: str) -> None:
    if not me.is_hr:
        raise Forbidden(f"only HR can see {what}")


@router.get("/cycles")
async def cycles(request: Request, session: SessionDep, me: PageUser) -> Response:
    hr_only(me, "the cycles")
    rows = await list_cycles(session)
    return render(request, "hr_cycles.html", {"cycles": rows, **await layout(session, me)}, me=me)


def _cycle_form(
    request: Request,
    me: Employee,
    units: list[str],
    templates: list[Any],
    values: dict[str, Any],
    errors: dict[str, str],
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    context = {
        "units": units,
        "templates": templates,
        "values": values,
        "chosen": set(values.get("scope", [])),
        "errors": errors,
        "error_title": bool(errors),
        **extra,
    }
    return render(request, "hr_cycle_new.html", context, status=status, me=me)


@router.get("/cycles/new")
async def new_cycle(request: Request, session: SessionDep, me: PageUser, now: NowDep) -> Response:
    hr_only(me, "the cycles")
    year = now.astimezone(OSLO).year + 1
    values = {
        "id": str(year),
        "name": f"Medarbeidersamtaler {year}",
        "year": str(year),
        "window_start": f"{year}-01-04",
        "window_end": f"{year}-12-17",
        "notice_days": "",
        "min_duration_minutes": "",
        "template": DEFAULT_TEMPLATE_KEY,
    }
    templates = await list_templates(session)
    extra = await layout(session, me)
    return _cycle_form(request, me, await unit_ids(session), templates, values, {}, extra)


def _as_int(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


@router.post("/cycles/new")
async def start(
    request: Request,
    form: Form,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    me: PageUser,
    now: NowDep,
) -> Response:
    hr_only(me, "the cycles")
    values: dict[str, Any] = {
        k: str(form.get(k) or "").strip()
        for k in (
            "id",
            "name",
            "year",
            "window_start",
            "window_end",
            "notice_days",
            "min_duration_minutes",
            "template",
        )
    }
    values["scope"] = [str(u) for u in form.getlist("scope")]
    policy = {k: _as_int(values[k]) for k in ("notice_days", "min_duration_minutes") if values[k]}
    body = {
        "id": values["id"],
        "name": values["name"],
        "year": _as_int(values["year"]),
        "window_start": values["window_start"],
        "window_end": values["window_end"],
        "scope": values["scope"] or None,
        "policy": policy,
        "template": values["template"] or DEFAULT_TEMPLATE_KEY,
    }
    units = await unit_ids(session)
    templates = await list_templates(session)
    extra = await layout(session, me)
    try:
        parsed = CycleIn.model_validate_json(json.dumps(body))
    except ValidationError as e:
        errors: dict[str, str] = {}
        for err in e.errors():
            loc = [str(p) for p in err["loc"]]
            field = loc[-1] if loc[0] == "policy" else loc[0]
            errors.setdefault(field, err["msg"])
        return _cycle_form(request, me, units, templates, values, errors, extra, status=422)
    try:
        cycle = await start_cycle(
            session,
            temporal,
            parsed.spec(),
            hr=as_person(me),
            task_queue=settings.task_queue,
            now=now,
        )
    except (Unprocessable, Conflict) as e:
        field = "template" if e.rule == "template" else "id"
        errors = {field: e.message}
        return _cycle_form(request, me, units, templates, values, errors, extra, status=e.status)
    flash(request, "saved")
    return see_other(f"/hr/cycles/{cycle.id}")


@router.get("/cycles/{cycle_id}")
async def progress(
    request: Request,
    cycle_id: str,
    session: SessionDep,
    me: PageUser,
    now: NowDep,
    unit: str | None = None,
) -> Response:
    """The funnel overall and per unit (the focus and its direct sub-units, each with
    everything below it), as bars with the same figures in a table; the slipping list."""
    hr_only(me, "a cycle's progress")
    cycle = await get_cycle(session, cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} not found")
    policy = cycle_policy(cycle)
    today = now.astimezone(OSLO).date()
    try:
        f = await funnel(session, cycle_id, today=today, policy=policy, focus=unit)
    except KeyError:
        raise NotFound(f"org unit {unit} not found") from None
    slipping = await slipping_by_manager(session, cycle_id, today=today, policy=policy)
    widest = max([f.overall.total, 1])
    context = {
        "cycle": cycle,
        "f": f,
        "focus": unit,
        "phases": FUNNEL,
        "slipping_kinds": list(SLIPPING),
        "widest": widest,
        "slipping": slipping,
        **await layout(session, me),
    }
    return render(request, "hr_progress.html", context, me=me)


@router.get("/import")
async def import_form(request: Request, session: SessionDep, me: PageUser) -> Response:
    hr_only(me, "the import")
    return render(request, "hr_import.html", {"errors": {}, **await layout(session, me)}, me=me)


def _rules(settings: Any) -> ImportRules:
    return ImportRules(
        max_leaver_share=settings.import_max_leaver_share,
        wait_seconds=settings.import_wait_seconds,
        task_queue=settings.task_queue,
    )


@router.post("/import")
async def import_file(
    request: Request,
    form: Form,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    me: PageUser,
    now: NowDep,
) -> Response:
    """A dry run first: the preview (or the file's problems as a table); confirming sends
    the same text again with the preview's confirmation, so exactly what was shown applies."""
    hr_only(me, "the import")
    upload = form.get("file")
    confirming = form.get("confirm")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
    else:
        raw = str(form.get("csv") or "").encode()
    extra = await layout(session, me)
    req = ImportRequest(
        raw=raw,
        by=me.id,
        now=now,
        today=now.astimezone(OSLO).date(),
        dry_run=not confirming,
        confirm=str(form.get("confirmation") or "") or None,
    )
    try:
        result = await run_import(session, temporal, req, _rules(settings))
    except Unprocessable as e:
        problems = e.extra.get("problems") or []
        context = {"errors": {"file": e.message}, "problems": problems, "error_title": True}
        return render(request, "hr_import.html", {**context, **extra}, status=422, me=me)
    if isinstance(result, ImportPreview):
        context = {"preview": result, "csv": raw.decode("utf-8-sig"), "errors": {}}
        return render(request, "hr_import.html", {**context, **extra}, me=me)
    flash(request, "saved")
    return see_other("/hr/import")


@router.get("/templates")
async def templates(request: Request, session: SessionDep, me: PageUser) -> Response:
    hr_only(me, "the templates")
    rows = await list_templates(session)
    context = {"templates": rows, **await layout(session, me)}
    return render(request, "hr_templates.html", context, me=me)


@router.get("/templates/{key}")
async def template(
    request: Request,
    key: str,
    session: SessionDep,
    me: PageUser,
    lang: str = "nb",
    version: int | None = None,
) -> Response:
    """A template as the people filling it in read it, in bokmål or English."""
    hr_only(me, "the templates")
    shown: Lang = "en" if lang == "en" else "nb"
    view = await template_preview(key, session, me, lang=shown, version=version, senior=False)
    rows = {s.template.key: s for s in await list_templates(session)}
    context = {
        "view": view,
        "langs": LANGS,
        "versions": rows[key].versions if key in rows else [view.version],
        **await layout(session, me),
    }
    return render(request, "hr_template.html", context, me=me)
