"""Turn read-model rows into response bodies, hiding what the viewer may not read."""

from __future__ import annotations

from datetime import date, datetime

from api.schemas import ActionOut, EmailOut, EmployeeOut, EventOut, MeetingOut, ReviewOut
from store.models import ActionItem, Employee
from store.queries import ReviewDetail
from workflows.calendar import OSLO
from workflows.rules import meeting_warnings


def oslo_today(now: datetime) -> date:
    return now.astimezone(OSLO).date()


def action_out(a: ActionItem, today: date) -> ActionOut:
    return ActionOut(
        review_id=a.review_id,
        number=a.number,
        title=a.title,
        owner_id=a.owner_id,
        manager_id=a.manager_id,
        due=a.due,
        done_at=a.done_at,
        overdue=a.done_at is None and a.due < today,
    )


def can_see(viewer: Employee, review_manager_id: str, review_employee_id: str) -> bool:
    return viewer.is_hr or viewer.id in (review_manager_id, review_employee_id)


def review_out(d: ReviewDetail, viewer: Employee, now: datetime) -> ReviewOut:
    r = d.review
    participant = viewer.id in (r.employee_id, r.manager_id)
    meeting = None
    if r.meeting_start is not None:
        meeting = MeetingOut(
            start=r.meeting_start,
            duration_minutes=r.meeting_duration_minutes or 0,
            location_kind=r.location_kind or "",
            location_text=r.location_text or "",
            sequence=r.meeting_sequence or 0,
            held=r.meeting_held,
            warnings=meeting_warnings(
                r.meeting_start, r.meeting_duration_minutes or 0, d.policy, OSLO
            ),
        )
    today = oslo_today(now)
    return ReviewOut(
        id=r.id,
        cycle_id=r.cycle_id,
        phase=r.phase,
        phase_since=r.phase_since,
        started_at=r.started_at,
        employee=EmployeeOut.model_validate(d.employee),
        manager=EmployeeOut.model_validate(d.manager),
        meeting=meeting,
        employee_prepared=r.employee_prepared,
        manager_prepared=r.manager_prepared,
        summary=r.summary if participant else None,
        signed_off_at=r.signed_off_at,
        ended_at=r.ended_at,
        cancel_reason=r.cancel_reason,
        actions=[action_out(a, today) for a in d.actions],
        timeline=[
            EventOut(at=e.at, kind=e.kind, actor_id=e.actor_id, detail=e.detail) for e in d.events
        ],
        emails=[
            EmailOut(
                kind=m.kind,
                to=m.to_addrs,
                cc=m.cc_addrs,
                subject=m.subject,
                status=m.status,
                attempts=m.attempts,
                last_error=m.last_error,
                sent_at=m.sent_at,
            )
            for m in d.emails
        ],
    )
