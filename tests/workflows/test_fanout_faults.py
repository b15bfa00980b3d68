"""A fan-out (a re-import's leavers, a cancelled cycle's reviews) that meets a passing Temporal
error retries: only "no such review" and "it has ended already" mean nothing to do."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowUpdateInput,
    WorkflowUpdateHandle,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from samtale.worker import build_worker
from tests.factories import HR
from tests.importing import confirmed_import
from tests.waiting import eventually
from tests.workflows.test_cycle_changes import CEO, E1, HEADER, M1, M2, review, started_cycle


class UnavailableOnce(Interceptor):
    """The first `cancel` update sent through this client fails as if Temporal's frontend
    were briefly unreachable; every later call goes through."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Outbound(next, self)


class _Outbound(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, fault: UnavailableOnce) -> None:
        super().__init__(next)
        self._fault = fault

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[object]:
        if input.update == "cancel" and not self._fault.failed:
            self._fault.failed.append(input.id)
            raise RPCError("frontend unavailable", RPCStatusCode.UNAVAILABLE, b"")
        return await super().start_workflow_update(input)


def through(client: Client, fault: Interceptor) -> Client:
    """The same connection, with `fault` on every call (the worker's activities use it)."""
    config = client.config()
    config["interceptors"] = [fault]
    return Client(**config)


@pytest_asyncio.fixture
async def api(
    time_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings, temporal=time_env.client, sessions=sessions, clock=time_env.get_current_time
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client


async def test_a_leaver_s_review_is_cancelled_after_a_passing_temporal_error(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: async_sessionmaker,
) -> None:
    fault = UnavailableOnce()
    faulty = through(time_env.client, fault)
    hr = {"Authorization": f"Bearer {issue_token(settings, HR.id)}"}
    async with build_worker(faulty, settings, sessions):
        cycle = await started_cycle(api, hr, sessions)
        without_e2 = HEADER + CEO + M1 + M2 + E1
        r = await confirmed_import(api, without_e2, hr)
        assert r.status_code == 200, r.text

        async def leaver_cancelled() -> bool:
            leaver = await review(sessions, cycle, "e2")
            return leaver is not None and leaver.phase == "cancelled"

        await eventually(leaver_cancelled, "the leaver's review cancelled", seconds=30)
    assert len(fault.failed) == 1  # the fault happened, and the retry got through


async def test_a_cancelled_cycle_s_reviews_are_all_cancelled_after_a_passing_temporal_error(
    api: httpx.AsyncClient,
    time_env: WorkflowEnvironment,
    settings: Settings,
    sessions: async_sessionmaker,
) -> None:
    fault = UnavailableOnce()
    faulty = through(time_env.client, fault)
    hr = {"Authorization": f"Bearer {issue_token(settings, HR.id)}"}
    async with build_worker(faulty, settings, sessions):
        cycle = await started_cycle(api, hr, sessions)
        r = await api.post(f"/cycles/{cycle}/cancel", json={"reason": "Reorganisation"}, headers=hr)
        assert r.status_code == 200, r.text

        async def all_cancelled() -> bool:
            found = [await review(sessions, cycle, e) for e in ("m1", "m2", "e1", "e2")]
            return all(f is not None and f.phase == "cancelled" for f in found)

        await eventually(all_cancelled, "every review of the cycle cancelled", seconds=30)
    assert len(fault.failed) == 1
