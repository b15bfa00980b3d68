"""A command the API could not finish (the database went away after the update) answers 503
saying it took effect, and the read model holds it: the review wrote it in the update's own
workflow task, before it answered (patch write-in-task)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from tests.api.commanding import app_client, meeting
from tests.api.conftest import Auth
from tests.factories import MANAGER


class WritesRefused:
    """The API's sessions: reads work, a write transaction (sessions.begin()) finds the
    database gone, as when it goes away between the update and the answer's write."""

    def __init__(self, real: async_sessionmaker) -> None:
        self._real = real

    def __call__(self, **kw: Any) -> Any:
        return self._real(**kw)

    def begin(self) -> Any:
        raise OperationalError("begin", None, ConnectionRefusedError("database went away"))


async def test_a_command_the_api_could_not_finish_is_in_the_read_model_all_the_same(
    api: httpx.AsyncClient,
    auth: Auth,
    review_id: str,
    settings: Settings,
    sessions: async_sessionmaker,
    time_env: WorkflowEnvironment,
) -> None:
    refused = WritesRefused(sessions)
    async with app_client(settings, time_env.client, refused, time_env) as cut_off:  # type: ignore[arg-type]
        r = await cut_off.post(
            f"/reviews/{review_id}/schedule",
            headers=auth(MANAGER.id),
            json=await meeting(time_env),
        )
    assert r.status_code == 503, r.text
    assert "took effect" in r.json()["message"]

    async def shown() -> bool:
        detail = (await api.get(f"/reviews/{review_id}", headers=auth(MANAGER.id))).json()
        return (detail["phase"], [e["kind"] for e in detail["timeline"]]) == (
            "invited",
            ["started", "scheduled"],
        )

    assert await shown(), "the review answered before its change was in the read model"
