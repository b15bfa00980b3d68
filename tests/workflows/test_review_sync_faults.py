"""A review whose read model cannot be written does not retry for ever in silence: the write
gives up after a few minutes, the review says so (log, state, timeline), pauses and writes
again later, losing nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from samtale.worker import build_worker
from store.queries import review_detail
from tests.factories import meeting, review_input, working_slot
from tests.waiting import eventually
from workflows.review import ReviewWorkflow


class DatabaseDown:
    """The worker's session factory, with the database unreachable until `down` is False."""

    def __init__(self, real: async_sessionmaker) -> None:
        self._real = real
        self.down = True

    def __call__(self, **kw: Any) -> Any:
        self._check()
        return self._real(**kw)

    def begin(self) -> Any:
        self._check()
        return self._real.begin()

    def _check(self) -> None:
        if self.down:
            raise OperationalError("connect", None, ConnectionRefusedError("database down"))


async def started(env: WorkflowEnvironment, task_queue: str) -> WorkflowHandle:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    return await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=task_queue
    )


async def until_the_writes_give_up(
    env: WorkflowEnvironment, handle: WorkflowHandle, caplog: pytest.LogCaptureFixture
) -> None:
    """The in-task write gives up first, in a second or so of real time (a local activity's
    attempts are not skipped); then the sync activity's attempts are, until it gives up too."""

    async def in_task_gave_up() -> bool:
        return any("in-task write gave up" in r.getMessage() for r in caplog.records)

    await eventually(in_task_gave_up, "the in-task write to give up")
    await env.sleep(timedelta(minutes=10))  # past the sync activity's last attempt

    async def gave_up() -> bool:
        return (await handle.query(ReviewWorkflow.state)).sync_failures == 1

    await eventually(gave_up, "the review to say its read-model write gave up")


async def test_a_review_whose_read_model_is_down_says_so_and_writes_it_later(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: async_sessionmaker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = DatabaseDown(sessions)
    async with build_worker(time_env.client, settings, cast(async_sessionmaker, db)):
        handle = await started(time_env, settings.task_queue)
        await until_the_writes_give_up(time_env, handle, caplog)
        assert [r for r in caplog.records if "could not be written" in r.getMessage()]
        db.down = False
        await time_env.sleep(timedelta(minutes=20))  # past the pause

        async def written() -> bool:
            async with sessions() as session:
                detail = await review_detail(session, handle.id)
            return detail is not None and [e.kind for e in detail.events] == [
                "started",
                "sync_failed",
            ]

        await eventually(written, "the review and its timeline in the read model")


async def test_a_command_during_the_pause_after_a_write_gave_up_answers_at_once(
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: async_sessionmaker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The review's writes gave up and it pauses (SYNC_PAUSE, a quarter of an hour) before it
    writes again: a command meanwhile answers with its change, for the caller to write, and
    does not wait out the pause for the in-task write (patch write-in-task)."""
    db = DatabaseDown(sessions)
    async with build_worker(time_env.client, settings, cast(async_sessionmaker, db)):
        handle = await started(time_env, settings.task_queue)
        await until_the_writes_give_up(time_env, handle, caplog)
        db.down = False  # back, but the review pauses still
        start_at = working_slot(await time_env.get_current_time() + timedelta(days=20))
        # A bound, not a sleep: a command answers in seconds, the pause lasts 15 minutes.
        answer = await asyncio.wait_for(
            handle.execute_update(ReviewWorkflow.schedule, meeting(start_at)), timeout=30
        )
        assert not answer.written
        assert "scheduled" in [e.kind for e in answer.events], "the change, for the caller"
