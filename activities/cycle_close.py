"""A running cycle's HR side: the weekly digest of what is slipping, and closing it (final
figures at the window's end; when HR cancels, every open review is cancelled first)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from activities.mail.mailer import Mailer, cycle_page
from activities.mail.smtp import PermanentSmtpError
from activities.org_changes import nothing_to_do
from store.cycles import cycle_policy
from store.models import Cycle, Review
from store.progress import funnel, slipping_by_manager
from store.readmodel import write_answer
from workflows.calendar import OSLO
from workflows.contracts import (
    TERMINAL_PHASES,
    Actor,
    Cancel,
    CycleEnd,
    EmailKind,
    EmailRequest,
    HrDigestRun,
    Phase,
)
from workflows.review import ReviewWorkflow

PAGE = 500
CONCURRENT = 32
OPEN = tuple(p.value for p in Phase if p not in TERMINAL_PHASES)


class CycleCloseActivities:
    def __init__(self, *, client: Client, sessions: async_sessionmaker, mailer: Mailer) -> None:
        self._client = client
        self._sessions = sessions
        self._mailer = mailer

    @activity.defn(name="finish_cycle")
    async def finish_cycle(self, end: CycleEnd) -> None:
        if end.status == "cancelled":
            await self._cancel_open_reviews(end)
        now = activity.info().current_attempt_scheduled_time
        async with self._sessions.begin() as session:
            cycle = await session.get(Cycle, end.cycle_id)
            if cycle is None:
                return
            policy = cycle_policy(cycle)
            figures = await funnel(
                session, end.cycle_id, today=now.astimezone(OSLO).date(), policy=policy
            )
            cycle.status = end.status
            cycle.final_figures = json.dumps(
                {
                    "at": now.isoformat(),
                    "total": figures.overall.total,
                    **asdict(figures.overall),
                }
            )

    @activity.defn(name="send_hr_digest")
    async def send_hr_digest(self, run: HrDigestRun) -> None:
        """One weekly email to HR with what is slipping in the cycle, not one per review."""
        now = activity.info().current_attempt_scheduled_time
        today = now.astimezone(OSLO).date()
        async with self._sessions() as session:
            cycle = await session.get(Cycle, run.cycle_id)
            if cycle is None:
                return
            policy = cycle_policy(cycle)
            f = await funnel(session, run.cycle_id, today=today, policy=policy)
            top = await slipping_by_manager(session, run.cycle_id, today=today, policy=policy)
        slipping = f.overall.slipping
        req = EmailRequest(
            key=f"hr-digest:{run.cycle_id}:{run.week}",
            kind=EmailKind.HR_DIGEST,
            review_id="",
            to=[run.hr],
            context={
                "cycle": run.cycle_name,
                "unscheduled": str(slipping["unscheduled_past_deadline"]),
                "summaries_missing": str(slipping["summaries_missing"]),
                "actions_overdue": str(slipping["actions_overdue"]),
                "slipping_list": "\n".join(f"{name}: {n}" for name, n in top),
                "link_path": cycle_page(run.cycle_id),
            },
        )
        try:
            await self._mailer.deliver(req, now, beat=activity.heartbeat)
        except PermanentSmtpError:
            pass  # recorded in the email log; next week's digest tries again

    async def _cancel_open_reviews(self, end: CycleEnd) -> None:
        actor = Actor(id=end.hr.id, is_hr=True)
        gate = asyncio.Semaphore(CONCURRENT)

        async def cancel(review_id: str) -> None:
            async with gate:
                try:
                    answer = await self._client.get_workflow_handle(review_id).execute_update(
                        ReviewWorkflow.cancel,
                        Cancel(actor, f"The cycle was cancelled: {end.reason}"),
                    )
                except (WorkflowUpdateFailedError, RPCError) as err:
                    if nothing_to_do(err):
                        return  # it ended meanwhile: nothing left to cancel
                    raise  # the retry resumes from the last page heartbeat
                await write_answer(self._sessions, answer)

        after = ""
        while True:
            async with self._sessions() as session:
                ids = list(
                    await session.scalars(
                        select(Review.id)
                        .where(
                            Review.cycle_id == end.cycle_id,
                            Review.phase.in_(OPEN),
                            Review.id > after,
                        )
                        .order_by(Review.id)
                        .limit(PAGE)
                    )
                )
            await asyncio.gather(*(cancel(r) for r in ids))
            if ids:
                after = ids[-1]
                activity.heartbeat(after)
            if len(ids) < PAGE:
                return
