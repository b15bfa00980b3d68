"""The local OpenID provider (deploy/oidc: npm oidc-provider) for `samtale dev` and tests.

`make install` installs it (`npm ci` from the committed lock file); nothing is
downloaded here. It knows the people it is given as users (sub = employee id, with
their email and name), enforces PKCE, and signs RS256 id and access tokens.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

OIDC_DIR = Path(__file__).resolve().parent.parent / "deploy" / "oidc"
CLIENT_ID = "samtale-dev"
CLIENT_SECRET = "samtale-dev-secret-not-for-production"


@dataclass(frozen=True)
class DevUser:
    sub: str
    email: str
    name: str


class ProviderMissing(RuntimeError):
    pass


def missing() -> str | None:
    """Why the provider cannot start here, or None."""
    if shutil.which("node") is None:
        return "node is not installed (the local OpenID provider runs on Node.js)"
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return f"run `make install`: {OIDC_DIR}/node_modules has no oidc-provider"
    return None


def start_provider(
    *,
    port: int,
    users: Iterable[DevUser],
    redirect_uris: list[str],
    resource: str,
    folder: Path,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start it on 127.0.0.1:`port` and wait until its discovery document answers."""
    problem = missing()
    if problem is not None:
        raise ProviderMissing(problem)
    folder.mkdir(parents=True, exist_ok=True)
    users_file = folder / "oidc-users.json"
    users_file.write_text(
        json.dumps(
            [{"sub": u.sub, "email": u.email, "name": u.name, "employee_id": u.sub} for u in users]
        )
    )
    issuer = issuer_at(port)
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
        "OIDC_RESOURCE": resource,
        "OIDC_USERS": str(users_file.resolve()),  # node runs in OIDC_DIR
    }
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        ["node", str(OIDC_DIR / "op.mjs")],
        cwd=OIDC_DIR,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProviderMissing(f"the local OpenID provider exited ({process.returncode})")
        try:
            if (
                httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code
                == 200
            ):
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise ProviderMissing("the local OpenID provider did not answer within 30 s")


def issuer_at(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
