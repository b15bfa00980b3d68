"""Many commands at once on a tiny pool: nothing holds a connection while Temporal works,
so the API and the worker's activities, sharing two connections, never starve each other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from samtale.mailsink import MailSink
from store.db import PoolLimits
from store.models import ReviewEvent
from tests.api.commanding import Stack, meeting, running_stack, stack_settings, start_reviews, team
from tests.factories import MANAGER

CONCURRENT = 30
# Two connections, no overflow; a request that cannot get one within 15 s fails (500
# before this change: requests held theirs while awaiting the update, then wanted another).
TINY = PoolLimits(size=2, max_overflow=0, timeout=15)


@pytest_asyncio.fixture
async def tiny_stack(
    database_url: str, time_env: WorkflowEnvironment, sink: MailSink
) -> AsyncIterator[Stack]:
    settings = stack_settings(database_url, sink)
    async with running_stack(settings, time_env, limits=TINY, members=CONCURRENT) as stack:
        yield stack


async def test_thirty_concurrent_commands_all_succeed_on_a_pool_of_two(
    tiny_stack: Stack, time_env: WorkflowEnvironment
) -> None:
    stack = tiny_stack
    reviews = await start_reviews(stack, team(CONCURRENT))
    body = await meeting(time_env)

    async def schedule(review_id: str) -> httpx.Response:
        return await stack.api.post(
            f"/reviews/{review_id}/schedule", headers=stack.auth(MANAGER.id), json=body
        )

    async def accept(review_id: str) -> httpx.Response:
        return await stack.api.post(
            f"/reviews/{review_id}/accept", headers=stack.auth(reviews[review_id])
        )

    scheduled = await asyncio.gather(*(schedule(r) for r in reviews))
    assert [(r.status_code, r.json()["phase"]) for r in scheduled] == [(200, "invited")] * len(
        reviews
    ), [r.text for r in scheduled if r.status_code != 200][:3]
    accepted = await asyncio.gather(*(accept(r) for r in reviews))
    assert [(r.status_code, r.json()["phase"]) for r in accepted] == [(200, "preparing")] * len(
        reviews
    ), [r.text for r in accepted if r.status_code != 200][:3]
    # Each answer read its own write, and no event was written twice.
    assert all(
        [e["kind"] for e in r.json()["timeline"]] == ["started", "scheduled", "accepted"]
        for r in accepted
    )
    async with stack.sessions() as session:
        events = await session.scalar(
            select(func.count()).select_from(ReviewEvent).where(ReviewEvent.review_id.in_(reviews))
        )
    assert events == 3 * len(reviews)
