"""OpenAPI that tells the truth: readable operation ids, and each operation's error answers.

The errors are declared here, in one place, rather than on every route: what any
route can answer follows from what it depends on (the database: 503; a token: 401;
HR: 403; a path id: 404; parameters or a body: 422, and 400 for a body that is not
JSON); what only some can answer (a refused command, a conflict) is listed by
operation id in `RAISES`. The fuzz test (tests/api/test_fuzz.py) holds every answer
to these declarations. Every operation declares 500 too: the last-resort handler's
shape, which no request should see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import Enum
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from api.deps import CurrentUser, HrUser, SessionDep
from api.errors import (
    REFUSALS,
    ApiError,
    Conflict,
    ErrorBody,
    Forbidden,
    NotFound,
    ServerError,
    Unauthorized,
    Unavailable,
    Unprocessable,
    responses,
)

# Refused by a rule, the phase or the actor; ended; the engine did not answer in time.
_COMMAND = (*REFUSALS.values(), Conflict, Unavailable)
_COMMANDS = (
    "schedule",
    "reschedule",
    "accept",
    "submit-preparation",
    "submit-preparation-as-before",
    "outcome",
    "write-summary",
    "signoff",
    "complete-action",
    "cancel",
)

# What only some operations answer, beyond what their dependencies imply.
RAISES: dict[str, tuple[type[ApiError], ...]] = {
    **{f"reviews-{c}": _COMMAND for c in _COMMANDS},
    # The conversation's text: 403 for HR and the manager's manager (they see its facts).
    "reviews-get-preparation": (Forbidden,),
    "reviews-save-preparation": (Forbidden, Conflict),
    "reviews-get-summary": (Forbidden,),
    "reviews-comment": (Forbidden, Conflict),
    "employees-create": (Conflict, Unprocessable),  # 409: the same ids added at once
    "cycles-create": (Conflict, Unprocessable),
    "cycles-cancel": (Conflict, *REFUSALS.values()),
    "organisation-import-employees": (Conflict, Unprocessable),
    "templates-add": (Conflict, Unprocessable),
}


def operation_id(route: APIRoute) -> str:
    """`reviews-schedule`, `cycles-create`: the route's first tag and its function's name."""
    tag = str(route.tags[0]) if route.tags else "samtale"
    return f"{tag}-{route.name.strip('_').replace('_', '-')}"


def _dependency(alias: object) -> object:
    return get_args(alias)[1].dependency


def _calls(dependant: Dependant) -> Iterator[object]:
    for d in dependant.dependencies:
        yield d.call
        yield from _calls(d)


def _is_enum(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Enum)


def errors_of(route: APIRoute) -> tuple[type[ApiError], ...]:
    calls = set(_calls(route.dependant))
    found: list[type[ApiError]] = [ServerError]
    if _dependency(SessionDep) in calls:
        found.append(Unavailable)  # the database did not answer (the session dependency)
    if _dependency(CurrentUser) in calls:
        found.append(Unauthorized)
    if _dependency(HrUser) in calls:
        found.append(Forbidden)
    if any(not _is_enum(p.field_info.annotation) for p in route.dependant.path_params):
        found.append(NotFound)  # an enum in the path is 422 when it is none of its values
    if route.dependant.query_params or route.dependant.path_params or route.body_field:
        found.append(Unprocessable)
    if route.body_field:
        found.append(ApiError)  # 400: the body is not JSON
    found.extend(RAISES.get(operation_id(route), ()))
    return tuple(found)


def declare_errors(app: FastAPI, routes: Iterable[BaseRoute]) -> None:
    """Give every operation in the app's OpenAPI its error answers, all in the shape of
    `ErrorBody` (FastAPI's own 422 schema is not what the API answers, so it goes)."""
    errors = {operation_id(r): errors_of(r) for r in routes if isinstance(r, APIRoute)}
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        components["ErrorBody"] = ErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        ref = {"$ref": "#/components/schemas/ErrorBody"}
        for operations in schema["paths"].values():
            for op in operations.values():
                declared = op.setdefault("responses", {})
                for status, entry in responses(*errors.get(op["operationId"], ())).items():
                    declared[str(status)] = {
                        "description": entry["description"],
                        "content": {"application/json": {"schema": ref}},
                    }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
