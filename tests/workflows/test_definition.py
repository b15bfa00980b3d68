"""Our `defn` and `update` check a workflow class and its handlers once per process: a
run's fresh class of the same shape gets the very definition the SDK would make for it,
without the SDK's check, and a class of any other shape is checked in full."""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from temporalio import workflow
from temporalio.workflow import _Definition

from samtale.worker import SANDBOX, WORKFLOWS
from workflows import definition

_DEFINITION = "__temporal_workflow_definition"


def _fresh(module_name: str) -> ModuleType:
    """The module executed again into a module of its own, as the sandbox does for a run."""
    spec = importlib.util.find_spec(module_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sdk_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[type]]:
    """The classes the SDK's own check runs on, while the test runs."""
    checked: list[type] = []
    check = _Definition._apply_to_class

    def counting(cls: type, **kwargs: Any) -> None:
        checked.append(cls)
        check(cls, **kwargs)

    monkeypatch.setattr(_Definition, "_apply_to_class", staticmethod(counting))
    yield checked


@pytest.fixture
def sdk_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The handlers the SDK's `workflow.update` reads, while the test runs."""
    read: list[Any] = []
    sdk_update = workflow.update

    def counting(fn: Any) -> Any:
        read.append(fn)
        return sdk_update(fn)

    monkeypatch.setattr(workflow, "update", counting)
    yield read


@pytest.mark.parametrize("registered", WORKFLOWS, ids=lambda c: c.__name__)
def test_a_fresh_class_gets_the_definition_the_sdk_would_make(registered: Any) -> None:
    fresh: Any = getattr(_fresh(registered.__module__), registered.__name__)
    assert fresh is not registered
    ours = getattr(fresh, _DEFINITION)
    assert ours.cls is fresh
    delattr(fresh, _DEFINITION)
    sdks = getattr(workflow.defn(fresh), _DEFINITION)
    assert ours == sdks
    # Its handlers are the fresh class's own functions (its bases here are the host's).
    assert ours.run_fn is fresh.run is not registered.run
    for update in ours.updates.values():
        assert update.fn is getattr(fresh, update.fn.__name__)


UPDATES = ["workflows.review_commands", "workflows.cycle"]


def _updates(module: ModuleType) -> dict[str, Any]:
    return {
        f"{cls.__name__}.{name}": fn
        for cls in vars(module).values()
        if isinstance(cls, type) and cls.__module__ == module.__name__
        for name, fn in vars(cls).items()
        if hasattr(fn, "_defn")
    }


@pytest.mark.parametrize("module_name", UPDATES)
def test_a_fresh_modules_updates_are_the_ones_the_sdk_would_make(
    module_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = _updates(_fresh(module_name))
    monkeypatch.setattr(definition, "update", workflow.update)
    sdks = _updates(_fresh(module_name))
    assert ours and ours.keys() == sdks.keys()
    for name, fn in ours.items():
        mine, theirs = fn._defn, sdks[name]._defn
        assert mine.fn is fn
        assert mine.validator is not None and mine.validator.__qualname__.startswith(
            fn.__qualname__.rsplit(".", 1)[0]
        )
        for field in dataclasses.fields(mine):
            a, b = getattr(mine, field.name), getattr(theirs, field.name)
            if field.name in ("fn", "validator"):
                assert getattr(a, "__code__", None) == getattr(b, "__code__", None), name
            else:
                assert a == b, (name, field.name)


def test_a_fresh_modules_updates_are_not_read_again(sdk_reads: list[Any]) -> None:
    for module_name in UPDATES:
        _fresh(module_name)
    assert sdk_reads == []


@pytest.mark.parametrize("registered", WORKFLOWS, ids=lambda c: c.__name__)
def test_a_fresh_class_of_the_same_shape_is_not_checked_again(
    registered: type, sdk_checks: list[type]
) -> None:
    _fresh(registered.__module__)
    assert sdk_checks == []


async def test_a_runs_sandbox_does_not_check_the_review_class_again(
    sdk_checks: list[type],
) -> None:
    from workflows.review import ReviewWorkflow

    SANDBOX.prepare_workflow(getattr(ReviewWorkflow, _DEFINITION))  # builds one run's sandbox
    assert sdk_checks == []


PROBE = """
from temporalio import workflow

from workflows.definition import defn


@defn
class Probe:
    @workflow.run
    async def run(self) -> None:
        return None

    if EXTRA:

        @workflow.update
        async def more(self) -> None:
            return None
"""


def _probe(*, extra: bool) -> type:
    """One class, by module and name, in two shapes."""
    module = ModuleType("tests.workflows.definition_probe")
    module.EXTRA = extra  # type: ignore[attr-defined]
    exec(compile(PROBE, "definition_probe.py", "exec", dont_inherit=True), module.__dict__)
    return module.Probe  # type: ignore[attr-defined, no-any-return]


def test_a_class_of_another_shape_is_checked_in_full(sdk_checks: list[type]) -> None:
    first = _probe(extra=False)
    other = _probe(extra=True)
    assert sdk_checks == [first, other]
    assert set(getattr(other, _DEFINITION).updates) == {"more"}
    assert getattr(first, _DEFINITION).updates == {}


HANDLER = """
from temporalio import workflow

from workflows.definition import update


class Handlers:
    @update
    async def more(self, n: ANNOTATION) -> None:
        return None
"""


@pytest.mark.parametrize(("annotation", "reads"), [("int", 1), ('"int"', 2)])
def test_a_handler_is_read_once_unless_its_annotations_are_strings(
    annotation: str, reads: int, sdk_reads: list[Any]
) -> None:
    source = HANDLER.replace("ANNOTATION", annotation)
    code = compile(source, "handlers.py", "exec", dont_inherit=True)  # not our __future__
    for _ in range(2):
        exec(code, ModuleType("tests.workflows.definition_handlers").__dict__)
    assert len(sdk_reads) == reads
