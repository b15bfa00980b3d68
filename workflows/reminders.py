"""Which emails a review owes, and when: a pure function of its state and policy.

The workflow asks this plan after every change and every timer; whatever is due
and not yet sent goes out, and the earliest future entry sets the next timer.
Each entry's key names its occasion (phase round, meeting sequence, action id,
offset), never a formatted date, so a replayed or rescheduled review never
sends the same reminder twice and a new meeting time earns fresh ones.

When each entry goes out is the `Timing`'s: by default the moment its rule
names (the kickoff's or the command's clock time, any day), which running
reviews keep; on working days, every entry moves onto a working morning.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from workflows.calendar import is_norwegian_holiday
from workflows.contracts import (
    Action,
    EmailKind,
    EmailRequest,
    Person,
    Phase,
    Policy,
    ReviewState,
)
from workflows.rules import HolidayCheck, is_working_day, local_moment


@dataclass(frozen=True)
class Planned:
    at: datetime
    email: EmailRequest


@dataclass(frozen=True)
class Timing:
    """When a planned email goes out. Off (`on_working_days=False`): at the moment its rule
    names. On: on a working day (not a weekend, public holiday or day the calendar policy
    blocks) at the policy's `reminder_hour`, local time. A reminder ahead of an event goes
    on the last working day on or before its date, so it never leaves less time than meant;
    a notice after an event (a deadline passed, days gone by) on the first working morning
    at or after its moment, so it never comes early."""

    policy: Policy
    tz: tzinfo
    on_working_days: bool = False
    is_holiday: HolidayCheck = is_norwegian_holiday

    def ahead(self, at: datetime) -> datetime:
        if not self.on_working_days:
            return at
        day = at.astimezone(self.tz).date()
        while not is_working_day(day, self.policy, self.is_holiday):
            day -= timedelta(days=1)
        return self._morning(day)

    def after(self, at: datetime) -> datetime:
        if not self.on_working_days:
            return at
        day = at.astimezone(self.tz).date()
        while self._morning(day) < at or not is_working_day(day, self.policy, self.is_holiday):
            day += timedelta(days=1)
        return self._morning(day)

    def _morning(self, day: date) -> datetime:
        return local_moment(day, self.policy.reminder_hour, self.tz)


def plan(
    state: ReviewState,
    tz: tzinfo,
    *,
    on_working_days: bool = False,
    is_holiday: HolidayCheck = is_norwegian_holiday,
) -> list[Planned]:
    return useful_until(
        state, _by_phase(state, Timing(state.policy, tz, on_working_days, is_holiday))
    )


def _by_phase(state: ReviewState, when: Timing) -> list[Planned]:
    if state.phase is Phase.SCHEDULING:
        return _scheduling(state, when)
    if state.phase in (Phase.INVITED, Phase.PREPARING):
        return _preparation(state, when)
    if state.phase is Phase.AWAITING_SUMMARY:
        return _summary(state, when)
    if state.phase is Phase.AWAITING_SIGNOFF:
        signed: list[Planned] = []
        if state.correcting_signed:  # the signed actions still come due meanwhile
            signed = [
                p
                for a in state.actions
                if a.done_at is None and state.summary_at and a.created_at < state.summary_at
                for p in _action(state, a, when)
            ]
        return _signoff(state, when) + signed
    if state.phase is Phase.FOLLOW_UP:
        return [p for a in state.actions if a.done_at is None for p in _action(state, a, when)]
    return []


def base_context(state: ReviewState) -> dict[str, str]:
    ctx = {
        "review_id": state.review_id,
        "employee_name": state.employee.name,
        "manager_name": state.manager.name,
        "manager_email": state.manager.email,
    }
    if state.meeting is not None:
        m = state.meeting
        ctx |= {
            "meeting_start": m.start.isoformat(),
            "duration_minutes": str(m.duration_minutes),
            "location_kind": m.location_kind.value,
            "location_text": m.location_text,
            "sequence": str(m.sequence),
        }
    if state.cancel_reason:
        ctx["reason"] = state.cancel_reason
    return ctx


def email(
    state: ReviewState,
    *,
    key: str,
    kind: EmailKind,
    to: Person,
    cc: list[Person] | None = None,
    extra: dict[str, str] | None = None,
) -> EmailRequest:
    return EmailRequest(
        key=f"{state.review_id}:{key}",
        kind=kind,
        review_id=state.review_id,
        to=[to],
        cc=cc or [],
        context=base_context(state) | (extra or {}),
    )


def _scheduling(state: ReviewState, when: Timing) -> list[Planned]:
    r, since, policy = state.scheduling_round, state.phase_since, state.policy
    out = [
        Planned(
            when.after(since + timedelta(days=d)),
            email(
                state,
                key=f"schedule-reminder:{r}:{d}",
                kind=EmailKind.SCHEDULE_REMINDER,
                to=state.manager,
            ),
        )
        for d in policy.schedule_reminder_days
        if d < policy.scheduling_deadline_days
    ]
    deadline = when.after(since + timedelta(days=policy.scheduling_deadline_days))
    out.append(
        Planned(
            deadline,
            email(
                state,
                key=f"escalation:{r}",
                kind=EmailKind.SCHEDULING_ESCALATION,
                to=state.hr,
                cc=[state.manager],
            ),
        )
    )
    return out


def _preparation(state: ReviewState, when: Timing) -> list[Planned]:
    m = state.meeting
    assert m is not None
    out: list[Planned] = []
    pending = [
        (role, person)
        for role, person, done in (
            ("employee", state.employee, state.employee_prepared),
            ("manager", state.manager, state.manager_prepared),
        )
        if not done
    ]
    for d in state.policy.prep_reminder_days:
        at = when.ahead(m.start - timedelta(days=d))
        for role, person in pending:
            out.append(
                Planned(
                    at,
                    email(
                        state,
                        key=f"prep:{m.sequence}:{d}:{role}",
                        kind=EmailKind.PREP_REMINDER,
                        to=person,
                    ),
                )
            )
    if state.policy.day_before_reminder:
        at = when.ahead(m.start - timedelta(days=1))
        for role, person in (("employee", state.employee), ("manager", state.manager)):
            out.append(
                Planned(
                    at,
                    email(
                        state,
                        key=f"day-before:{m.sequence}:{role}",
                        kind=EmailKind.DAY_BEFORE,
                        to=person,
                    ),
                )
            )
    # A reminder that was already due when the meeting was set would arrive as noise.
    return [p for p in out if p.at >= m.set_at]


def _summary(state: ReviewState, when: Timing) -> list[Planned]:
    m = state.meeting
    assert m is not None
    end = m.start + timedelta(minutes=m.duration_minutes)
    at = when.after(end + timedelta(days=state.policy.summary_reminder_days))
    return [
        Planned(
            at,
            email(
                state,
                key=f"summary-reminder:{m.sequence}",
                kind=EmailKind.SUMMARY_REMINDER,
                to=state.manager,
            ),
        )
    ]


def _signoff(state: ReviewState, when: Timing) -> list[Planned]:
    assert state.summary_at is not None
    at = when.after(state.summary_at + timedelta(days=state.policy.signoff_reminder_days))
    v = state.summary_version
    key = "signoff-reminder" if v <= 1 else f"signoff-reminder:{v}"  # a correction's own
    return [Planned(at, email(state, key=key, kind=EmailKind.SIGNOFF_REMINDER, to=state.employee))]


def owner_of(state: ReviewState, action: Action) -> Person:
    return state.employee if action.owner_id == state.employee.id else state.manager


def action_context(action: Action) -> dict[str, str]:
    """Which action and when, never what: an email links to the review, where the owner
    reads the title (emails and their context in the history carry no conversation text)."""
    return {"action_due": action.due.isoformat(), "action_id": str(action.id)}


def _action(state: ReviewState, action: Action, when: Timing) -> list[Planned]:
    policy = state.policy
    owner = owner_of(state, action)
    cc = [] if owner == state.manager else [state.manager]
    extra = action_context(action)
    out: list[Planned] = []
    soon = when.ahead(
        local_moment(
            action.due - timedelta(days=policy.action_reminder_days), policy.reminder_hour, when.tz
        )
    )
    if soon >= action.created_at:
        out.append(
            Planned(
                soon,
                email(
                    state,
                    key=f"action-due:{action.id}",
                    kind=EmailKind.ACTION_DUE_SOON,
                    to=owner,
                    extra=extra,
                ),
            )
        )
    for n in policy.overdue_notice_days:
        at = when.after(local_moment(action.due + timedelta(days=n), policy.reminder_hour, when.tz))
        out.append(
            Planned(
                at,
                email(
                    state,
                    key=f"action-overdue:{action.id}:{n}",
                    kind=EmailKind.ACTION_OVERDUE,
                    to=owner,
                    cc=cc,
                    extra=extra,
                ),
            )
        )
    return out


# Timed reminders that can no longer help once the meeting has begun.
_UNTIL_MEETING = frozenset({EmailKind.DAY_BEFORE, EmailKind.PREP_REMINDER})


def useful_until(state: ReviewState, planned: list[Planned]) -> list[Planned]:
    """The moment after which each planned email is dropped, not sent late: the meeting's
    start for the day-before and preparation reminders; the others stay worth sending
    (a summary or sign-off reminder, an overdue notice, is still news when late)."""
    m = state.meeting
    if m is None:
        return planned
    return [
        Planned(p.at, replace(p.email, useful_until=m.start))
        if p.email.kind in _UNTIL_MEETING
        else p
        for p in planned
    ]
