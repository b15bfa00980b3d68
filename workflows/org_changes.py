"""OrgChangesWorkflow: carries one re-import into every running cycle, however long it takes.

The import request commits the sync and its changes (the org_changes row) and
starts this; the activity pages through the changes with heartbeats, so a change
of thousands survives a worker restart and nothing is applied twice.
"""

# No `from __future__ import annotations`: the sandbox imports this module afresh for
# every run, and the SDK would parse every string annotation of a handler again each time.

from datetime import timedelta

from temporalio import workflow

from workflows.paging import paging

with workflow.unsafe.imports_passed_through():
    from activities.org_changes import OrgChangeActivities
    from workflows.contracts import OrgChangesInput, OrgChangesResult
    from workflows.definition import defn


@defn
class OrgChangesWorkflow:
    @workflow.run
    async def run(self, inp: OrgChangesInput | str) -> OrgChangesResult:
        """A plain change id is what runs started before OrgChangesInput carry; it still
        decodes, and the activity is called the same way for both."""
        change_id = inp if isinstance(inp, str) else inp.change_id
        return await paging(
            OrgChangeActivities.apply_org_changes, change_id, within=timedelta(hours=2)
        )
