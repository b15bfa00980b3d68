"""ManagerDigestWorkflow: started weekly by a Temporal Schedule, sends every manager's digest."""

# No `from __future__ import annotations`: the sandbox imports this module afresh for
# every run, and the SDK would parse every string annotation of a handler again each time.

from datetime import timedelta

from temporalio import workflow

from workflows.paging import paging

with workflow.unsafe.imports_passed_through():
    from activities.digests import DigestActivities
    from workflows.calendar import OSLO
    from workflows.contracts import DigestInput, DigestResult, DigestRun
    from workflows.definition import defn


@defn
class ManagerDigestWorkflow:
    @workflow.run
    async def run(self, inp: DigestInput) -> DigestResult:
        local = workflow.now().astimezone(OSLO)
        year, week, _ = local.isocalendar()
        return await paging(
            DigestActivities.send_manager_digests,
            DigestRun(week=inp.week or f"{year}-W{week:02d}", today=local.date()),
            within=timedelta(hours=2),
            retry_at_most_every=timedelta(minutes=10),
        )
