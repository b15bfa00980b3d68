"""Cycle kickoff: start one review per employee in scope, then one email per manager.

Reviews are started from this activity, not as child workflows, so no workflow
holds thousands of pending children. It pages through employees in id order,
registers each page's reviews in the read model, starts their workflows with
deterministic ids (a running one is reused, a finished one not restarted), and
heartbeats where it got to: a retry after a killed worker resumes there, and
repeats nothing, since every step is idempotent. Kickoff emails go out while
later pages start, so a kickoff takes about as long as starting its workflows.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.mail.mailer import Heartbeat, Mailer, team_page
from activities.mail.smtp import PermanentSmtpError
from store import cycles as q
from store import emails as log
from store.db import finish_even_if_cancelled
from store.directory import as_person, employees_by_id
from store.models import Employee
from workflows.contracts import (
    PATCHES_OF_2026_12,
    CycleInput,
    EmailKind,
    EmailRequest,
    KickoffResult,
    Person,
    ReviewInput,
)
from workflows.ids import review_workflow_id
from workflows.review import ReviewWorkflow


class KickoffActivities:
    def __init__(
        self,
        *,
        client: Client,
        sessions: async_sessionmaker,
        mailer: Mailer,
        task_queue: str,
        page_size: int = 500,
        concurrent_starts: int = 48,
        concurrent_emails: int = 4,
    ) -> None:
        self._client = client
        self._sessions = sessions
        self._mailer = mailer
        self._task_queue = task_queue
        self._page = page_size
        self._concurrent = concurrent_starts
        self._concurrent_emails = concurrent_emails

    @activity.defn(name="start_cycle_reviews")
    async def start_cycle_reviews(self, cycle: CycleInput) -> KickoffResult:
        """Pages of employees grouped by manager: register, start, and while the next page
        starts, tell the managers whose reports have all started. A manager's email waits
        for their reviews, so its link never finds one missing; any email this leaves
        unsent (a failure, a retry) is sent by send_kickoff_emails after."""
        details = activity.info().heartbeat_details
        # Details of three values (manager, employee, count); anything else starts over.
        after, done = (
            (q.Cursor(str(details[0]), str(details[1])), int(details[2]))
            if len(details) == 3
            else (q.Cursor(), 0)
        )
        now = activity.info().current_attempt_scheduled_time
        gate = asyncio.Semaphore(self._concurrent_emails)
        heartbeat = Heartbeat()
        telling: list[asyncio.Task[int]] = []
        try:
            while True:
                page, ids = await finish_even_if_cancelled(self._register_page(cycle, after, now))
                await self._start_all(cycle, page, ids)
                last = len(page) < self._page
                managers = list(dict.fromkeys(p.manager.id for p in page))
                ready = managers if last else managers[:-1]  # the last may go on
                if ready:
                    telling.append(
                        asyncio.create_task(self._tell(cycle, ready, now, gate, heartbeat))
                    )
                if page:
                    after = q.Cursor(page[-1].manager.id, page[-1].employee.id)
                    done += len(page)
                    heartbeat.beat(after.manager_id, after.employee_id, done)
                if last:
                    return KickoffResult(reviews=done)
        finally:
            # Failures are the sweep's to retry; a stopping worker leaves it to the retry.
            await asyncio.gather(*telling, return_exceptions=True)

    async def _register_page(
        self, cycle: CycleInput, after: q.Cursor, now: datetime
    ) -> tuple[list[q.InScope], list[str]]:
        async with self._sessions.begin() as session:
            page = await q.page_in_scope(
                session,
                scope=cycle.scope,
                employee_ids=cycle.employee_ids,
                after=after,
                limit=self._page,
            )
            # A kickoff retried for a cycle begun under an earlier id scheme finds the
            # reviews it registered then, and starts no second one per employee.
            known = await q.review_ids_of(session, [(cycle.cycle_id, p.employee.id) for p in page])
            ids = [
                known.get((cycle.cycle_id, p.employee.id))
                or review_workflow_id(cycle.cycle_id, p.employee.id)
                for p in page
            ]
            await q.register_reviews(
                session, cycle_id=cycle.cycle_id, review_ids=ids, people=page, now=now
            )
        return page, ids

    async def _start_all(self, cycle: CycleInput, page: list[q.InScope], ids: list[str]) -> None:
        gate = asyncio.Semaphore(self._concurrent)

        async def start(rid: str, p: q.InScope) -> None:
            inp = ReviewInput(
                review_id=rid,
                cycle_id=cycle.cycle_id,
                employee=as_person(p.employee),
                manager=as_person(p.manager),
                hr=cycle.hr,
                policy=cycle.policy,
                window_end=cycle.window_end,
                registered=True,
                patches=PATCHES_OF_2026_12,
            )
            async with gate:
                try:
                    await self._client.start_workflow(
                        ReviewWorkflow.run,
                        inp,
                        id=rid,
                        task_queue=self._task_queue,
                        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    )
                except WorkflowAlreadyStartedError:
                    pass  # it ran and finished: nothing to start again

        await asyncio.gather(*(start(rid, p) for rid, p in zip(ids, page, strict=True)))

    @activity.defn(name="send_kickoff_emails")
    async def send_kickoff_emails(self, cycle: CycleInput) -> KickoffResult:
        """Make sure every manager in the cycle got their one email listing the reviews they
        must schedule (most were sent during start_cycle_reviews); `emails_sent` counts the
        managers told."""
        details = activity.info().heartbeat_details
        after, told = (str(details[0]), int(details[1])) if details else ("", 0)
        now = activity.info().current_attempt_scheduled_time
        gate = asyncio.Semaphore(self._concurrent_emails)
        heartbeat = Heartbeat()
        while True:
            async with self._sessions() as session:
                managers = await q.managers_in_cycle(
                    session, cycle.cycle_id, after=after, limit=self._page
                )
            told += await self._tell(cycle, managers, now, gate, heartbeat)
            if managers:
                after = managers[-1]
                heartbeat.beat(after, told)
            if len(managers) < self._page:
                return KickoffResult(emails_sent=told)

    async def _tell(
        self,
        cycle: CycleInput,
        manager_ids: list[str],
        now: datetime,
        gate: asyncio.Semaphore,
        heartbeat: Heartbeat,
    ) -> int:
        """One email to each of these managers not told yet, side by side on the SMTP pool;
        returns how many have been told, now or before."""
        async with self._sessions() as session:
            reports = await q.reports_in_cycle(session, cycle.cycle_id, manager_ids)
            people = await employees_by_id(session, manager_ids)
            told = await log.sent(session, [kickoff_key(cycle, m) for m in manager_ids])
        to_tell = [
            (people[m], reports[m])
            for m in manager_ids
            if m in people and people[m].active and reports.get(m)
        ]

        async def one(manager: Employee, names: list[str]) -> int:
            if kickoff_key(cycle, manager.id) in told:
                return 1
            async with gate:
                return await self._send(cycle, as_person(manager), names, now, heartbeat)

        return sum(await asyncio.gather(*(one(m, names) for m, names in to_tell)))

    async def _send(
        self,
        cycle: CycleInput,
        manager: Person,
        names: list[str],
        now: datetime,
        heartbeat: Heartbeat,
    ) -> int:
        req = EmailRequest(
            key=kickoff_key(cycle, manager.id),
            kind=EmailKind.KICKOFF,
            review_id="",
            to=[manager],
            context={
                "manager_name": manager.name,
                "cycle": cycle.name,
                "count": str(len(names)),
                "window_end": cycle.window_end.isoformat(),
                "reviews_list": "\n".join(names),
                "link_path": team_page(cycle.cycle_id),
            },
        )
        try:
            outcome = await self._mailer.deliver(req, now, beat=heartbeat.again)
        except PermanentSmtpError:
            return 0  # recorded in the email log; the other managers still get theirs
        return 1 if outcome.status in ("sent", "already_sent") else 0


def kickoff_key(cycle: CycleInput, manager_id: str) -> str:
    return f"kickoff:{cycle.cycle_id}:{manager_id}"
