"""`defn` and `update`: the SDK's `workflow.defn` and `workflow.update`, whose checks of a
class and of a handler run once per process.

The sandbox imports each workflow definition afresh for every run (its isolation), and
`workflow.defn` then checks the fresh class in full: every member of the class and of
its bases (a runtime-protocol `isinstance` for each, through the sandbox's wrapped
`isinstance`), the signatures of each update and its validator. That was about three
fifths of what a review's sandbox costs to build, and a kickoff builds 10,000 of them.

A run's class is made from the code the worker registered and the SDK checked when the
worker imported it. So the first import outside the sandbox runs `workflow.defn` in full
and keeps what it found. An import of a class of the same shape (the same names, the same
code objects, in the class and each of its bases) takes that definition with the fresh
class and its own handler functions in place: each run still executes its own module and
calls only its own functions, and the sandbox refuses in it what it refused before. A
class of any other shape (a source edited while the worker runs) gets the full check.
`update` does the same for an update handler, whose types the SDK reads with
`inspect.signature` and `typing.get_type_hints` (a fifth of the build, ten handlers): a
handler made from the same code with the same annotations takes the types read before.

The definitions (`temporalio.workflow._Definition`, `_UpdateDefinition`) are the SDK's
own, not public: the copies are made with `dataclasses.replace`, so a field the SDK adds
is carried over, and tests compare what is made here with what the SDK makes for the same
fresh class, for every workflow of ours (tests/workflows/test_definition.py).
"""

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from types import CodeType
from typing import Any, ParamSpec, TypeVar, cast

from temporalio import workflow

_Class = TypeVar("_Class", bound=type)
_P = ParamSpec("_P")
_R = TypeVar("_R")

# What shapes a class: per class in its order of resolution (not `object`), each name in
# its namespace with its code (functions, the update handlers among them) or its type.
_Shape = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]

# Written by imports outside the sandbox only (the worker's registration, a test's), at
# start-up; read by every run. Keyed by module and class name.
_checked: dict[tuple[str, str], tuple[_Shape, Any]] = {}

# The same for update handlers, keyed by code, with the annotations their types were read
# from.
_read: dict[CodeType, tuple[dict[str, Any], Any]] = {}

_DEFINITION = "__temporal_workflow_definition"


def defn(cls: _Class) -> _Class:
    """`@workflow.defn` for our workflow classes; see the module's docstring."""
    key = (cls.__module__, cls.__qualname__)
    shape = _shape(cls)
    known = _checked.get(key)
    if known is not None and known[0] == shape:
        _apply_checked(cls, known[1])
        return cls
    checked = workflow.defn(cls)
    if not workflow.unsafe.in_sandbox():
        _checked[key] = (shape, getattr(checked, _DEFINITION))
    return checked


def update(fn: Callable[_P, Awaitable[_R]]) -> workflow.UpdateMethodMultiParam[_P, _R]:
    """`@workflow.update` for our update handlers; see the module's docstring. Types are
    taken from before only where the annotations are the very same objects (no strings,
    which the fresh module could resolve otherwise)."""
    known = _read.get(fn.__code__)
    if known is not None and known[0] == fn.__annotations__:
        definition = dataclasses.replace(known[1], fn=fn, validator=None)
        handler: Any = fn  # what the SDK's decorator sets on it, set here
        handler._defn = definition
        handler.validator = functools.partial(workflow._update_validator, definition)
        return cast(workflow.UpdateMethodMultiParam[_P, _R], handler)
    made = workflow.update(fn)
    annotations = dict(fn.__annotations__)
    if not workflow.unsafe.in_sandbox() and not any(
        isinstance(a, str) for a in annotations.values()
    ):
        _read[fn.__code__] = (annotations, made._defn)
    return made


def _shape(cls: type) -> _Shape:
    return tuple(
        (c.__qualname__, tuple((name, _code(value)) for name, value in vars(c).items()))
        for c in cls.__mro__[:-1]
    )


def _code(value: Any) -> Any:
    fn = getattr(value, "__func__", value)
    return getattr(fn, "__code__", type(value))


def _apply_checked(cls: type, checked: Any) -> None:
    """Set on `cls` the definition `checked` holds for a class of its shape, with the
    fresh class's own run method and handlers (found by the names the check found)."""

    def own(fn: Callable[..., Any]) -> Any:
        return getattr(cls, fn.__name__)

    run_fn = own(checked.run_fn)
    definition = dataclasses.replace(
        checked,
        cls=cls,
        run_fn=run_fn,
        arg_types=None,  # read again from the fresh run method: its types are its module's
        ret_type=None,
        signals={
            name: getattr(own(s.fn), "__temporal_signal_definition")
            for name, s in checked.signals.items()
        },
        queries={
            name: getattr(own(q.fn), "__temporal_query_definition")
            for name, q in checked.queries.items()
        },
        updates={name: own(u.fn)._defn for name, u in checked.updates.items()},
        dynamic_config_fn=(
            own(checked.dynamic_config_fn) if checked.dynamic_config_fn is not None else None
        ),
    )
    setattr(cls, _DEFINITION, definition)
    setattr(run_fn, _DEFINITION, definition)
