"""Starting a cycle: validate, register the cycle's row, then start its workflow.

A cycle runs once. A repeat of the request (a retry, a double click, two at once)
answers the same cycle and starts nothing twice; a request for a cycle that has
ended, or for a running one with other settings, is a 409 that says why. The
engine holds the same line: the workflow id is never reused, so even a read model
that missed a cycle's end cannot start a second run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.errors import Conflict, Unprocessable
from store.directory import CycleSpec, cycle_differences, register_cycle, unknown_units
from store.models import Cycle
from store.templates import NoSuchTemplate, latest_version, list_templates
from workflows.contracts import CycleInput, Person
from workflows.cycle import CycleWorkflow
from workflows.ids import cycle_workflow_id

ENDED = {"finished": "has finished", "cancelled": "was cancelled"}


async def start_cycle(
    session: AsyncSession,
    temporal: Client,
    spec: CycleSpec,
    *,
    hr: Person,
    task_queue: str,
    now: datetime,
) -> Cycle:
    """The cycle's row is committed before its workflow starts (an outbox): if the start
    fails, the row is there, and the same request again starts it. The commit also hands
    the connection back before the request waits on Temporal."""
    await _check(session, spec)
    cycle, created = await register_cycle(session, spec, created_by=hr.id, now=now)
    if not created:
        _same_running_cycle(cycle, spec)
    await session.commit()
    try:
        await temporal.start_workflow(
            CycleWorkflow.run,
            CycleInput(
                cycle_id=spec.id,
                name=spec.name,
                window_start=spec.window_start,
                window_end=spec.window_end,
                hr=hr,
                policy=spec.policy,
                scope=spec.scope,
                employee_ids=spec.employee_ids,
            ),
            id=cycle_workflow_id(spec.id),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        raise _ended(spec.id, "has ended") from None
    return cycle


async def _check(session: AsyncSession, spec: CycleSpec) -> None:
    if spec.window_end <= spec.window_start:
        raise Unprocessable("the window must end after it starts", rule="R1")
    for name, ids in (("scope", spec.scope), ("employee_ids", spec.employee_ids)):
        if ids is not None and not ids:
            raise Unprocessable(f"{name} is empty: leave it out for everybody", rule="input")
    if spec.scope and (unknown := await unknown_units(session, spec.scope)):
        raise Unprocessable(f"unknown org units: {', '.join(unknown)}", rule="input")
    try:
        await latest_version(session, spec.template)
    except NoSuchTemplate:
        known = ", ".join(s.template.key for s in await list_templates(session))
        raise Unprocessable(
            f"unknown template {spec.template}: the templates are {known}", rule="template"
        ) from None


def _same_running_cycle(cycle: Cycle, spec: CycleSpec) -> None:
    """A repeat is answered with the cycle only while it runs, and only if it asks for
    exactly what the cycle was started with: a running cycle's settings never change."""
    if cycle.status != "running":
        raise _ended(cycle.id, ENDED.get(cycle.status, f"is {cycle.status}"))
    if differs := cycle_differences(cycle, spec):
        raise Conflict(
            f"cycle {cycle.id} is running with other settings ({', '.join(differs)}); "
            "a running cycle keeps its own: cancel it and start one with a new id",
            rule="cycle-settings",
            differs=differs,
        )


def _ended(cycle_id: str, how: str) -> Conflict:
    return Conflict(
        f"cycle {cycle_id} {how}: a cycle runs once; start a new one with a new id",
        rule="cycle-ended",
    )
