"""A review's conversation through the API, on SQLite and PostgreSQL: the people of the
visibility matrix (employee, the manager holding the review, HR, the manager's manager,
another employee) and the steps of a walk (prepare, submit, hold, summarise, sign)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import update
from temporalio.testing import WorkflowEnvironment

from samtale.mailsink import MailSink
from store.directory import NewEmployee, add_employees
from store.models import Employee
from tests.api.commanding import Stack, meeting, running_stack, stack_settings, start_reviews
from tests.factories import EMPLOYEE, HR, MANAGER

SKIP_LEVEL = "m-top"  # the manager's manager
COLLEAGUE = "t-000"  # another employee, under the same manager


@dataclass
class Walk:
    """One review of EMPLOYEE, held by MANAGER, and the steps of its conversation."""

    stack: Stack
    env: WorkflowEnvironment
    sink: MailSink
    review_id: str

    @property
    def api(self) -> httpx.AsyncClient:
        return self.stack.api

    def url(self, path: str = "") -> str:
        return f"/reviews/{self.review_id}{path}"

    def as_(self, who: str) -> dict[str, str]:
        return self.stack.auth(who)

    async def get(self, path: str, who: str) -> httpx.Response:
        return await self.api.get(self.url(path), headers=self.as_(who))

    async def put(self, path: str, who: str, body: Any) -> httpx.Response:
        return await self.api.put(self.url(path), headers=self.as_(who), json=body)

    async def post(self, path: str, who: str, body: Any = None) -> httpx.Response:
        return await self.api.post(self.url(path), headers=self.as_(who), json=body)

    async def sign(self, who: str, body: dict[str, Any]) -> httpx.Response:
        """POST /signoff of the version the review holds now (as the employee read it),
        unless the body names one."""
        if "version" not in body:
            review = await self.ok(await self.get("", EMPLOYEE.id))
            body = {**body, "version": review["summary_version"]}
        return await self.post("/signoff", who, body)

    async def ok(self, r: httpx.Response) -> dict[str, Any]:
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def scheduled(self) -> str:
        """Scheduled and accepted: both sides may prepare. Returns the meeting's start."""
        body = await meeting(self.env)
        await self.ok(await self.post("/schedule", MANAGER.id, body))
        await self.ok(await self.post("/accept", EMPLOYEE.id))
        return str(body["start"])

    async def prepare(self, who: str, answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return await self.ok(await self.put("/preparation", who, {"answers": answers, **extra}))

    async def submit(self, who: str) -> dict[str, Any]:
        return await self.ok(await self.post("/preparation/submit", who))

    async def held(self, start: str) -> None:
        """The meeting's time has come and gone; the manager records it as held."""
        target = datetime.fromisoformat(start) + timedelta(hours=2)
        await self.env.sleep(target - await self.env.get_current_time())
        await self.ok(await self.post("/outcome", MANAGER.id, {"held": True}))

    async def today(self) -> date:
        return (await self.env.get_current_time()).astimezone(UTC).date()

    async def summarise(self, body: dict[str, Any]) -> httpx.Response:
        return await self.put("/summary", MANAGER.id, body)

    async def updates(self) -> list[str]:
        """The names of the updates the workflow accepted, in order."""
        history = await self.env.client.get_workflow_handle(self.review_id).fetch_history()
        return [
            e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
            for e in history.events
            if e.HasField("workflow_execution_update_accepted_event_attributes")
        ]

    async def history_json(self) -> str:
        history = await self.env.client.get_workflow_handle(self.review_id).fetch_history()
        return history.to_json()


async def _people(stack: Stack) -> None:
    """The manager gets a manager of their own (not HR): the skip level of the matrix."""
    async with stack.sessions.begin() as session:
        await add_employees(
            session,
            [NewEmployee(SKIP_LEVEL, "Tora Topp", "tora@example.no", "nb", HR.id)],
            now=datetime.now(UTC),
        )
        await session.execute(
            update(Employee).where(Employee.id == MANAGER.id).values(manager_id=SKIP_LEVEL)
        )


@pytest_asyncio.fixture
async def walk(
    database_url: str, time_env: WorkflowEnvironment, sink: MailSink
) -> AsyncIterator[Walk]:
    """A review of EMPLOYEE through the API, the worker and the sink, on either database."""
    settings = stack_settings(database_url, sink, base_url="https://samtale.example.no")
    async with running_stack(settings, time_env) as stack:
        await _people(stack)
        reviews = await start_reviews(stack, [EMPLOYEE.id])
        yield Walk(stack, time_env, sink, next(iter(reviews)))
