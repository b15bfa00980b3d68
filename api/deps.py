"""FastAPI dependencies as Annotated aliases; resources come from the app's state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.auth import subject_of
from api.errors import Forbidden, Unauthorized
from core.settings import Settings
from store.directory import get_employee
from store.models import Employee

_bearer = HTTPBearer(auto_error=False, description="A token from `samtale token EMPLOYEE_ID`")


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _temporal(request: Request) -> Client:
    return request.app.state.temporal  # type: ignore[no-any-return]


def _sessions(request: Request) -> async_sessionmaker:
    return request.app.state.sessions  # type: ignore[no-any-return]


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """Routes that write commit explicitly; anything not committed is rolled back."""
    async with request.app.state.sessions() as session:
        yield session


async def _now(request: Request) -> datetime:
    """Now, by the app's clock: the host's, or the test server's under time-skipping."""
    return await request.app.state.clock()  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(_settings)]
NowDep = Annotated[datetime, Depends(_now)]
TemporalDep = Annotated[Client, Depends(_temporal)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
SessionsDep = Annotated[async_sessionmaker, Depends(_sessions)]


async def _current_user(
    settings: SettingsDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Employee:
    if credentials is None:
        raise Unauthorized("send a bearer token: Authorization: Bearer <token>")
    employee = await get_employee(session, subject_of(settings, credentials.credentials))
    if employee is None or not employee.active:
        raise Unauthorized("the token's employee is unknown or no longer active")
    return employee


CurrentUser = Annotated[Employee, Depends(_current_user)]


async def _hr_user(request: Request, me: CurrentUser) -> Employee:
    """The one HR check: routes for HR take `HrUser` instead of `CurrentUser`."""
    if not me.is_hr:
        raise Forbidden(f"only HR can {request.method} {request.url.path}")
    return me


HrUser = Annotated[Employee, Depends(_hr_user)]
