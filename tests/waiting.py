"""Waiting, in real time, for what the worker does after a call returns (emails, first rows)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from samtale.mailsink import MailSink
from tests.factories import kinds


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 15) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def mail_arrived(sink: MailSink, kind: str, count: int = 1) -> None:
    async def enough() -> bool:
        return kinds(sink.messages).count(kind) >= count

    await eventually(enough, f"{count} {kind} email(s); got {kinds(sink.messages)}")
