"""Send through a real SMTP relay: pooled connections, an optional rate limit, and errors
told apart, a permanent refusal from a passing outage."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiosmtplib

from activities.mail.compose import Outgoing


class PermanentSmtpError(Exception):
    """The relay refused for good (5xx, unknown mailbox): retrying cannot help."""


class TransientSmtpError(Exception):
    """The relay is down, slow or said 4xx: try again later."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool = False
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    validate_certs: bool = True
    ca_file: str | None = None
    pool_size: int = 4
    max_per_second: float | None = None


Beat = Callable[[], None]
# A paced send waits in slices this long, calling its beat between them, so the bulk
# activity it runs in heartbeats while it waits for its turn.
WAIT_SLICE = 5.0


class RateLimit:
    """At most `per_second` sends, spaced evenly: relays throttle bursts. Only the bulk
    activities (kickoff emails, digests) pace themselves here, heartbeating while they
    wait; the review emails' send_email is paced by its own worker (samtale/worker.py)."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self, beat: Beat | None = None) -> None:
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        while delay > 0:
            await asyncio.sleep(min(delay, WAIT_SLICE))
            delay -= WAIT_SLICE
            if beat is not None:
                beat()


class SmtpSender:
    """Keeps up to `pool_size` open connections and reuses them across sends."""

    def __init__(self, config: SmtpConfig) -> None:
        self._c = config
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(config.pool_size)
        self._rate = RateLimit(config.max_per_second) if config.max_per_second else None

    async def send(self, message: Outgoing, *, beat: Beat | None = None) -> None:
        """`beat` is called while the send waits for its turn under the rate limit."""
        async with self._slots:
            if self._rate:
                await self._rate.wait(beat)
            client = self._idle.pop() if self._idle else None
            if client is not None:
                try:
                    refused = await self._send_on(client, message)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError, TimeoutError):
                    # The relay closed an idle connection: one fresh try before giving up.
                    client = None
            if client is None:
                client = await self._connect()
                refused = await self._send_on(client, message)
            self._idle.append(client)
        if refused:
            # Delivered to the others already: a retry would send them a duplicate.
            reasons = ", ".join(f"{addr}: {r.code} {r.message}" for addr, r in refused.items())
            raise PermanentSmtpError(f"some recipients were refused ({reasons})")

    async def close(self) -> None:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                await client.quit()

    async def _connect(self) -> aiosmtplib.SMTP:
        c = self._c
        client = aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            use_tls=c.implicit_tls,
            start_tls=c.starttls,
            validate_certs=c.validate_certs,
            cert_bundle=c.ca_file,
            timeout=c.timeout,
            username=c.username,
            password=c.password,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as e:
            raise classify(e) from e
        return client

    async def _send_on(
        self, client: aiosmtplib.SMTP, message: Outgoing
    ) -> dict[str, aiosmtplib.SMTPResponse]:
        try:
            refused, _ = await client.sendmail(message.sender, message.recipients, message.data)
            return refused
        except (aiosmtplib.SMTPServerDisconnected, ConnectionError, TimeoutError):
            client.close()
            raise
        except (aiosmtplib.SMTPException, OSError) as e:
            # The connection's state is unknown after an error: do not pool it again.
            client.close()
            raise classify(e) from e


def classify(e: BaseException) -> Exception:
    if isinstance(e, aiosmtplib.SMTPRecipientsRefused):
        if all(r.code >= 500 for r in e.recipients):
            return PermanentSmtpError(str(e))
        return TransientSmtpError(str(e))
    if isinstance(e, aiosmtplib.SMTPResponseException):
        # 530/535 are authentication problems: a configuration fix, then it goes through.
        if 500 <= e.code < 600 and e.code not in (530, 535):
            return PermanentSmtpError(f"{e.code} {e.message}")
        return TransientSmtpError(f"{e.code} {e.message}")
    return TransientSmtpError(str(e) or type(e).__name__)
