"""FastAPI dependencies as Annotated aliases; resources come from the app's state."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.auth import ALGORITHM, EmployeeKey, Provider, algorithm_of, employee_key, subject_of
from api.errors import Conflict, Forbidden, Unauthorized, Unavailable
from core.settings import Settings
from store.db import unavailable
from store.directory import employee_by_email
from store.models import Employee
from store.queries import active_employee

_bearer = HTTPBearer(
    auto_error=False,
    description="The sign-in provider's access token (RS256), or in development one from "
    "`samtale token EMPLOYEE_ID`",
)


# The resource dependencies are `async def` though they never await: FastAPI runs a plain
# `def` dependency in its thread pool, a thread hop per dependency per request for a getattr.
async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _temporal(request: Request) -> Client:
    return request.app.state.temporal  # type: ignore[no-any-return]


async def _sessions(request: Request) -> async_sessionmaker:
    return request.app.state.sessions  # type: ignore[no-any-return]


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request, owned here (STYLE 4, 16): committed when the route
    returns, before the answer is sent; rolled back when it raises. A database that
    cannot answer (down, refusing, no free connection in time) is a 503, not a 500.

    A route that awaits Temporal ends its transaction first (api/commands.py), so the
    session's next query takes a connection afresh and none is held while it waits."""
    async with request.app.state.sessions() as session:
        try:
            yield session
            await session.commit()
        except Exception as e:
            with contextlib.suppress(Exception):
                await session.rollback()  # best effort: the connection may be gone
            if unavailable(e):
                raise Unavailable("the database is not answering; try again in a moment") from e
            if isinstance(e, IntegrityError):
                # Checked first, yet taken by a request at the same moment (a double click,
                # a retry): the database refused this one whole, so nothing of it applies.
                raise Conflict(
                    "another request changed the same records at the same moment; nothing "
                    "of this one was applied: read what is there now, and try again if needed",
                    rule="concurrent",
                ) from e
            raise


async def _now(request: Request) -> datetime:
    """Now, by the app's clock: the host's, or the test server's under time-skipping."""
    return await request.app.state.clock()  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(_settings)]
NowDep = Annotated[datetime, Depends(_now)]
TemporalDep = Annotated[Client, Depends(_temporal)]
# Function scope: the commit runs before the answer is sent, so a failed commit is the
# answer (FastAPI's default scope would close the session after sending a 200).
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
SessionsDep = Annotated[async_sessionmaker, Depends(_sessions)]


def provider_of(request: Request) -> Provider | None:
    """The organisation's OpenID provider, if sign-in is configured (app.state.oidc)."""
    return request.app.state.oidc  # type: ignore[no-any-return]


async def employee_by_key(session: AsyncSession, key: EmployeeKey) -> Employee | None:
    """The active employee a token or a sign-in names; None for nobody (or a leaver)."""
    if key.field == "email":
        return await employee_by_email(session, key.value)
    return await active_employee(session, key.value)


async def _current_user(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Employee:
    """The token's employee, looked up in the database on every request, by one prebuilt
    statement (store/queries.py `active_employee`).

    Not cached across requests, by choice: the lookup costs one round trip (about 0.6 ms
    of CPU on SQLite, measured by bench/request_path.py; the statement's own work is a
    small part of it), and a per-process cache would let a leaver, or someone who is no
    longer HR, keep their rights for its lifetime in every process but the one that
    imported the change. Looked up afresh, an employee marked inactive is refused on
    their next request, whichever process serves it."""
    if credentials is None:
        raise Unauthorized("send a bearer token: Authorization: Bearer <token>")
    token = credentials.credentials
    provider = provider_of(request)
    if algorithm_of(token) == ALGORITHM or provider is None:
        employee = await active_employee(session, subject_of(settings, token))
    else:
        claims = await provider.verify(token, audience=settings.api_audience)
        employee = await employee_by_key(session, employee_key(settings, claims))
    if employee is None:
        raise Unauthorized("the token's employee is unknown or no longer active")
    return employee


CurrentUser = Annotated[Employee, Depends(_current_user)]


async def _hr_user(request: Request, me: CurrentUser) -> Employee:
    """The one HR check: routes for HR take `HrUser` instead of `CurrentUser`."""
    if not me.is_hr:
        raise Forbidden(f"only HR can {request.method} {request.url.path}")
    return me


HrUser = Annotated[Employee, Depends(_hr_user)]
