"""Composing writes exactly the bytes the email package's own generator writes, for every
email in both languages, only faster; its fixed boundaries never occur inside a part."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from email.mime.base import MIMEBase

import pytest

from activities.mail.compose import flatten, message
from activities.mail.ical import build_ics, invite_for
from activities.mail.samples import sample_context
from activities.mail.templates import LANGUAGES, render
from workflows.contracts import EmailKind, EmailRequest, Person

CASES = [(k, lang) for k in EmailKind for lang in LANGUAGES]
IDS = [f"{k.value}-{lang}" for k, lang in CASES]
# Not ASCII, and enough people in Cc that the header must be folded.
TO = Person(id="e-1", name="Øystein Ålesund-Bjørnstad", email="oystein@example.no")
CC = [
    Person(id=f"m-{i}", name=f"Leder Nummer {i}", email=f"leder{i}@example.no", language="en")
    for i in range(4)
]
NOW = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
LINK = "https://samtale.example.no/conversations/review-2027-e-1"


def built(kind: EmailKind, language: str) -> MIMEBase:
    req = EmailRequest(
        key=f"review-2027-e-1:{kind.value}:0",
        kind=kind,
        review_id="review-2027-e-1",
        to=[dataclasses.replace(TO, language=language)],
        cc=CC,
        context=sample_context(kind),
    )
    rendered = render(kind, language, req.context, recipient=TO.name, link=LINK)
    invite = invite_for(req, domain="samtale.local", stamp=NOW, link=LINK)
    return message(
        req,
        rendered,
        sender="Samtale (HR) <samtale@samtale.local>",
        reply_to="Personal og organisasjon <hr@example.no>",
        domain="samtale.local",
        date=NOW,
        calendar=(build_ics(invite), invite.method) if invite else None,
    )


@pytest.mark.parametrize(("kind", "language"), CASES, ids=IDS)
def test_the_bytes_are_the_email_packages_own(kind: EmailKind, language: str) -> None:
    msg = built(kind, language)
    assert flatten(msg) == msg.as_bytes()


@pytest.mark.parametrize(("kind", "language"), CASES, ids=IDS)
def test_a_boundary_occurs_only_where_it_delimits(kind: EmailKind, language: str) -> None:
    msg = built(kind, language)
    lines = flatten(msg).decode("ascii").splitlines()
    for part in msg.walk():
        boundary = part.get_boundary()
        if boundary is None:
            continue
        delimiters = {f"--{boundary}", f"--{boundary}--"}
        elsewhere = [ln for ln in lines if boundary in ln and ln not in delimiters]
        assert elsewhere == [f'Content-Type: {part.get_content_type()}; boundary="{boundary}"']
