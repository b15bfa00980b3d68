"""How every workflow calls a paging activity: hours to finish, a heartbeat every page,
retried from where it stopped (the activity resumes from its heartbeat details)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.types import MethodAsyncSingleParam

ParamType = TypeVar("ParamType")
ReturnType = TypeVar("ReturnType")

HEARTBEAT = timedelta(minutes=2)


async def paging(
    activity: MethodAsyncSingleParam[Any, ParamType, ReturnType],
    arg: ParamType,
    *,
    within: timedelta = timedelta(hours=6),
    retry_at_most_every: timedelta = timedelta(minutes=5),
) -> ReturnType:
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=within,
        heartbeat_timeout=HEARTBEAT,
        retry_policy=RetryPolicy(maximum_interval=retry_at_most_every),
    )
