"""Build the message bytes: multipart/alternative text and HTML, for meetings an inline
text/calendar part and an .ics attachment, and headers that make every send traceable.

Built with the `email.mime` classes, which keep headers as given; the modern
EmailMessage API re-parses every header it sets and made composing the slowest
step of a send (bench/email.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from activities.mail.templates import Rendered
from workflows.contracts import EmailRequest, Person

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP


@dataclass(frozen=True)
class Outgoing:
    """What goes to the relay: envelope sender and recipients, and the message bytes."""

    sender: str
    recipients: list[str]
    data: bytes


def message_id(key: str, domain: str) -> str:
    """Stable per idempotency key, so a rare resend is recognisable as the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def compose(
    req: EmailRequest,
    rendered: Rendered,
    *,
    sender: str,
    reply_to: str | None,
    domain: str,
    date: datetime,
    calendar: tuple[bytes, str] | None = None,
) -> Outgoing:
    msg = message(
        req,
        rendered,
        sender=sender,
        reply_to=reply_to,
        domain=domain,
        date=date,
        calendar=calendar,
    )
    return Outgoing(
        sender=parseaddr(sender)[1],
        recipients=[p.email for p in [*req.to, *req.cc]],
        data=flatten(msg),
    )


def flatten(msg: Message) -> bytes:
    """The bytes `msg.as_bytes()` gives, written faster (see _HeadersAsGiven)."""
    return msg.as_bytes(policy=_HEADERS_AS_GIVEN)


def message(
    req: EmailRequest,
    rendered: Rendered,
    *,
    sender: str,
    reply_to: str | None,
    domain: str,
    date: datetime,
    calendar: tuple[bytes, str] | None = None,
) -> MIMEBase:
    """The inline text/calendar part is what Outlook and Gmail turn into an RSVP card;
    the attachment is for clients that only import files."""
    digest = hashlib.sha256(req.key.encode()).hexdigest()[:16]
    body = MIMEMultipart("alternative", boundary=_boundary(digest, "alt"))
    body.attach(_text(rendered.text, "plain"))
    body.attach(_text(rendered.html, "html"))
    if calendar is None:
        msg = body
    else:
        ics, method = calendar
        body.attach(_text(ics.decode(), "calendar", method=method))
        msg = MIMEMultipart("mixed", boundary=_boundary(digest, "mix"))
        msg.attach(_part(body))
        attachment = _part(MIMEApplication(ics, "ics"))
        attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
        msg.attach(attachment)
    # A Header object (not its encoded string) so the generator folds it knowing the
    # field name: a pre-folded string put its first break straight after "Subject:",
    # which decodes with a leading space.
    msg["Subject"] = Header(rendered.subject, "utf-8", header_name="Subject")  # type: ignore[assignment]
    msg["From"] = _encoded(sender)
    msg["To"] = ", ".join(_addr(p) for p in req.to)
    if req.cc:
        msg["Cc"] = ", ".join(_addr(p) for p in req.cc)
    if reply_to:
        msg["Reply-To"] = _encoded(reply_to)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id(req.key, domain)
    msg["Content-Language"] = req.language
    msg["X-Samtale-Key"] = req.key
    msg["X-Samtale-Kind"] = req.kind.value
    return msg


class _HeadersAsGiven(Compat32):
    """compat32 (what the email.mime classes use) writes a header that is short and ASCII
    exactly as given, without passing it through email.header.Header: that round trip
    (which returns it unchanged) was a third of composing. Any other header (the encoded
    Subject, a long address list) is folded by compat32 as before."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= 78
            and "\n" not in value
            and "\r" not in value
            and value == value.strip()
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_HEADERS_AS_GIVEN = _HeadersAsGiven()


def _boundary(digest: str, part: str) -> str:
    """A fixed boundary, so the generator does not draw one and search the whole message
    for it: "==" cannot occur in the parts, which are all quoted-printable (where "=" is
    always an escape) or base64 (padding only at the end, and no "-")."""
    return f"=={digest}.{part}=="  # short: its Content-Type line then needs no folding


def _part(part: MIMEBase) -> MIMEBase:
    """The email.mime classes give every part its own MIME-Version; RFC 2045 wants one, on
    the message (the outermost MIMEMultipart), so the parts inside lose theirs."""
    del part["MIME-Version"]
    return part


def _text(content: str, subtype: str, method: str | None = None) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    if method:
        part.set_param("method", method)
    part.set_payload(content, _UTF8)  # (setting the charset adds a MIME-Version again)
    _part(part)
    return part


def _addr(p: Person) -> str:
    return formataddr((p.name, p.email), charset="utf-8")


def _encoded(address: str) -> str:
    name, addr = parseaddr(address)
    return formataddr((name, addr), charset="utf-8")
