"""The same request several times at once, as a retrying client or a double click sends it:
each answers as one request would, never a 500, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from samtale.worker import build_worker
from store.models import Cycle, Employee
from tests.databases import seeded_database
from tests.factories import EMPLOYEE, HR

AT_ONCE = 8
ROUNDS = 4
HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date\n"
SEEDED = (  # the seeded people, so that the file takes nobody away
    "hr-1,Hilde HR,hr@example.no,nb,,HR,Konsern,,\n"
    "m-10,Ola Hansen,ola@example.no,nb,hr-1,Salg,Konsern,,\n"
    "e-100,Kari Nordmann,kari@example.no,en,m-10,Salg,Konsern,,\n"
    "m-20,Per Berg,per@example.no,nb,hr-1,Drift,Konsern,,\n"
)


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker]:
    async for factory in seeded_database(database_url):
        yield factory


@pytest_asyncio.fixture
async def api(
    time_env: WorkflowEnvironment, settings: Settings, db: async_sessionmaker
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings, temporal=time_env.client, sessions=db, clock=time_env.get_current_time
    )
    async with build_worker(time_env.client, settings, db):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


def hr(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, HR.id)}"}


async def test_the_same_cycle_posted_several_times_at_once_is_started_once(
    api: httpx.AsyncClient, settings: Settings, db: async_sessionmaker
) -> None:
    for _ in range(ROUNDS):
        cycle = {
            "id": f"c{uuid.uuid4().hex[:10]}",
            "name": "Medarbeidersamtaler 2027",
            "year": 2027,
            "window_start": "2026-11-01",
            "window_end": "2028-12-31",
            "employee_ids": [EMPLOYEE.id],
        }
        answers = await asyncio.gather(
            *(api.post("/cycles", json=cycle, headers=hr(settings)) for _ in range(AT_ONCE))
        )
        assert Counter(r.status_code for r in answers) == {201: AT_ONCE}, [r.text for r in answers]
        async with db() as session:
            count = await session.scalar(
                select(func.count()).select_from(Cycle).where(Cycle.id == cycle["id"])
            )
        assert count == 1


async def test_the_same_import_posted_several_times_at_once_adds_each_joiner_once(
    api: httpx.AsyncClient, settings: Settings, db: async_sessionmaker
) -> None:
    for n in range(ROUNDS):
        joiners = "".join(  # this round's, and the earlier rounds' again
            f"j{k}-{i},Ny Ansatt {i},ny{k}.{i}@example.no,nb,m-20,Drift,Konsern,,\n"
            for k in range(n + 1)
            for i in range(3)
        )
        text = HEADER + SEEDED + joiners
        answers = await asyncio.gather(
            *(
                api.post(
                    "/imports/employees",
                    content=text,
                    headers=hr(settings) | {"Content-Type": "text/csv"},
                )
                for _ in range(AT_ONCE)
            )
        )
        assert Counter(r.status_code for r in answers) == {200: AT_ONCE}, [r.text for r in answers]
        added = [e for r in answers for e in r.json()["added"]]
        assert sorted(added) == [f"j{n}-{i}" for i in range(3)]
        async with db() as session:
            active = await session.scalar(
                select(func.count()).select_from(Employee).where(Employee.active.is_(True))
            )
        assert active == 4 + 3 * (n + 1)


async def test_two_different_cycles_under_one_id_at_once_one_starts_the_other_is_a_409(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    for _ in range(ROUNDS):
        first = {
            "id": f"c{uuid.uuid4().hex[:10]}",
            "name": "Medarbeidersamtaler 2027",
            "year": 2027,
            "window_start": "2026-11-01",
            "window_end": "2028-12-31",
            "employee_ids": [EMPLOYEE.id],
        }
        second = first | {"window_end": "2028-06-30"}
        bodies = [first, second] * (AT_ONCE // 2)
        answers = await asyncio.gather(
            *(api.post("/cycles", json=b, headers=hr(settings)) for b in bodies)
        )
        by_body = {
            b["window_end"]: {r.status_code for r, c in zip(answers, bodies, strict=True) if c is b}
            for b in (first, second)
        }
        assert sorted(map(tuple, by_body.values())) == [(201,), (409,)], by_body


async def test_the_same_employee_added_several_times_at_once_is_added_once(
    api: httpx.AsyncClient, settings: Settings, db: async_sessionmaker
) -> None:
    for _ in range(ROUNDS):
        new = f"e-{uuid.uuid4().hex[:8]}"
        body = [{"id": new, "name": "Nora Lie", "email": f"{new}@example.no", "manager_id": "m-10"}]
        answers = await asyncio.gather(
            *(api.post("/employees", json=body, headers=hr(settings)) for _ in range(AT_ONCE))
        )
        statuses = Counter(r.status_code for r in answers)
        assert statuses[201] == 1, [r.text for r in answers]
        assert set(statuses) <= {201, 409, 422}, [r.text for r in answers]
        async with db() as session:
            count = await session.scalar(
                select(func.count()).select_from(Employee).where(Employee.id == new)
            )
        assert count == 1
