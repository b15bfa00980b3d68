"""A command whose answer the API could not write still reaches the read model: the review's
own backstop sync writes it once the review has been quiet for a few seconds."""

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
from tests.waiting import eventually
from workflows.review import SYNC_QUIET


class WritesRefused:
    """The API's sessions: reads work, a write transaction (sessions.begin()) finds the
    database gone, as when it goes away between the update and the answer's write."""

    def __init__(self, real: async_sessionmaker) -> None:
        self._real = real

    def __call__(self, **kw: Any) -> Any:
        return self._real(**kw)

    def begin(self) -> Any:
        raise OperationalError("begin", None, ConnectionRefusedError("database went away"))


async def test_a_command_whose_answer_the_api_could_not_write_reaches_the_read_model_anyway(
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

    assert not await shown(), "written by someone before the review was quiet"
    await time_env.sleep(SYNC_QUIET + SYNC_QUIET)
    await eventually(shown, "the scheduled meeting in the read model, from the backstop")
