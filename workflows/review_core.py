"""What every part of the review workflow shares: its state and the bookkeeping of a change.

A change records a timeline event (which bumps the version), may enter a phase and
may queue an email; the loop in workflows/review.py persists and mails what these
leave behind, and the commands in workflows/review_commands.py answer with them.
"""

# No `from __future__ import annotations`: the sandbox imports this module afresh for
# every run, and the SDK would parse every string annotation of a handler again each time.

import asyncio
from datetime import date
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        PATCHES_OF_2026_12,
        TERMINAL_PHASES,
        CommandResult,
        EmailKind,
        EmailRequest,
        Phase,
        ReviewInput,
        ReviewState,
        TimelineEvent,
    )
    from workflows.reminders import email

# Patches: each changes what a running review does, so histories before it replay the old way.
TELL_HR_UNDELIVERABLE = "tell-hr-undeliverable"
TELL_MANAGER_CANCELLED = "tell-manager-cancelled"
ANSWER_BEFORE_SYNC = "answer-before-sync"
DROP_STALE_EMAILS = "drop-stale-emails"
# The conversation as facts: preparation digests and HMS flags, versioned summaries with
# HMS answers, a correction after sign-off, and the employee's decision (decline closes the
# review as closed_unsigned). Before it a summary was one text and signing was approving.
CONVERSATION_FACTS = "conversation-facts"
# A new manager prepares for themselves: a manager change before the meeting forgets that
# the old manager had submitted (their preparation stays theirs, unread by the new one).
NEW_MANAGER_PREPARES = "new-manager-prepares"
# A change is written to the read model in the workflow task that made it, by a local
# activity, before a command answers: the caller only reads, and no backstop sync, timer or
# second task follows (one task per command, as a bare update). Before it the caller wrote
# the answer and the loop's sync activity wrote it again once the review was quiet.
WRITE_IN_TASK = "write-in-task"
# A declined correction leaves the signed version standing (the review goes back to
# follow_up, not closed_unsigned), and the signed actions' reminders run during a correction.
SIGNED_VERSION_STANDS = "signed-version-stands"
# The read-model write retries to an end, then pauses (workflows/review.py _flush).
SYNC_WITH_AN_END = "sync-with-an-end"
# The backstop sync of answered commands waits for the review to be quiet (SYNC_QUIET).
SYNC_WHEN_QUIET = "sync-when-quiet"
# Review emails go to the email worker's queue, whose limits pace the relay.
EMAIL_QUEUE = "email-task-queue"
# Reminders and notices at the policy's reminder_hour on working days (Oslo), not at the
# clock time of whatever started them; reviews begun before it keep their timing.
REMINDERS_ON_WORKING_DAYS = "reminders-on-working-days"
# The loop keeps one timer for its next wake instead of starting and cancelling one on every
# pass (each pass after a command did).
ONE_TIMER = "one-timer"
# An email queued after the loop ended (HR told that the review's last email was refused)
# is still sent before the review ends; before it that notice was dropped. Not in
# CURRENT_PATCHES: asked with workflow.patched, only where it can matter.
SEND_OUTBOX_AT_END = "send-outbox-at-end"
# Every patch of the review workflow until here is on in a review started after this one: its
# input says so (ReviewInput.patches, set by the kickoff and the re-import) or one marker at
# the start does, instead of a marker and a search-attribute upsert (TemporalChangeVersion) in
# the task where each is first used, a dozen over a review's year and two in the first task of
# each of a kickoff's reviews. A patch added later is not in CURRENT_PATCHES: it is asked with
# workflow.patched itself (or a new set like this one).
ALL_PATCHES_OF_2026_12 = "all-patches-of-2026-12"
CURRENT_PATCHES = frozenset(
    {
        TELL_HR_UNDELIVERABLE,
        TELL_MANAGER_CANCELLED,
        ANSWER_BEFORE_SYNC,
        DROP_STALE_EMAILS,
        CONVERSATION_FACTS,
        NEW_MANAGER_PREPARES,
        SIGNED_VERSION_STANDS,
        WRITE_IN_TASK,
        ONE_TIMER,
        SYNC_WITH_AN_END,
        SYNC_WHEN_QUIET,
        EMAIL_QUEUE,
        REMINDERS_ON_WORKING_DAYS,
    }
)


class ReviewCore:
    """The review's state, its pending timeline events and emails, and how a change is
    recorded. Not a workflow by itself: ReviewWorkflow (workflows/review.py) is."""

    def __init__(self, inp: ReviewInput) -> None:
        # Said by the starter, or else asked first, in the run's first task (a review started
        # before either replays without, asking each patch).
        self._current = inp.patches == PATCHES_OF_2026_12 or workflow.patched(
            ALL_PATCHES_OF_2026_12
        )
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
        self._window_end: date | None = inp.window_end
        self._events: list[TimelineEvent] = []
        self._outbox: list[EmailRequest] = []
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._withdrawn: set[str] = set()  # in-flight sends cancelled as moot
        self._synced = -1
        self._unwritten = -1  # the newest version whose in-task write gave up
        self._record("started")
        if inp.registered:
            # The kickoff already wrote this first row and event (see ReviewInput).
            self._events.clear()
            self._synced = self._s.version

    def _patched(self, patch_id: str) -> bool:
        """workflow.patched, answered without a marker of its own in a current review."""
        return (self._current and patch_id in CURRENT_PATCHES) or workflow.patched(patch_id)

    def _writes_failing(self) -> bool:
        """An in-task write gave up and no write succeeded since (patch write-in-task)."""
        return self._unwritten > self._synced

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

    def _withdraw(self, occasion_prefix: str, role: str) -> None:
        """Cancel in-flight sends that have become moot, e.g. a preparation reminder to
        someone who has just prepared; each is then recorded as dropped."""
        prefix = f"{self._s.review_id}:{occasion_prefix}"
        for key, task in list(self._inflight.items()):
            if key.startswith(prefix) and key.endswith(f":{role}") and key not in self._withdrawn:
                if not self._patched(DROP_STALE_EMAILS):
                    return
                self._withdrawn.add(key)
                task.cancel()

    async def _answer(self) -> CommandResult:
        """An accepted command answers once the loop has written its change to the read
        model in this same workflow task (patch write-in-task): the caller only reads. If
        that write gave up (the database is down), it answers at once with the state and
        the events, for the caller to write, and the loop's sync activity keeps trying.

        Before write-in-task (patch answer-before-sync) it answered at once and the caller
        wrote, the loop's sync following as the backstop; before that it answered once the
        sync activity had run, a second workflow task and an activity on its path."""
        if self._patched(WRITE_IN_TASK):
            # While the writes fail (an in-task write gave up and none succeeded since: the
            # sync activity retries, or the loop pauses for SYNC_PAUSE), answer at once
            # instead of waiting minutes for the next in-task attempt.
            v = self._s.version
            await workflow.wait_condition(lambda: self._synced >= v or self._writes_failing())
            if self._synced >= v:
                return CommandResult(state=self._s, written=True)
            return CommandResult(state=self._s, events=list(self._events))
        if self._patched(ANSWER_BEFORE_SYNC):
            return CommandResult(state=self._s, events=list(self._events))
        v = self._s.version
        await workflow.wait_condition(lambda: self._synced >= v)
        return CommandResult(state=self._s)
