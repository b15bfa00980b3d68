"""Every workflow id scheme, in one place: reviews, cycles, org changes.

Ids are deterministic so that a retried start finds the run it already made
(`USE_EXISTING`). The schemes are the ones running workflows were started
with; a change here must keep existing ids reachable."""

from __future__ import annotations


def review_workflow_id(cycle_id: str, employee_id: str) -> str:
    return f"review-{cycle_id}-{employee_id}"


def cycle_workflow_id(cycle_id: str) -> str:
    return f"cycle-{cycle_id}"


def org_changes_workflow_id(change_id: str) -> str:
    return f"org-changes-{change_id}"
