"""The read model's write of a review change against a bare UPDATE, same engine, same run.

Every accepted command ends in store.readmodel.write_synced (the API's write of its
answer, or the workflow's own). This seeds --reviews reviews waiting to be scheduled
(in a unit three levels deep, tallies counted), then interleaves rounds of
- bare: one transaction holding one UPDATE of one review row (the least a write costs);
- subject: write_answer of a review's next change, as a command answers it: scheduled
  (-> invited), then accepted (-> preparing), each with its timeline event;
and prints the CPU per write (this process: the event loop and, on SQLite, the driver's
thread; PostgreSQL's own CPU is not in it), the statements per write (cursor executions)
and their ratios to the bare loop's.

    python bench/readmodel_write.py [--reviews 400] [--rounds 8] [--database-url URL]

--database-url: an empty PostgreSQL database (postgresql+asyncpg://...); default a fresh
SQLite file. Last line: ratio=<CPU per write / CPU per bare write>.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from sqlalchemy import event, insert, update  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker  # noqa: E402

from store import tallies  # noqa: E402
from store.db import create_engine, session_factory  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import OrgUnit, Review  # noqa: E402
from store.readmodel import write_answer  # noqa: E402
from tests.factories import EMPLOYEE, HR, MANAGER, seed_people  # noqa: E402
from workflows.contracts import (  # noqa: E402
    CommandResult,
    LocationKind,
    Meeting,
    Phase,
    Policy,
    ReviewState,
    TimelineEvent,
)

T0 = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
UNITS = [("b-top", None), ("b-mid", "b-top"), ("b-leaf", "b-mid")]


def review_id(i: int) -> str:
    return f"review-bench-{i}"


def answer(i: int, version: int, phase: Phase) -> CommandResult:
    meeting = Meeting(
        start=T0 + timedelta(days=20),
        duration_minutes=60,
        location_kind=LocationKind.MEETING_ROOM,
        location_text="Møterom 1",
        sequence=0,
        set_at=T0,
    )
    state = ReviewState(
        review_id=review_id(i),
        cycle_id="2027",
        employee=EMPLOYEE,
        manager=MANAGER,
        hr=HR,
        policy=Policy(),
        phase=phase,
        started_at=T0,
        phase_since=T0 + timedelta(hours=version),
        meeting=meeting,
        version=version,
    )
    kind = "scheduled" if phase is Phase.INVITED else "accepted"
    return CommandResult(state, [TimelineEvent(seq=version, at=state.phase_since, kind=kind)])


async def seed(sessions: async_sessionmaker, n: int) -> None:
    async with sessions.begin() as session:
        await seed_people(session)
        await session.execute(insert(OrgUnit), [{"id": u, "parent_id": p} for u, p in UNITS])
        row: dict[str, Any] = {
            "cycle_id": "2027",
            "employee_id": EMPLOYEE.id,
            "manager_id": MANAGER.id,
            "org_unit_id": UNITS[-1][0],
            "phase": Phase.SCHEDULING.value,
            "version": 1,
            "started_at": T0,
            "phase_since": T0,
            "updated_at": T0,
        }
        await session.execute(insert(Review), [row | {"id": review_id(i)} for i in range(n)])
        await tallies.rebuild(session, "2027")


async def bare(engine: AsyncEngine, i: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(Review).where(Review.id == review_id(i)).values(updated_at=datetime.now(UTC))
        )


async def subject(sessions: async_sessionmaker, i: int) -> None:
    await write_answer(sessions, answer(i, 2, Phase.INVITED))
    await write_answer(sessions, answer(i, 3, Phase.PREPARING))


class Meter:
    """CPU seconds, writes and statements, summed over the rounds."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.writes = 0
        self.statements = 0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        engine = create_engine(url)
        await upgrade(engine)
        sessions = session_factory(engine)
        await seed(sessions, args.reviews)
        counted = [0]

        def count(*_: object) -> None:
            counted[0] += 1

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        meters = {"bare": Meter(), "subject": Meter()}
        per_round = args.reviews // args.rounds
        for r in range(args.rounds):
            chunk = range(r * per_round, (r + 1) * per_round)
            order = ("bare", "subject") if r % 2 else ("subject", "bare")
            for name in order:
                m, counted[0] = meters[name], 0
                began = time.process_time()
                for i in chunk:
                    if name == "bare":
                        await bare(engine, i)
                        await bare(engine, i)
                    else:
                        await subject(sessions, i)
                m.cpu += time.process_time() - began
                m.writes += 2 * len(chunk)
                m.statements += counted[0]
        await engine.dispose()
    dialect = url.split(":", 1)[0]
    print(f"{dialect}: {args.rounds} rounds, {meters['subject'].writes} writes each")
    for name, m in meters.items():
        print(
            f"  {name:8} {m.cpu / m.writes * 1e6:7.0f} us CPU per write,"
            f" {m.statements / m.writes:.1f} statements per write"
        )
    b, s = meters["bare"], meters["subject"]
    print(f"statements={s.statements / s.writes:.1f}")
    print(f"ratio={(s.cpu / s.writes) / (b.cpu / b.writes):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
