"""Email throughput: the send_email activity path against a bare aiosmtplib loop.

Both send the same number of messages to the same local aiosmtpd sink in the
same run. The activity path does everything a review's email does: render both
languages' templates, claim the idempotency key in the email log (SQLite by
default), compose multipart/iCalendar, send over a pooled connection, record the
outcome. The bare loop sends the same messages, composed before its clock starts,
over one open connection.

    python bench/email.py [--messages 500] [--concurrency 1] [--database-url URL]

With --database-url the schema is migrated into that database and the email log
keeps the run's rows (keys unique per run); use a scratch database.

It also prints each side's CPU per message (this process's, so the sink's share too;
steadier than msg/s on a loaded machine) and the email log's statements per message.

Last line: ratio=<activity path messages/s ÷ bare loop messages/s> (1.0 is as fast
as bare SMTP; higher is better).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/email.py`, this file's folder comes first on sys.path and its
# name would hide the standard library's `email` package: put the repository there.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import aiosmtplib  # noqa: E402
from sqlalchemy import event  # noqa: E402
from temporalio.testing import ActivityEnvironment  # noqa: E402

from activities.email import EmailActivities  # noqa: E402
from activities.mail.compose import Outgoing, compose  # noqa: E402
from activities.mail.ical import build_ics, invite_for  # noqa: E402
from activities.mail.templates import render  # noqa: E402
from core.settings import Settings  # noqa: E402
from samtale.mailsink import MailSink  # noqa: E402
from samtale.worker import mailer  # noqa: E402
from store.db import create_engine, session_factory  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from workflows.contracts import EmailKind, EmailRequest, Person  # noqa: E402

EMPLOYEE = Person("e-1", "Kari Hansen", "kari@example.no", "nb")
MANAGER = Person("m-1", "Ola Nordmann", "ola@example.no", "en")


def request(n: int) -> EmailRequest:
    return EmailRequest(
        key=f"bench-{n}:invitation:0",
        kind=EmailKind.INVITATION,
        review_id=f"bench-{n}",
        to=[EMPLOYEE],
        cc=[MANAGER],
        context={
            "employee_name": EMPLOYEE.name,
            "manager_name": MANAGER.name,
            "manager_email": MANAGER.email,
            "meeting_start": "2027-02-15T09:00:00+00:00",
            "duration_minutes": "60",
            "location_kind": "meeting_room",
            "location_text": "Fjordrommet",
            "sequence": "0",
        },
    )


def prebuilt(n: int) -> Outgoing:
    """The very message the activity path sends, composed before the clock starts."""
    req = request(n)
    link = f"http://localhost:8000/reviews/{req.review_id}"
    rendered = render(req.kind, req.language, req.context, recipient=EMPLOYEE.name, link=link)
    now = datetime.now(UTC)
    invite = invite_for(req, domain="samtale.local", stamp=now, link=link)
    assert invite is not None
    return compose(
        req,
        rendered,
        sender="samtale@samtale.local",
        reply_to=None,
        domain="samtale.local",
        date=now,
        calendar=(build_ics(invite), invite.method),
    )


@dataclass
class Run:
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's, the sink's thread included
    statements: int = 0


async def bare_loop(port: int, n: int) -> Run:
    messages = [prebuilt(i) for i in range(n)]
    run = Run()
    started, cpu = time.perf_counter(), time.process_time()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as smtp:
        for m in messages:
            await smtp.sendmail(m.sender, m.recipients, m.data)
    run.seconds, run.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return run


async def activity_path(port: int, n: int, database_url: str, concurrency: int) -> Run:
    engine = create_engine(database_url)
    await upgrade(engine)
    run = Run()

    def count(*_args: object) -> None:
        run.statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    settings = Settings(env="test", smtp_port=port, smtp_pool_size=concurrency)
    activities = EmailActivities(mailer(settings, session_factory(engine)))
    env = ActivityEnvironment()
    queue = list(range(n))

    async def lane() -> None:
        while queue:
            await env.run(activities.send_email, request(queue.pop()))

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    run.seconds, run.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    await engine.dispose()
    return run


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="activity sends in flight at once (a worker runs many)",
    )
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    n = args.messages
    with tempfile.TemporaryDirectory() as tmp, MailSink() as sink:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        bare = await bare_loop(sink.port, n)
        sink.handler.messages.clear()
        path = await activity_path(sink.port, n, url, args.concurrency)
        assert len(sink.messages) == n, f"sink got {len(sink.messages)} of {n}"
    bare_rate, path_rate = n / bare.seconds, n / path.seconds
    print(f"messages: {n}, database: {url.split(':')[0]}, activity concurrency: {args.concurrency}")
    for name, run, rate in (
        ("bare aiosmtplib loop:", bare, bare_rate),
        ("send_email activity:", path, path_rate),
    ):
        cpu_ms = 1000 * run.cpu_seconds / n
        print(f"{name:22} {run.seconds:7.2f} s  {rate:8.1f} msg/s  {cpu_ms:5.2f} ms CPU/msg")
    print(f"statements per message: {path.statements / n:.2f} (the email log's)")
    print(f"ratio={path_rate / bare_rate:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
