"""The dev stack's OpenID provider starts from the folder `samtale dev` gives it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from samtale import dev_oidc
from tests.web.conftest import free_port


def test_the_provider_starts_with_its_users_in_a_relative_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `samtale dev` passes var/ relative to where it runs; node runs in deploy/oidc.
    monkeypatch.chdir(tmp_path)
    port = free_port()
    process = dev_oidc.start_provider(
        port=port,
        users=[dev_oidc.DevUser("m-1", "m1@example.no", "Manager One")],
        redirect_uris=["http://127.0.0.1:1/auth/callback"],
        resource="http://127.0.0.1:1",
        folder=Path("var"),
    )
    try:
        config = httpx.get(f"{dev_oidc.issuer_at(port)}/.well-known/openid-configuration")
        assert config.status_code == 200
        assert (tmp_path / "var" / "oidc-users.json").is_file()
    finally:
        dev_oidc.stop(process)
