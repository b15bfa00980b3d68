"""CycleWorkflow: one per cycle. Starts every review in scope, tells each manager once,
sends HR a weekly digest of what is slipping, and lives until the window closes or HR
cancels the cycle; then it keeps the figures."""

# No `from __future__ import annotations`: the sandbox imports this module afresh for
# every run, and the SDK would parse every string annotation of a handler again each time.

from datetime import date, datetime, timedelta

from temporalio import workflow

from workflows.paging import paging

with workflow.unsafe.imports_passed_through():
    from activities.cycle_close import CycleCloseActivities
    from activities.kickoff import KickoffActivities
    from workflows import rules
    from workflows.calendar import OSLO, is_norwegian_holiday
    from workflows.contracts import (
        CancelCycle,
        CycleEnd,
        CycleInput,
        HrDigestRun,
        KickoffResult,
        Policy,
    )
    from workflows.definition import defn, update
    from workflows.review_checks import refused
    from workflows.rules import is_working_day, local_moment

# HR's digest moves off a Monday that is not a working day (Easter Monday, Whit Monday) to
# the week's first working day; cycles begun before it keep sending on every Monday.
HR_DIGEST_ON_WORKING_DAYS = "hr-digest-on-working-days"


@defn
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
            if workflow.patched(HR_DIGEST_ON_WORKING_DAYS):
                digest_at = next_digest_at(workflow.now(), cycle.policy)
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

    @update
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
    """Before HR_DIGEST_ON_WORKING_DAYS: next Monday at 08:00 in Oslo, holiday or not."""
    return local_moment(_next_monday(now), DIGEST_HOUR, OSLO)


DIGEST_HOUR = 8


def next_digest_at(now: datetime, policy: Policy) -> datetime:
    """HR's weekly digest: at 08:00 Oslo on the first working day from next Monday on, so
    a week whose Monday is a public holiday or a day the cycle's calendar blocks gets its
    digest on the Tuesday (or later), never on the day off."""
    day = _next_monday(now)
    while not is_working_day(day, policy, is_norwegian_holiday):
        day += timedelta(days=1)
    return local_moment(day, DIGEST_HOUR, OSLO)


def _next_monday(now: datetime) -> date:
    local = now.astimezone(OSLO)
    return local.date() + timedelta(days=(7 - local.weekday()) % 7 or 7)
