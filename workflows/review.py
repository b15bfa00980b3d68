"""ReviewWorkflow: one employee's development conversation, from scheduling to the last action.

Commands arrive as updates (workflows/review_commands.py) whose validators refuse
what the checks (workflows/review_checks.py) forbid, so a refused command writes
nothing to history and the API answers at once. This module is the loop: it moves
the review on when the meeting time comes, persists each change to the read model
(the durable backstop of the answer the caller writes) and sends the emails the
reminder plan says are due. Emails are sent by background tasks so that a slow or
absent SMTP relay delays mail but never blocks a command or the read model.

The workflow's name, its updates' names and its activities' are part of every saved
history: they stay, however the code is arranged.
"""

# No `from __future__ import annotations`: the sandbox imports this module afresh for
# every run, and the SDK would parse every string annotation of a handler again each time.

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

from workflows.review_commands import ReviewCommands
from workflows.review_core import (
    ANSWER_BEFORE_SYNC,
    DROP_STALE_EMAILS,
    EMAIL_QUEUE,
    ONE_TIMER,
    REMINDERS_ON_WORKING_DAYS,
    SEND_OUTBOX_AT_END,
    SYNC_WHEN_QUIET,
    SYNC_WITH_AN_END,
    TELL_HR_UNDELIVERABLE,
    TELL_MANAGER_CANCELLED,
    WRITE_IN_TASK,
)

# The pure modules pass through the sandbox: they are deterministic, and the
# contracts' datetime fields must be the real datetime class for the converter.
with workflow.unsafe.imports_passed_through():
    from workflows.calendar import OSLO
    from workflows.contracts import (
        TERMINAL_PHASES,
        CommandResult,
        EmailKind,
        EmailRequest,
        Phase,
        ReviewInput,
        ReviewState,
        ReviewSync,
    )
    from workflows.definition import defn
    from workflows.ids import email_task_queue
    from workflows.reminders import Planned, email, plan

__all__ = [
    "DROP_STALE_EMAILS",
    "ANSWER_BEFORE_SYNC",
    "TELL_HR_UNDELIVERABLE",
    "TELL_MANAGER_CANCELLED",
    "WRITE_IN_TASK",
    "ReviewWorkflow",
]

PERMANENT_EMAIL_FAILURE = "PermanentEmailFailure"  # see activities/email.py
# The activities by name (activities/email.py, activities/readmodel.py; the names are in
# every saved history): importing their classes here would import their modules into
# every run's sandbox too.
SEND_EMAIL = "send_email"
SYNC_REVIEW = "sync_review"
EMAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=[PERMANENT_EMAIL_FAILURE],
)
# Before the patch sync-with-an-end the read-model write retried without end.
SYNC_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
# About three minutes of attempts (1, 2, 4 ... 60 s), then a pause, then again.
SYNC_RETRY_BOUNDED = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=8,
)
SYNC_PAUSE = timedelta(minutes=15)
# The in-task write (patch write-in-task): a local activity, so its input (the whole state)
# stays out of the history and no second task follows. A few quick attempts, then the sync
# activity above takes over and the command's caller is answered with the change to write.
IN_TASK_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), backoff_coefficient=2.0, maximum_attempts=3
)
IN_TASK_ATTEMPT = timedelta(seconds=10)  # SQLite's lock wait, PostgreSQL's statement timeout
IN_TASK_DEADLINE = timedelta(seconds=15)
# The backstop sync of changes the API has already written from a command's answer waits
# until the review has been quiet for SYNC_QUIET (never longer than SYNC_LAG_MAX after the
# first such answer): one write for a burst of commands (patch sync-when-quiet).
SYNC_QUIET = timedelta(seconds=5)
SYNC_LAG_MAX = timedelta(seconds=30)


@defn
class ReviewWorkflow(ReviewCommands):
    @workflow.init
    def __init__(self, inp: ReviewInput) -> None:
        super().__init__(inp)
        self._sync_after: datetime | None = None  # a read-model write gave up: not before
        self._answered: _Answered | None = None  # answers not yet written by the backstop
        self._quiet_until: datetime | None = None  # the backstop waits for quiet until then
        self._quiet_since: datetime | None = None  # ... counted from the answer at this time
        self._timer: asyncio.Task[None] | None = None  # the loop's next wake (patch one-timer)
        self._timer_at: datetime | None = None

    # ---- the main loop -------------------------------------------------------------

    @workflow.run
    async def run(self, inp: ReviewInput) -> ReviewState:
        while True:
            self._advance_clock()
            await self._flush()
            # One plan per pass: nothing the plan reads changes between the two uses.
            planned = self._plan()
            self._dispatch_due(planned)
            # Done only when nothing is left to persist or mail: an update that landed
            # during the flush waits for its own flush, which must come before we leave.
            if self._s.phase in TERMINAL_PHASES and not self._outbox and not self._events:
                break
            # Wake for anything not yet persisted or mailed, not just for changes made
            # while we slept: an update may land during a flush.
            if self._patched(ONE_TIMER):
                self._arm(self._next_wake(planned))
                await workflow.wait_condition(self._woken)
                continue
            wake = self._next_wake(planned)
            timeout = None if wake is None else max(wake - workflow.now(), timedelta(seconds=1))
            try:
                await workflow.wait_condition(self._work_waiting, timeout=timeout)
            except TimeoutError:
                pass
        if self._timer is not None:
            self._timer.cancel()
        await workflow.wait_condition(lambda: not self._inflight)
        # A send that failed just now may have queued HR's notice of it (the last email of
        # the review was refused): send it, and wait for that too, before the review ends.
        while self._outbox and self._patched(SEND_OUTBOX_AT_END):
            self._dispatch_due([])
            await workflow.wait_condition(lambda: not self._inflight)
        await workflow.wait_condition(workflow.all_handlers_finished)
        while not await self._flush(final=True):
            await workflow.sleep(max(self._sync_wait(), timedelta(seconds=1)))
        return self._s

    def _arm(self, wake: datetime | None) -> None:
        """One timer for the next wake, kept across wakes (patch one-timer): a new one only
        for an earlier time. A later or no next wake keeps the running timer, which then
        fires early and the loop looks again: one task then, instead of a cancelled and a
        started timer on every command."""
        if self._timer is not None and self._timer.done():
            self._timer = self._timer_at = None
        if wake is None or (self._timer_at is not None and self._timer_at <= wake):
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max(wake - workflow.now(), timedelta(seconds=1))
        self._timer_at = workflow.now() + delay
        self._timer = asyncio.create_task(workflow.sleep(delay))

    def _woken(self) -> bool:
        return self._work_waiting() or (self._timer is not None and self._timer.done())

    def _work_waiting(self) -> bool:
        """Something to mail, or to persist unless a write gave up and pauses or the
        backstop waits for the review to be quiet (an ending review persists at once)."""
        if self._outbox:
            return True
        if not self._events or self._sync_after is not None:
            return False
        answered = self._answered
        if self._quiet_until is None or self._s.phase in TERMINAL_PHASES or answered is None:
            return True
        if self._s.version > answered.version:
            return True  # a change the loop made itself (an email failed): written at once
        # A command answered since the wait began: its timer starts afresh in this task.
        return answered.last_at != self._quiet_since

    async def _answer(self) -> CommandResult:
        answer = await super()._answer()
        if not answer.written and self._patched(ANSWER_BEFORE_SYNC):  # the caller writes it
            now, first = workflow.now(), self._answered
            self._answered = _Answered(self._s.version, first.first_at if first else now, now)
        return answer

    def _sync_wait(self) -> timedelta:
        return timedelta(0) if self._sync_after is None else self._sync_after - workflow.now()

    def _advance_clock(self) -> None:
        """Time-driven transition: when the meeting starts, the summary is awaited."""
        m = self._s.meeting
        if self._s.phase in (Phase.INVITED, Phase.PREPARING) and m and workflow.now() >= m.start:
            self._enter(Phase.AWAITING_SUMMARY)
            self._record("meeting_time")

    def _next_wake(self, planned: list[Planned]) -> datetime | None:
        now = workflow.now()
        times = [p.at for p in planned if p.at > now and not self._done(p.email.key)]
        m = self._s.meeting
        if self._s.phase in (Phase.INVITED, Phase.PREPARING) and m:
            times.append(m.start)
        for t in (self._sync_after, self._quiet_until):
            if t is not None:
                times.append(t)
        return min(times, default=None)

    def _dispatch_due(self, planned: list[Planned]) -> None:
        now = workflow.now()
        due = self._outbox + [p.email for p in planned if p.at <= now]
        self._outbox = []
        for req in due:
            if self._done(req.key) or req.key in self._inflight:
                continue
            if self._stale(req) and self._patched(DROP_STALE_EMAILS):
                self._dropped(req)
                continue
            # Temporal's event loop is deterministic, so a task is safe here;
            # keeping it in _inflight also keeps a reference to it.
            self._inflight[req.key] = asyncio.create_task(self._send(req))

    def _done(self, key: str) -> bool:
        s = self._s
        return key in s.sent_email_keys or key in s.failed_email_keys or key in s.dropped_email_keys

    def _stale(self, req: EmailRequest) -> bool:
        return req.useful_until is not None and workflow.now() >= req.useful_until

    def _send_deadline(self, req: EmailRequest) -> timedelta | None:
        """A timed email's attempts stop at its useful_until (then it is dropped)."""
        if req.useful_until is None or not self._patched(DROP_STALE_EMAILS):
            return None
        return max(req.useful_until - workflow.now(), timedelta(seconds=1))

    async def _send(self, req: EmailRequest) -> None:
        deadline = self._send_deadline(req)
        queue = workflow.info().task_queue
        if self._patched(EMAIL_QUEUE):
            # Sent by the email worker, whose limits pace the relay: a send waits for its
            # turn in the queue, not inside its one-minute attempt.
            queue = email_task_queue(queue)
        try:
            await workflow.execute_activity(
                SEND_EMAIL,
                req,
                task_queue=queue,
                start_to_close_timeout=timedelta(minutes=1),
                schedule_to_close_timeout=deadline,
                retry_policy=EMAIL_RETRY,
            )
            self._s.sent_email_keys.append(req.key)
        except asyncio.CancelledError:
            self._dropped(req)  # withdrawn while in flight (see ReviewCore._withdraw)
        except ActivityError as err:
            if req.key in self._withdrawn or (deadline is not None and not _refused(err)):
                # Out of time, not refused: the server ends the retries at the deadline
                # (or when the next attempt would pass it), so this one can no longer help.
                self._dropped(req)
                return
            # A permanent refusal (unknown mailbox): retrying cannot help, so it is
            # recorded where HR and the manager see it and the review goes on.
            self._s.failed_email_keys.append(req.key)
            self._record("email_failed", detail=f"{req.kind.value}: {err.cause or err}")
            if self._patched(TELL_HR_UNDELIVERABLE):
                self._tell_hr_undeliverable(req, str(err.cause or err))
        finally:
            self._inflight.pop(req.key, None)

    def _dropped(self, req: EmailRequest) -> None:
        """Never sent and never retried; the timeline says which kind (never its text)."""
        self._s.dropped_email_keys.append(req.key)
        self._record("email_dropped", detail=req.kind.value)

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

    async def _flush(self, *, final: bool = False) -> bool:
        """Write the state and new events to the read model; False if that gave up for now.

        The write retries with backoff, to an end: a review whose read model cannot be
        written (the database down for hours) says so in the log and in its state
        (`sync_failures`, and a "sync_failed" event that reaches the timeline once a write
        succeeds), pauses, and tries again; nothing it holds is lost meanwhile.

        Changes that only commands made, whose answers the API writes, wait for the
        review to be quiet (see _wait_for_quiet): True then, as nothing is owed yet."""
        if self._synced >= self._s.version and not self._events:
            return True
        if self._sync_after is not None and workflow.now() < self._sync_after:
            return False
        self._sync_after = None
        if not final and self._wait_for_quiet():
            return True
        events, version = list(self._events), self._s.version
        sync = ReviewSync(state=self._s, events=events)
        if self._patched(WRITE_IN_TASK) and await self._write_in_task(sync, version):
            self._written(len(events), version)
            return True
        bounded = self._patched(SYNC_WITH_AN_END)
        retry = SYNC_RETRY_BOUNDED if bounded else SYNC_RETRY
        try:
            await workflow.execute_activity(
                SYNC_REVIEW,
                sync,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=retry,
            )
        except ActivityError as err:
            if not bounded:
                raise
            self._sync_gave_up(err)
            return False
        self._written(len(events), version)
        return True

    async def _write_in_task(self, sync: ReviewSync, version: int) -> bool:
        """The write as a local activity, in the task that made the change; False if it
        gave up, which lets the commands waiting for it answer with the change to write."""
        try:
            await workflow.execute_local_activity(
                SYNC_REVIEW,
                sync,
                start_to_close_timeout=IN_TASK_ATTEMPT,
                schedule_to_close_timeout=IN_TASK_DEADLINE,
                retry_policy=IN_TASK_RETRY,
            )
        except FailureError as err:
            # A local activity's failure comes as it is (an ApplicationError, not wrapped in
            # an ActivityError), its deadline as a timeout, a cancel as a cancellation: any
            # of them means the row was not written, never that the review has failed.
            # The version sent, not sync.state.version: that is the live state, which a
            # command landing during the attempts has moved on.
            self._unwritten = version
            workflow.logger.warning(
                "review %s: the in-task write gave up (%s); the sync activity follows",
                self._s.review_id,
                err.cause or err,
            )
            return False
        return True

    def _written(self, n_events: int, version: int) -> None:
        del self._events[:n_events]
        self._synced = max(self._synced, version)
        if self._answered is not None and self._answered.version <= self._synced:
            self._answered = None

    def _wait_for_quiet(self) -> bool:
        """True if the backstop sync may wait: every change not yet synced was answered to
        a caller that writes it (patch answer-before-sync), the review is not ending, and
        it has been quiet for less than SYNC_QUIET (and SYNC_LAG_MAX has not passed since
        the first of those answers). A change the loop made itself (the meeting's time, an
        email that failed or was dropped, a sync that gave up) is written at once.

        Waiting loses nothing: the changes are in the workflow's state, and the write,
        version-checked like the API's, follows on a durable timer. A caller whose own
        write failed (its database went away, its process died) gets the read model from
        it a few seconds late, instead of every command paying for a second workflow task
        and an activity on its path (patch sync-when-quiet)."""
        self._quiet_until = None
        answered = self._answered
        if answered is None or not self._only_answered():
            return False
        if self._s.phase in TERMINAL_PHASES or not self._patched(SYNC_WHEN_QUIET):
            return False
        until = min(answered.last_at + SYNC_QUIET, answered.first_at + SYNC_LAG_MAX)
        if workflow.now() >= until:
            return False
        self._quiet_until, self._quiet_since = until, answered.last_at
        return True

    def _only_answered(self) -> bool:
        """Every change not yet synced was answered to a caller that writes it itself."""
        return self._answered is not None and self._s.version <= self._answered.version

    def _sync_gave_up(self, err: ActivityError) -> None:
        self._s.sync_failures += 1
        self._sync_after = workflow.now() + SYNC_PAUSE
        workflow.logger.warning(
            "review %s: the read model could not be written (%s); trying again at %s",
            self._s.review_id,
            err.cause or err,
            self._sync_after.isoformat(),
        )
        self._record("sync_failed", detail=f"attempt {self._s.sync_failures} gave up")

    def _plan(self) -> list[Planned]:
        """The emails this review owes and when: the one place the loop asks the plan."""
        return plan(self._s, OSLO, on_working_days=self._patched(REMINDERS_ON_WORKING_DAYS))

    @workflow.query
    def state(self) -> ReviewState:
        return self._s


class _Answered:
    """Commands answered (to a caller that writes the answer) since the last backstop sync:
    the newest version answered, and when the first and the last answer went out.

    A plain class, not a dataclass: this module is imported afresh for every run, and a
    dataclass generates its methods with exec at each import (a sixth of building a run)."""

    __slots__ = ("version", "first_at", "last_at")

    def __init__(self, version: int, first_at: datetime, last_at: datetime) -> None:
        self.version, self.first_at, self.last_at = version, first_at, last_at


def _refused(err: ActivityError) -> bool:
    """The relay refused for good (an unknown mailbox): failed, not out of time."""
    cause = err.cause
    return isinstance(cause, ApplicationError) and cause.type == PERMANENT_EMAIL_FAILURE
