"""The conversation's own pages: the preparation form, the meeting's outcome, the summary
editor and the employee's sign-off.

Nothing here decides what is allowed: each page calls the very functions behind the JSON
API's conversation routes (api/routes/conversation.py, api/routes/reviews.py), so the
visibility (HR and the manager's manager are refused the text, anyone else gets a 404),
the template checks, the blind preparation and the HMS rule are the API's. A form is
turned into the API's body here, and the API's refusals are shown next to their fields
with every typed value kept (422). Commands carry the form's Idempotency-Key.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from api import conversation as conv
from api.conversation_schemas import (
    CommentIn,
    PreparationIn,
    PreparationOut,
    SignOffIn,
    SummaryIn,
    SummaryOut,
)
from api.deps import NowDep, SessionDep
from api.errors import ApiError, Conflict, Unprocessable
from api.routes import conversation as api
from api.routes.reviews import outcome as record_outcome
from api.schemas import OutcomeIn, ReviewOut
from conversation.model import ItemKind, SectionKind, Template
from conversation.preview import TemplateView, preview
from store import conversation as texts
from store.models import Employee
from store.templates import template_for_review
from web.conversations import command_ctx, idempotency_key, layout, new_key, visible_review
from web.pages import Form, PageRoute, PageUser, flash, language, render, review_path, see_other
from workflows.contracts import ActionKind, Decision
from workflows.review_checks import SUMMARY_PHASES

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ACTION_ROWS = 2  # blank rows for new actions under the existing ones
KINDS = [k.value for k in ActionKind]
_PROBLEM = re.compile(r"^(answers|sections|hms|actions)\.([A-Za-z0-9_]+):\s*(.*)$")


async def _forget(session: AsyncSession) -> None:
    """After a refused command: drop what this request's session holds (a refused
    sign-off's or submission's rows are put back by the API in a session of its own), so
    the page shown again reads the database as it now is and nothing refused is kept."""
    await session.rollback()
    session.expire_all()  # the command's commit ended the transaction: rollback alone keeps them


def _problems(e: ApiError) -> list[str]:
    found = e.extra.get("problems")
    return [str(p) for p in found] if isinstance(found, list) else []


# ---- preparation --------------------------------------------------------------------------


def _prep_values(out: PreparationOut) -> dict[str, str]:
    """The saved answers as the form's fields."""
    values: dict[str, str] = {}
    for key, a in out.mine.answers.items():
        values[f"a-{key}"] = str(a.value)
        if a.shared:
            values[f"share-{key}"] = "on"
        if a.needs_follow_up:
            values[f"flag-{key}"] = "on"
        for n, text in enumerate(a.follow_up):
            values[f"fu-{key}-{n}"] = text
    if out.mine.feedback_in_summary:
        values["feedback_in_summary"] = "on"
    return values


def _prep_body(t: Template, form: FormData) -> PreparationIn:
    """The form as the API's body: an item answered, ticked or flagged is an answer; a
    scale's number stays a number (and a typed non-number is the API's refusal)."""
    answers: dict[str, dict[str, Any]] = {}
    for key, item in t.items().items():
        raw = str(form.get(f"a-{key}") or "").strip()
        follow_up = [
            str(form.get(f"fu-{key}-{n}") or "").strip() for n in range(len(item.follow_up))
        ]
        while follow_up and not follow_up[-1]:
            follow_up.pop()
        flagged = item.kind == ItemKind.HMS and form.get(f"flag-{key}") == "on"
        if not raw and not follow_up and not flagged:
            continue
        value: str | int = int(raw) if item.kind == ItemKind.SCALE and raw.isdigit() else raw
        answers[key] = {
            "value": value,
            "shared": form.get(f"share-{key}") == "on",
            "needs_follow_up": flagged,
            "follow_up": follow_up,
        }
    return PreparationIn.model_validate(
        {"answers": answers, "feedback_in_summary": form.get("feedback_in_summary") == "on"}
    )


def _field_errors(e: ApiError, field_of: dict[str, str]) -> dict[str, str]:
    """The API's problems ("answers.workload: …") by the form field they are about."""
    errors: dict[str, str] = {}
    for p in _problems(e) or [e.message]:
        m = _PROBLEM.match(p)
        name = field_of.get(f"{m.group(1)}.{m.group(2)}") if m else None
        message = m.group(3) if m and name else p
        errors.setdefault(name or "form", f"{message} ({e.rule})" if e.rule else message)
    return errors


def _validation_errors(e: ValidationError, name_of: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in e.errors():
        errors.setdefault(name_of([str(p) for p in err["loc"]]), err["msg"])
    return errors


async def _prep_page(
    request: Request,
    session: AsyncSession,
    me: Employee,
    now: datetime,
    review_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    check: bool = False,
) -> Response:
    out = await api.get_preparation(review_id, session, me, now)
    review = await visible_review(session, me, review_id, now)
    t = await template_for_review(session, review_id)
    lang = language(request)
    other = review.manager if me.id == review.employee.id else review.employee
    context = {
        "review": review,
        "view": preview(t, lang),
        "prep": out,
        "values": _prep_values(out) if values is None else values,
        "errors": errors or {},
        "error_title": bool(errors),
        "editable": out.mine.submitted_at is None and review.phase in api.DRAFT_PHASES,
        "check": check and out.mine.submitted_at is None,
        "is_employee": me.id == review.employee.id,
        "other_name": other.name,
        "owners": _owners(review),
        "key": new_key(),
        "has_feedback": t.section(SectionKind.FEEDBACK_TO_MANAGER) is not None,
        **await layout(session, me),
    }
    return render(request, "preparation.html", context, status=status, me=me)


def _owners(review: ReviewOut) -> dict[str, str]:
    """Who an agreed action can belong to: the two people in the conversation."""
    return {review.employee.id: review.employee.name, review.manager.id: review.manager.name}


@router.get("/conversations/{review_id}/preparation")
async def preparation(
    request: Request, review_id: str, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    return await _prep_page(request, session, me, now, review_id)


@router.post("/conversations/{review_id}/preparation")
async def save_preparation(
    request: Request, review_id: str, form: Form, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    """ "Save draft" keeps the answers (no workflow call); "Submit" keeps them, then submits
    them through the command path with the form's Idempotency-Key."""
    await conv.reader(session, review_id, me, "preparation")
    t = await template_for_review(session, review_id)
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    fields = {f"answers.{k}": f"a-{k}" for k in t.items()}

    def name_of(loc: list[str]) -> str:
        return f"a-{loc[1]}" if len(loc) > 1 and loc[0] == "answers" else "form"

    try:
        body = _prep_body(t, form)
        await api.save_preparation(review_id, body, session, me, now)
    except ValidationError as e:
        errors = _validation_errors(e, name_of)
        return await _prep_page(
            request, session, me, now, review_id, values=values, errors=errors, status=422
        )
    except (Unprocessable, Conflict) as e:
        await _forget(session)
        errors = _field_errors(e, fields)
        return await _prep_page(
            request, session, me, now, review_id, values=values, errors=errors, status=e.status
        )
    if form.get("do") == "submit":
        return see_other(f"{review_path(review_id)}/preparation/check")
    flash(request, "draft_saved")
    return see_other(f"{review_path(review_id)}/preparation")


@router.get("/conversations/{review_id}/preparation/check")
async def check_preparation(
    request: Request, review_id: str, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    """Check your answers (STYLE "Pages"): the saved draft read-only, what will be shared,
    and one button that submits it."""
    return await _prep_page(request, session, me, now, review_id, check=True)


@router.post("/conversations/{review_id}/preparation/submit")
async def submit_preparation(
    request: Request, review_id: str, form: Form, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    """The draft as saved, submitted through the command path with the form's key."""
    try:
        ctx = command_ctx(request, session, me, now, idempotency_key(form))
        await api.submit_preparation(review_id, ctx)
    except (Unprocessable, Conflict) as e:
        await _forget(session)
        message = f"{e.message} ({e.rule})" if e.rule else e.message
        return await _prep_page(
            request,
            session,
            me,
            now,
            review_id,
            errors={"form": message},
            status=e.status,
            check=True,
        )
    flash(request, "submitted")
    return see_other(f"{review_path(review_id)}/preparation")


# ---- the meeting's outcome ----------------------------------------------------------------


@router.post("/conversations/{review_id}/outcome")
async def outcome(
    request: Request, review_id: str, form: Form, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    ctx = command_ctx(request, session, me, now, idempotency_key(form))
    await record_outcome(review_id, OutcomeIn(held=form.get("held") == "yes"), ctx)
    flash(request, "saved")
    return see_other(review_path(review_id))


# ---- summary and sign-off -----------------------------------------------------------------


def _summary_values(t: Template, out: SummaryOut) -> dict[str, str]:
    """The current version as the editor's fields (a correction starts from it)."""
    values: dict[str, str] = {}
    if not out.versions:
        return values
    current = out.versions[-1]
    for key, text in current.sections.items():
        values[f"section-{key}"] = text
    for n, a in enumerate(current.actions):
        values |= {
            f"action-{n}-title": a.title,
            f"action-{n}-owner": a.owner_id,
            f"action-{n}-due": a.due.isoformat(),
            f"action-{n}-kind": a.kind,
            f"action-{n}-number": str(a.number),
        }
    for h in current.hms:
        values[f"hms-{h.item_key}-reason"] = h.reason or ""
        if h.action is not None:
            at = next((n for n, a in enumerate(current.actions) if a.number == h.action), None)
            values[f"hms-{h.item_key}-action"] = "" if at is None else str(at)
    return values


def _summary_body(form: FormData, t: Template, rows: int, flagged: list[str]) -> SummaryIn:
    """The editor as the API's body: blank action rows left out; an HMS answer names its
    action by the row it is on, which becomes its place among the actions kept."""
    kept: list[int] = []
    actions = []
    for n in range(rows):
        row = {
            f: str(form.get(f"action-{n}-{f}") or "").strip()
            for f in ("title", "owner", "due", "kind", "number")
        }
        if not row["title"] and not row["due"]:
            continue
        kept.append(n)
        actions.append(
            {
                "title": row["title"],
                "owner_id": row["owner"],
                "due": row["due"] or None,
                "kind": row["kind"] or "other",
                "number": int(row["number"]) if row["number"].isdigit() else None,
            }
        )
    hms = []
    for key in flagged:
        at = str(form.get(f"hms-{key}-action") or "")
        reason = str(form.get(f"hms-{key}-reason") or "").strip()
        position = kept.index(int(at)) + 1 if at.isdigit() and int(at) in kept else None
        if position is None and not reason:
            continue  # unanswered: the API names it (R7)
        hms.append({"item_key": key, "action": position, "reason": reason or None})
    sections = {
        s.key: str(form.get(f"section-{s.key}") or "")
        for s in t.sections
        if str(form.get(f"section-{s.key}") or "").strip()
    }
    return SummaryIn.model_validate({"sections": sections, "actions": actions, "hms": hms})


async def _summary_page(
    request: Request,
    session: AsyncSession,
    me: Employee,
    now: datetime,
    review_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    out = await api.get_summary(review_id, session, me)
    review = await visible_review(session, me, review_id, now)
    t = await template_for_review(session, review_id)
    view: TemplateView = preview(t, language(request))
    flagged = conv.flagged_by_both(t, await texts.preparations(session, review_id))
    labels = {i.key: i.label for s in view.sections for i in s.items}
    current = out.versions[-1] if out.versions else None
    rows = (len(current.actions) if current else 0) + ACTION_ROWS
    is_manager = me.id == review.manager.id
    context = {
        "review": review,
        "view": view,
        "summary": out,
        "current": current,
        "flagged": [(f.item_key, labels.get(f.item_key, f.item_key), f.category) for f in flagged],
        "rows": rows,
        "kinds": KINDS,
        "values": _summary_values(t, out) if values is None else values,
        "errors": errors or {},
        "error_title": bool(errors),
        "editing": is_manager and review.phase in SUMMARY_PHASES,
        "signing": me.id == review.employee.id
        and review.phase == "awaiting_signoff"
        and current is not None
        and current.decided_at is None,
        "owners": _owners(review),
        "section_titles": {s.key: s.title for s in view.sections},
        "key": new_key(),
        **await layout(session, me),
    }
    return render(request, "summary.html", context, status=status, me=me)


@router.get("/conversations/{review_id}/summary")
async def summary(
    request: Request, review_id: str, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    return await _summary_page(request, session, me, now, review_id)


@router.post("/conversations/{review_id}/summary")
async def write_summary(
    request: Request, review_id: str, form: Form, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    """A new version of the summary, through the API's command; refused, the editor comes
    back with each problem next to its field and everything typed kept."""
    await conv.reader(session, review_id, me, "summary")
    t = await template_for_review(session, review_id)
    flagged = [
        f.item_key for f in conv.flagged_by_both(t, await texts.preparations(session, review_id))
    ]
    rows = int(str(form.get("rows") or "0")) if str(form.get("rows") or "").isdigit() else 0
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    fields = {f"sections.{s.key}": f"section-{s.key}" for s in t.sections} | {
        f"hms.{n}": f"hms-{k}-reason" for n, k in enumerate(flagged)
    }

    def name_of(loc: list[str]) -> str:
        if len(loc) > 2 and loc[0] == "actions":
            return f"action-{loc[1]}-{ {'owner_id': 'owner'}.get(loc[2], loc[2]) }"
        if len(loc) > 1 and loc[0] == "sections":
            return f"section-{loc[1]}"
        return "form"

    try:
        body = _summary_body(form, t, min(rows, 60), flagged)
        ctx = command_ctx(request, session, me, now, idempotency_key(form))
        await api.write_summary(review_id, body, ctx)
    except ValidationError as e:
        errors = _validation_errors(e, name_of)
        return await _summary_page(
            request, session, me, now, review_id, values=values, errors=errors, status=422
        )
    except (Unprocessable, Conflict) as e:
        await _forget(session)
        errors = _field_errors(e, fields)
        if e.rule == "R7":
            missing = [str(k) for k in e.extra.get("items") or []]
            errors = {f"hms-{k}-reason": f"{e.message} (R7)" for k in missing} or errors
        return await _summary_page(
            request, session, me, now, review_id, values=values, errors=errors, status=e.status
        )
    flash(request, "summary_saved")
    return see_other(f"{review_path(review_id)}/summary")


def _decision(value: str) -> Decision:
    try:
        return Decision(value)
    except ValueError:
        raise Unprocessable(
            "choose approve, sign with disagreement or decline", rule="input"
        ) from None


@router.post("/conversations/{review_id}/signoff")
async def sign_off(
    request: Request, review_id: str, form: Form, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    """The employee's comment and decision on the version they read. "Save comment"
    keeps the comment only; a decision signs (or declines) that version."""
    text = str(form.get("comment") or "").strip()
    values = {"comment": str(form.get("comment") or "")}
    decision = str(form.get("decision") or "")
    try:
        if decision == "comment":
            await api.comment(review_id, CommentIn(comment=text), session, me, now)
            flash(request, "comment_saved")
            return see_other(f"{review_path(review_id)}/summary")
        version = str(form.get("version") or "")
        body = SignOffIn(
            version=int(version) if version.isdigit() else -1,
            decision=_decision(decision),
            comment=text or None,
        )
        ctx = command_ctx(request, session, me, now, idempotency_key(form))
        await api.signoff(review_id, body, ctx)
    except ValidationError as e:
        errors = {"comment": "; ".join(str(err["msg"]) for err in e.errors())}
        return await _summary_page(
            request, session, me, now, review_id, values=values, errors=errors, status=422
        )
    except (Unprocessable, Conflict) as e:
        await _forget(session)
        message = f"{e.message} ({e.rule})" if e.rule else e.message
        return await _summary_page(
            request,
            session,
            me,
            now,
            review_id,
            values=values,
            errors={"comment": message},
            status=e.status,
        )
    flash(request, "signed_flash")
    return see_other(review_path(review_id))
