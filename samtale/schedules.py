"""The weekly manager digest as a Temporal Schedule: durable, visible in the web UI, and
never twice for one week (the schedule skips a run while one is still going)."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from workflows.contracts import DigestInput
from workflows.digest import ManagerDigestWorkflow

MANAGER_DIGEST = "samtale-manager-digest"


def manager_digest_schedule(*, task_queue: str, weekday: int, hour: int) -> Schedule:
    """`weekday` 0 is Sunday, 1 Monday (cron's numbering); the hour is Oslo time."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ManagerDigestWorkflow.run, DigestInput(), id="manager-digest", task_queue=task_queue
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    second=[ScheduleRange(0)],
                    minute=[ScheduleRange(0)],
                    hour=[ScheduleRange(hour)],
                    day_of_week=[ScheduleRange(weekday)],
                )
            ],
            time_zone_name="Europe/Oslo",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def enable_manager_digest(
    client: Client, *, task_queue: str, weekday: int = 1, hour: int = 7
) -> None:
    schedule = manager_digest_schedule(task_queue=task_queue, weekday=weekday, hour=hour)
    try:
        await client.create_schedule(MANAGER_DIGEST, schedule)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(MANAGER_DIGEST).update(replace)


async def disable_manager_digest(client: Client) -> bool:
    try:
        await client.get_schedule_handle(MANAGER_DIGEST).delete()
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True
