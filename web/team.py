"""A manager's pages: the team's conversations with what is due, scheduling with a slot
picker, and the team's action board.

The slot picker offers only what `workflows.rules.allowed_slots` says the rules allow
(notice, working hours, holidays and blocked days, length, within the cycle), for the
cycle's own policy; the places offered leave out the manager's office (R3). A time typed
by hand goes to the workflow like any other, and its refusal is shown with the rule's
reason, the form kept as it was (422).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from api.deps import NowDep, SessionDep
from api.errors import NotFound, Unprocessable
from api.reviews_view import action_out, oslo_today
from store.cycles import cycle_policy
from store.directory import get_cycle, reports_of
from store.models import Employee, Review
from store.queries import ActionStatus, ReviewFilter, list_actions, list_reviews, review_detail
from web.conversations import actor, command, layout, new_key
from web.pages import Form, PageRoute, PageUser, flash, render, review_path, see_other
from workflows.calendar import OSLO, is_norwegian_holiday
from workflows.contracts import LocationKind, Policy, ScheduleMeeting
from workflows.review import ReviewWorkflow
from workflows.rules import allowed_slots

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PLACES = [LocationKind.MEETING_ROOM, LocationKind.VIDEO, LocationKind.OFFSITE]
SCHEDULABLE = ("scheduling", "invited", "preparing")
NEXT_STEP = {
    "scheduling": "step_schedule",
    "invited": "step_accept",
    "preparing": "step_prepare",
    "awaiting_summary": "step_summary",
    "awaiting_signoff": "step_signoff",
    "follow_up": "step_actions",
}
SLOT_DAYS = 8
LISTED = 200


@router.get("/team")
async def team(
    request: Request, session: SessionDep, me: PageUser, cycle_id: str | None = None
) -> Response:
    """The team's conversations; with `cycle_id` (the kickoff email's link), that cycle's."""
    rows, total = await list_reviews(
        session, ReviewFilter(manager_id=me.id, cycle_id=cycle_id or None), limit=LISTED, offset=0
    )
    rows.sort(key=lambda row: (row[0].ended_at is not None, row[1]))
    context = {
        "rows": rows,
        "total": total,
        "next_step": NEXT_STEP,
        "schedule_by": await _schedule_by(session, [r for r, _ in rows]),
        "cycle_id": cycle_id,
        **await layout(session, me),
    }
    return render(request, "team.html", context, me=me)


async def _schedule_by(session: AsyncSession, reviews: list[Review]) -> dict[str, date]:
    """When each unscheduled review should be scheduled by: the cycle policy's deadline
    from the day it began waiting (the same cut-off HR's slipping list counts from)."""
    policies: dict[str, Policy] = {}
    out = {}
    for r in reviews:
        if r.phase != "scheduling":
            continue
        if r.cycle_id not in policies:
            cycle = await get_cycle(session, r.cycle_id)
            policies[r.cycle_id] = cycle_policy(cycle) if cycle else Policy()
        days = policies[r.cycle_id].scheduling_deadline_days
        out[r.id] = oslo_today(r.phase_since) + timedelta(days=days)
    return out


@router.get("/team/actions")
async def board(request: Request, session: SessionDep, me: PageUser, now: NowDep) -> Response:
    """The team's actions: overdue, open (not yet due) and done."""
    today = oslo_today(now)
    columns = {}
    for status in (ActionStatus.OVERDUE, ActionStatus.OPEN, ActionStatus.DONE):
        rows, _ = await list_actions(
            session, today=today, status=status, manager_id=me.id, limit=LISTED, offset=0
        )
        items = [action_out(a, today) for a in rows]
        if status is ActionStatus.OPEN:
            items = [a for a in items if not a.overdue]  # overdue has its own column
        columns[status.value] = items
    reviews, _ = await list_reviews(session, ReviewFilter(manager_id=me.id), limit=LISTED, offset=0)
    people = {e.id: e.name for e in await reports_of(session, me.id)} | {me.id: me.name}
    completable = {(a.review_id, a.number) for a in columns["overdue"] + columns["open"]}
    context = {
        "columns": columns,
        "names": {r.id: name for r, name in reviews},
        "owners": people,
        "completable": completable,
        "key": new_key(),
        **await layout(session, me),
    }
    return render(request, "board.html", context, me=me)


@dataclass(frozen=True)
class Scheduling:
    """What the schedule page needs about a review: who, where it stands, its rules."""

    review_id: str
    employee_name: str
    phase: str
    meeting_start: datetime | None
    policy: Policy
    window_end: date | None


async def _scheduling(session: AsyncSession, me: Employee, review_id: str) -> Scheduling:
    detail = await review_detail(session, review_id)
    if detail is None or me.id != detail.review.manager_id:
        # Only the review's manager schedules: anyone else learns nothing of it (404).
        raise NotFound(f"review {review_id} not found")
    cycle = await get_cycle(session, detail.review.cycle_id)
    r = detail.review
    return Scheduling(
        r.id,
        detail.employee.name,
        r.phase,
        r.meeting_start,
        detail.policy,
        cycle.window_end if cycle else None,
    )


def _durations(policy: Policy) -> list[int]:
    options = [
        m for m in (60, 90, 120) if policy.min_duration_minutes <= m <= policy.max_duration_minutes
    ]
    return options or [policy.min_duration_minutes]


def _slot_days(s: Scheduling, now: datetime, duration: int) -> list[tuple[date, list[datetime]]]:
    slots = allowed_slots(
        now=now,
        duration_minutes=duration,
        policy=s.policy,
        tz=OSLO,
        is_holiday=is_norwegian_holiday,
        window_end=s.window_end,
        days=SLOT_DAYS,
    )
    return [
        (d, list(group)) for d, group in groupby(slots, key=lambda m: m.astimezone(OSLO).date())
    ]


def _page(
    request: Request,
    me: Employee,
    s: Scheduling,
    now: datetime,
    values: dict[str, Any],
    extra: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    duration = int(values.get("duration") or _durations(s.policy)[0])
    context = {
        "s": s,
        "days": _slot_days(s, now, duration),
        "durations": _durations(s.policy),
        "duration": duration,
        "places": [p.value for p in PLACES],
        "values": values,
        "errors": errors or {},
        "error_title": bool(errors),
        "key": values.get("idempotency_key") or new_key(),
        **extra,
    }
    return render(request, "schedule.html", context, status=status, me=me)


@router.get("/conversations/{review_id}/schedule")
async def schedule_form(
    request: Request,
    review_id: str,
    session: SessionDep,
    me: PageUser,
    now: NowDep,
    duration: int | None = None,
) -> Response:
    s = await _scheduling(session, me, review_id)
    values: dict[str, Any] = {"duration": duration if duration in _durations(s.policy) else None}
    return _page(request, me, s, now, values, await layout(session, me))


class FormProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


def _start(form: FormData) -> datetime:
    slot, typed_day, typed_clock = (
        str(form.get(k) or "").strip() for k in ("slot", "date", "clock")
    )
    if typed_day or typed_clock:
        try:
            d = date.fromisoformat(typed_day)
        except ValueError:
            raise FormProblem("date", "write the date as YYYY-MM-DD, e.g. 2027-03-02") from None
        try:
            t = time.fromisoformat(typed_clock)
        except ValueError:
            raise FormProblem("clock", "write the time as HH:MM, e.g. 10:00") from None
        return datetime.combine(d, t, tzinfo=OSLO)
    if not slot:
        raise FormProblem("slot", "choose one of the times, or type another")
    try:
        start = datetime.fromisoformat(slot)
    except ValueError:
        raise FormProblem("slot", "choose one of the times, or type another") from None
    if start.tzinfo is None:
        raise FormProblem("slot", "choose one of the times, or type another")
    return start


def _meeting(me: Employee, form: FormData, durations: list[int]) -> ScheduleMeeting:
    start = _start(form)
    try:
        duration = int(str(form.get("duration") or ""))
    except ValueError:
        raise FormProblem("duration", "choose how long the meeting lasts") from None
    kind = str(form.get("location_kind") or "")
    try:
        location = LocationKind(kind)
    except ValueError:
        raise FormProblem("location_kind", "choose where the meeting is") from None
    text = str(form.get("location_text") or "").strip()
    if len(text) > 500:
        raise FormProblem("location_text", "say where in at most 500 characters")
    return ScheduleMeeting(
        actor=actor(me),
        start=start,
        duration_minutes=duration,
        location_kind=location,
        location_text=text,
    )


@router.post("/conversations/{review_id}/schedule")
async def schedule(
    request: Request, review_id: str, form: Form, session: SessionDep, me: PageUser, now: NowDep
) -> Response:
    s = await _scheduling(session, me, review_id)
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    extra = await layout(session, me)
    try:
        meeting = _meeting(me, form, _durations(s.policy))
        update = ReviewWorkflow.schedule if s.phase == "scheduling" else ReviewWorkflow.reschedule
        await command(request, session, me, now, form, review_id, update, meeting)
    except FormProblem as e:
        return _page(request, me, s, now, values, extra, errors={e.field: e.message}, status=422)
    except Unprocessable as e:
        typed = bool(str(form.get("date") or "").strip() or str(form.get("clock") or "").strip())
        field = "date" if typed else "slot"
        if e.rule == "R3":
            field = (
                "location_kind"
                if form.get("location_kind") == "manager_office"
                else "location_text"
            )
        message = f"{e.message} ({e.rule})" if e.rule else e.message
        return _page(request, me, s, now, values, extra, errors={field: message}, status=422)
    flash(request, "saved")
    return see_other(review_path(review_id))
