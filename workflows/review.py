"""ReviewWorkflow: one employee's development conversation, from scheduling to the last action.

Commands arrive as updates whose validators refuse what the rules forbid, so a
refused command writes nothing to history and the API answers at once. Each
accepted command mutates the state, then waits until the read model holds it,
so a client that reads after it writes sees its own change. Emails are sent by
background tasks so that a slow or absent SMTP relay delays mail but never
blocks a command or the read model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

# The pure modules pass through the sandbox: they are deterministic, and the
# contracts' datetime fields must be the real datetime class for the converter.
with workflow.unsafe.imports_passed_through():
    from workflows import rules
    from workflows.calendar import OSLO, is_norwegian_holiday
    from workflows.contracts import (
        TERMINAL_PHASES,
        Accept,
        Action,
        Cancel,
        ChangeManager,
        CommandResult,
        CompleteAction,
        EmailKind,
        EmailOutcome,
        EmailRequest,
        Meeting,
        Phase,
        RecordOutcome,
        ReviewInput,
        ReviewState,
        ReviewSync,
        ScheduleMeeting,
        SignOff,
        SubmitPreparation,
        SubmitSummary,
        TimelineEvent,
    )
    from workflows.reminders import action_context, email, plan

SEND_EMAIL = "send_email"
SYNC_REVIEW = "sync_review"

EMAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=["PermanentEmailFailure"],
)
SYNC_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
MAX_ACTIONS = 20
# Patches: each changes what a running review does, so histories before it replay the old way.
TELL_HR_UNDELIVERABLE = "tell-hr-undeliverable"
TELL_MANAGER_CANCELLED = "tell-manager-cancelled"
ANSWER_BEFORE_SYNC = "answer-before-sync"


def _refuse(check: Callable[[], None]) -> None:
    """Run a rule check in a validator, turning a Refusal into the error the API maps."""
    try:
        check()
    except rules.Refusal as r:
        raise ApplicationError(
            r.message, {"rule": r.rule}, type=r.kind, non_retryable=True
        ) from None


@workflow.defn
class ReviewWorkflow:
    @workflow.init
    def __init__(self, inp: ReviewInput) -> None:
        now = workflow.now()
        self._s = ReviewState(
            review_id=inp.review_id,
            cycle_id=inp.cycle_id,
            employee=inp.employee,
            manager=inp.manager,
            hr=inp.hr,
            policy=inp.policy,
            phase=Phase.SCHEDULING,
            started_at=now,
            phase_since=now,
        )
        self._window_end = inp.window_end
        self._events: list[TimelineEvent] = []
        self._outbox: list[EmailRequest] = []
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._synced = -1
        self._record("started")
        if inp.registered:
            # The kickoff already wrote this first row and event (see ReviewInput).
            self._events.clear()
            self._synced = self._s.version

    # ---- the main loop -------------------------------------------------------------

    @workflow.run
    async def run(self, inp: ReviewInput) -> ReviewState:
        while True:
            self._advance_clock()
            await self._flush()
            self._dispatch_due()
            # Done only when nothing is left to persist or mail: an update that landed
            # during the flush waits for its own flush, which must come before we leave.
            if self._s.phase in TERMINAL_PHASES and not self._outbox and not self._events:
                break
            wake = self._next_wake()
            timeout = None if wake is None else max(wake - workflow.now(), timedelta(seconds=1))
            try:
                # Wake for anything not yet persisted or mailed, not just for changes
                # made while we slept: an update may land during a flush.
                await workflow.wait_condition(
                    lambda: bool(self._events or self._outbox), timeout=timeout
                )
            except TimeoutError:
                pass
        await workflow.wait_condition(lambda: not self._inflight)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._flush()
        return self._s

    def _advance_clock(self) -> None:
        """Time-driven transition: when the meeting starts, the summary is awaited."""
        m = self._s.meeting
        if self._s.phase in (Phase.INVITED, Phase.PREPARING) and m and workflow.now() >= m.start:
            self._enter(Phase.AWAITING_SUMMARY)
            self._record("meeting_time")

    def _next_wake(self) -> datetime | None:
        now = workflow.now()
        times = [p.at for p in plan(self._s, OSLO) if p.at > now and not self._done(p.email.key)]
        m = self._s.meeting
        if self._s.phase in (Phase.INVITED, Phase.PREPARING) and m:
            times.append(m.start)
        return min(times, default=None)

    def _dispatch_due(self) -> None:
        now = workflow.now()
        due = self._outbox + [p.email for p in plan(self._s, OSLO) if p.at <= now]
        self._outbox = []
        for req in due:
            if not self._done(req.key) and req.key not in self._inflight:
                # Temporal's event loop is deterministic, so a task is safe here;
                # keeping it in _inflight also keeps a reference to it.
                self._inflight[req.key] = asyncio.create_task(self._send(req))

    def _done(self, key: str) -> bool:
        return key in self._s.sent_email_keys or key in self._s.failed_email_keys

    async def _send(self, req: EmailRequest) -> None:
        try:
            await workflow.execute_activity(
                SEND_EMAIL,
                req,
                result_type=EmailOutcome,
                start_to_close_timeout=timedelta(minutes=1),
                retry_policy=EMAIL_RETRY,
            )
            self._s.sent_email_keys.append(req.key)
        except ActivityError as err:
            # A permanent refusal (unknown mailbox): retrying cannot help, so it is
            # recorded where HR and the manager see it and the review goes on.
            self._s.failed_email_keys.append(req.key)
            self._record("email_failed", detail=f"{req.kind.value}: {err.cause or err}")
            if workflow.patched(TELL_HR_UNDELIVERABLE):
                self._tell_hr_undeliverable(req, str(err.cause or err))
        finally:
            self._inflight.pop(req.key, None)

    def _tell_hr_undeliverable(self, failed: EmailRequest, error: str) -> None:
        if failed.kind is EmailKind.EMAIL_UNDELIVERABLE or self._s.hr in failed.to:
            return  # HR's own mailbox refused: nobody left to tell by email
        occasion = failed.key.removeprefix(f"{self._s.review_id}:")
        failed_to = ", ".join(p.email for p in failed.to)
        self._outbox.append(
            email(
                self._s,
                key=f"undeliverable:{occasion}",
                kind=EmailKind.EMAIL_UNDELIVERABLE,
                to=self._s.hr,
                extra={"failed_kind": failed.kind.value, "failed_to": failed_to, "error": error},
            )
        )

    async def _flush(self) -> None:
        if self._synced >= self._s.version and not self._events:
            return
        events, version = list(self._events), self._s.version
        await workflow.execute_activity(
            SYNC_REVIEW,
            ReviewSync(state=self._s, events=events),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=SYNC_RETRY,
        )
        del self._events[: len(events)]
        self._synced = max(self._synced, version)

    async def _answer(self) -> CommandResult:
        """An accepted command answers at once with the state and the events not yet in the
        read model; the caller (the API) writes them, and the loop's sync stays the durable,
        version-checked backstop. Before this patch an update returned only once the sync
        activity had run: a second workflow task and an activity on every command's path."""
        if workflow.patched(ANSWER_BEFORE_SYNC):
            return CommandResult(state=self._s, events=list(self._events))
        v = self._s.version
        await workflow.wait_condition(lambda: self._synced >= v)
        return CommandResult(state=self._s)

    # ---- bookkeeping ---------------------------------------------------------------

    def _record(self, kind: str, *, actor: str | None = None, detail: str = "") -> None:
        self._s.version += 1
        self._events.append(
            TimelineEvent(
                seq=self._s.version, at=workflow.now(), kind=kind, actor_id=actor, detail=detail
            )
        )

    def _enter(self, phase: Phase) -> None:
        self._s.phase = phase
        self._s.phase_since = workflow.now()
        if phase in TERMINAL_PHASES:
            self._s.ended_at = workflow.now()

    def _mail(self, key: str, kind: EmailKind, *, cc_manager: bool = True, **extra: Any) -> None:
        to, cc = self._s.employee, [self._s.manager] if cc_manager else []
        self._outbox.append(email(self._s, key=key, kind=kind, to=to, cc=cc, extra=extra))

    # ---- query ---------------------------------------------------------------------

    @workflow.query
    def state(self) -> ReviewState:
        return self._s

    # ---- commands ------------------------------------------------------------------

    @workflow.update
    async def schedule(self, cmd: ScheduleMeeting) -> CommandResult:
        self._set_meeting(cmd)
        return await self._answer()

    @schedule.validator
    def _check_schedule(self, cmd: ScheduleMeeting) -> None:
        _refuse(lambda: self._meeting_rules(cmd, [Phase.SCHEDULING], "schedule the meeting"))

    @workflow.update
    async def reschedule(self, cmd: ScheduleMeeting) -> CommandResult:
        self._set_meeting(cmd)
        return await self._answer()

    @reschedule.validator
    def _check_reschedule(self, cmd: ScheduleMeeting) -> None:
        _refuse(
            lambda: self._meeting_rules(
                cmd, [Phase.INVITED, Phase.PREPARING], "reschedule the meeting"
            )
        )

    def _meeting_rules(self, cmd: ScheduleMeeting, phases: list[Phase], what: str) -> None:
        rules.require_phase(self._s, phases, what)
        rules.require_actor(cmd.actor, [self._s.manager.id], "the employee's manager", what)
        rules.check_meeting(
            start=cmd.start,
            duration_minutes=cmd.duration_minutes,
            location_kind=cmd.location_kind,
            location_text=cmd.location_text,
            now=workflow.now(),
            policy=self._s.policy,
            tz=OSLO,
            is_holiday=is_norwegian_holiday,
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
        def check() -> None:
            rules.require_phase(self._s, [Phase.INVITED], "accept the invitation")
            rules.require_actor(
                cmd.actor, [self._s.employee.id], "the employee", "accept the invitation"
            )

        _refuse(check)

    @workflow.update
    async def submit_preparation(self, cmd: SubmitPreparation) -> CommandResult:
        if cmd.actor.id == self._s.employee.id:
            self._s.employee_prepared = True
        else:
            self._s.manager_prepared = True
        self._record("prepared", actor=cmd.actor.id)
        return await self._answer()

    @submit_preparation.validator
    def _check_preparation(self, cmd: SubmitPreparation) -> None:
        def check() -> None:
            rules.require_phase(self._s, [Phase.INVITED, Phase.PREPARING], "submit preparation")
            rules.require_actor(
                cmd.actor,
                [self._s.employee.id, self._s.manager.id],
                "the employee or their manager",
                "submit preparation",
            )

        _refuse(check)

    @workflow.update
    async def record_outcome(self, cmd: RecordOutcome) -> CommandResult:
        assert self._s.meeting is not None
        if cmd.held:
            self._s.meeting.held = True
            self._record("held", actor=cmd.actor.id)
        else:
            self._s.scheduling_round += 1
            self._enter(Phase.SCHEDULING)
            self._record("no_show", actor=cmd.actor.id)
            self._mail(f"no-show:{self._s.meeting.sequence}", EmailKind.NO_SHOW)
        return await self._answer()

    @record_outcome.validator
    def _check_outcome(self, cmd: RecordOutcome) -> None:
        def check() -> None:
            rules.require_phase(self._s, [Phase.AWAITING_SUMMARY], "record the meeting's outcome")
            rules.require_actor(
                cmd.actor,
                [self._s.manager.id],
                "the employee's manager",
                "record the meeting's outcome",
            )
            if self._s.meeting and self._s.meeting.held:
                raise rules.WrongPhase("phase", "the meeting is already recorded as held")

        _refuse(check)

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
        _refuse(lambda: self._summary_rules(cmd))

    def _summary_rules(self, cmd: SubmitSummary) -> None:
        what = "submit the summary"
        rules.require_phase(self._s, [Phase.AWAITING_SUMMARY], what)
        rules.require_actor(cmd.actor, [self._s.manager.id], "the employee's manager", what)
        if not cmd.summary.strip():
            raise rules.Refusal("R8", "the summary must not be empty")
        if len(cmd.actions) > MAX_ACTIONS:
            raise rules.Refusal("R8", f"agree at most {MAX_ACTIONS} actions in one summary")
        today = workflow.now().astimezone(OSLO).date()
        owners = {self._s.employee.id, self._s.manager.id}
        for n, a in enumerate(cmd.actions, start=1):
            if not a.title.strip():
                raise rules.Refusal("R8", f"action {n} needs a title")
            if a.owner_id not in owners:
                raise rules.Refusal(
                    "R8",
                    f"action {n}: the owner must be the employee or the "
                    f"manager, not {a.owner_id!r}",
                )
            if a.due <= today:
                raise rules.Refusal("R8", f"action {n}: the due date {a.due} must be after today")
            if a.due > today + timedelta(days=400):
                raise rules.Refusal(
                    "R8",
                    f"action {n}: the due date {a.due} is more than a year "
                    "away; agree a nearer step",
                )

    @workflow.update
    async def sign_off(self, cmd: SignOff) -> CommandResult:
        self._s.signed_off_at = workflow.now()
        self._record("signed_off", actor=cmd.actor.id)
        self._after_action_change()
        return await self._answer()

    @sign_off.validator
    def _check_signoff(self, cmd: SignOff) -> None:
        def check() -> None:
            rules.require_phase(self._s, [Phase.AWAITING_SIGNOFF], "sign off the summary")
            rules.require_actor(
                cmd.actor, [self._s.employee.id], "the employee", "sign off the summary"
            )

        _refuse(check)

    @workflow.update
    async def complete_action(self, cmd: CompleteAction) -> CommandResult:
        action = self._s.actions[cmd.action_id - 1]
        action.done_at = workflow.now()
        self._record(
            "action_completed", actor=cmd.actor.id, detail=action_context(action)["action_title"]
        )
        self._after_action_change()
        return await self._answer()

    @complete_action.validator
    def _check_complete(self, cmd: CompleteAction) -> None:
        def check() -> None:
            what = "complete an action"
            rules.require_phase(self._s, [Phase.AWAITING_SIGNOFF, Phase.FOLLOW_UP], what)
            if not 1 <= cmd.action_id <= len(self._s.actions):
                raise rules.Refusal("R8", f"this review has no action {cmd.action_id}")
            action = self._s.actions[cmd.action_id - 1]
            rules.require_actor(
                cmd.actor,
                [action.owner_id, self._s.manager.id],
                "the action's owner or the manager",
                what,
            )
            if action.done_at is not None:
                raise rules.WrongPhase("phase", f"action {cmd.action_id} is already done")

        _refuse(check)

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
        def check() -> None:
            if self._s.phase in TERMINAL_PHASES:
                raise rules.WrongPhase("phase", f"the review is already {self._s.phase.value}")
            if not cmd.actor.is_hr:
                raise rules.WrongActor("actor", "only HR can move a review to another manager")
            if cmd.new_manager.id in (self._s.manager.id, self._s.employee.id):
                raise rules.Refusal("R6", "the new manager must be someone else")

        _refuse(check)

    @cancel.validator
    def _check_cancel(self, cmd: Cancel) -> None:
        def check() -> None:
            if self._s.phase in TERMINAL_PHASES:
                raise rules.WrongPhase("phase", f"the review is already {self._s.phase.value}")
            if not cmd.actor.is_hr:
                rules.require_actor(
                    cmd.actor, [self._s.manager.id], "the manager or HR", "cancel the review"
                )
            if not cmd.reason.strip():
                raise rules.Refusal("reason", "say why the review is cancelled")

        _refuse(check)
