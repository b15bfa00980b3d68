"""The worker's sandbox guards workflow code: a workflow in the `workflows` package that reads
the clock, draws a random number, makes a uuid4 or opens a file fails there, instead of running
silently and breaking replay a year later."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import uuid
from collections.abc import Iterator, Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.email import EmailActivities
from activities.readmodel import ReadModelActivities
from core.temporal import DATA_CONVERTER
from samtale.worker import SANDBOX, OffTheLoop, context_free, workflow_runner
from workflows import review

PROBE = "workflows.sandbox_probe"
# A workflow that calls each forbidden function and says, per call, whether it was refused.
SOURCE = """
import random
import time
import uuid
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.definition import defn

CALLS = {
    "datetime.now": lambda: datetime.now(),
    "time.time": lambda: time.time(),
    "random.random": lambda: random.random(),
    "uuid.uuid4": lambda: uuid.uuid4(),
    "open": lambda: open(__file__),
}


@DECORATOR
class ForbiddenCalls:
    @workflow.run
    async def run(self) -> dict[str, str]:
        out = {}
        for name, call in CALLS.items():
            try:
                call()
                out[name] = "ran"
            except Exception as e:
                out[name] = type(e).__name__
        return out
"""


class _ProbeFinder(MetaPathFinder):
    """Finds the probe module as `workflows.sandbox_probe`, inside the workflows package's
    namespace (where the worker's passthrough list is judged), in the sandbox and out."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != PROBE:
            return None
        return importlib.util.spec_from_file_location(fullname, self._path)


# The SDK's decorator, and ours (whose runs take the definition checked outside the sandbox).
@pytest.fixture(params=["workflow.defn(sandboxed=True)", "defn"])
def probe_workflow(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    source = tmp_path / "sandbox_probe.py"
    source.write_text(SOURCE.replace("DECORATOR", request.param))
    finder = _ProbeFinder(source)
    sys.meta_path.insert(0, finder)
    try:
        yield importlib.import_module(PROBE).ForbiddenCalls
    finally:
        sys.meta_path.remove(finder)
        sys.modules.pop(PROBE, None)


async def test_a_workflow_calling_forbidden_functions_is_refused_each_call(
    time_env: WorkflowEnvironment, probe_workflow: Any
) -> None:
    queue = f"sandbox-{uuid.uuid4()}"
    async with Worker(
        time_env.client,
        task_queue=queue,
        workflows=[probe_workflow],
        workflow_runner=workflow_runner(),
    ):
        outcome = await time_env.client.execute_workflow(
            probe_workflow.run, id=f"probe-{uuid.uuid4()}", task_queue=queue
        )
    assert outcome == {
        name: "RestrictedWorkflowAccessError"
        for name in ("datetime.now", "time.time", "random.random", "uuid.uuid4", "open")
    }


def test_the_review_schedules_its_activities_by_their_own_names() -> None:
    """The review names its activities instead of importing their modules into every run's
    sandbox (workflows/review.py): the names must stay the ones the activities register."""
    assert activity._Definition.must_from_callable(EmailActivities.send_email).name == (
        review.SEND_EMAIL
    )
    assert activity._Definition.must_from_callable(ReadModelActivities.sync_review).name == (
        review.SYNC_REVIEW
    )


def test_our_converter_takes_no_serialization_context() -> None:
    """The worker answers the SDK's per-payload context questions without entering the
    sandbox only because no part of our converter would use the answer."""
    assert context_free(DATA_CONVERTER)


class _PerWorkflowCodec(PayloadCodec, WithSerializationContext):
    """A codec that, like per-workflow encryption, wants to know whose payload it codes."""

    def with_context(self, context: SerializationContext) -> _PerWorkflowCodec:
        return _PerWorkflowCodec()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


def test_a_converter_with_a_context_aware_codec_still_asks_the_sandbox() -> None:
    coded = dataclasses.replace(DATA_CONVERTER, payload_codec=_PerWorkflowCodec())
    assert not context_free(coded)
    assert not OffTheLoop(SANDBOX, coded).context_free
