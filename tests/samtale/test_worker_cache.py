"""The worker keeps as many runs in memory as the operator sized it for."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from samtale.worker import build_worker


async def test_the_worker_caches_as_many_runs_as_the_setting_says(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> None:
    sized = settings.model_copy(update={"workflow_cache": 4321})
    workers = build_worker(time_env.client, sized, sessions)
    assert workers.main.config()["max_cached_workflows"] == 4321


async def test_a_cache_a_caller_names_wins_over_the_setting(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> None:
    workers = build_worker(time_env.client, settings, sessions, max_cached_workflows=0)
    assert workers.main.config()["max_cached_workflows"] == 0


@pytest.mark.parametrize("size", [1, 100_001])
def test_a_cache_size_outside_its_bounds_is_refused(size: int) -> None:
    with pytest.raises(ValidationError, match="workflow_cache"):
        Settings(workflow_cache=size)


@pytest.mark.parametrize("size", [2, 100_000])
def test_a_cache_size_at_its_bounds_is_taken(size: int) -> None:
    assert Settings(workflow_cache=size).workflow_cache == size
