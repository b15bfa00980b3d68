"""SQLite through the one-trip adapter (store/sqlite_onetrip.py) against SQLAlchemy's own
aiosqlite adapter, same file, same process, interleaved.

Two subjects, each on its own engine of the same SQLite file:
- read: a session of two one-row SELECTs (a command's user lookup and visibility read);
- write: a transaction of one one-row UPDATE (the shape of the email log's writes).
Prints wall time and CPU per unit of work for each adapter and the one-trip's ratio to the
stock one (below 1 is faster).

    python bench/sqlite_trips.py [--reads 1000] [--writes 300] [--rounds 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402

from core.settings import Settings  # noqa: E402
from samtale import eventloop  # noqa: E402
from store import sqlite_onetrip  # noqa: E402
from store.db import create_engine, session_factory  # noqa: E402


async def reads(engine: AsyncEngine, n: int) -> tuple[float, float]:
    sessions = session_factory(engine)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        async with sessions() as s:
            await s.execute(text("SELECT * FROM t WHERE id = 1"))
            await s.execute(text("SELECT * FROM t WHERE id = 2"))
    return (time.perf_counter() - wall) / n * 1000, (time.process_time() - cpu) / n * 1000


async def writes(engine: AsyncEngine, n: int) -> tuple[float, float]:
    sessions = session_factory(engine)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        async with sessions.begin() as s:
            await s.execute(text("UPDATE t SET v = :v WHERE id = 1"), {"v": str(i)})
    return (time.perf_counter() - wall) / n * 1000, (time.process_time() - cpu) / n * 1000


async def main(args: argparse.Namespace, url: str) -> None:
    onetrip = create_engine(url)  # the project's engine: one trip per statement
    stock = create_async_engine(url)
    assert isinstance(onetrip.sync_engine.dialect.loaded_dbapi, sqlite_onetrip.OneTripDBAPI)
    async with onetrip.begin() as c:
        await c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        await c.execute(text("INSERT INTO t (v) VALUES ('a'), ('b')"))
    seen: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for name, engine in (("stock", stock), ("onetrip", onetrip)):
            seen.setdefault((name, "read"), []).append(await reads(engine, args.reads))
            seen.setdefault((name, "write"), []).append(await writes(engine, args.writes))
    for what in ("read", "write"):
        med = {
            name: tuple(statistics.median(x[k] for x in seen[(name, what)]) for k in (0, 1))
            for name in ("stock", "onetrip")
        }
        for name, (ms, cpu) in med.items():
            print(f"{what:5} {name:7} {ms:6.3f} ms  cpu {cpu:6.3f} ms")
        print(
            f"{what:5} ratio   wall {med['onetrip'][0] / med['stock'][0]:.2f}  "
            f"cpu {med['onetrip'][1] / med['stock'][1]:.2f}"
        )
    await onetrip.dispose()
    await stock.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        eventloop.run(main(arguments, f"sqlite+aiosqlite:///{tmp}/trips.db"), Settings())
