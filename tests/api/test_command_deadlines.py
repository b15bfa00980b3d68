"""Every command has a deadline: with Temporal or the database down the API answers 503
with Retry-After in seconds and nothing changes; an Idempotency-Key is checked and shown
in OpenAPI (a retry with one: tests/e2e/test_idempotent_commands.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from core.temporal import DATA_CONVERTER
from samtale.mailsink import free_port
from store.db import PoolLimits, create_engine, session_factory, unavailable
from tests.api.commanding import app_client, meeting
from tests.api.conftest import Auth
from tests.factories import HR, MANAGER
from workflows.contracts import Phase
from workflows.review import ReviewWorkflow

DEADLINE = 1.0
QUICK = PoolLimits(timeout=2, connect_timeout=2, statement_timeout=2)


def bounded(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"command_timeout_seconds": DEADLINE, **changes})


def assert_unavailable(r: httpx.Response, took: float) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "2"
    assert took < DEADLINE + 4, f"answered after {took:.1f} s"


@pytest.fixture(params=["silent", "closed"])
def absent_temporal(request: pytest.FixtureRequest) -> Iterator[str]:
    """An address where no Temporal answers: a socket that accepts and never speaks, or a
    port nobody listens on."""
    if request.param == "closed":
        yield f"127.0.0.1:{free_port()}"
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield f"127.0.0.1:{s.getsockname()[1]}"


async def test_with_temporal_not_answering_a_command_is_503_in_seconds_and_nothing_changes(
    api: httpx.AsyncClient,
    auth: Auth,
    review_id: str,
    settings: Settings,
    sessions: async_sessionmaker,
    time_env: WorkflowEnvironment,
    absent_temporal: str,
) -> None:
    lost = await Client.connect(absent_temporal, lazy=True, data_converter=DATA_CONVERTER)
    async with app_client(bounded(settings), lost, sessions, time_env) as cut_off:
        started = time.monotonic()
        r = await cut_off.post(
            f"/reviews/{review_id}/schedule",
            headers=auth(MANAGER.id),
            json=await meeting(time_env),
        )
    assert_unavailable(r, time.monotonic() - started)
    after = (await api.get(f"/reviews/{review_id}", headers=auth(MANAGER.id))).json()
    assert (after["phase"], [e["kind"] for e in after["timeline"]]) == ("scheduling", ["started"])


@pytest.fixture(params=["postgresql", "sqlite"])
def refusing_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/samtale"
    return f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'samtale.db'}"


async def test_with_the_database_refusing_a_command_is_503_and_never_reaches_the_workflow(
    auth: Auth,
    review_id: str,
    settings: Settings,
    time_env: WorkflowEnvironment,
    refusing_database: str,
) -> None:
    engine = create_engine(refusing_database, QUICK)
    try:
        async with app_client(
            bounded(settings), time_env.client, session_factory(engine), time_env
        ) as cut_off:
            started = time.monotonic()
            r = await cut_off.post(f"/reviews/{review_id}/accept", headers=auth(MANAGER.id))
            took = time.monotonic() - started
            listed = await cut_off.get("/reviews", headers=auth(MANAGER.id))
            cycles = await cut_off.get("/cycles/2027", headers=auth(HR.id))
    finally:
        await engine.dispose()
    assert_unavailable(r, took)
    # Every 503, not only a command's, says when to try again.
    for answer in (listed, cycles):
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
    state = await time_env.client.get_workflow_handle(review_id).query(ReviewWorkflow.state)
    assert (state.phase, state.version) == (Phase.SCHEDULING, 1)


@pytest.mark.parametrize("bad", ["short", "x" * 101, "has space ok", "æøå-key-123"])
async def test_a_malformed_idempotency_key_is_refused_with_a_clear_422(
    api: httpx.AsyncClient, auth: Auth, review_id: str, bad: str
) -> None:
    r = await api.post(
        f"/reviews/{review_id}/accept",
        headers=[(k.encode(), v.encode()) for k, v in auth(MANAGER.id).items()]
        + [(b"Idempotency-Key", bad.encode())],
    )
    assert r.status_code == 422, r.text
    assert "Idempotency-Key" in r.json()["message"]


async def test_openapi_offers_the_idempotency_key_on_every_command_and_only_there(
    api: httpx.AsyncClient,
) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]

    def has_key(op: dict) -> bool:
        return any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))

    writes = {
        (p, m)
        for p, ops in paths.items()
        if p.startswith("/reviews/")
        for m in ops
        if m in ("post", "put")
    }
    # Kept in the database only, so writing them again is harmless: a draft and a comment.
    drafts = {("/reviews/{review_id}/preparation", "put"), ("/reviews/{review_id}/comment", "post")}
    gone = {("/reviews/{review_id}/summary", "post")}  # 410: says to PUT instead
    commands = writes - drafts - gone
    assert len(commands) == 10 and drafts | gone <= writes
    assert all(has_key(paths[p][m]) for p, m in commands)
    assert not any(has_key(paths[p][m]) for p, m in drafts)
    assert not any(has_key(op) for ops in paths.values() for m, op in ops.items() if m == "get")


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), True),
        (asyncpg.exceptions.TooManyConnectionsError("too many clients"), True),
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),
        (asyncpg.exceptions.UndefinedTableError("no such table"), False),
        (ValueError("a bug"), False),
    ],
)
def test_a_database_that_is_down_starting_or_full_is_a_503_and_a_bad_query_is_not(
    error: Exception, retryable: bool
) -> None:
    """asyncpg raises these unwrapped while connecting (seen while PostgreSQL restarts)."""
    assert unavailable(error) is retryable
