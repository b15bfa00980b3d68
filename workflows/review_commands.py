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

from workflows.review_core import TELL_MANAGER_CANCELLED, ReviewCore

with workflow.unsafe.imports_passed_through():
    from workflows import review_checks as check
    from workflows.contracts import (
        Accept,
        Action,
        Cancel,
        ChangeManager,
        CommandResult,
        CompleteAction,
        EmailKind,
        Meeting,
        Phase,
        RecordOutcome,
        ScheduleMeeting,
        SignOff,
        SubmitPreparation,
        SubmitSummary,
    )
    from workflows.reminders import action_context, email


def _impossible(message: str) -> ApplicationError:
    """A handler found what its validator rules out: fail this update only (non-retryable,
    so never the workflow task), as a conflict with the review's state (the API's 409)."""
    return ApplicationError(message, {"rule": "state"}, type="WrongPhase", non_retryable=True)


class ReviewCommands(ReviewCore):
    """Every update of ReviewWorkflow (their names are part of saved histories)."""

    @workflow.update
    async def schedule(self, cmd: ScheduleMeeting) -> CommandResult:
        self._set_meeting(cmd)
        return await self._answer()

    @schedule.validator
    def _check_schedule(self, cmd: ScheduleMeeting) -> None:
        check.refused(lambda: self._meeting_rules(cmd, [Phase.SCHEDULING], "schedule"))

    @workflow.update
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

    @workflow.update
    async def accept(self, cmd: Accept) -> CommandResult:
        self._enter(Phase.PREPARING)
        self._record("accepted", actor=cmd.actor.id)
        return await self._answer()

    @accept.validator
    def _check_accept(self, cmd: Accept) -> None:
        check.refused(lambda: check.accept(self._s, cmd))

    @workflow.update
    async def submit_preparation(self, cmd: SubmitPreparation) -> CommandResult:
        role = "employee" if cmd.actor.id == self._s.employee.id else "manager"
        if role == "employee":
            self._s.employee_prepared = True
        else:
            self._s.manager_prepared = True
        self._record("prepared", actor=cmd.actor.id)
        self._withdraw("prep:", role)  # their preparation reminder, if one is still trying
        return await self._answer()

    @submit_preparation.validator
    def _check_preparation(self, cmd: SubmitPreparation) -> None:
        check.refused(lambda: check.preparation(self._s, cmd))

    @workflow.update
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

    @workflow.update
    async def submit_summary(self, cmd: SubmitSummary) -> CommandResult:
        now = workflow.now()
        self._s.summary, self._s.summary_at = cmd.summary.strip(), now
        self._s.actions = [
            Action(id=i, title=a.title.strip(), owner_id=a.owner_id, due=a.due, created_at=now)
            for i, a in enumerate(cmd.actions, start=1)
        ]
        if self._s.meeting:
            self._s.meeting.held = True
        self._enter(Phase.AWAITING_SIGNOFF)
        self._record(
            "summary_submitted", actor=cmd.actor.id, detail=f"{len(self._s.actions)} agreed actions"
        )
        self._mail("signoff-request", EmailKind.SIGNOFF_REQUEST, cc_manager=False)
        return await self._answer()

    @submit_summary.validator
    def _check_summary(self, cmd: SubmitSummary) -> None:
        check.refused(lambda: check.summary(self._s, cmd, now=workflow.now()))

    @workflow.update
    async def sign_off(self, cmd: SignOff) -> CommandResult:
        self._s.signed_off_at = workflow.now()
        self._record("signed_off", actor=cmd.actor.id)
        self._after_action_change()
        return await self._answer()

    @sign_off.validator
    def _check_signoff(self, cmd: SignOff) -> None:
        check.refused(lambda: check.sign_off(self._s, cmd))

    @workflow.update
    async def complete_action(self, cmd: CompleteAction) -> CommandResult:
        if not 1 <= cmd.action_id <= len(self._s.actions):
            raise _impossible(f"this review has no action {cmd.action_id}")
        action = self._s.actions[cmd.action_id - 1]
        action.done_at = workflow.now()
        self._record(
            "action_completed", actor=cmd.actor.id, detail=action_context(action)["action_title"]
        )
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

    @workflow.update
    async def cancel(self, cmd: Cancel) -> CommandResult:
        had_meeting = self._s.phase in (Phase.INVITED, Phase.PREPARING)
        self._s.cancel_reason = cmd.reason.strip()
        self._enter(Phase.CANCELLED)
        self._record("cancelled", actor=cmd.actor.id, detail=self._s.cancel_reason)
        if had_meeting and self._s.meeting:
            self._mail(f"cancellation:{self._s.meeting.sequence}", EmailKind.CANCELLATION)
        elif cmd.actor.id != self._s.manager.id and workflow.patched(TELL_MANAGER_CANCELLED):
            # No meeting to take out of calendars, but the manager must know (a leaver,
            # a cancelled cycle): they were responsible for holding it.
            self._outbox.append(
                email(self._s, key="cancelled", kind=EmailKind.REVIEW_CANCELLED, to=self._s.manager)
            )
        return await self._answer()

    @cancel.validator
    def _check_cancel(self, cmd: Cancel) -> None:
        check.refused(lambda: check.cancel(self._s, cmd))

    @workflow.update
    async def change_manager(self, cmd: ChangeManager) -> CommandResult:
        """The employee has a new manager: the review moves to them with everything done so
        far; open actions the old manager owned move too. Both are told."""
        old, new = self._s.manager, cmd.new_manager
        self._s.manager = new
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
