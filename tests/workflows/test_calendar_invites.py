"""Invitations put the meeting in the calendar; a reschedule moves it, a cancellation removes it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.message import EmailMessage

from icalendar import Calendar
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from samtale.mailsink import MailSink
from tests.factories import EMPLOYEE, MANAGER, meeting, review_input, working_slot
from tests.waiting import mail_arrived
from workflows.calendar import OSLO
from workflows.contracts import Actor, Cancel
from workflows.review import ReviewWorkflow


def calendar_of(msg: EmailMessage) -> Calendar:
    (inline,) = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    (attached,) = [p for p in msg.walk() if p.get_filename() == "invite.ics"]
    assert inline.get_param("method") == Calendar.from_ical(inline.get_content())["method"]
    assert attached.get_content() == inline.get_content().encode()
    return Calendar.from_ical(inline.get_content())


def event_of(cal: Calendar):  # type: ignore[no-untyped-def]
    (event,) = cal.walk("VEVENT")
    return event


def of_kind(sink: MailSink, kind: str) -> EmailMessage:
    (msg,) = [m for m in sink.messages if m["X-Samtale-Kind"] == kind]
    return msg


async def test_invite_reschedule_and_cancel_update_one_calendar_event(
    time_env: WorkflowEnvironment, worker: Worker, sink: MailSink
) -> None:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    handle = await time_env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )
    now = await time_env.get_current_time()
    first, second = working_slot(now + timedelta(days=20)), working_slot(now + timedelta(days=30))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(first))
    await mail_arrived(sink, "invitation")
    await handle.execute_update(ReviewWorkflow.reschedule, meeting(second, minutes=90))
    await mail_arrived(sink, "reschedule")
    await handle.execute_update(ReviewWorkflow.cancel, Cancel(Actor(MANAGER.id), "Sick leave"))
    await mail_arrived(sink, "cancellation")

    invite = calendar_of(of_kind(sink, "invitation"))
    assert str(invite["method"]) == "REQUEST"
    (tz,) = invite.walk("VTIMEZONE")
    assert str(tz["tzid"]) == "Europe/Oslo"
    assert [str(c["tzname"]) for c in tz.subcomponents] == ["CEST", "CET"]
    event = event_of(invite)
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Oslo"
    assert start == first.astimezone(OSLO)
    assert start.hour == 10  # the local time the manager chose, whatever the season
    assert event.decoded("dtend") - start == timedelta(minutes=60)
    assert str(event["location"]) == "Fjordrommet"
    assert str(event["organizer"]) == f"mailto:{MANAGER.email}"
    assert str(event["attendee"]) == f"mailto:{EMPLOYEE.email}"
    assert int(event["sequence"]) == 0

    moved = event_of(calendar_of(of_kind(sink, "reschedule")))
    assert str(moved["uid"]) == str(event["uid"])
    assert int(moved["sequence"]) == 1
    assert moved.decoded("dtstart") == second.astimezone(OSLO)
    assert moved.decoded("dtend") - moved.decoded("dtstart") == timedelta(minutes=90)

    cancel = calendar_of(of_kind(sink, "cancellation"))
    assert str(cancel["method"]) == "CANCEL"
    gone = event_of(cancel)
    assert str(gone["uid"]) == str(event["uid"])
    assert int(gone["sequence"]) == 2
    assert str(gone["status"]) == "CANCELLED"
