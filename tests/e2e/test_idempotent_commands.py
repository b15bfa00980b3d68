"""A retry with the same Idempotency-Key after a timeout returns the first outcome and
never applies the command twice (one meeting, one invitation). On the dev server: the
time-skipping test server does not keep an update whose caller went away."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from samtale.mailsink import MailSink
from samtale.worker import build_worker
from tests.api.commanding import Stack, meeting, running_stack, stack_settings, start_reviews, team
from tests.api.test_command_deadlines import DEADLINE, assert_unavailable
from tests.factories import MANAGER, kinds
from tests.waiting import mail_arrived


@pytest_asyncio.fixture
async def bounded_stack(
    database_url: str, dev_server: WorkflowEnvironment, sink: MailSink
) -> AsyncIterator[Stack]:
    """The API on either database with a 1 s deadline, and no worker: the test runs its own."""
    settings = stack_settings(database_url, sink, command_timeout_seconds=DEADLINE)
    async with running_stack(settings, dev_server, worker=False) as stack:
        yield stack


async def test_a_retry_with_the_same_key_after_a_timeout_returns_the_first_outcome(
    bounded_stack: Stack, dev_server: WorkflowEnvironment, sink: MailSink
) -> None:
    stack = bounded_stack
    worker = lambda: build_worker(dev_server.client, stack.settings, stack.sessions)  # noqa: E731
    async with worker():
        [review_id] = await start_reviews(stack, team(1))
    body, manager = await meeting(dev_server), stack.auth(MANAGER.id)
    key = {"Idempotency-Key": f"schedule-{uuid.uuid4()}"}
    schedule = f"/reviews/{review_id}/schedule"

    # No worker runs: the update is with the server but nothing applies it in time.
    started = time.monotonic()
    timed_out = await stack.api.post(schedule, headers=manager | key, json=body)
    assert_unavailable(timed_out, time.monotonic() - started)
    assert "may still take effect" in timed_out.json()["message"]

    async with worker():
        # The first may take effect once a worker is back (the server kept it) or may not
        # (an update not yet accepted is not durable): either way the retry with the same
        # key answers the outcome of one schedule, and there is one invitation.
        for _ in range(10):  # as a client does: a 503 is retried, with the same key
            retried = await stack.api.post(schedule, headers=manager | key, json=body)
            if retried.status_code != 503:
                break
            await asyncio.sleep(float(retried.headers["Retry-After"]) / 4)
        assert retried.status_code == 200, retried.text
        assert retried.json()["phase"] == "invited"
        await mail_arrived(sink, "invitation")
        # A new key is a new command: refused, since the meeting is already set.
        again = await stack.api.post(
            schedule, headers=manager | {"Idempotency-Key": f"other-{uuid.uuid4()}"}, json=body
        )
        assert again.status_code == 409, again.text
    timeline = [e["kind"] for e in retried.json()["timeline"]]
    assert timeline == ["started", "scheduled"]
    assert kinds(sink.messages).count("invitation") == 1
