"""The weekly manager digest: one email per manager with something to do, sent once a week.

It pages through managers in id order and heartbeats the last one done, so a
retried activity resumes where it stopped; each email's key (manager, ISO week)
makes a resend a no-op anyway.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio import activity

from activities.mail.mailer import TEAM_ACTIONS_PAGE, Heartbeat, Mailer
from activities.mail.smtp import PermanentSmtpError
from store.digests import ManagerDigest, digest_for, managers_with_news
from store.directory import as_person
from workflows.contracts import DigestResult, DigestRun, EmailKind, EmailRequest

PAGE = 200


class DigestActivities:
    def __init__(self, *, mailer: Mailer, sessions: async_sessionmaker) -> None:
        self._mailer = mailer
        self._sessions = sessions

    @activity.defn(name="send_manager_digests")
    async def send_manager_digests(self, run: DigestRun) -> DigestResult:
        now = activity.info().current_attempt_scheduled_time
        details = activity.info().heartbeat_details
        after = str(details[0]) if details else ""
        result = DigestResult()
        heartbeat = Heartbeat()
        while True:
            async with self._sessions() as session:
                ids = await managers_with_news(session, after=after, limit=PAGE)
                digests = [await digest_for(session, m, run.today) for m in ids]
            for manager_id, digest in zip(ids, digests, strict=True):
                if digest is not None:
                    await self._send(digest_request(digest, run.week), now, result, heartbeat)
                after = manager_id
                heartbeat.beat(after)
            if len(ids) < PAGE:
                return result

    async def _send(
        self, req: EmailRequest, now: datetime, result: DigestResult, heartbeat: Heartbeat
    ) -> None:
        try:
            outcome = await self._mailer.deliver(req, now, beat=heartbeat.again)
        except PermanentSmtpError:
            result.failed += 1  # recorded in the email log; one bad address stops nobody else
            return
        if outcome.status == "sent":
            result.sent += 1
        else:
            result.already_sent += 1


def digest_request(d: ManagerDigest, week: str) -> EmailRequest:
    def line(a) -> str:  # type: ignore[no-untyped-def]
        # Whose and when, never the title: an email carries no conversation text.
        return f"{a.owner_name}, {a.due.isoformat()}"

    return EmailRequest(
        key=f"manager-digest:{d.manager.id}:{week}",
        kind=EmailKind.MANAGER_DIGEST,
        review_id="",
        to=[as_person(d.manager)],
        context={
            "manager_name": d.manager.name,
            "to_schedule_list": "\n".join(d.to_schedule),
            "overdue_list": "\n".join(line(a) for a in d.overdue),
            "open_list": "\n".join(line(a) for a in d.open),
            "link_path": TEAM_ACTIONS_PAGE,
        },
    )
