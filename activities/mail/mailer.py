"""Deliver one EmailRequest at most once: render, log, compose, send, record the outcome.

The single place that knows the send-once protocol; the send_email activity and
the digest activity both deliver through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity

from activities.mail.compose import compose, message_id
from activities.mail.ical import build_ics, invite_for
from activities.mail.smtp import Beat, PermanentSmtpError, SmtpSender, TransientSmtpError
from activities.mail.templates import render
from store import emails as log
from store.db import finish_even_if_cancelled
from workflows.contracts import EmailOutcome, EmailRequest


def review_page(review_id: str) -> str:
    """The path of a review's web page, where "Åpne samtalen" leads (web/ serves it): the
    one place it is built, so the emails and the pages cannot disagree."""
    return f"/conversations/{quote(review_id, safe=':')}"


# The other pages emails link to, built here for the same reason (web/ serves them).
TEAM_ACTIONS_PAGE = "/team/actions"  # the manager's action board: the digest's link


def team_page(cycle_id: str) -> str:
    """The manager's team page, for one cycle's conversations: the kickoff's link."""
    return f"/team?cycle_id={quote(cycle_id, safe='')}"


def cycle_page(cycle_id: str) -> str:
    """HR's page of one cycle (its funnel and slipping list): the HR digest's link."""
    return f"/hr/cycles/{quote(cycle_id, safe='')}"


@dataclass(frozen=True)
class MailConfig:
    sender: str
    reply_to: str | None
    domain: str
    base_url: str


class Mailer:
    def __init__(
        self, *, smtp: SmtpSender, sessions: async_sessionmaker, config: MailConfig
    ) -> None:
        self._smtp = smtp
        self._sessions = sessions
        self._config = config

    def link(self, req: EmailRequest) -> str:
        base = self._config.base_url.rstrip("/")
        return f"{base}{req.context.get('link_path') or review_page(req.review_id)}"

    async def deliver(
        self,
        req: EmailRequest,
        now: datetime,
        *,
        beat: Beat | None = None,
        accepted: Callable[[], None] | None = None,
    ) -> EmailOutcome:
        """Raises PermanentSmtpError (recorded as failed) or TransientSmtpError (retry).
        `beat` keeps a bulk activity's heartbeat going while the send waits its turn;
        `accepted` is told the moment the relay has taken the message, before the log
        says so (the log's write can fail: the database down between the two)."""
        c = self._config
        mid = message_id(req.key, c.domain)
        link = self.link(req)
        rendered = render(req.kind, req.language, req.context, recipient=req.to[0].name, link=link)
        if not await finish_even_if_cancelled(self._claim(req, rendered.subject, mid, now)):
            return EmailOutcome(key=req.key, status="already_sent", message_id=mid)
        invite = invite_for(req, domain=c.domain, stamp=now, link=link)
        message = compose(
            req,
            rendered,
            sender=c.sender,
            reply_to=c.reply_to,
            domain=c.domain,
            date=now,
            calendar=(build_ics(invite), invite.method) if invite else None,
        )
        try:
            await self._smtp.send(message, beat=beat)
        except PermanentSmtpError as e:
            await self._mark(req.key, log.FAILED, now, str(e))
            raise
        except TransientSmtpError as e:
            await self._mark(req.key, log.SENDING, now, str(e))
            raise
        if accepted is not None:
            accepted()
        return await self.record_sent(req, now)

    async def record_sent(self, req: EmailRequest, now: datetime) -> EmailOutcome:
        """Log a message the relay has taken as sent."""
        await self._mark(req.key, log.SENT, now)
        return EmailOutcome(
            key=req.key, status="sent", message_id=message_id(req.key, self._config.domain)
        )

    async def _claim(self, req: EmailRequest, subject: str, mid: str, now: datetime) -> bool:
        async with self._sessions.begin() as session:
            return await log.claim(
                session,
                key=req.key,
                review_id=req.review_id,
                kind=req.kind.value,
                language=req.language,
                to_addrs=[p.email for p in req.to],
                cc_addrs=[p.email for p in req.cc],
                subject=subject,
                message_id=mid,
                now=now,
            )

    async def _mark(self, key: str, status: str, now: datetime, error: str | None = None) -> None:
        async def mark() -> None:
            async with self._sessions.begin() as session:
                await log.mark(session, key, status=status, now=now, error=error)

        await finish_even_if_cancelled(mark())


class Heartbeat:
    """An activity's heartbeat that can be repeated: a paced send heartbeats with the
    details last given, so a retry still resumes from the activity's own cursor."""

    def __init__(self) -> None:
        self._details: tuple[object, ...] = ()

    def beat(self, *details: object) -> None:
        self._details = details
        activity.heartbeat(*details)

    def again(self) -> None:
        activity.heartbeat(*self._details)
