"""samtale's processes run on uvloop unless the settings say asyncio."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from core.settings import Settings
from samtale import cli, eventloop


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


def test_a_process_runs_on_uvloop_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMTALE_EVENT_LOOP", raising=False)
    assert eventloop.run(_loop_module(), Settings()) == "uvloop"


def test_a_process_runs_on_asyncio_when_the_settings_say_so() -> None:
    assert eventloop.run(_loop_module(), Settings(event_loop="asyncio")) == "asyncio"


def test_running_on_uvloop_leaves_the_global_policy_alone() -> None:
    """The worker's helper loops (asyncio.new_event_loop in a workflow task thread) and
    anything else that asks the policy keep asyncio's."""
    before = type(asyncio.get_event_loop_policy())
    assert eventloop.run(_loop_module(), Settings(event_loop="uvloop")) == "uvloop"
    assert type(asyncio.get_event_loop_policy()) is before
    loop = asyncio.new_event_loop()
    try:
        assert type(loop).__module__.startswith("asyncio")
    finally:
        loop.close()


def test_an_unknown_loop_is_refused_by_the_settings() -> None:
    with pytest.raises(ValidationError, match="event_loop"):
        Settings(event_loop="trio")  # type: ignore[arg-type]


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_samtale_api_has_uvicorn_run_the_settings_loop(
    loop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setenv("SAMTALE_EVENT_LOOP", loop)
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(kw))
    cli.main(["api", "--port", "8123"])
    assert seen["loop"] == loop and seen["port"] == 8123
