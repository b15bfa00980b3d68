"""With a rate limit on the relay, review emails wait their turn in their own task queue, under
the worker's limits, not inside their one-minute attempt: a burst goes out paced, once each."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from samtale.mailsink import MailSink
from samtale.worker import build_worker
from tests.factories import meeting, review_input, working_slot
from tests.waiting import mail_arrived
from workflows.ids import email_task_queue
from workflows.review import ReviewWorkflow

BURST = 8
PER_SECOND = 4.0


async def test_a_burst_of_review_emails_is_paced_by_the_email_queue_and_sent_once_each(
    dev_server: WorkflowEnvironment,
    settings: Settings,
    sessions: async_sessionmaker,
    sink: MailSink,
) -> None:
    limited = settings.model_copy(update={"smtp_max_per_second": PER_SECOND})
    client = dev_server.client
    async with build_worker(client, limited, sessions):
        handles = []
        for _ in range(BURST):
            inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
            handles.append(
                await client.start_workflow(
                    ReviewWorkflow.run, inp, id=inp.review_id, task_queue=limited.task_queue
                )
            )
        start_at = working_slot(await dev_server.get_current_time() + timedelta(days=20))
        began = time.monotonic()
        for handle in handles:
            await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
        await mail_arrived(sink, "invitation", count=BURST)
        took = time.monotonic() - began
        history = await handles[0].fetch_history()
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(ids) == len(set(ids)) == BURST  # once each
    # Paced by the queue's rate: the last send started no sooner than the rate allows
    # (with slack for the server's token bucket, which lets a first few through at once).
    assert took >= (BURST - PER_SECOND) / PER_SECOND
    queues = [
        e.activity_task_scheduled_event_attributes.task_queue.name
        for e in history.events
        if e.activity_task_scheduled_event_attributes.activity_type.name == "send_email"
    ]
    assert queues == [email_task_queue(limited.task_queue)]
