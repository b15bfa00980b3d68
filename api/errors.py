"""Domain errors carry their HTTP status; one handler turns each into a JSON answer.

Every answer that is not a success has the one shape `ErrorBody` describes, the
framework's own (unknown route, wrong method, invalid or malformed request) and an
unexpected exception's (500, without its text) included. OpenAPI declares each
operation's error answers from this tree (`responses`).

Refusals from a review's update validators arrive as WorkflowUpdateFailedError
whose cause is an ApplicationError of a known type (RuleViolation, WrongPhase,
WrongActor); they keep the rule's own message.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from conversation.templates import TemplateRefused
from store.templates import NoSuchTemplate, TemplateVersionSkipped, TemplateVersionTaken
from workflows import rules
from workflows.contracts import TERMINAL_PHASES

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """What every error answer holds."""

    error: str = Field(description="what kind of error: NotFound, Conflict, RuleViolation, …")
    message: str = Field(description="what was wrong, for a person to read")
    rule: str | None = Field(default=None, description="the rule a refusal enforces, if any")
    problems: list[Any] | None = Field(
        default=None, description="each problem of an invalid request or file, when several"
    )


class ApiError(Exception):
    status = 400
    error = "BadRequest"
    description = "The request cannot be understood: a malformed body"

    def __init__(self, message: str, *, rule: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.extra = extra


class Unauthorized(ApiError):
    status, error = 401, "Unauthorized"
    description = "No bearer token, or one that is invalid, expired or for nobody active"


class Forbidden(ApiError):
    status, error = 403, "Forbidden"
    description = "The token's employee may not do this (not HR, or not this review's actor)"


class NotFound(ApiError):
    status, error = 404, "NotFound"
    description = "No such object, or none the token's employee may see"


class Conflict(ApiError):
    status, error = 409, "Conflict"
    description = "The object's state does not allow it now (its phase, or other settings)"


class Unprocessable(ApiError):
    status, error = 422, "RuleViolation"
    description = "Invalid input (`InvalidRequest`), or a rule refuses it (`RuleViolation`)"


class MethodNotAllowed(ApiError):
    status, error = 405, "MethodNotAllowed"
    description = "The path exists, but not with this method"


class ServerError(ApiError):
    status, error = 500, "ServerError"
    description = "Something went wrong on our side; nothing in the message comes from it"


class Gone(ApiError):
    status, error = 410, "Gone"
    description = "An endpoint that no longer exists; the message says which one replaced it"


class Unavailable(ApiError):
    status, error = 503, "Unavailable"
    description = "The database or the workflow engine did not answer in time; try again"


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


def responses(*errors: type[ApiError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the errors an operation can answer, one entry per status
    (errors sharing a status share its entry, their descriptions joined)."""
    out: dict[int | str, dict[str, Any]] = {}
    for e in sorted(set(errors), key=lambda e: e.status):
        entry = out.setdefault(e.status, {"model": ErrorBody, "description": ""})
        entry["description"] = "; ".join(filter(None, (entry["description"], e.description)))
    return out


def _render(e: ApiError, *, retry_after: int | None = None) -> JSONResponse:
    """401 says how to authenticate; 503 says when to try again (RFC 9110 §10.2.3)."""
    headers: dict[str, str] = {}
    if e.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if e.status == 503 and retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(_body(e), status_code=e.status, headers=headers or None)


def _invalid(e: RequestValidationError) -> JSONResponse:
    """422 for a request that does not fit the schema; 400 for a body that is not JSON."""
    errs = list(e.errors())
    if any(err.get("type") == "json_invalid" for err in errs):
        return _render(ApiError("the body is not valid JSON"))
    problems = [f"{_where(err.get('loc', ()))}: {err.get('msg', 'invalid')}" for err in errs]
    body = {"error": "InvalidRequest", "message": "; ".join(problems), "problems": problems}
    return JSONResponse(body, status_code=422)


def _where(loc: Iterable[object]) -> str:
    return ".".join(str(p) for p in loc if p != "body") or "body"


def _framework(request: Request, e: HTTPException) -> ApiError:
    """Starlette's own errors (unknown route, wrong method, …) as one of ours."""
    if e.status_code == 404:
        return NotFound(f"no such path: {request.url.path}")
    if e.status_code == 405:
        return MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    known = {c.status: c for c in (ApiError, Unauthorized, Forbidden, Conflict)}
    cls = known.get(e.status_code, ApiError)
    err = cls(str(e.detail))
    err.status = e.status_code
    return err


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError) -> JSONResponse:
        return _render(e, retry_after=request.app.state.settings.retry_after_seconds)

    @app.exception_handler(TemplateRefused)
    async def _template_refused(request: Request, e: TemplateRefused) -> JSONResponse:
        """A template document refused by its checks: every problem, no part stored."""
        refused = Unprocessable(e.reason, rule="template", problems=e.problems)
        return _render(refused)

    @app.exception_handler(NoSuchTemplate)
    async def _no_template(_: Request, e: NoSuchTemplate) -> JSONResponse:
        return _render(NotFound(str(e)))

    @app.exception_handler(TemplateVersionTaken)
    async def _version_taken(_: Request, e: TemplateVersionTaken) -> JSONResponse:
        return _render(Conflict(str(e), rule="template-version"))

    @app.exception_handler(TemplateVersionSkipped)
    async def _version_skipped(_: Request, e: TemplateVersionSkipped) -> JSONResponse:
        return _render(Unprocessable(str(e), rule="template-version"))

    @app.exception_handler(rules.Refusal)
    async def _refusal(_: Request, e: rules.Refusal) -> JSONResponse:
        """A workflow rule checked on the API's side (the same pure check): answered as
        the workflow's refusal of it would be."""
        refused = REFUSALS.get(e.kind, Unprocessable)(e.message, rule=e.rule)
        refused.error = e.kind
        return _render(refused)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, e: RequestValidationError) -> JSONResponse:
        return _invalid(e)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, e: HTTPException) -> JSONResponse:
        response = _render(_framework(request, e))
        if e.headers:
            response.headers.update(e.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, e: Exception) -> JSONResponse:
        # The answer says nothing of it; the log gets where it happened but not the
        # exception's text, which may quote input (conversation text never goes to logs).
        where = "".join(traceback.format_tb(e.__traceback__))
        log.error("%s on %s %s\n%s", type(e).__name__, request.method, request.url.path, where)
        return _render(ServerError("an unexpected error; it has been logged"))
