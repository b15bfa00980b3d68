"""The pages over real HTTP: the slot picker, a refused typed time, accepting, the
calendar file, visibility, CSRF on a command, both languages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
from bs4 import BeautifulSoup

from core.settings import Settings
from tests.factories import EMPLOYEE, MANAGER, OTHER_MANAGER
from tests.web.conftest import start_review
from tests.web.signing_in import csrf_of, visit
from web import i18n
from web.pages import review_path
from workflows.calendar import OSLO
from workflows.contracts import Policy


def form_fields(html: str, action_suffix: str) -> dict[str, str]:
    soup = BeautifulSoup(html, "html.parser")
    form = soup.find("form", action=re.compile(re.escape(action_suffix) + "$"), method="post")
    assert form is not None, f"no form posting to {action_suffix}"
    return {str(i["name"]): str(i.get("value", "")) for i in form.find_all("input", type="hidden")}


def labels_point_at_inputs(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    ids = {str(e["id"]) for e in soup.find_all(id=True)}
    for label in soup.find_all("label"):
        assert label.get("for") in ids, f"label {label} points at nothing"
    for link in soup.select(".error-summary a"):
        assert str(link["href"]).lstrip("#") in ids


async def schedule_page(web: httpx.AsyncClient, app: str, review: str) -> httpx.Response:
    return await visit(web, f"{app}{review_path(review)}/schedule", login=MANAGER.id)


async def test_the_slot_picker_offers_times_and_one_schedules_the_meeting(
    live_app: str, web: httpx.AsyncClient, settings: Settings
) -> None:
    review = await start_review(live_app, settings)
    page = await schedule_page(web, live_app, review)
    assert page.status_code == 200
    labels_point_at_inputs(page.text)
    slots = BeautifulSoup(page.text, "html.parser").select('input[name="slot"]')
    assert len(slots) > 10
    fields = form_fields(page.text, "/schedule")
    r = await web.post(
        f"{live_app}{review_path(review)}/schedule",
        data={
            **fields,
            "slot": str(slots[0]["value"]),
            "location_kind": "meeting_room",
            "location_text": "Fjordrommet",
        },
    )
    assert r.status_code == 303, r.text
    shown = await web.get(f"{live_app}{r.headers['location']}")
    assert "Fjordrommet" in shown.text and "Invitert" in shown.text


async def test_a_typed_time_the_rules_refuse_shows_the_rules_reason(
    live_app: str, web: httpx.AsyncClient, settings: Settings
) -> None:
    review = await start_review(live_app, settings)
    page = await schedule_page(web, live_app, review)
    first = BeautifulSoup(page.text, "html.parser").select('input[name="slot"]')[0]
    day = str(first["value"])[:10]
    r = await web.post(
        f"{live_app}{review_path(review)}/schedule",
        data={
            **form_fields(page.text, "/schedule"),
            "date": day,
            "clock": "17:00",
            "location_kind": "meeting_room",
            "location_text": "Fjordrommet",
        },
    )
    assert r.status_code == 422
    assert "working hours" in r.text and "(R5)" in r.text
    assert r.text.count('value="Fjordrommet"') == 1  # the answers are kept
    assert "<title>Feil: " in r.text
    labels_point_at_inputs(r.text)
    still = await web.get(f"{live_app}{review_path(review)}")
    assert "Skal settes opp" in still.text  # nothing scheduled


async def test_the_employee_accepts_and_downloads_the_meeting(
    live_app: str, web: httpx.AsyncClient, settings: Settings
) -> None:
    review = await start_review(live_app, settings)
    page = await schedule_page(web, live_app, review)
    slot = BeautifulSoup(page.text, "html.parser").select('input[name="slot"]')[3]["value"]
    await web.post(
        f"{live_app}{review_path(review)}/schedule",
        data={
            **form_fields(page.text, "/schedule"),
            "slot": str(slot),
            "location_kind": "video",
            "location_text": "https://meet.example/abc",
        },
    )
    async with httpx.AsyncClient(timeout=10) as employee:
        mine = await visit(employee, f"{live_app}{review_path(review)}", login=EMPLOYEE.id)
        assert "Accept the invitation" in mine.text  # the employee reads English
        # Without the CSRF token the command is refused, and nothing is applied.
        fields = form_fields(mine.text, "/accept")
        refused = await employee.post(
            f"{live_app}{review_path(review)}/accept",
            data={"idempotency_key": fields["idempotency_key"]},
        )
        assert refused.status_code == 403
        assert (
            "Accept the invitation" in (await employee.get(f"{live_app}{review_path(review)}")).text
        )

        r = await employee.post(f"{live_app}{review_path(review)}/accept", data=fields)
        assert r.status_code == 303
        again = await employee.post(f"{live_app}{review_path(review)}/accept", data=fields)
        assert again.status_code == 303  # the same submission again: applied once, no error
        after = await employee.get(f"{live_app}{review_path(review)}")
        assert "You have accepted the invitation." in after.text
        assert "Preparing" in after.text

        ics = await employee.get(f"{live_app}{review_path(review)}/invitation.ics")
        assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
        assert "BEGIN:VEVENT" in ics.text and "meet.example/abc" in ics.text


async def test_a_review_you_are_not_in_is_not_found(
    live_app: str, web: httpx.AsyncClient, settings: Settings
) -> None:
    review = await start_review(live_app, settings)
    page = await visit(web, f"{live_app}{review_path(review)}", login=OTHER_MANAGER.id)
    assert page.status_code == 404
    schedule = await web.get(f"{live_app}{review_path(review)}/schedule")
    assert schedule.status_code == 404


async def test_the_team_page_lists_the_managers_reviews_with_the_next_step(
    live_app: str, web: httpx.AsyncClient, settings: Settings
) -> None:
    review = await start_review(live_app, settings)
    page = await visit(web, f"{live_app}/team", login=MANAGER.id)
    assert EMPLOYEE.name in page.text and "Sett opp møtet" in page.text
    deadline = datetime.now(OSLO).date() + timedelta(days=Policy().scheduling_deadline_days)
    assert f"innen {i18n.day(deadline, 'nb', with_day=False)}" in page.text
    assert f"{review_path(review)}/schedule" in page.text
    switched = await web.post(
        f"{live_app}/language",
        data={"csrf_token": csrf_of(page.text), "lang": "en", "next": "/team"},
    )
    english = await web.get(f"{live_app}{switched.headers['location']}")
    assert 'lang="en"' in english.text and "Schedule the meeting" in english.text
