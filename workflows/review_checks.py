"""The review commands' checks: may this actor issue this command, now, in this phase?

Pure functions of the state, the command and the moment (no clock read here), so
they pass through the sandbox with the rules and can be tested without a server.
Each check asks who first and where the review stands second: someone who may not
act on a review learns nothing of its phase (403 before 409). A broken rule raises
`rules.Refusal`; the workflow's validators turn it into the ApplicationError the API
maps (see `refused`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from temporalio.exceptions import ApplicationError

from workflows import rules
from workflows.calendar import OSLO, is_norwegian_holiday
from workflows.contracts import (
    TERMINAL_PHASES,
    Accept,
    Cancel,
    ChangeManager,
    CompleteAction,
    Phase,
    RecordOutcome,
    ReviewState,
    ScheduleMeeting,
    SignOff,
    SubmitPreparation,
    SubmitSummary,
)

MAX_ACTIONS = 20
MAX_ACTION_DAYS = 400


def refused(check: Callable[[], None]) -> None:
    """Run a check in a validator, turning a Refusal into the error the API maps."""
    try:
        check()
    except rules.Refusal as r:
        raise ApplicationError(
            r.message, {"rule": r.rule}, type=r.kind, non_retryable=True
        ) from None


def meeting(
    s: ReviewState,
    cmd: ScheduleMeeting,
    *,
    phases: list[Phase],
    what: str,
    now: datetime,
    window_end: date | None,
) -> None:
    """schedule and reschedule: the manager, in the given phases, a meeting the rules allow."""
    rules.require_actor(cmd.actor, [s.manager.id], "the employee's manager", what)
    rules.require_phase(s, phases, what)
    rules.check_meeting(
        start=cmd.start,
        duration_minutes=cmd.duration_minutes,
        location_kind=cmd.location_kind,
        location_text=cmd.location_text,
        now=now,
        policy=s.policy,
        tz=OSLO,
        is_holiday=is_norwegian_holiday,
        window_end=window_end,
    )


def accept(s: ReviewState, cmd: Accept) -> None:
    rules.require_actor(cmd.actor, [s.employee.id], "the employee", "accept the invitation")
    rules.require_phase(s, [Phase.INVITED], "accept the invitation")


def preparation(s: ReviewState, cmd: SubmitPreparation) -> None:
    what = "submit preparation"
    rules.require_actor(
        cmd.actor, [s.employee.id, s.manager.id], "the employee or their manager", what
    )
    rules.require_phase(s, [Phase.INVITED, Phase.PREPARING], what)


def outcome(s: ReviewState, cmd: RecordOutcome) -> None:
    what = "record the meeting's outcome"
    rules.require_actor(cmd.actor, [s.manager.id], "the employee's manager", what)
    rules.require_phase(s, [Phase.AWAITING_SUMMARY], what)
    if s.meeting is None:
        raise rules.WrongPhase("phase", "there is no meeting to record")
    if s.meeting.held:
        raise rules.WrongPhase("phase", "the meeting is already recorded as held")


def summary(s: ReviewState, cmd: SubmitSummary, *, now: datetime) -> None:
    what = "submit the summary"
    rules.require_actor(cmd.actor, [s.manager.id], "the employee's manager", what)
    rules.require_phase(s, [Phase.AWAITING_SUMMARY], what)
    if not cmd.summary.strip():
        raise rules.Refusal("R8", "the summary must not be empty")
    if len(cmd.actions) > MAX_ACTIONS:
        raise rules.Refusal("R8", f"agree at most {MAX_ACTIONS} actions in one summary")
    today = now.astimezone(OSLO).date()
    owners = {s.employee.id, s.manager.id}
    for n, a in enumerate(cmd.actions, start=1):
        if not a.title.strip():
            raise rules.Refusal("R8", f"action {n} needs a title")
        if a.owner_id not in owners:
            raise rules.Refusal(
                "R8",
                f"action {n}: the owner must be the employee or the manager, not {a.owner_id!r}",
            )
        if a.due <= today:
            raise rules.Refusal("R8", f"action {n}: the due date {a.due} must be after today")
        if a.due > today + timedelta(days=MAX_ACTION_DAYS):
            raise rules.Refusal(
                "R8",
                f"action {n}: the due date {a.due} is more than a year away; agree a nearer step",
            )


def sign_off(s: ReviewState, cmd: SignOff) -> None:
    rules.require_actor(cmd.actor, [s.employee.id], "the employee", "sign off the summary")
    rules.require_phase(s, [Phase.AWAITING_SIGNOFF], "sign off the summary")


def complete_action(s: ReviewState, cmd: CompleteAction) -> None:
    what = "complete an action"
    who = "the action's owner or the manager"
    # Every action's owner is the employee or the manager: anyone else is refused before
    # they learn the phase or which actions exist.
    rules.require_actor(cmd.actor, [s.employee.id, s.manager.id], who, what)
    rules.require_phase(s, [Phase.AWAITING_SIGNOFF, Phase.FOLLOW_UP], what)
    if not 1 <= cmd.action_id <= len(s.actions):
        raise rules.Refusal("R8", f"this review has no action {cmd.action_id}")
    action = s.actions[cmd.action_id - 1]
    rules.require_actor(cmd.actor, [action.owner_id, s.manager.id], who, what)
    if action.done_at is not None:
        raise rules.WrongPhase("phase", f"action {cmd.action_id} is already done")


def cancel(s: ReviewState, cmd: Cancel) -> None:
    if not cmd.actor.is_hr:
        rules.require_actor(cmd.actor, [s.manager.id], "the manager or HR", "cancel the review")
    _require_open(s)
    if not cmd.reason.strip():
        raise rules.Refusal("reason", "say why the review is cancelled")


def change_manager(s: ReviewState, cmd: ChangeManager) -> None:
    if not cmd.actor.is_hr:
        raise rules.WrongActor("actor", "only HR can move a review to another manager")
    _require_open(s)
    if cmd.new_manager.id in (s.manager.id, s.employee.id):
        raise rules.Refusal("R6", "the new manager must be someone else")


def _require_open(s: ReviewState) -> None:
    if s.phase in TERMINAL_PHASES:
        raise rules.WrongPhase("phase", f"the review is already {s.phase.value}")
