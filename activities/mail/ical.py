"""RFC 5545 calendar objects for meeting emails, so the meeting lands in the calendar.

One UID per review: every invitation, reschedule and cancellation of the same
conversation updates one calendar entry. SEQUENCE is the meeting's sequence
(0 for the first time, +1 per reschedule), and a cancellation goes one above the
last, as clients ignore an update whose sequence is not higher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vText,
)

from workflows.calendar import OSLO
from workflows.contracts import EmailKind, EmailRequest, Person

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class MeetingInvite:
    method: Method
    uid: str
    sequence: int
    start: datetime
    duration_minutes: int
    summary: str
    description: str
    location: str
    organizer: Person
    attendee: Person
    stamp: datetime


_METHODS: dict[EmailKind, Method] = {
    EmailKind.INVITATION: "REQUEST",
    EmailKind.RESCHEDULE: "REQUEST",
    EmailKind.CANCELLATION: "CANCEL",
}
_SUMMARY = {
    "nb": "Medarbeidersamtale: {employee} og {manager}",
    "en": "Development conversation: {employee} and {manager}",
}


def uid_for(review_id: str, domain: str) -> str:
    return f"{review_id}@{domain}"


def invite_for(
    req: EmailRequest, *, domain: str, stamp: datetime, link: str
) -> MeetingInvite | None:
    """The calendar object an email carries: meeting emails only, organised by the manager."""
    method = _METHODS.get(req.kind)
    ctx = req.context
    if method is None or "meeting_start" not in ctx:
        return None
    sequence = int(ctx.get("sequence", "0")) + (1 if method == "CANCEL" else 0)
    names = {"employee": ctx["employee_name"], "manager": ctx["manager_name"]}
    summary = _SUMMARY.get(req.language, _SUMMARY["nb"]).format(**names)
    return MeetingInvite(
        method=method,
        uid=uid_for(req.review_id, domain),
        sequence=sequence,
        start=datetime.fromisoformat(ctx["meeting_start"]),
        duration_minutes=int(ctx["duration_minutes"]),
        summary=summary,
        description=link,
        location=ctx.get("location_text", ""),
        organizer=_organizer(req),
        attendee=req.to[0],
        stamp=stamp,
    )


def build_ics(invite: MeetingInvite) -> bytes:
    """calendar(invite).to_ical(), with Europe/Oslo's VTIMEZONE (the same for every
    meeting, and half the cost of writing one) written once per process."""
    # The first BEGIN:VEVENT is the event's: only the calendar's own properties precede it.
    head, begin, event = _without_timezone(invite).to_ical().partition(b"BEGIN:VEVENT\r\n")
    return head + _oslo_ics() + begin + event


def calendar(invite: MeetingInvite) -> Calendar:
    """The calendar object an invitation carries: the Oslo VTIMEZONE, then the event."""
    cal = _without_timezone(invite)
    cal.subcomponents.insert(0, oslo_vtimezone())
    return cal


@cache
def _oslo_ics() -> bytes:
    return oslo_vtimezone().to_ical()


def _without_timezone(invite: MeetingInvite) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//samtale//medarbeidersamtale//NO")
    cal.add("version", "2.0")
    cal.add("method", invite.method)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", invite.stamp)
    start = invite.start.astimezone(OSLO)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=invite.duration_minutes))
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("location", invite.location)
    event.add("organizer", _address(invite.organizer, role=None))
    # A cancellation asks for no reply: the attendee is listed, but not asked to RSVP.
    asks_reply = invite.method != "CANCEL"
    event.add("attendee", _address(invite.attendee, role="REQ-PARTICIPANT", rsvp=asks_reply))
    if invite.method == "CANCEL":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
    cal.add_component(event)
    return cal


def oslo_vtimezone() -> Timezone:
    """Europe/Oslo as the EU rule (summer time from the last Sunday of March to that of
    October), the compact form Outlook, Google and Apple write themselves, valid beyond 2038."""
    tz = Timezone()
    tz.add("tzid", "Europe/Oslo")
    for part, name, offset_from, offset_to, start, month in (
        (TimezoneDaylight(), "CEST", 1, 2, datetime(1970, 3, 29, 2), 3),
        (TimezoneStandard(), "CET", 2, 1, datetime(1970, 10, 25, 3), 10),
    ):
        part.add("tzname", name)
        part.add("tzoffsetfrom", timedelta(hours=offset_from))
        part.add("tzoffsetto", timedelta(hours=offset_to))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        tz.add_component(part)
    return tz


def _organizer(req: EmailRequest) -> Person:
    """The manager; requests made before manager_email was in the context name them in Cc."""
    ctx = req.context
    if "manager_email" in ctx:
        return Person(id="", name=ctx["manager_name"], email=ctx["manager_email"])
    return req.cc[0]


def _address(person: Person, *, role: str | None, rsvp: bool = False) -> vCalAddress:
    addr = vCalAddress(f"mailto:{person.email}")
    addr.params["cn"] = vText(person.name)
    if role:
        addr.params["role"] = vText(role)
    if rsvp:
        addr.params["partstat"] = vText("NEEDS-ACTION")
        addr.params["rsvp"] = vText("TRUE")
    return addr
