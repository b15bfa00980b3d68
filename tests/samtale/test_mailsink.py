"""The dev mail sink keeps every message on disk, across restarts, readable in a browser."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from samtale.mailsink import MailSink
from tests.waiting import eventually


def message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.no", "b@example.no", subject
    msg.set_content(f"Body of {subject}")
    return msg


async def test_a_restarted_sink_keeps_old_messages_and_numbers_on(tmp_path: Path) -> None:
    with MailSink(folder=tmp_path) as sink:
        await aiosmtplib.send(message("first"), hostname="127.0.0.1", port=sink.port)
    with MailSink(folder=tmp_path) as sink:
        await aiosmtplib.send(message("second"), hostname="127.0.0.1", port=sink.port)
        assert [m["Subject"] for m in sink.messages] == ["first", "second"]
    assert sorted(p.name for p in tmp_path.glob("*.eml")) == ["000001.eml", "000002.eml"]
    index = (tmp_path / "index.html").read_text()
    assert "Body of first" in index and "Body of second" in index


async def test_the_index_follows_a_burst_of_mail_while_the_sink_runs(tmp_path: Path) -> None:
    with MailSink(folder=tmp_path) as sink:
        for n in range(5):
            await aiosmtplib.send(message(f"burst {n}"), hostname="127.0.0.1", port=sink.port)

        async def indexed() -> bool:
            index = tmp_path / "index.html"
            return index.exists() and "5 messages" in index.read_text()

        await eventually(indexed, "the index of all five", seconds=5)
