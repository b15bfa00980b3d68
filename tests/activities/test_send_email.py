"""send_email: one message per idempotency key, failures told apart and recorded."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.email import RELAY_ACCEPTED, EmailActivities
from activities.mail.mailer import Mailer
from activities.mail.smtp import TransientSmtpError
from core.settings import Settings
from samtale.mailsink import MailSink, free_port
from samtale.worker import mailer
from store.models import SentEmail
from tests.databases import seeded_database
from tests.factories import EMPLOYEE, MANAGER, body_text
from workflows.contracts import EmailKind, EmailRequest


@pytest_asyncio.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker]:
    """The email log on both databases (the suite's default is SQLite only)."""
    async for factory in seeded_database(database_url):
        yield factory


def invitation(key: str = "review-1:invitation:0") -> EmailRequest:
    return EmailRequest(
        key=key,
        kind=EmailKind.INVITATION,
        review_id="review-1",
        to=[EMPLOYEE],
        cc=[MANAGER],
        context={
            "employee_name": EMPLOYEE.name,
            "manager_name": MANAGER.name,
            "meeting_start": "2027-02-15T09:00:00+00:00",
            "duration_minutes": "60",
            "location_kind": "video",
            "location_text": "https://meet.example.no/x",
        },
    )


def activities(settings: Settings, sessions: async_sessionmaker) -> EmailActivities:
    return EmailActivities(mailer(settings, sessions))


async def row(sessions: async_sessionmaker, key: str) -> SentEmail:
    async with sessions() as session:
        found = await session.get(SentEmail, key)
    assert found is not None
    return found


async def test_a_retried_send_delivers_once(
    settings: Settings, sessions: async_sessionmaker, sink: MailSink
) -> None:
    act, env = activities(settings, sessions), ActivityEnvironment()
    first = await env.run(act.send_email, invitation())
    second = await env.run(act.send_email, invitation())
    assert (first.status, second.status) == ("sent", "already_sent")
    assert first.message_id == second.message_id
    assert len(sink.messages) == 1
    recorded = await row(sessions, "review-1:invitation:0")
    assert (recorded.status, recorded.attempts) == ("sent", 1)  # the skip counts no attempt


async def test_the_invitation_is_multipart_in_the_recipients_language(
    settings: Settings, sessions: async_sessionmaker, sink: MailSink
) -> None:
    await ActivityEnvironment().run(activities(settings, sessions).send_email, invitation())
    (msg,) = sink.messages
    assert msg.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    text = body_text(msg)
    assert "Dear Kari Nordmann" in text
    assert "at 10:00 (Oslo time)" in text  # 09:00 UTC is 10:00 in Oslo in February
    assert "https://samtale.example.no/conversations/review-1" in text
    assert '<a href="https://samtale.example.no/conversations/review-1">' in body_text(msg, "html")


async def test_a_refused_mailbox_fails_for_good_and_is_recorded(
    settings: Settings, sessions: async_sessionmaker, sink: MailSink
) -> None:
    sink.handler.refuse.add(EMPLOYEE.email)
    with pytest.raises(ApplicationError) as e:
        await ActivityEnvironment().run(activities(settings, sessions).send_email, invitation())
    assert e.value.type == "PermanentEmailFailure"
    assert e.value.non_retryable
    recorded = await row(sessions, "review-1:invitation:0")
    assert recorded.status == "failed"
    assert "550" in (recorded.last_error or "")


async def test_a_relay_that_is_down_is_a_retryable_error_and_counted(
    settings: Settings, sessions: async_sessionmaker
) -> None:
    down = settings.model_copy(update={"smtp_port": free_port()})
    act, env = activities(down, sessions), ActivityEnvironment()
    for _ in range(2):
        with pytest.raises(TransientSmtpError):
            await env.run(act.send_email, invitation())
    recorded = await row(sessions, "review-1:invitation:0")
    assert (recorded.status, recorded.attempts) == ("sending", 2)


class LogDownAfterTheRelay:
    """The database goes away between the relay taking a message and the log saying so:
    the first 'sent' mark fails, as it did for ten invitations in the fault run."""

    def __init__(self, mailer: Mailer) -> None:
        self.failed = False
        self._mark = mailer._mark

    async def __call__(self, key: str, status: str, *args: object, **kwargs: object) -> None:
        if status == "sent" and not self.failed:
            self.failed = True
            raise ConnectionRefusedError("the database is down")
        await self._mark(key, status, *args, **kwargs)  # type: ignore[arg-type]


async def test_a_send_whose_log_write_failed_after_the_relay_took_it_is_not_sent_again(
    settings: Settings, sessions: async_sessionmaker, sink: MailSink
) -> None:
    shared = mailer(settings, sessions)
    fault = LogDownAfterTheRelay(shared)
    shared._mark = fault  # type: ignore[method-assign]
    act, beats = EmailActivities(shared), []
    first = ActivityEnvironment()
    first.on_heartbeat = lambda *details: beats.append(details)
    with pytest.raises(ConnectionRefusedError):
        await first.run(act.send_email, invitation())
    assert fault.failed and len(sink.messages) == 1
    assert beats == [(RELAY_ACCEPTED,)]

    retry = ActivityEnvironment()  # the next attempt carries the last heartbeat's details
    retry.info = dataclasses.replace(retry.info, heartbeat_details=list(beats[-1]), attempt=2)
    outcome = await retry.run(act.send_email, invitation())
    assert outcome.status == "sent"
    assert len(sink.messages) == 1
    assert (await row(sessions, "review-1:invitation:0")).status == "sent"
