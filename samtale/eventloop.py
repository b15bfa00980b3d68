"""The event loop samtale's processes run on: uvloop, unless the settings say asyncio.

One process serves every command twice over: its HTTP request (the API) and its workflow
tasks and activities (the worker), each a round of callbacks, socket reads and thread
hand-offs (the Temporal bridge and aiosqlite answer from their own threads). uvloop does
that round in C: the dev server's CPU per command fell by about a fifth at 1 client and
by less at 50 (bench/commands.py, README *Commands under load*). `SAMTALE_EVENT_LOOP=asyncio`
is the way back should a library ever disagree with it; the tests run on uvloop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from core.settings import Settings

T = TypeVar("T")


def loop_factory(settings: Settings) -> Callable[[], asyncio.AbstractEventLoop]:
    """New loops of the kind the settings name."""
    if settings.event_loop == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def run(main: Coroutine[Any, Any, T], settings: Settings) -> T:
    """asyncio.run on the settings' loop (a Runner: no global policy is changed, so the
    worker's own helper loops, see samtale/worker.py `_OnFirstActivation`, stay asyncio's)."""
    with asyncio.Runner(loop_factory=loop_factory(settings)) as runner:
        return runner.run(main)
