"""What a request costs outside Temporal: the middleware, the dependencies and the reads.

Seeds one review (3 actions, 12 timeline events, 4 emails) into a fresh database (a SQLite
file, or the PostgreSQL database given) and drives the app in-process (httpx over ASGI; no
network, no Temporal), one request at a time or from `--clients` concurrent clients:

- `bare`: a bare Starlette route that answers the same JSON bytes as GET /reviews/{id}
  (the floor: ASGI, httpx, JSON bytes);
- `deps`: a route behind a command's dependencies (api/commands.py `Ctx`: settings,
  sessions, the current user) that answers `{}`;
- `read`: GET /reviews/{id} (the current user, `review_detail`, `review_out`);
- `command`: a command without its update: the dependencies, `review_participants`, the
  commit, then `review_detail` and `review_out` in a second transaction (what
  `run_command` does around the update and the read-model write).

    python bench/request_path.py [--requests 2000] [--rounds 5] [--clients 1] [--database-url URL]

Rounds interleave the subjects so that a neighbour's load falls on all of them alike.
Prints, per subject, CPU per request (process time; the load-robust figure), p50/p99 of
wall time, SQL statements per request, and each one's ratio to `bare`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx  # noqa: E402
from sqlalchemy import event, insert  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402
from api.commands import CtxDep  # noqa: E402
from api.reviews_view import can_see, review_out  # noqa: E402
from api.schemas import ReviewOut  # noqa: E402
from bench.read_api import percentile  # noqa: E402
from core.settings import Settings  # noqa: E402
from store.db import create_engine, session_factory  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import (  # noqa: E402
    ActionItem,
    Cycle,
    Employee,
    OrgUnit,
    Review,
    ReviewEvent,
    SentEmail,
)
from store.queries import review_detail, review_participants  # noqa: E402
from workflows.contracts import Policy  # noqa: E402

REVIEW = "review-2027-e-1"
MANAGER, EMPLOYEE, HR = "m-1", "e-1", "hr-1"


async def seed(engine: AsyncEngine) -> None:
    await upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    people = [
        (HR, None, True),
        (MANAGER, HR, False),
        (EMPLOYEE, MANAGER, False),
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(OrgUnit), [{"id": "u", "parent_id": None}])
        await conn.execute(
            insert(Employee),
            [
                {
                    "id": i,
                    "name": f"Person {i}",
                    "email": f"{i}@example.no",
                    "language": "nb",
                    "manager_id": m,
                    "is_hr": hr,
                    "active": True,
                    "created_at": now,
                    "org_unit_id": "u",
                }
                for i, m, hr in people
            ],
        )
        await conn.execute(
            insert(Cycle),
            [
                {
                    "id": "2027",
                    "name": "Medarbeidersamtaler 2027",
                    "year": 2027,
                    "window_start": date(2027, 1, 1),
                    "window_end": date(2027, 12, 31),
                    "created_by": HR,
                    "created_at": now,
                    "policy": json.dumps(asdict(Policy(notice_days=10))),
                }
            ],
        )
        meeting = (now + timedelta(days=20)).replace(hour=9, minute=0, second=0)
        await conn.execute(
            insert(Review),
            [
                {
                    "id": REVIEW,
                    "cycle_id": "2027",
                    "employee_id": EMPLOYEE,
                    "manager_id": MANAGER,
                    "org_unit_id": "u",
                    "phase": "follow_up",
                    "version": 12,
                    "started_at": now - timedelta(days=60),
                    "phase_since": now - timedelta(days=3),
                    "updated_at": now,
                    "meeting_start": meeting,
                    "meeting_duration_minutes": 60,
                    "location_kind": "room",
                    "location_text": "Rom 3",
                    "meeting_sequence": 1,
                    "meeting_held": True,
                    "employee_prepared": True,
                    "manager_prepared": True,
                    "summary": "We talked.",
                    "summary_version": 2,
                    "decision": "approve",
                    "hms_categories": "workload,safety",
                }
            ],
        )
        await conn.execute(
            insert(ActionItem),
            [
                {
                    "review_id": REVIEW,
                    "number": k,
                    "title": f"Action {k}",
                    "owner_id": EMPLOYEE,
                    "manager_id": MANAGER,
                    "due": date.today() + timedelta(days=30 * k - 40),
                    "done_at": now if k == 1 else None,
                    "kind": "course" if k == 2 else "other",
                }
                for k in (1, 2, 3)
            ],
        )
        await conn.execute(
            insert(ReviewEvent),
            [
                {
                    "review_id": REVIEW,
                    "seq": s,
                    "at": now - timedelta(days=50 - s),
                    "kind": "action_completed" if s == 11 else f"event_{s}",
                    "actor_id": MANAGER,
                    "detail": f"detail {s}",
                }
                for s in range(1, 13)
            ],
        )
        await conn.execute(
            insert(SentEmail),
            [
                {
                    "key": f"{REVIEW}:{k}",
                    "review_id": REVIEW,
                    "kind": k,
                    "language": "nb",
                    "to_addrs": f"{EMPLOYEE}@example.no",
                    "cc_addrs": "",
                    "subject": f"Subject {k}",
                    "message_id": f"<{k}@samtale>",
                    "status": "sent",
                    "attempts": 1,
                    "first_attempt_at": now - timedelta(days=40 - n),
                    "sent_at": now - timedelta(days=40 - n),
                }
                for n, k in enumerate(("invitation", "reminder", "summary", "action_overdue"))
            ],
        )


def bench_app(settings: Settings, engine: AsyncEngine) -> Any:
    """The real app, plus two routes that stop where the subjects `deps` and `command` do."""
    app = create_app(settings, temporal=None, sessions=session_factory(engine))  # type: ignore[arg-type]

    @app.get("/bench/deps")
    async def deps(ctx: CtxDep) -> dict[str, str]:
        return {}

    @app.get("/bench/command/{review_id}", response_model=ReviewOut)
    async def command(review_id: str, ctx: CtxDep) -> ReviewOut:
        seen = await review_participants(ctx.session, review_id)
        assert seen is not None and can_see(ctx.me, seen.manager_id, seen.employee_id)
        await ctx.session.commit()
        async with ctx.sessions.begin() as session:  # the read-model write's transaction
            detail = await review_detail(session, review_id)
        assert detail is not None
        return review_out(detail, ctx.me, ctx.now)

    # First in the routing table, as the review routes nearly are: matching a path walks the
    # routes in order, and these must not pay for the ~70 before them.
    routes = app.router.routes
    routes[:0] = [routes.pop(), routes.pop()]
    return app


Call = Callable[[], Awaitable[httpx.Response]]


async def run(
    call: Call, n: int, statements: list[int], clients: int = 1
) -> tuple[float, list[float], float]:
    """CPU ms per request, wall ms of each, SQL statements per request: n requests, sent
    by `clients` concurrent clients."""
    before_sql = statements[0]
    walls: list[float] = []

    async def client(k: int) -> None:
        for _ in range(k):
            t = time.perf_counter()
            r = await call()
            walls.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text

    cpu = time.process_time()
    await asyncio.gather(*(client(n // clients) for _ in range(clients)))
    cpu = (time.process_time() - cpu) * 1000 / len(walls)
    return cpu, walls, (statements[0] - before_sql) / len(walls)


async def measure(url: str, requests: int, rounds: int, clients: int) -> None:
    settings = Settings(env="test", database_url=url)
    engine = create_engine(url)
    statements = [0]
    event.listen(
        engine.sync_engine,
        "before_cursor_execute",
        lambda *a: statements.__setitem__(0, statements[0] + 1),
    )
    app = bench_app(settings, engine)
    token = {"Authorization": f"Bearer {issue_token(settings, MANAGER)}"}
    base = "http://samtale.test"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as c:
        body = (await c.get(f"/reviews/{REVIEW}", headers=token)).content
        assert json.loads(body)["id"] == REVIEW, body
        via_command = (await c.get(f"/bench/command/{REVIEW}", headers=token)).content
        assert via_command == body, "the command's answer differs from the read's"

        async def endpoint(request: Request) -> Response:
            return Response(body, media_type="application/json")

        bare_app = Starlette(routes=[Route("/reviews/{review_id}", endpoint)])
        bare = httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_app), base_url=base)
        subjects: dict[str, Call] = {
            "bare": lambda: bare.get(f"/reviews/{REVIEW}", headers=token),
            "deps": lambda: c.get("/bench/deps", headers=token),
            "read": lambda: c.get(f"/reviews/{REVIEW}", headers=token),
            "command": lambda: c.get(f"/bench/command/{REVIEW}", headers=token),
        }
        for call in subjects.values():  # warm up
            await run(call, 50, statements)
        cpu: dict[str, list[float]] = {k: [] for k in subjects}
        walls: dict[str, list[float]] = {k: [] for k in subjects}
        sql: dict[str, float] = {}
        for _ in range(rounds):
            for name, call in subjects.items():
                c_ms, w, s = await run(call, requests // rounds, statements, clients)
                cpu[name].append(c_ms)
                walls[name] += w
                sql[name] = s
        await bare.aclose()
    await engine.dispose()
    floor_cpu = statistics.median(cpu["bare"])
    floor_p50, floor_p99 = percentile(walls["bare"], 50), percentile(walls["bare"], 99)
    print(f"{clients} client(s)")
    print(f"{'subject':8} {'cpu ms':>7} {'p50 ms':>7} {'p99 ms':>7} {'sql':>4}   ratios to bare")
    for name in subjects:
        c_ms = statistics.median(cpu[name])
        p50, p99 = percentile(walls[name], 50), percentile(walls[name], 99)
        print(
            f"{name:8} {c_ms:7.2f} {p50:7.2f} {p99:7.2f} {sql[name]:4.0f}   "
            f"cpu {c_ms / floor_cpu:5.1f}  p50 {p50 / floor_p50:5.1f}  p99 {p99 / floor_p99:5.1f}"
        )
    print(f"({url.split(':')[0]}) command_cpu_ms={statistics.median(cpu['command']):.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per subject")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=1, help="concurrent clients")
    parser.add_argument(
        "--database-url",
        default=None,
        help="an empty database (the schema is created); default: a SQLite file",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        engine = create_engine(url)
        await seed(engine)
        await engine.dispose()
        await measure(url, args.requests, args.rounds, args.clients)


if __name__ == "__main__":
    asyncio.run(main())
