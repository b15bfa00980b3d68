"""A stack for command tests on either database: a pool of a chosen size shared by the API
and the worker (as in `samtale dev`), a team of employees, and reviews started for them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from samtale.mailsink import MailSink
from samtale.worker import build_worker
from store.db import PoolLimits, create_engine, session_factory
from store.directory import NewEmployee, add_employees
from store.migrate import upgrade
from store.models import Review
from tests.factories import HR, MANAGER, seed_people, working_slot
from tests.waiting import eventually


@dataclass
class Stack:
    api: httpx.AsyncClient
    sessions: async_sessionmaker
    settings: Settings

    def auth(self, employee_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, employee_id)}"}


def team(n: int) -> list[str]:
    return [f"t-{i:03d}" for i in range(n)]


async def seeded(url: str, limits: PoolLimits, members: int) -> AsyncEngine:
    """A migrated database with the test people and `members` reports of MANAGER."""
    engine = create_engine(url, limits)
    await upgrade(engine)
    async with session_factory(engine).begin() as session:
        await seed_people(session)
        await add_employees(
            session,
            [
                NewEmployee(e, f"Ansatt {e}", f"{e}@example.no", "nb", MANAGER.id)
                for e in team(members)
            ],
            now=datetime.now(UTC),
        )
    return engine


def app_client(
    settings: Settings, temporal: Client, sessions: async_sessionmaker, env: WorkflowEnvironment
) -> httpx.AsyncClient:
    app = create_app(settings, temporal=temporal, sessions=sessions, clock=env.get_current_time)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://samtale.test")


@asynccontextmanager
async def api_on(
    settings: Settings, temporal: Client, sessions: async_sessionmaker, env: WorkflowEnvironment
) -> AsyncIterator[Stack]:
    async with app_client(settings, temporal, sessions, env) as client:
        yield Stack(client, sessions, settings)


def stack_settings(database_url: str, sink: MailSink, **kw: Any) -> Settings:
    """Settings for a stack of its own: this database, this sink, a task queue per test."""
    return Settings(
        env="test",
        database_url=database_url,
        smtp_port=sink.port,
        task_queue=f"test-{uuid.uuid4()}",
        **kw,
    )


@asynccontextmanager
async def running_stack(
    settings: Settings,
    env: WorkflowEnvironment,
    *,
    limits: PoolLimits | None = None,
    members: int = 1,
    worker: bool = True,
) -> AsyncIterator[Stack]:
    """The API on a freshly seeded database (`members` reports of MANAGER), with the
    worker running unless `worker=False` (a test that runs its own)."""
    engine = await seeded(settings.database_url, limits or PoolLimits(), members)
    sessions = session_factory(engine)
    try:
        async with AsyncExitStack() as running:
            if worker:
                await running.enter_async_context(build_worker(env.client, settings, sessions))
            yield await running.enter_async_context(api_on(settings, env.client, sessions, env))
    finally:
        await engine.dispose()


async def start_reviews(
    stack: Stack, employee_ids: list[str], template: str | None = None
) -> dict[str, str]:
    """A cycle for these employees (on `template`, else the default), started through the
    API; once every review is in the read model, returns each review's id with its
    employee's."""
    cycle_id = f"c{uuid.uuid4().hex[:10]}"
    r = await stack.api.post(
        "/cycles",
        headers=stack.auth(HR.id),
        json={
            "id": cycle_id,
            "name": "Medarbeidersamtaler 2027",
            "year": 2027,
            "window_start": "2026-11-01",
            "window_end": "2028-12-31",
            "employee_ids": employee_ids,
            **({"template": template} if template else {}),
        },
    )
    assert r.status_code == 201, r.text

    async def all_listed() -> bool:
        async with stack.sessions() as session:
            n = await session.scalar(
                select(func.count()).select_from(Review).where(Review.cycle_id == cycle_id)
            )
        return n == len(employee_ids)

    await eventually(all_listed, f"{len(employee_ids)} reviews in the read model", seconds=60)
    async with stack.sessions() as session:
        rows = await session.execute(
            select(Review.id, Review.employee_id).where(Review.cycle_id == cycle_id)
        )
        return dict(rows.tuples().all())


async def meeting(env: WorkflowEnvironment) -> dict[str, object]:
    start = working_slot(await env.get_current_time() + timedelta(days=20), 10)
    return {
        "start": start.isoformat(),
        "duration_minutes": 60,
        "location_kind": "meeting_room",
        "location_text": "Fjordrommet",
    }
