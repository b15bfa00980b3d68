"""The review's commands: one update each, its validator, and what it changes.

A validator refuses what the checks (workflows/review_checks.py) forbid, so a
refused command writes nothing to history. A handler then only changes the state:
it never re-checks, and where it finds something the validator should have made
impossible it fails the update (non-retryable), never the workflow task.
"""

# No `from __future__ import annotations`: the sandbox imports this module afresh for
# every run, and the SDK would parse every string annotation of a handler again each time.

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.review_core import (
    CONVERSATION_FACTS,
    NEW_MANAGER_PREPARES,
    SIGNED_VERSION_STANDS,
    TELL_MANAGER_CANCELLED,
    ReviewCore,
)

with workflow.unsafe.imports_passed_through():
    from workflows import review_checks as check
    from workflows.contracts import (
        Accept,
        Action,
        Cancel,
        ChangeManager,
        CommandResult,
        CompleteAction,
        Decision,
        EmailKind,
        HmsResolution,
        Meeting,
        Phase,
        RecordOutcome,
        ScheduleMeeting,
        SignOff,
        SubmitPreparation,
        SubmitSummary,
    )
    from workflows.definition import update
    from workflows.reminders import email


def _impossible(message: str) -> ApplicationError:
    """A handler found what its validator rules out: fail this update only (non-retryable,
    so never the workflow task), as a conflict with the review's state (the API's 409)."""
    return ApplicationError(message, {"rule": "state"}, type="WrongPhase", non_retryable=True)


class ReviewCommands(ReviewCore):
    """Every update of ReviewWorkflow (their names are part of saved histories)."""

    @update
    async def schedule(self, cmd: ScheduleMeeting) -> CommandResult:
        self._set_meeting(cmd)
        return await self._answer()

    @schedule.validator
    def _check_schedule(self, cmd: ScheduleMeeting) -> None:
        check.refused(lambda: self._meeting_rules(cmd, [Phase.SCHEDULING], "schedule"))

    @update
    async def reschedule(self, cmd: ScheduleMeeting) -> CommandResult:
        self._set_meeting(cmd)
        return await self._answer()

    @reschedule.validator
    def _check_reschedule(self, cmd: ScheduleMeeting) -> None:
        phases = [Phase.INVITED, Phase.PREPARING]
        check.refused(lambda: self._meeting_rules(cmd, phases, "reschedule"))

    def _meeting_rules(self, cmd: ScheduleMeeting, phases: list[Phase], verb: str) -> None:
        check.meeting(
            self._s,
            cmd,
            phases=phases,
            what=f"{verb} the meeting",
            now=workflow.now(),
            window_end=self._window_end,
        )

    def _set_meeting(self, cmd: ScheduleMeeting) -> None:
        previous = self._s.meeting
        seq = 0 if previous is None else previous.sequence + 1
        self._s.meeting = Meeting(
            start=cmd.start,
            duration_minutes=cmd.duration_minutes,
            location_kind=cmd.location_kind,
            location_text=cmd.location_text.strip(),
            sequence=seq,
            set_at=workflow.now(),
        )
        self._enter(Phase.INVITED)
        kind = EmailKind.INVITATION if seq == 0 else EmailKind.RESCHEDULE
        self._record(
            "scheduled" if seq == 0 else "rescheduled",
            actor=cmd.actor.id,
            detail=f"{cmd.start.isoformat()} ({cmd.duration_minutes} min)",
        )
        self._mail(f"invitation:{seq}", kind)

    @update
    async def accept(self, cmd: Accept) -> CommandResult:
        self._enter(Phase.PREPARING)
        self._record("accepted", actor=cmd.actor.id)
        return await self._answer()

    @accept.validator
    def _check_accept(self, cmd: Accept) -> None:
        check.refused(lambda: check.accept(self._s, cmd))

    @update
    async def submit_preparation(self, cmd: SubmitPreparation) -> CommandResult:
        role = "employee" if cmd.actor.id == self._s.employee.id else "manager"
        if role == "employee":
            self._s.employee_prepared = True
        else:
            self._s.manager_prepared = True
        if self._patched(CONVERSATION_FACTS):
            self._prepared_facts(role, cmd)
        self._record("prepared", actor=cmd.actor.id)
        self._withdraw("prep:", role)  # their preparation reminder, if one is still trying
        return await self._answer()

    @submit_preparation.validator
    def _check_preparation(self, cmd: SubmitPreparation) -> None:
        check.refused(lambda: check.preparation(self._s, cmd))

    def _prepared_facts(self, role: str, cmd: SubmitPreparation) -> None:
        """What the workflow knows of a preparation: its digest, and the HMS items it
        flagged for follow-up (an item flagged by both sides counts once)."""
        if role == "employee":
            self._s.employee_prep_digest = cmd.digest
        else:
            self._s.manager_prep_digest = cmd.digest
        known = {f.item_key for f in self._s.flagged}
        for flag in cmd.flagged:
            if flag.item_key not in known:
                self._s.flagged.append(flag)
                known.add(flag.item_key)

    @update
    async def record_outcome(self, cmd: RecordOutcome) -> CommandResult:
        m = self._s.meeting
        if m is None:
            raise _impossible("there is no meeting to record")
        if cmd.held:
            m.held = True
            self._record("held", actor=cmd.actor.id)
        else:
            self._s.scheduling_round += 1
            self._enter(Phase.SCHEDULING)
            self._record("no_show", actor=cmd.actor.id)
            self._mail(f"no-show:{m.sequence}", EmailKind.NO_SHOW)
        return await self._answer()

    @record_outcome.validator
    def _check_outcome(self, cmd: RecordOutcome) -> None:
        check.refused(lambda: check.outcome(self._s, cmd))

    @update
    async def submit_summary(self, cmd: SubmitSummary) -> CommandResult:
        if cmd.version > 0 and self._patched(CONVERSATION_FACTS):
            self._summary_version(cmd)
        else:
            self._summary_text(cmd)
        if self._s.meeting:
            self._s.meeting.held = True
        self._enter(Phase.AWAITING_SIGNOFF)
        n = len(self._s.actions)
        detail = f"{n} agreed actions"
        if cmd.version > 1:
            detail = f"version {cmd.version}: {detail}"
        self._record("summary_submitted", actor=cmd.actor.id, detail=detail)
        key = "signoff-request" if cmd.version <= 1 else f"signoff-request:{cmd.version}"
        self._mail(key, EmailKind.SIGNOFF_REQUEST, cc_manager=False)
        return await self._answer()

    def _summary_text(self, cmd: SubmitSummary) -> None:
        """Before versions: the summary's text and its actions' titles in the state."""
        now = workflow.now()
        self._s.summary, self._s.summary_at = cmd.summary.strip(), now
        self._s.actions = [
            Action(id=i, title=a.title.strip(), owner_id=a.owner_id, due=a.due, created_at=now)
            for i, a in enumerate(cmd.actions, start=1)
        ]

    def _summary_version(self, cmd: SubmitSummary) -> None:
        """A new version of the summary, as facts: an action named by number keeps its
        number (and, once done, stays done); the others are added after the existing
        ones, which a correction never removes. The employee signs the new version again."""
        now, s = workflow.now(), self._s
        numbers: list[int] = []
        for a in cmd.actions:
            if a.number is not None:
                action = s.actions[a.number - 1]
                action.owner_id, action.due, action.kind = a.owner_id, a.due, a.kind
            else:
                action = Action(
                    id=len(s.actions) + 1,
                    title="",
                    owner_id=a.owner_id,
                    due=a.due,
                    created_at=now,
                    kind=a.kind,
                )
                s.actions.append(action)
            numbers.append(action.id)
        s.hms = [
            HmsResolution(r.item_key, None if r.action is None else numbers[r.action - 1])
            for r in cmd.hms
        ]
        s.summary_version, s.summary_digest, s.summary_at = cmd.version, cmd.digest, now
        if s.signed_version and self._patched(SIGNED_VERSION_STANDS):
            s.correcting_signed = True
        s.signed_off_at, s.decision, s.has_comment = None, None, False

    @submit_summary.validator
    def _check_summary(self, cmd: SubmitSummary) -> None:
        check.refused(lambda: check.summary(self._s, cmd, now=workflow.now()))

    @update
    async def sign_off(self, cmd: SignOff) -> CommandResult:
        if self._patched(CONVERSATION_FACTS):
            self._s.decision, self._s.has_comment = cmd.decision, cmd.has_comment
            if cmd.decision is Decision.DECLINE:
                if self._s.signed_version and self._patched(SIGNED_VERSION_STANDS):
                    return await self._correction_declined(cmd)
                self._enter(Phase.CLOSED_UNSIGNED)
                self._record("declined", actor=cmd.actor.id)
                return await self._answer()
            self._s.signed_version = self._s.summary_version
            self._s.correcting_signed = False
            self._s.signed_at = workflow.now()
        self._s.signed_off_at = workflow.now()
        # The detail (the decision, no text) changed for running reviews without a patch:
        # an event's detail is no command, so histories replay the same either way.
        self._record("signed_off", actor=cmd.actor.id, detail=cmd.decision.value)
        self._after_action_change()
        return await self._answer()

    async def _correction_declined(self, cmd: SignOff) -> CommandResult:
        """The employee declines a correction of a summary they signed: the signed version
        stands, and the review goes on with its actions (closing it would undo a signature)."""
        s = self._s
        s.correcting_signed = False
        s.signed_off_at = s.signed_at or s.summary_at
        self._record(
            "declined",
            actor=cmd.actor.id,
            detail=f"version {s.summary_version}; version {s.signed_version} stands",
        )
        self._enter(Phase.FOLLOW_UP)
        self._after_action_change()
        return await self._answer()

    @sign_off.validator
    def _check_signoff(self, cmd: SignOff) -> None:
        check.refused(lambda: check.sign_off(self._s, cmd))

    @update
    async def complete_action(self, cmd: CompleteAction) -> CommandResult:
        if not 1 <= cmd.action_id <= len(self._s.actions):
            raise _impossible(f"this review has no action {cmd.action_id}")
        action = self._s.actions[cmd.action_id - 1]
        action.done_at = workflow.now()
        # The action's number, never its title: the timeline is read by HR too. Changed for
        # running reviews without a patch: an event's detail is no command, so replay holds.
        self._record("action_completed", actor=cmd.actor.id, detail=f"action {action.id}")
        self._after_action_change()
        return await self._answer()

    @complete_action.validator
    def _check_complete(self, cmd: CompleteAction) -> None:
        check.refused(lambda: check.complete_action(self._s, cmd))

    def _after_action_change(self) -> None:
        if self._s.signed_off_at is None:
            return
        if all(a.done_at is not None for a in self._s.actions):
            self._enter(Phase.COMPLETED)
            self._record("completed")
        elif self._s.phase is not Phase.FOLLOW_UP:
            self._enter(Phase.FOLLOW_UP)

    @update
    async def cancel(self, cmd: Cancel) -> CommandResult:
        had_meeting = self._s.phase in (Phase.INVITED, Phase.PREPARING)
        self._s.cancel_reason = cmd.reason.strip()
        self._enter(Phase.CANCELLED)
        self._record("cancelled", actor=cmd.actor.id, detail=self._s.cancel_reason)
        if had_meeting and self._s.meeting:
            self._mail(f"cancellation:{self._s.meeting.sequence}", EmailKind.CANCELLATION)
        elif cmd.actor.id != self._s.manager.id and self._patched(TELL_MANAGER_CANCELLED):
            # No meeting to take out of calendars, but the manager must know (a leaver,
            # a cancelled cycle): they were responsible for holding it.
            self._outbox.append(
                email(self._s, key="cancelled", kind=EmailKind.REVIEW_CANCELLED, to=self._s.manager)
            )
        return await self._answer()

    @cancel.validator
    def _check_cancel(self, cmd: Cancel) -> None:
        check.refused(lambda: check.cancel(self._s, cmd))

    @update
    async def change_manager(self, cmd: ChangeManager) -> CommandResult:
        """The employee has a new manager: the review moves to them with everything done so
        far; open actions the old manager owned move too. Both are told."""
        old, new = self._s.manager, cmd.new_manager
        self._s.manager = new
        before_meeting = self._s.phase in (Phase.SCHEDULING, Phase.INVITED, Phase.PREPARING)
        if before_meeting and self._patched(NEW_MANAGER_PREPARES):
            self._s.manager_prepared, self._s.manager_prep_digest = False, ""
        for action in self._s.actions:
            if action.owner_id == old.id and action.done_at is None:
                action.owner_id = new.id
        self._record("manager_changed", actor=cmd.actor.id, detail=f"{old.id} → {new.id}")
        extra = {"old_manager_name": old.name, "new_manager_name": new.name}
        for role, person in (("old", old), ("new", new)):
            self._outbox.append(
                email(
                    self._s,
                    key=f"manager-changed:{new.id}:{role}",
                    kind=EmailKind.MANAGER_CHANGED,
                    to=person,
                    extra=extra,
                )
            )
        return await self._answer()

    @change_manager.validator
    def _check_change_manager(self, cmd: ChangeManager) -> None:
        check.refused(lambda: check.change_manager(self._s, cmd))
