"""Start one review workflow per employee, idempotently.

Workflow ids are deterministic (review-{cycle}-{employee}) and a start of a
running id is a no-op (USE_EXISTING); a finished one is not started again
(REJECT_DUPLICATE). So a retried or repeated request creates nothing twice.
Organisation-wide kickoff at scale moves into a batch activity later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from workflows.contracts import Person, Policy, ReviewInput
from workflows.review import ReviewWorkflow

CONCURRENT_STARTS = 32


def review_id(cycle_id: str, employee_id: str) -> str:
    return f"review-{cycle_id}-{employee_id}"


async def start_reviews(
    client: Client,
    *,
    task_queue: str,
    cycle_id: str,
    pairs: Sequence[tuple[Person, Person]],
    hr: Person,
    policy: Policy,
    window_end: date,
) -> int:
    gate = asyncio.Semaphore(CONCURRENT_STARTS)

    async def start(employee: Person, manager: Person) -> None:
        inp = ReviewInput(
            review_id=review_id(cycle_id, employee.id),
            cycle_id=cycle_id,
            employee=employee,
            manager=manager,
            hr=hr,
            policy=policy,
            window_end=window_end,
        )
        async with gate:
            try:
                await client.start_workflow(
                    ReviewWorkflow.run,
                    inp,
                    id=inp.review_id,
                    task_queue=task_queue,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                pass  # it ran and finished: nothing to start again

    await asyncio.gather(*(start(e, m) for e, m in pairs))
    return len(pairs)
