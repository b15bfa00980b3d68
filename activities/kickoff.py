"""Cycle kickoff: start one review per employee in scope, then one email per manager.

Reviews are started from this activity, not as child workflows, so no workflow
holds thousands of pending children. It pages through employees in id order,
registers each page's reviews in the read model, starts their workflows with
deterministic ids (a running one is reused, a finished one not restarted), and
heartbeats the last id done: a retry after a killed worker resumes there, and
repeats nothing, since every step is idempotent.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.mail.mailer import Mailer
from activities.mail.smtp import PermanentSmtpError
from store import cycles as q
from store.db import finish_even_if_cancelled
from store.directory import as_person, employees_by_id
from workflows.contracts import (
    CycleInput,
    EmailKind,
    EmailRequest,
    KickoffResult,
    ReviewInput,
)
from workflows.review import ReviewWorkflow


def review_id(cycle_id: str, employee_id: str) -> str:
    return f"review-{cycle_id}-{employee_id}"


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
    ) -> None:
        self._client = client
        self._sessions = sessions
        self._mailer = mailer
        self._task_queue = task_queue
        self._page = page_size
        self._concurrent = concurrent_starts

    @activity.defn(name="start_cycle_reviews")
    async def start_cycle_reviews(self, cycle: CycleInput) -> KickoffResult:
        details = activity.info().heartbeat_details
        after, done = (str(details[0]), int(details[1])) if details else ("", 0)
        now = activity.info().current_attempt_scheduled_time
        async with self._sessions() as session:
            units = await q.units_within(session, cycle.scope) if cycle.scope else None
        while True:
            page, ids = await finish_even_if_cancelled(
                self._register_page(cycle, units, after, now)
            )
            await self._start_all(cycle, page, ids)
            if page:
                after, done = page[-1].employee.id, done + len(page)
                activity.heartbeat(after, done)
            if len(page) < self._page:
                return KickoffResult(reviews=done)

    async def _register_page(
        self, cycle: CycleInput, units: set[str] | None, after: str, now: datetime
    ) -> tuple[list[q.InScope], list[str]]:
        async with self._sessions.begin() as session:
            page = await q.page_in_scope(
                session,
                units=units,
                employee_ids=cycle.employee_ids,
                after=after,
                limit=self._page,
            )
            ids = [review_id(cycle.cycle_id, p.employee.id) for p in page]
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
        """One email per manager listing every review they must schedule, not one per report."""
        details = activity.info().heartbeat_details
        after, sent = (str(details[0]), int(details[1])) if details else ("", 0)
        now = activity.info().current_attempt_scheduled_time
        while True:
            async with self._sessions() as session:
                managers = await q.managers_in_cycle(
                    session, cycle.cycle_id, after=after, limit=self._page
                )
                reports = await q.reports_in_cycle(session, cycle.cycle_id, managers)
                people = await employees_by_id(session, managers)
            for manager_id in managers:
                manager = people.get(manager_id)
                if manager is not None and manager.active and reports.get(manager_id):
                    sent += await self._send(cycle, as_person(manager), reports[manager_id], now)
                activity.heartbeat(manager_id, sent)
            if managers:
                after = managers[-1]
            if len(managers) < self._page:
                return KickoffResult(emails_sent=sent)

    async def _send(self, cycle: CycleInput, manager, names: list[str], now: datetime) -> int:  # type: ignore[no-untyped-def]
        req = EmailRequest(
            key=f"kickoff:{cycle.cycle_id}:{manager.id}",
            kind=EmailKind.KICKOFF,
            review_id="",
            to=[manager],
            context={
                "manager_name": manager.name,
                "cycle": cycle.name,
                "count": str(len(names)),
                "window_end": cycle.window_end.isoformat(),
                "reviews_list": "\n".join(names),
                "link_path": f"/reviews?cycle_id={cycle.cycle_id}",
            },
        )
        try:
            outcome = await self._mailer.deliver(req, now)
        except PermanentSmtpError:
            return 0  # recorded in the email log; the other managers still get theirs
        return 1 if outcome.status == "sent" else 0
