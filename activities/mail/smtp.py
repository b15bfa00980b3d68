"""Send through a real SMTP relay, telling a permanent refusal from a passing outage."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib


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


class SmtpSender:
    def __init__(self, config: SmtpConfig) -> None:
        self._c = config

    async def send(self, message: EmailMessage) -> None:
        c = self._c
        try:
            refused, _ = await aiosmtplib.send(
                message,
                hostname=c.host,
                port=c.port,
                start_tls=c.starttls,
                use_tls=c.implicit_tls,
                username=c.username,
                password=c.password,
                timeout=c.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as e:
            if all(r.code >= 500 for r in e.recipients):
                raise PermanentSmtpError(str(e)) from e
            raise TransientSmtpError(str(e)) from e
        except aiosmtplib.SMTPResponseException as e:
            if 500 <= e.code < 600 and e.code not in (530, 535):
                raise PermanentSmtpError(f"{e.code} {e.message}") from e
            raise TransientSmtpError(f"{e.code} {e.message}") from e
        except (aiosmtplib.SMTPException, OSError) as e:
            raise TransientSmtpError(str(e) or type(e).__name__) from e
        if refused:
            # Delivered to the others already: a retry would send them a duplicate.
            reasons = ", ".join(f"{addr}: {r.code} {r.message}" for addr, r in refused.items())
            raise PermanentSmtpError(f"some recipients were refused ({reasons})")
