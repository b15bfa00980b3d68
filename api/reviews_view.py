"""Turn read-model rows into response bodies, hiding what the viewer may not read."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from api.conversation_schemas import (
    HmsAnswerOut,
    SummaryActionOut,
    SummaryOut,
    SummaryVersionOut,
)
from api.schemas import (
    ActionCounts,
    ActionOut,
    EmailOut,
    EmployeeOut,
    EventOut,
    MeetingOut,
    ReviewOut,
)
from store.models import ActionItem, Employee, SummaryVersion
from store.queries import ReviewDetail
from workflows.calendar import OSLO
from workflows.contracts import TERMINAL_PHASES
from workflows.rules import meeting_warnings

ENDED = frozenset(p.value for p in TERMINAL_PHASES)


def oslo_today(now: datetime) -> date:
    return now.astimezone(OSLO).date()


# Timeline events whose detail is conversation text in reviews from before versions (an
# action's title): shown to the two people in the review only.
PRIVATE_DETAIL = frozenset({"action_completed"})
# Emails whose subject named an action's title before emails carried no content.
PRIVATE_SUBJECT = frozenset({"action_due_soon", "action_overdue"})


def action_out(
    a: ActionItem, today: date, *, titled: bool = True, ended: bool = False
) -> ActionOut:
    return ActionOut(
        review_id=a.review_id,
        number=a.number,
        title=a.title if titled else None,
        kind=a.kind or "other",
        owner_id=a.owner_id,
        manager_id=a.manager_id,
        due=a.due,
        done_at=a.done_at,
        overdue=not ended and a.done_at is None and a.due < today,
    )


def can_see(viewer: Employee, review_manager_id: str, review_employee_id: str) -> bool:
    return viewer.is_hr or viewer.id in (review_manager_id, review_employee_id)


def can_see_detail(viewer: Employee, d: ReviewDetail) -> bool:
    """The review's facts: its two people, HR, and the manager's manager."""
    r = d.review
    return can_see(viewer, r.manager_id, r.employee_id) or (
        d.manager.manager_id is not None and d.manager.manager_id == viewer.id
    )


def counts(actions: Sequence[ActionItem], today: date, *, ended: bool = False) -> ActionCounts:
    """An ended review's undone actions are never overdue: nobody can complete them."""
    return ActionCounts(
        total=len(actions),
        done=sum(1 for a in actions if a.done_at is not None),
        overdue=0 if ended else sum(1 for a in actions if a.done_at is None and a.due < today),
        by_kind=dict(Counter(a.kind or "other" for a in actions)),
    )


def hms_categories(d: ReviewDetail, participant: bool) -> list[str]:
    """The categories of the HMS items flagged for follow-up. Preparation is blind: to the
    two people in the review a flag is part of the other's preparation, so they see them
    once both have submitted; HR and the manager's manager see them as facts at once."""
    r = d.review
    if participant and not (r.employee_prepared and r.manager_prepared):
        return []
    return [c for c in (r.hms_categories or "").split(",") if c]


def review_out(d: ReviewDetail, viewer: Employee, now: datetime) -> ReviewOut:
    r = d.review
    participant = viewer.id in (r.employee_id, r.manager_id)
    ended = r.phase in ENDED
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
        summary_version=r.summary_version or 0,
        decision=r.decision,
        action_counts=counts(d.actions, today, ended=ended),
        hms_categories=hms_categories(d, participant),
        signed_off_at=r.signed_off_at,
        ended_at=r.ended_at,
        cancel_reason=r.cancel_reason,
        actions=[action_out(a, today, titled=participant, ended=ended) for a in d.actions],
        timeline=[
            EventOut(
                at=e.at,
                kind=e.kind,
                actor_id=e.actor_id,
                detail=e.detail if participant or e.kind not in PRIVATE_DETAIL else "",
            )
            for e in d.events
        ],
        emails=[
            EmailOut(
                kind=m.kind,
                to=m.to_addrs,
                cc=m.cc_addrs,
                subject=m.subject if participant or m.kind not in PRIVATE_SUBJECT else "",
                status=m.status,
                attempts=m.attempts,
                last_error=m.last_error,
                sent_at=m.sent_at,
            )
            for m in d.emails
        ],
    )


def summary_out(d: ReviewDetail, versions: Sequence[SummaryVersion]) -> SummaryOut:
    """Every version as written, with the state of its actions now (done or not)."""
    done = {a.number: a.done_at for a in d.actions}
    signed = [v.version for v in versions if v.decision in ("approve", "disagree")]
    return SummaryOut(
        review_id=d.review.id,
        current_version=d.review.summary_version or 0,
        signed_version=max(signed, default=None),
        versions=[
            SummaryVersionOut(
                version=v.version,
                sections=json.loads(v.sections),
                actions=[
                    SummaryActionOut(**a, done_at=done.get(a["number"]))
                    for a in json.loads(v.actions)
                ],
                hms=[HmsAnswerOut(**h) for h in json.loads(v.hms)],
                created_by=v.created_by,
                created_at=v.created_at,
                decision=v.decision,
                decided_at=v.decided_at,
                comment=v.comment,
                commented_at=v.commented_at,
            )
            for v in versions
        ],
    )
