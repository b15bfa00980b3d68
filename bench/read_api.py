"""Read API latency at organisation scale: the cycle funnel and a manager's open actions.

Seeds 100,000 reviews and 300,000 actions (a generated organisation, realistic
phases and due dates) into a fresh database, then times requests through the
API in-process (FastAPI and the real queries; no network).

    python bench/read_api.py [--reviews 100000] [--requests 300] [--database-url URL]

Prints p50 and p99 of each endpoint; last line p99_ms=<the worse of the two p99s>.
Target: below 50 ms, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx  # noqa: E402
from sqlalchemy import insert, update  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402
from core.settings import Settings  # noqa: E402
from org.generate import people  # noqa: E402
from store import tallies  # noqa: E402
from store.db import create_engine, session_factory  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import ActionItem, Cycle, Employee, OrgUnit, Review  # noqa: E402

PHASES = [
    ("scheduling", 20),
    ("invited", 10),
    ("preparing", 10),
    ("awaiting_summary", 5),
    ("awaiting_signoff", 5),
    ("follow_up", 30),
    ("completed", 18),
    ("cancelled", 2),
]
CHUNK = 5000


async def seed(url: str, n: int) -> list[str]:
    engine = create_engine(url)
    await upgrade(engine)
    rnd = random.Random(1)
    now = datetime.now(UTC)
    staff = people(n + 1)
    units = {p.unit: p.parent_unit for p in staff if p.parent_unit} | {staff[0].unit: None}
    phases = [p for p, w in PHASES for _ in range(w)]
    async with engine.begin() as conn:
        await conn.execute(insert(OrgUnit), [{"id": u, "parent_id": None} for u in units])
        for u, parent in units.items():
            if parent:
                await conn.execute(update(OrgUnit).where(OrgUnit.id == u).values(parent_id=parent))
        emp = [
            {
                "id": p.id,
                "name": f"Person {p.id}",
                "email": f"{p.id}@example.no",
                "language": "nb",
                "manager_id": p.manager,
                "is_hr": p.manager is None,
                "active": True,
                "created_at": now,
                "org_unit_id": p.unit,
            }
            for p in staff
        ]
        for i in range(0, len(emp), CHUNK):
            await conn.execute(insert(Employee), emp[i : i + CHUNK])
        await conn.execute(
            insert(Cycle),
            [
                {
                    "id": "2027",
                    "name": "Medarbeidersamtaler 2027",
                    "year": 2027,
                    "window_start": date(2027, 1, 1),
                    "window_end": date(2027, 12, 31),
                    "created_by": staff[0].id,
                    "created_at": now,
                    "status": "running",
                }
            ],
        )
        reviews, actions = [], []
        for p in staff[1:]:
            rid, phase = f"review-2027-{p.id}", rnd.choice(phases)
            since = now - timedelta(days=rnd.randint(0, 59))
            meeting = (
                None
                if phase in ("scheduling", "cancelled")
                else since + timedelta(days=rnd.randint(1, 20))
                if phase in ("invited", "preparing")
                else since - timedelta(days=rnd.randint(0, 10))
            )
            reviews.append(
                {
                    "id": rid,
                    "cycle_id": "2027",
                    "employee_id": p.id,
                    "manager_id": p.manager,
                    "org_unit_id": p.unit,
                    "phase": phase,
                    "version": 3,
                    "started_at": now - timedelta(days=60),
                    "phase_since": since,
                    "meeting_start": meeting,
                    "updated_at": now,
                    "meeting_held": False,
                    "employee_prepared": False,
                    "manager_prepared": False,
                }
            )
            for k in range(1, 4):
                actions.append(
                    {
                        "review_id": rid,
                        "number": k,
                        "title": f"Action {k}",
                        "owner_id": p.id,
                        "manager_id": p.manager,
                        "due": date.today() + timedelta(days=rnd.randint(-60, 200)),
                        "done_at": now if rnd.random() < 0.3 else None,
                    }
                )
        for rows, table in ((reviews, Review), (actions, ActionItem)):
            for i in range(0, len(rows), CHUNK):
                await conn.execute(insert(table), rows[i : i + CHUNK])
    # Loaded in bulk, so counted in bulk: the tallies the syncs would have kept.
    async with session_factory(engine).begin() as session:
        await tallies.rebuild(session, "2027")
    await engine.dispose()
    return sorted({p.manager for p in staff if p.manager})


def percentile(samples: list[float], q: int) -> float:
    return (
        statistics.quantiles(samples, n=100, method="inclusive")[q - 1]
        if len(samples) > 1
        else samples[0]
    )


async def measure(url: str, managers: list[str], requests: int) -> dict[str, list[float]]:
    settings = Settings(env="test", database_url=url)
    engine = create_engine(url)
    app = create_app(settings, temporal=None, sessions=session_factory(engine))  # type: ignore[arg-type]
    hr = {"Authorization": f"Bearer {issue_token(settings, 'p00001')}"}
    rnd = random.Random(2)
    out: dict[str, list[float]] = {"funnel": [], "manager_actions": []}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
        for _ in range(10):  # warm the caches and the connection pool
            await c.get("/cycles/2027", headers=hr)
        for _ in range(requests):
            t = time.perf_counter()
            r = await c.get("/cycles/2027", headers=hr)
            out["funnel"].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200 and r.json()["overall"]["total"] > 0, r.text
            m = rnd.choice(managers)
            token = {"Authorization": f"Bearer {issue_token(settings, m)}"}
            t = time.perf_counter()
            r = await c.get("/actions", params={"scope": "team", "status": "open"}, headers=token)
            out["manager_actions"].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
    await engine.dispose()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--database-url",
        default=None,
        help="an empty database (the schema is created); default: SQLite file",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        managers = await seed(url, args.reviews)
        print(
            f"seeded {args.reviews} reviews, {3 * args.reviews} actions, {len(managers)} "
            f"managers in {time.perf_counter() - started:.0f} s ({url.split(':')[0]})"
        )
        samples = await measure(url, managers, args.requests)
    worst = 0.0
    for name, s in samples.items():
        p50, p99 = percentile(s, 50), percentile(s, 99)
        worst = max(worst, p99)
        print(f"{name:16} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   ({len(s)} requests)")
    print(f"p99_ms={worst:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
