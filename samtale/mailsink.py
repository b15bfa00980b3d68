"""A real SMTP server on loopback that keeps every message: the dev stack's and the tests' relay.

Each message is kept in memory (for tests) and, when a folder is given, written
there as an .eml file that any mail client opens, with an index.html to browse.
"""

from __future__ import annotations

import asyncio
import html
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

INDEX_DELAY = 1.0  # seconds


class KeepingHandler:
    def __init__(self, folder: Path | None = None, refuse: set[str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.folder = folder
        self.refuse = refuse if refuse is not None else set()
        self.reply_delay = 0.0  # seconds between keeping a message and answering 250
        self._lock = threading.Lock()
        self._entries: list[str] = []  # each message's index entry, rendered once
        self._index_due: threading.Timer | None = None
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
            # A restarted sink keeps what it had: numbering goes on, the index stays whole.
            self.messages = [_parse(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]
            self._entries = [_as_html(i, m) for i, m in enumerate(self.messages, start=1)]

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        msg = _parse(raw)
        with self._lock:
            self.messages.append(msg)
            n = len(self.messages)
            if self.folder:
                (self.folder / f"{n:06d}.eml").write_bytes(raw)
                self._entries.append(_as_html(n, msg))
                # A kickoff sends thousands: the index is rewritten at most once a second.
                if self._index_due is None:
                    self._index_due = threading.Timer(INDEX_DELAY, self.write_index)
                    self._index_due.daemon = True
                    self._index_due.start()
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return "250 Message accepted"

    def write_index(self) -> None:
        with self._lock:
            if self._index_due is not None:
                self._index_due.cancel()
                self._index_due = None
            if self.folder is None:
                return
            items = list(self._entries)
        (self.folder / "index.html").write_text(
            "<!doctype html><meta charset=utf-8><title>samtale mail sink</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
            "article{border-bottom:1px solid #ccc;padding:.5em 0}pre{white-space:pre-wrap}"
            f"</style><h1>samtale mail sink: {len(items)} messages, newest first</h1>"
            + "".join(reversed(items)),
            encoding="utf-8",
        )


def _parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _as_html(n: int, m: EmailMessage) -> str:
    body = m.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    head = " · ".join(
        f"{h}: {html.escape(str(m[h]))}" for h in ("Date", "To", "Cc", "X-Samtale-Kind") if m[h]
    )
    return (
        f"<article><h3>{html.escape(str(m['Subject']))}</h3><small>{head} · "
        f'<a href="{n:06d}.eml">.eml</a></small><pre>{html.escape(text)}</pre></article>'
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailSink:
    """Start/stop a keeping SMTP server; `messages` is what it has received."""

    def __init__(
        self, port: int | None = None, folder: Path | None = None, **smtp_options: Any
    ) -> None:
        """`smtp_options` go to aiosmtpd (TLS, authentication), for tests of those paths."""
        self.port = port or free_port()
        self.handler = KeepingHandler(folder)
        self._options = smtp_options
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def start(self) -> MailSink:
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self._options
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None
        self.handler.write_index()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
