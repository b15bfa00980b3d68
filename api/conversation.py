"""The conversation's rules on the API's side: who reads what, and how a body becomes what
the database keeps and the workflow is told.

Who sees what (issue 10; SPEC "Law and privacy"): the employee and the manager holding
the review read their own preparation, the other's shared answers once both have
submitted, and the summary with the employee's comment. HR and the manager's manager see
the review's facts (GET /reviews/{id}: phase, dates, action counts, HMS categories) and
are refused its text (403); anyone else gets the 404 of a review that does not exist.

A preparation or summary is checked against the review's template here, before anything
is kept or sent; the workflow gets facts only (digests, HMS flags, numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.conversation_schemas import PreparationIn, SummaryIn
from api.errors import Forbidden, NotFound, Unprocessable
from conversation.templates import ItemKind, SectionKind, Template
from store import conversation as texts
from store.models import Employee, Preparation
from store.queries import ReviewDetail, review_detail
from workflows.contracts import HmsFlag, HmsResolution, NewAction
from workflows.review_checks import EMPTY_SUMMARY, unanswered_hms, unresolved_hms

SCALE = range(1, 11)


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"  # holding the review
    OVERSEER = "overseer"  # HR, or the manager's manager: facts, never text


def role_of(me: Employee, d: ReviewDetail) -> Role | None:
    r = d.review
    if me.id == r.employee_id:
        return Role.EMPLOYEE
    if me.id == r.manager_id:
        return Role.MANAGER
    if me.is_hr or (d.manager.manager_id is not None and d.manager.manager_id == me.id):
        return Role.OVERSEER
    return None


async def reader(session: AsyncSession, review_id: str, me: Employee, what: str) -> ReviewDetail:
    """The review, if `me` is one of its two people; 403 for those who see only its facts,
    404 for everyone else (the same as for no review at all)."""
    d = await review_detail(session, review_id)
    who = None if d is None else role_of(me, d)
    if d is None or who is None:
        raise NotFound(f"review {review_id} not found")
    if who is Role.OVERSEER:
        raise Forbidden(
            f"only the employee and the manager holding the review read its {what}; "
            "you see its status, dates and counts at /reviews/{id}",
            rule="privacy",
        )
    return d


def other_side(d: ReviewDetail, me: Employee) -> str:
    r = d.review
    return r.manager_id if me.id == r.employee_id else r.employee_id


# ---- preparation --------------------------------------------------------------------------


def checked_answers(t: Template, body: PreparationIn) -> dict[str, dict[str, Any]]:
    """The answers as the database keeps them, each fitting its item's kind; every problem
    named at once (422)."""
    items = t.items()
    problems: list[str] = []
    out: dict[str, dict[str, Any]] = {}
    for key, a in body.answers.items():
        item = items.get(key)
        if item is None:
            problems.append(f"answers.{key}: the template {t.key} has no such item")
            continue
        problem = _misfit(item.kind, a.value, [o.key for o in item.options])
        if a.needs_follow_up and item.kind != ItemKind.HMS:
            problem = problem or "only a work-environment (HMS) item can need follow-up"
        if a.follow_up and len(a.follow_up) > len(item.follow_up):
            problem = problem or f"this item has {len(item.follow_up)} follow-up questions"
        if problem:
            problems.append(f"answers.{key}: {problem}")
            continue
        out[key] = {"value": a.value, "shared": a.shared}
        if item.kind == ItemKind.HMS:
            out[key]["needs_follow_up"] = a.needs_follow_up
        if a.follow_up:
            out[key]["follow_up"] = list(a.follow_up)
    if problems:
        raise Unprocessable("; ".join(problems), rule="input", problems=problems)
    return out


def _misfit(kind: ItemKind, value: str | int, options: list[str]) -> str | None:
    if kind == ItemKind.SCALE:
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
            return "a scale answer is a whole number from 1 to 10"
        return None
    if kind == ItemKind.CHOICE:
        return None if value in options else f"choose one of {', '.join(options)}"
    return None if isinstance(value, str) else "this item takes text"


def flags_of(t: Template, answers: Mapping[str, Mapping[str, Any]]) -> list[HmsFlag]:
    """The HMS items flagged needs_follow_up, with their categories, in template order."""
    return [
        HmsFlag(key, item.category or "")
        for key, item in t.items().items()
        if item.kind == ItemKind.HMS and answers.get(key, {}).get("needs_follow_up")
    ]


def shared_only(answers: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {k: a for k, a in answers.items() if a.get("shared")}


def flagged_by_both(t: Template, preps: Mapping[str, Preparation]) -> list[HmsFlag]:
    """Every HMS item a submitted preparation flagged, once each."""
    seen: dict[str, HmsFlag] = {}
    for p in preps.values():
        if texts.submitted(p):
            for f in flags_of(t, texts.answers_of(p)):
                seen.setdefault(f.item_key, f)
    return list(seen.values())


# ---- summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedSummary:
    sections: dict[str, str]
    actions: list[NewAction]
    hms: list[HmsResolution]
    answers: list[tuple[str, str, int | None, str | None]]  # key, category, position, reason


def checked_summary(
    t: Template, body: SummaryIn, *, flagged: list[HmsFlag], feedback_allowed: bool
) -> CheckedSummary:
    """A summary that fits the template and answers every flagged HMS item (R7), or a 422
    naming each problem; the same HMS check as the workflow's (review_checks)."""
    by_key = {s.key: s for s in t.sections}
    problems = [
        f"sections.{k}: the template {t.key} has no such section"
        for k in body.sections
        if k not in by_key
    ]
    feedback = t.section(SectionKind.FEEDBACK_TO_MANAGER)
    if feedback and body.sections.get(feedback.key, "").strip() and not feedback_allowed:
        problems.append(
            f"sections.{feedback.key}: the feedback to the manager is in the summary only if "
            "the employee ticked it in their preparation"
        )
    items = t.items()
    answers: list[tuple[str, str, int | None, str | None]] = []
    for n, h in enumerate(body.hms):
        item = items.get(h.item_key)
        if item is None or item.kind != ItemKind.HMS:
            problems.append(f"hms.{n}: {h.item_key!r} is not a work-environment item")
        elif h.action is None and not (h.reason or "").strip():
            problems.append(f"hms.{n}: without an action, say why no action is needed")
        else:
            reason = None if h.action is not None else (h.reason or "").strip()
            answers.append((h.item_key, item.category or "", h.action, reason))
    if problems:
        raise Unprocessable("; ".join(problems), rule="input", problems=problems)
    hms = [HmsResolution(key, position) for key, _, position, _ in answers]
    missing = unresolved_hms(flagged, hms, actions=len(body.actions))  # Refusal: api/errors.py
    if missing:
        raise Unprocessable(unanswered_hms(missing), rule="R7", items=missing)
    actions = [
        NewAction(owner_id=a.owner_id, due=a.due, kind=a.kind, number=a.number)
        for a in body.actions
    ]
    sections = {k: v.strip() for k, v in body.sections.items() if v.strip()}
    if not sections and not actions:
        raise Unprocessable(EMPTY_SUMMARY, rule="R8")
    return CheckedSummary(sections, actions, hms, answers)


def numbers_of(body: SummaryIn, total_after: int) -> list[int]:
    """Each body action's number once the workflow took it: named ones keep theirs, new
    ones follow the existing actions in the order given."""
    new = sum(1 for a in body.actions if a.number is None)
    next_number = total_after - new + 1
    out: list[int] = []
    for a in body.actions:
        if a.number is not None:
            out.append(a.number)
        else:
            out.append(next_number)
            next_number += 1
    return out
