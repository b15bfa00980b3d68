"""The worker's process collects its young garbage as rarely as the setting says."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from samtale.worker import GC_FULL_EVERY, GC_MIDDLE_EVERY, build_worker, collect_less


@pytest.fixture
def thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_the_worker_collects_young_garbage_every_gc_young_allocations(thresholds: None) -> None:
    collect_less(Settings(gc_young=12_345))
    assert gc.get_threshold() == (12_345, GC_MIDDLE_EVERY, GC_FULL_EVERY)


def test_by_default_the_young_threshold_is_far_above_pythons(thresholds: None) -> None:
    collect_less(Settings())
    assert gc.get_threshold()[0] == 50_000


async def test_building_a_worker_tunes_its_process(
    thresholds: None, time_env: WorkflowEnvironment, sessions: async_sessionmaker
) -> None:
    build_worker(time_env.client, Settings(gc_young=23_456), sessions)
    assert gc.get_threshold()[0] == 23_456


@pytest.mark.parametrize("young", [699, 1_000_001])
def test_a_young_threshold_outside_its_bounds_is_refused(young: int) -> None:
    with pytest.raises(ValidationError, match="gc_young"):
        Settings(gc_young=young)


@pytest.mark.parametrize("young", [700, 1_000_000])
def test_a_young_threshold_at_its_bounds_is_taken(young: int) -> None:
    assert Settings(gc_young=young).gc_young == young
