"""Build a multipart/alternative message with headers that make every send traceable."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from activities.mail.templates import Rendered
from workflows.contracts import EmailRequest, Person


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
) -> EmailMessage:
    """multipart/alternative (text, HTML and, for meetings, text/calendar) plus an .ics file.

    The inline text/calendar part is what Outlook and Gmail turn into an RSVP card;
    the attachment is for clients that only import files."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = ", ".join(_addr(p) for p in req.to)
    if req.cc:
        msg["Cc"] = ", ".join(_addr(p) for p in req.cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id(req.key, domain)
    msg["X-Samtale-Key"] = req.key
    msg["X-Samtale-Kind"] = req.kind.value
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    if calendar is not None:
        ics, method = calendar
        msg.add_alternative(ics.decode(), subtype="calendar", params={"method": method})
        msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    # After the body: set_content() drops every Content-* header set before it.
    msg["Content-Language"] = req.language
    return msg


def _addr(p: Person) -> str:
    return formataddr((p.name, p.email))
