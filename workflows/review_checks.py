"""The review commands' checks: may this actor issue this command, now, in this phase?

Pure functions of the state, the command and the moment (no clock read here), so
they pass through the sandbox with the rules and can be tested without a server.
Each check asks who first and where the review stands second: someone who may not
act on a review learns nothing of its phase (403 before 409). A broken rule raises
`rules.Refusal`; the workflow's validators turn it into the ApplicationError the API
maps (see `refused`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    Decision,
    HmsFlag,
    HmsResolution,
    NewAction,
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


ALREADY_SUBMITTED = "submitted"  # the rule of refusing a preparation submitted before


def preparation(s: ReviewState, cmd: SubmitPreparation) -> None:
    what = "submit preparation"
    rules.require_actor(
        cmd.actor, [s.employee.id, s.manager.id], "the employee or their manager", what
    )
    rules.require_phase(s, [Phase.INVITED, Phase.PREPARING], what)
    if cmd.digest:  # a frozen preparation (before those, submitting again was harmless)
        done = s.employee_prepared if cmd.actor.id == s.employee.id else s.manager_prepared
        if done:
            raise rules.WrongPhase(ALREADY_SUBMITTED, "your preparation is already submitted")


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
    if cmd.version == 0:  # a summary from before versions: one text, once
        rules.require_phase(s, [Phase.AWAITING_SUMMARY], what)
        if not cmd.summary.strip():
            raise rules.Refusal("R8", "the summary must not be empty")
    else:
        # A signed version is never changed: a correction is the next version, signed again.
        rules.require_phase(s, SUMMARY_PHASES, what)
        if cmd.version != s.summary_version + 1:
            raise rules.WrongPhase(
                "version",
                f"the summary is at version {s.summary_version}; "
                f"this would be version {cmd.version}: reload it and write again",
            )
        if not cmd.digest:
            raise rules.Refusal("R8", "a summary version needs its content's digest")
        if not cmd.written and not cmd.actions:
            raise rules.Refusal("R8", EMPTY_SUMMARY)
    _actions(s, cmd.actions, now=now, titled=cmd.version == 0)
    missing = unresolved_hms(s.flagged, cmd.hms, actions=len(cmd.actions))
    if missing:
        raise rules.Refusal("R7", unanswered_hms(missing))


def unanswered_hms(missing: Sequence[str]) -> str:
    """R7's message, the same from the API's check and the workflow's."""
    return (
        "every HMS item flagged for follow-up needs an agreed action or a reason for no "
        "action: " + ", ".join(missing)
    )


EMPTY_SUMMARY = "the summary must not be empty: write a section or agree an action"
SUMMARY_PHASES = (Phase.AWAITING_SUMMARY, Phase.AWAITING_SIGNOFF, Phase.FOLLOW_UP)


def _actions(s: ReviewState, actions: Sequence[NewAction], *, now: datetime, titled: bool) -> None:
    """Owners are the two people in the review, due dates ahead and within a year; a
    correction may name an action of an earlier version by its number (agreed actions are
    never removed, so all of them count towards the limit)."""
    existing = {a.id: a for a in s.actions}
    numbered = [a.number for a in actions if a.number is not None]
    if len(existing) + len(actions) - len(numbered) > MAX_ACTIONS:
        raise rules.Refusal("R8", f"agree at most {MAX_ACTIONS} actions in one summary")
    today = now.astimezone(OSLO).date()
    owners = {s.employee.id, s.manager.id}
    for n, a in enumerate(actions, start=1):
        if titled and not a.title.strip():
            raise rules.Refusal("R8", f"action {n} needs a title")
        if a.owner_id not in owners:
            raise rules.Refusal(
                "R8",
                f"action {n}: the owner must be the employee or the manager, not {a.owner_id!r}",
            )
        before = None
        if a.number is not None:
            before = existing.get(a.number)
            if before is None:
                raise rules.Refusal("R8", f"action {n}: this review has no action {a.number}")
            if numbered.count(a.number) > 1:
                raise rules.Refusal("R8", f"action {n}: action {a.number} is named twice")
        if before is not None and before.due == a.due:
            continue  # an agreed date stays as it was, even once it has passed
        if a.due <= today:
            raise rules.Refusal("R8", f"action {n}: the due date {a.due} must be after today")
        if a.due > today + timedelta(days=MAX_ACTION_DAYS):
            raise rules.Refusal(
                "R8",
                f"action {n}: the due date {a.due} is more than a year away; agree a nearer step",
            )


def unresolved_hms(
    flagged: Sequence[HmsFlag], hms: Sequence[HmsResolution], *, actions: int
) -> list[str]:
    """The flagged HMS items (by either side's preparation) that the summary leaves without
    an agreed action or a "no action, because ..." (in flag order). An answer naming an
    action this summary does not have, or an item answered twice, is refused outright."""
    answered: set[str] = set()
    for r in hms:
        if r.item_key in answered:
            raise rules.Refusal("R7", f"HMS item {r.item_key!r} is answered twice")
        if r.action is not None and not 1 <= r.action <= actions:
            raise rules.Refusal(
                "R7", f"HMS item {r.item_key!r} names action {r.action}, which is not agreed"
            )
        answered.add(r.item_key)
    return [f.item_key for f in flagged if f.item_key not in answered]


SUMMARY_CHANGED = "the summary changed since you read it: reload it and sign again"


def sign_off(s: ReviewState, cmd: SignOff) -> None:
    rules.require_actor(cmd.actor, [s.employee.id], "the employee", "sign off the summary")
    rules.require_phase(s, [Phase.AWAITING_SIGNOFF], "sign off the summary")
    if cmd.version is not None and (cmd.version, cmd.digest) != (
        s.summary_version,
        s.summary_digest,
    ):
        raise rules.WrongPhase("version", SUMMARY_CHANGED)
    if cmd.decision is not Decision.APPROVE and not cmd.has_comment:
        verb = "sign with disagreement" if cmd.decision is Decision.DISAGREE else "decline"
        raise rules.Refusal("comment", f"to {verb}, write a comment saying why")


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
