"""Commands under load while the database goes away: 50 clients, PostgreSQL stopped for
30 s in the middle, then afterwards a comparison of what the clients were told with the
workflows' state, the read model and the mail relay.

Runs the production topology (`samtale api` and `samtale worker`) against a PostgreSQL
cluster of its own, which it stops and starts with the commands you give; never point
it at a cluster others use.

    pg_createcluster 15 faults -p 5440   # trust on 127.0.0.1 in its pg_hba.conf
    pg_ctlcluster --skip-systemctl-redirect 15 faults start
    python bench/command_faults.py \\
      --database-url postgresql+asyncpg://postgres@127.0.0.1:5440/postgres \\
      --stop "pg_ctlcluster --skip-systemctl-redirect 15 faults stop -m fast" \\
      --start "pg_ctlcluster --skip-systemctl-redirect 15 faults start"

A client that gets 503 retries the same command with the same Idempotency-Key after
Retry-After. Pass: every 503 within the deadline, no other error, every command told
200 is in its workflow, the read model agrees with the workflows, one invitation per
scheduled review.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shlex
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from bench.commands import (  # noqa: E402
    Subject,
    http_client,
    local_temporal,
    ready_subject,
    seed,
    start_servers,
)
from bench.kickoff import RelayProcess  # noqa: E402
from core.settings import Settings  # noqa: E402
from samtale.mailsink import free_port  # noqa: E402
from workflows.contracts import Phase  # noqa: E402
from workflows.review import ReviewWorkflow  # noqa: E402

CLIENTS = 50
EXPECT = {"schedule": Phase.INVITED, "accept": Phase.PREPARING}


@dataclass
class Tally:
    ok: dict[str, list[str]] = field(default_factory=lambda: {"schedule": [], "accept": []})
    unavailable: list[float] = field(default_factory=list)  # seconds each 503 took
    other: list[str] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)


async def until_done(
    subject: Subject, t: Tally, what: str, review: str, who: str, **kw: object
) -> bool:
    """One command, retried with its key on 503 until it is answered 200 (or refused)."""
    headers = subject.auth(who) | {"Idempotency-Key": f"{what}-{uuid.uuid4().hex}"}
    path = f"/reviews/{review}/{what}"
    for _ in range(200):
        started = time.perf_counter()
        try:
            r = await subject.http.post(path, headers=headers, **kw)  # type: ignore[arg-type]
        except httpx.HTTPError as e:
            t.other.append(f"{what}: {type(e).__name__}")
            return False
        if r.status_code == 200:
            t.ok[what].append(review)
            return True
        if r.status_code == 409 and r.json().get("rule") == "starting":
            await asyncio.sleep(1)  # the kickoff lists a review a moment before it starts it
            continue
        if r.status_code != 503:
            t.other.append(f"{what}: {r.status_code} {r.text[:100]}")
            return False
        t.unavailable.append(time.perf_counter() - started)
        await asyncio.sleep(int(r.headers.get("Retry-After", "1")))
    t.other.append(f"{what}: still 503 after 200 tries")
    return False


async def client_loop(subject: Subject, t: Tally, until: float) -> None:
    while time.monotonic() < until and subject.reviews:
        review, employee, manager = subject.reviews.pop()
        t.touched.append(review)
        if await until_done(subject, t, "schedule", review, manager, json=subject.body):
            await until_done(subject, t, "accept", review, employee)


async def shell(command: str) -> None:
    process = await asyncio.create_subprocess_exec(*shlex.split(command))
    if await process.wait() != 0:
        raise RuntimeError(f"{command!r} failed")


async def outage(stop: str, start: str, at: float, seconds: float) -> tuple[float, float]:
    await asyncio.sleep(at)
    down = time.monotonic()
    await shell(stop)
    print(f"  database stopped at t={at:.0f} s", flush=True)
    await asyncio.sleep(seconds)
    await shell(start)
    print(f"  database started again after {time.monotonic() - down:.0f} s", flush=True)
    return down, time.monotonic()


async def compare(env: WorkflowEnvironment, url: str, t: Tally, relay: RelayProcess) -> None:
    """What the clients were told, against the workflows, the read model and the mail."""
    told = {r: Phase.SCHEDULING for r in t.touched}
    for what in ("schedule", "accept"):
        for r in t.ok[what]:
            told[r] = EXPECT[what]
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    db = await asyncpg.connect(dsn)
    invited = sum(1 for p in told.values() if p != Phase.SCHEDULING)
    for _ in range(180):  # the worker's retries (sync, email) settle after the outage
        if relay.kinds.get("invitation", 0) >= invited:
            break
        await asyncio.sleep(1)
    await asyncio.sleep(5)
    lost = mismatched = doubled = 0
    order = [Phase.SCHEDULING, Phase.INVITED, Phase.PREPARING]
    for review, phase in told.items():
        state = await env.client.get_workflow_handle(review).query(ReviewWorkflow.state)
        lost += order.index(state.phase) < order.index(phase)
        row = await db.fetchrow("SELECT phase, version FROM reviews WHERE id = $1", review)
        mismatched += (row["phase"], row["version"]) != (state.phase.value, state.version)
        kinds = await db.fetch("SELECT kind FROM review_events WHERE review_id = $1", review)
        doubled += [k["kind"] for k in kinds].count("scheduled") > 1
    await db.close()
    print(
        f"  after: {len(told)} reviews touched; told lost by a workflow {lost}; read model "
        f"unlike its workflow {mismatched}; 'scheduled' twice {doubled}; invitations "
        f"{relay.kinds.get('invitation', 0)} for {invited} scheduled reviews"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a cluster of its own")
    parser.add_argument("--stop", required=True)
    parser.add_argument("--start", required=True)
    parser.add_argument("--duration", type=float, default=100)
    parser.add_argument("--fault-at", type=float, default=30)
    parser.add_argument("--outage", type=float, default=30)
    args = parser.parse_args()
    dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(dsn)
    name = f"samtale_faults_{uuid.uuid4().hex[:6]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"{args.database_url.rsplit('/', 1)[0]}/{name}"
    with tempfile.TemporaryDirectory() as tmp, RelayProcess() as relay:
        env = await local_temporal()
        settings = Settings(
            env="test",
            database_url=url,
            temporal_address=env.client.service_client.config.target_host,
            smtp_port=relay.port,
            task_queue=f"faults-{uuid.uuid4().hex[:6]}",
            data_dir=tmp,
        )
        pairs = await seed(settings, 1500)
        port = free_port()
        servers = start_servers("prod", settings, port)
        try:
            await run(args, env, settings, port, pairs, relay)
        finally:
            for p in servers:
                p.terminate()
                p.wait(10)
            await env.shutdown()
            errors = Counter(
                line.split(":")[0]
                for line in (Path(tmp) / "prod.log").read_text(errors="replace").splitlines()
                if re.match(r"^[\w.]+(Error|Exception)\b", line)
            )
            print(f"  errors the servers logged (mostly retried activities): {dict(errors)}")


async def run(
    args: argparse.Namespace,
    env: WorkflowEnvironment,
    settings: Settings,
    port: int,
    pairs: list[tuple[str, str]],
    relay: RelayProcess,
) -> None:
    async with http_client(port) as http:
        subject = await ready_subject(http, env.client, settings, pairs)
        t, until = Tally(), time.monotonic() + args.duration
        fault = asyncio.create_task(outage(args.stop, args.start, args.fault_at, args.outage))
        await asyncio.gather(*(client_loop(subject, t, until) for _ in range(CLIENTS)))
        await fault
        worst = max(t.unavailable, default=0.0)
        print(
            f"  {len(t.ok['schedule'])} schedules and {len(t.ok['accept'])} accepts answered "
            f"200; {len(t.unavailable)} answers 503 (slowest {worst:.1f} s, deadline "
            f"{settings.command_timeout_seconds:.0f} s); other errors {len(t.other)}"
        )
        for e in sorted(set(t.other))[:5]:
            print(f"    error: {e}")
        await compare(env, settings.database_url, t, relay)


if __name__ == "__main__":
    asyncio.run(main())
