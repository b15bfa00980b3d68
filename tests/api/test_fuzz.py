"""A property-based fuzzer over /openapi.json: no request, valid or not, gets a server error.

schemathesis generates the requests (fixed seed, bounded examples, positive and negative
data) and checks the answers; they are sent in-process over ASGI to the API wired to a
scratch SQLite database and the real worker on a time-skipping server, as HR, a manager
and an employee, with path ids that reach the test review and cycles.
"""

from __future__ import annotations

import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import Phase as HypothesisPhase
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from requests.structures import CaseInsensitiveDict
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.generation.overrides import Override
from schemathesis.schemas import APIOperation

from core.settings import Settings
from tests.api.conftest import Auth
from tests.factories import EMPLOYEE, HR, MANAGER

EXAMPLES = 3  # random cases per operation, role and kind of data
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Last, in this order, so that the commands before them still find a review and a cycle
# that run, and tokens whose employees are still there (an import is the whole
# organisation): a review's cancel, the cycle's, the import.
DESTRUCTIVE_LAST = (
    "/reviews/{review_id}/cancel",
    "/cycles/{cycle_id}/cancel",
    "/imports/employees",
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, but an import does not wait for running cycles."""
    return settings.model_copy(update={"import_wait_seconds": 0})


def _draw(strategy: SearchStrategy[Case], n: int) -> list[Case]:
    """`n` cases from a strategy, the same ones on every run."""
    drawn: list[Case] = []

    @hypothesis_settings(
        max_examples=n,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[HypothesisPhase.explicit, HypothesisPhase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Case) -> None:
        drawn.append(case)

    try:
        collect()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
        return []
    return drawn[:n]


def _edges(operation: APIOperation, tokens: list[str]) -> Iterator[Case]:
    """schemathesis' coverage cases: each bound, just inside and just outside, each enum
    value, missing and extra fields; the roles take turns."""
    generator = CoverageGenerator(
        operation=operation,
        generation_modes=list(GenerationMode),
        generation_config=operation.schema.config.generation_for(
            operation=operation, phase="coverage"
        ),
        auth_storage=None,
        override=Override(query={}, headers={}, cookies={}, path_parameters={}),
        feedback=NO_FEEDBACK,
    )
    for i, case in enumerate(generator):
        yield _with(case, {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}, {})


def _cases(
    operation: APIOperation, known: dict[str, str], tokens: dict[str, str]
) -> Iterator[Case]:
    """The edges; then per role: valid data with ids that exist, valid data with any ids,
    invalid data, and the schema's examples."""
    yield from _edges(operation, list(tokens.values()))
    params = {p.name for p in operation.path_parameters}
    real = {k: v for k, v in known.items() if k in params}
    for token in tokens.values():
        headers = {"Authorization": f"Bearer {token}"}
        kinds: list[tuple[GenerationMode, dict[str, Any] | None]] = [
            (GenerationMode.POSITIVE, None),
            (GenerationMode.NEGATIVE, None),
        ]
        if real:
            kinds.insert(0, (GenerationMode.POSITIVE, real))
        for mode, path in kinds:
            strategy = operation.as_strategy(mode, headers=headers, path_parameters=path)
            yield from _draw(strategy, EXAMPLES)
        # The schema's own examples, which /docs offers to "Try it out".
        for strategy in operation.get_strategies_from_examples():
            yield from _draw(strategy.map(partial(_with, headers=headers, path=real)), 1)


def _with(case: Case, headers: dict[str, str], path: dict[str, str]) -> Case:
    case.headers = CaseInsensitiveDict({**dict(case.headers or {}), **headers})
    case.path_parameters = {**(case.path_parameters or {}), **path}
    return case


def _order(operation: APIOperation) -> tuple[int, str]:
    ends = [i for i, end in enumerate(DESTRUCTIVE_LAST, 1) if operation.path.endswith(end)]
    return (ends[0] if ends else 0, operation.label)


@dataclass
class Run:
    """Sends each case over ASGI and keeps what schemathesis finds wrong."""

    api: httpx.AsyncClient
    failures: list[str] = field(default_factory=list)
    answered: Counter[tuple[str, int]] = field(default_factory=Counter)

    async def send(self, case: Case) -> None:
        kwargs = case.as_transport_kwargs(base_url=str(self.api.base_url))
        try:
            response = await self.api.request(**_httpx_kwargs(kwargs))
        except Exception:  # the app raised: a 500, with its trace for the report
            self.failures.append(f"{case.as_curl_command()}\n{traceback.format_exc()}")
            return
        self.answered[(case.operation.label, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as e:
            self.failures.append(f"{case.as_curl_command()}\n{e}")

    def report(self, took: float) -> str:
        lines = [f"fuzz: {self.answered.total()} answers in {took:.1f} s"]
        lines += [f"  {op:52} {status} x{n}" for (op, status), n in sorted(self.answered.items())]
        return "\n".join(lines)


async def test_no_request_gets_a_server_error(
    api: httpx.AsyncClient, auth: Auth, review_id: str
) -> None:
    schema = schemathesis.openapi.from_dict((await api.get("/openapi.json")).json())
    known = {
        "review_id": review_id,
        "cycle_id": (await api.get(f"/reviews/{review_id}", headers=auth(HR.id))).json()[
            "cycle_id"
        ],
        "employee_id": EMPLOYEE.id,
        "number": "1",
    }
    tokens = {
        who: auth(who)["Authorization"].split()[1] for who in (HR.id, MANAGER.id, EMPLOYEE.id)
    }
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    run, started = Run(api), time.monotonic()
    for operation in sorted(operations, key=_order):
        for case in _cases(operation, known, tokens):
            await run.send(case)
    print(run.report(time.monotonic() - started))
    assert not run.failures, "\n\n".join(run.failures[:20])
    # Not vacuous: every operation was tried, and a command reached the review's workflow.
    assert {op for op, _ in run.answered} == {o.label for o in operations}
    assert run.answered[("POST /reviews/{review_id}/schedule", 200)] >= 1


def _httpx_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis prepares for `requests`; httpx names two arguments otherwise."""
    out = {
        k: v for k, v in kwargs.items() if k in ("method", "url", "headers", "params", "cookies")
    }
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    if "data" in kwargs:
        out["content"] = kwargs["data"]
    if "files" in kwargs:
        out["files"] = kwargs["files"]
    return out
