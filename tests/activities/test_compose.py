"""The message bytes as strict filters and calendar clients read them (RFC 2045, RFC 5546)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from icalendar import Calendar

from activities.mail.compose import compose
from activities.mail.ical import MeetingInvite, build_ics, calendar
from activities.mail.templates import Rendered
from tests.factories import EMPLOYEE, MANAGER
from workflows.contracts import EmailKind, EmailRequest

STAMP = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
# Long and not ASCII, so the Subject must be encoded and folded.
SUBJECT = "Invitasjon: medarbeidersamtale mandag 15. februar 2027 kl. 10:00 med Øystein Ålesund"


def invite(method: str) -> MeetingInvite:
    return MeetingInvite(
        method=method,  # type: ignore[arg-type]
        uid="review-1@samtale.local",
        sequence=1,
        start=STAMP + timedelta(days=14),
        duration_minutes=60,
        summary="Medarbeidersamtale",
        description="",
        location="Fjordrommet",
        organizer=MANAGER,
        attendee=EMPLOYEE,
        stamp=STAMP,
    )


def composed(*, calendar: tuple[bytes, str] | None) -> bytes:
    req = EmailRequest(
        key="r:invitation:0", kind=EmailKind.INVITATION, review_id="r", to=[EMPLOYEE]
    )
    return compose(
        req,
        Rendered(subject=SUBJECT, text="Hei", html="<p>Hei</p>"),
        sender="samtale <samtale@samtale.local>",
        reply_to=None,
        domain="samtale.local",
        date=STAMP,
        calendar=calendar,
    ).data


def mime_version_lines(data: bytes) -> list[bytes]:
    return [line for line in data.splitlines() if line.lower().startswith(b"mime-version:")]


def test_a_message_with_a_calendar_has_exactly_one_mime_version_header() -> None:
    data = composed(calendar=(build_ics(invite("REQUEST")), "REQUEST"))
    assert mime_version_lines(data) == [b"MIME-Version: 1.0"]
    assert message_from_bytes(data, policy=policy.default)["MIME-Version"] == "1.0"


def test_a_message_without_a_calendar_has_exactly_one_mime_version_header() -> None:
    assert mime_version_lines(composed(calendar=None)) == [b"MIME-Version: 1.0"]


def test_the_subject_decodes_exactly_without_leading_whitespace() -> None:
    msg = message_from_bytes(composed(calendar=None), policy=policy.default)
    assert msg["Subject"] == SUBJECT


def test_a_cancellation_asks_the_attendee_for_no_reply() -> None:
    (event,) = Calendar.from_ical(build_ics(invite("CANCEL"))).walk("VEVENT")
    attendee = event["attendee"]
    assert str(attendee) == f"mailto:{EMPLOYEE.email}"
    assert "RSVP" not in attendee.params and "PARTSTAT" not in attendee.params


def test_an_invitation_still_asks_the_attendee_to_reply() -> None:
    (event,) = Calendar.from_ical(build_ics(invite("REQUEST"))).walk("VEVENT")
    assert event["attendee"].params["RSVP"] == "TRUE"
    assert event["attendee"].params["PARTSTAT"] == "NEEDS-ACTION"


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_the_calendar_file_is_the_one_icalendar_writes(method: str) -> None:
    tricky = dataclasses.replace(
        invite(method),
        summary="Medarbeidersamtale: Øystein Ålesund-Bjørnstad og Ola; Hansen, BEGIN:VEVENT",
        description="https://samtale.example.no/conversations/" + "x" * 120,
        location="Fjordrommet, 3. etasje\nBygg B",
        organizer=dataclasses.replace(MANAGER, name="Ola, Hansen; leder"),
    )
    for inv in (invite(method), tricky):
        assert build_ics(inv) == calendar(inv).to_ical()
