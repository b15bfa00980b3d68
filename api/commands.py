"""The command path: from a request to a review's update and back, bounded and retryable.

- Nothing is held while Temporal works (STYLE 19): the request's read transaction ends
  before the update goes out, so the API and the activities can never starve each other
  of connections, in one process or several, whatever the pool size.
- Every wait has a deadline (STYLE 15): a command that cannot finish in
  `command_timeout_seconds` answers 503 with Retry-After and says it may still take
  effect; so does a command while the database or Temporal is down.
- A client may retry safely (STYLE 20): an `Idempotency-Key` header becomes the update's
  id, scoped to the user and the command (Temporal scopes update ids to the review), so a
  retry returns the first outcome and never applies it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import (
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from api.deps import CurrentUser, NowDep, SessionDep, SessionsDep, SettingsDep, TemporalDep
from api.errors import NotFound, Unavailable, from_rpc_error, from_update_failure
from api.reviews_view import can_see, review_out
from api.schemas import ReviewOut
from store.db import unavailable
from store.queries import review_detail, review_participants
from store.readmodel import write_answer_then
from workflows.contracts import CommandResult

C = TypeVar("C")  # a command
Update = UpdateMethodMultiParam[[Any, C], CommandResult]
IDEMPOTENCY_KEY = r"^[A-Za-z0-9._:-]{8,100}$"
MAY_STILL_TAKE_EFFECT = (
    "the command did not finish in time and may still take effect; retry with the same "
    "Idempotency-Key to learn its outcome without applying it twice"
)
# What a server or network that is down or overloaded answers; anything else is a bug.
TRANSIENT = {
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
    RPCStatusCode.CANCELLED,
}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY,
        description=(
            "Your name for this attempt at this command (8-100 letters, digits, '.', '_', "
            "':' or '-'; a UUID fits). Send the same key when you retry after a timeout or "
            "a 503: you get the first outcome, and the command is applied once."
        ),
    ),
]


@dataclass
class Ctx:
    """What every command endpoint needs, gathered by FastAPI in one dependency."""

    temporal: TemporalDep
    session: SessionDep
    sessions: SessionsDep
    settings: SettingsDep
    me: CurrentUser
    now: NowDep
    idempotency_key: IdempotencyKey = None


async def _ctx(
    temporal: TemporalDep,
    session: SessionDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    me: CurrentUser,
    now: NowDep,
    idempotency_key: IdempotencyKey = None,
) -> Ctx:
    """Ctx as an `async def` dependency: FastAPI runs a class dependency's plain __init__ in
    its thread pool, a thread hop on every command for building a dataclass."""
    return Ctx(temporal, session, sessions, settings, me, now, idempotency_key)


CtxDep = Annotated[Ctx, Depends(_ctx)]
# What a command keeps in the database beside the read model (a conversation's text), in
# the same transaction as its answer's write, once the workflow has accepted it.
Then = Callable[[AsyncSession, CommandResult], Awaitable[None]]


async def run_command(
    ctx: Ctx, review_id: str, update: Update[C], cmd: C, then: Then | None = None
) -> ReviewOut:
    """Check the caller may see the review, send the update, write its answer to the
    read model (and `then`, if given) and answer with the review as it now stands
    (read-your-write)."""
    seen = await review_participants(ctx.session, review_id)
    if seen is None or not can_see(ctx.me, seen.manager_id, seen.employee_id):
        raise NotFound(f"review {review_id} not found")
    await ctx.session.commit()  # end the read: no connection is held while Temporal works
    answer = await _update(ctx, review_id, update, cmd, seen.phase)

    async def read(session: AsyncSession) -> Any:
        if then is not None:
            await then(session, answer)
        return await review_detail(session, review_id)

    try:
        detail = await write_answer_then(ctx.sessions, answer, read)
    except Exception as e:
        if unavailable(e):
            raise Unavailable(
                "the command took effect, but the database is not answering; retry with "
                "the same Idempotency-Key for its outcome",
                accepted=True,
            ) from e
        raise
    assert detail is not None  # the row was there before the update and is never deleted
    return review_out(detail, ctx.me, ctx.now)


async def _update(ctx: Ctx, review_id: str, update: Update[C], cmd: C, phase: str) -> CommandResult:
    handle = ctx.temporal.get_workflow_handle(review_id)
    try:
        async with asyncio.timeout(ctx.settings.command_timeout_seconds):
            result = await handle.execute_update(update, cmd, id=update_id(ctx, update))
    except WorkflowUpdateFailedError as e:
        raise from_update_failure(e) from None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as e:
        raise Unavailable(MAY_STILL_TAKE_EFFECT) from e
    except RPCError as e:
        if e.status in TRANSIENT:
            raise Unavailable(MAY_STILL_TAKE_EFFECT) from e
        raise from_rpc_error(e, review_id, phase) from None
    except RuntimeError as e:
        if not _cannot_connect(e):
            raise
        raise Unavailable("the workflow engine is not answering; try again in a moment") from e
    return result


def update_id(ctx: Ctx, update: Update[C]) -> str | None:
    """The client's key, scoped to who sends which command: two users, or one user's two
    commands, never share an update id by choosing the same key."""
    if ctx.idempotency_key is None:
        return None
    name = update.__name__  # type: ignore[attr-defined]  # the method the route names
    return f"{name}:{ctx.me.id}:{ctx.idempotency_key}"


def _cannot_connect(e: RuntimeError) -> bool:
    """A lazily connected client whose server is not there raises this, not an RPCError."""
    return str(e).startswith("Failed client connect")
