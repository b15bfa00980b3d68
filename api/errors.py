"""Domain errors carry their HTTP status; one handler turns each into a JSON answer.

Refusals from a review's update validators arrive as WorkflowUpdateFailedError
whose cause is an ApplicationError of a known type (RuleViolation, WrongPhase,
WrongActor); they keep the rule's own message.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from workflows.contracts import TERMINAL_PHASES


class ApiError(Exception):
    status = 400
    error = "BadRequest"

    def __init__(self, message: str, *, rule: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.extra = extra


class Unauthorized(ApiError):
    status, error = 401, "Unauthorized"


class Forbidden(ApiError):
    status, error = 403, "Forbidden"


class NotFound(ApiError):
    status, error = 404, "NotFound"


class Conflict(ApiError):
    status, error = 409, "Conflict"


class Unprocessable(ApiError):
    status, error = 422, "RuleViolation"


REFUSALS: dict[str, type[ApiError]] = {
    "RuleViolation": Unprocessable,
    "WrongPhase": Conflict,
    "WrongActor": Forbidden,
}


def from_update_failure(err: WorkflowUpdateFailedError) -> ApiError:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type in REFUSALS:
        details = cause.details[0] if cause.details else {}
        rule = details.get("rule") if isinstance(details, dict) else None
        refused = REFUSALS[cause.type](cause.message, rule=rule)
        refused.error = cause.type
        return refused
    raise err


def from_rpc_error(err: RPCError, review_id: str, phase: str) -> ApiError:
    """The review is in the read model, so a workflow the server cannot find has ended,
    or, while its phase is still open, not started yet: a kickoff lists each review a
    moment before it starts it."""
    if err.status != RPCStatusCode.NOT_FOUND:
        raise err
    if phase in TERMINAL_PHASES:
        return Conflict(f"review {review_id} is {phase} and takes no more commands", rule="phase")
    return Conflict(f"review {review_id} is being started; try again in a moment", rule="starting")


def _body(e: ApiError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": e.error, "message": e.message}
    if e.rule:
        body["rule"] = e.rule
    return body | e.extra


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, e: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if e.status == 401 else None
        return JSONResponse(_body(e), status_code=e.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in err['loc'] if p != 'body')}: {err['msg']}"
            for err in e.errors()
        ]
        return JSONResponse(
            {"error": "InvalidRequest", "message": "; ".join(problems), "problems": problems},
            status_code=422,
        )


class Unavailable(ApiError):
    status, error = 503, "Unavailable"
