"""ManagerDigestWorkflow: started weekly by a Temporal Schedule, sends every manager's digest."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.calendar import OSLO
    from workflows.contracts import DigestInput, DigestResult, DigestRun

SEND_MANAGER_DIGESTS = "send_manager_digests"


@workflow.defn
class ManagerDigestWorkflow:
    @workflow.run
    async def run(self, inp: DigestInput) -> DigestResult:
        local = workflow.now().astimezone(OSLO)
        year, week, _ = local.isocalendar()
        return await workflow.execute_activity(
            SEND_MANAGER_DIGESTS,
            DigestRun(week=inp.week or f"{year}-W{week:02d}", today=local.date()),
            result_type=DigestResult,
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=10)),
        )
