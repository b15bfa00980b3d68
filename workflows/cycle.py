"""CycleWorkflow: one per cycle. Starts every review in scope, tells each manager once,
sends HR a weekly digest of what is slipping, and lives until the window closes or HR
cancels the cycle; then it keeps the figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.calendar import OSLO
    from workflows.contracts import CycleEnd, CycleInput, HrDigestRun, KickoffResult
    from workflows.rules import local_moment

START_CYCLE_REVIEWS = "start_cycle_reviews"
SEND_KICKOFF_EMAILS = "send_kickoff_emails"
FINISH_CYCLE = "finish_cycle"
SEND_HR_DIGEST = "send_hr_digest"
PATIENT = RetryPolicy(maximum_interval=timedelta(minutes=5))


@workflow.defn
class CycleWorkflow:
    def __init__(self) -> None:
        self._kickoff: KickoffResult | None = None
        self._cancel_reason: str | None = None

    @workflow.run
    async def run(self, cycle: CycleInput) -> CycleEnd:
        started = await _long(START_CYCLE_REVIEWS, cycle, KickoffResult)
        mailed = await _long(SEND_KICKOFF_EMAILS, cycle, KickoffResult)
        self._kickoff = KickoffResult(reviews=started.reviews, emails_sent=mailed.emails_sent)
        closes = local_moment(cycle.window_end + timedelta(days=1), 0, OSLO)
        while self._cancel_reason is None and workflow.now() < closes:
            digest_at = _next_monday_morning(workflow.now())
            try:
                await workflow.wait_condition(
                    lambda: self._cancel_reason is not None,
                    timeout=max(min(digest_at, closes) - workflow.now(), timedelta(seconds=1)),
                )
            except TimeoutError:
                if workflow.now() >= digest_at and workflow.now() < closes:
                    year, week, _ = digest_at.astimezone(OSLO).isocalendar()
                    await _long(
                        SEND_HR_DIGEST,
                        HrDigestRun(
                            cycle_id=cycle.cycle_id,
                            cycle_name=cycle.name,
                            hr=cycle.hr,
                            week=f"{year}-W{week:02d}",
                        ),
                        type(None),
                    )
        end = CycleEnd(
            cycle_id=cycle.cycle_id,
            hr=cycle.hr,
            reviews=started.reviews,
            status="cancelled" if self._cancel_reason is not None else "finished",
            reason=self._cancel_reason or "",
        )
        await _long(FINISH_CYCLE, end, type(None))
        return end

    @workflow.query
    def kickoff(self) -> KickoffResult | None:
        return self._kickoff

    @workflow.update
    async def cancel(self, reason: str) -> None:
        """Cancel the whole cycle (HR): every open review is cancelled, each mailing its own."""
        self._cancel_reason = reason.strip()

    @cancel.validator
    def _check_cancel(self, reason: str) -> None:
        if self._cancel_reason is not None:
            raise ApplicationError(
                "the cycle is already cancelled",
                {"rule": "phase"},
                type="WrongPhase",
                non_retryable=True,
            )
        if not reason.strip():
            raise ApplicationError(
                "say why the cycle is cancelled",
                {"rule": "reason"},
                type="RuleViolation",
                non_retryable=True,
            )


def _next_monday_morning(now: datetime) -> datetime:
    """HR's weekly digest goes out on Monday at 08:00 in Oslo."""
    local = now.astimezone(OSLO)
    days = (7 - local.weekday()) % 7 or 7
    return local_moment(local.date() + timedelta(days=days), 8, OSLO)


async def _long(name: str, arg: object, result_type: type) -> Any:
    """A paging activity: hours to finish, a heartbeat every page, retried where it stopped."""
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=timedelta(hours=6),
        heartbeat_timeout=timedelta(minutes=2),
        retry_policy=PATIENT,
    )
