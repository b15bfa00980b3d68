"""CycleWorkflow: one per cycle. Starts every review in scope, tells each manager once,
sends HR a weekly digest of what is slipping, and lives until the window closes or HR
cancels the cycle; then it keeps the figures."""

# No `from __future__ import annotations`: the sandbox imports this module afresh for
# every run, and the SDK would parse every string annotation of a handler again each time.

from datetime import datetime, timedelta

from temporalio import workflow

from workflows.paging import paging

with workflow.unsafe.imports_passed_through():
    from activities.cycle_close import CycleCloseActivities
    from activities.kickoff import KickoffActivities
    from workflows import rules
    from workflows.calendar import OSLO
    from workflows.contracts import CancelCycle, CycleEnd, CycleInput, HrDigestRun, KickoffResult
    from workflows.review_checks import refused
    from workflows.rules import local_moment


@workflow.defn
class CycleWorkflow:
    def __init__(self) -> None:
        self._kickoff: KickoffResult | None = None
        self._cancel_reason: str | None = None
        self._ended = False

    @workflow.run
    async def run(self, cycle: CycleInput) -> CycleEnd:
        started = await paging(KickoffActivities.start_cycle_reviews, cycle)
        mailed = await paging(KickoffActivities.send_kickoff_emails, cycle)
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
                    await paging(
                        CycleCloseActivities.send_hr_digest,
                        HrDigestRun(
                            cycle_id=cycle.cycle_id,
                            cycle_name=cycle.name,
                            hr=cycle.hr,
                            week=f"{year}-W{week:02d}",
                        ),
                    )
        self._ended = True
        end = CycleEnd(
            cycle_id=cycle.cycle_id,
            hr=cycle.hr,
            reviews=started.reviews,
            status="cancelled" if self._cancel_reason is not None else "finished",
            reason=self._cancel_reason or "",
        )
        await paging(CycleCloseActivities.finish_cycle, end)
        return end

    @workflow.query
    def kickoff(self) -> KickoffResult | None:
        return self._kickoff

    @workflow.update
    async def cancel(self, cmd: CancelCycle | str) -> None:
        """Cancel the whole cycle (HR): every open review is cancelled, each mailing its own.
        A plain reason is what callers sent before CancelCycle; it still decodes."""
        self._cancel_reason = _reason(cmd).strip()

    @cancel.validator
    def _check_cancel(self, cmd: CancelCycle | str) -> None:
        def check() -> None:
            if self._cancel_reason is not None:
                raise rules.WrongPhase("phase", "the cycle is already cancelled")
            if self._ended:
                # The window has closed and the cycle is being finished: accepting would
                # answer 200 and cancel nothing.
                raise rules.WrongPhase("phase", "the cycle has already ended")
            if not _reason(cmd).strip():
                raise rules.Refusal("reason", "say why the cycle is cancelled")

        refused(check)


def _reason(cmd: CancelCycle | str) -> str:
    return cmd if isinstance(cmd, str) else cmd.reason


def _next_monday_morning(now: datetime) -> datetime:
    """HR's weekly digest goes out on Monday at 08:00 in Oslo."""
    local = now.astimezone(OSLO)
    days = (7 - local.weekday()) % 7 or 7
    return local_moment(local.date() + timedelta(days=days), 8, OSLO)
