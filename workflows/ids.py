"""Every workflow id scheme, in one place: reviews, cycles, org changes.

Ids are deterministic so that a retried start finds the run it already made
(`USE_EXISTING`). A review's id must name one (cycle, employee) pair only: the
parts are joined by ':' and each part has '%' and ':' escaped (as %25, %3A), so no
two pairs give the same id, whatever characters the ids hold. Ids are used in URL
paths (/reviews/{id}); the parts the API and the import accept hold no '/'.

Reviews started before this scheme keep their ids (`review-{cycle}-{employee}`,
ambiguous when a part holds '-'): whatever looks a review up by (cycle, employee)
reads its id from the read model (store.cycles.review_ids_of), never recomputes it.
"""

from __future__ import annotations


def _part(value: str) -> str:
    return value.replace("%", "%25").replace(":", "%3A")


def review_workflow_id(cycle_id: str, employee_id: str) -> str:
    """The id of a review started from now on."""
    return f"review:{_part(cycle_id)}:{_part(employee_id)}"


def cycle_workflow_id(cycle_id: str) -> str:
    return f"cycle-{cycle_id}"


def org_changes_workflow_id(change_id: str) -> str:
    return f"org-changes-{change_id}"


def email_task_queue(task_queue: str) -> str:
    """The review emails' own task queue, served with the relay's rate and pool limits."""
    return f"{task_queue}-email"
