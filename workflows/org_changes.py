"""OrgChangesWorkflow: carries one re-import into every running cycle, however long it takes.

The import request commits the sync and its changes (the org_changes row) and
starts this; the activity pages through the changes with heartbeats, so a change
of thousands survives a worker restart and nothing is applied twice.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import OrgChangesResult

APPLY_ORG_CHANGES = "apply_org_changes"


@workflow.defn
class OrgChangesWorkflow:
    @workflow.run
    async def run(self, change_id: str) -> OrgChangesResult:
        return await workflow.execute_activity(
            APPLY_ORG_CHANGES,
            change_id,
            result_type=OrgChangesResult,
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
        )
