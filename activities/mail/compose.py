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
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, parseaddr

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
    """The inline text/calendar part is what Outlook and Gmail turn into an RSVP card;
    the attachment is for clients that only import files."""
    body = MIMEMultipart("alternative")
    body.attach(_text(rendered.text, "plain"))
    body.attach(_text(rendered.html, "html"))
    if calendar is None:
        msg = body
    else:
        ics, method = calendar
        body.attach(_text(ics.decode(), "calendar", method=method))
        msg = MIMEMultipart("mixed")
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
    return Outgoing(
        sender=parseaddr(sender)[1],
        recipients=[p.email for p in [*req.to, *req.cc]],
        data=msg.as_bytes(),
    )


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
