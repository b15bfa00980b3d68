"""Walking a review through the API: each command answers with the new state and mails go out."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from samtale.mailsink import MailSink
from store.cycles import Cursor, page_in_scope, register_reviews
from tests.api.conftest import Auth
from tests.factories import EMPLOYEE, HR, MANAGER, OTHER_MANAGER, kinds, working_slot
from tests.waiting import mail_arrived
from workflows.calendar import OSLO, is_norwegian_holiday
from workflows.contracts import Policy
from workflows.rules import is_squeezed, is_working_day, meeting_warnings


async def slot(env: WorkflowEnvironment, days: int = 20, hour: int = 10) -> str:
    return working_slot(await env.get_current_time() + timedelta(days=days), hour).isoformat()


async def past(env: WorkflowEnvironment, start: str, hours: int = 2) -> None:
    """Skip the test server's clock to a few hours after the meeting starts."""
    target = datetime.fromisoformat(start) + timedelta(hours=hours)
    await env.sleep(target - await env.get_current_time())


def room(start: str, minutes: int = 60, kind: str = "meeting_room") -> dict:
    return {
        "start": start,
        "duration_minutes": minutes,
        "location_kind": kind,
        "location_text": "Fjordrommet, 3. etasje",
    }


async def test_a_started_review_waits_for_scheduling_and_is_listed(
    api: httpx.AsyncClient, auth: Auth, review_id: str
) -> None:
    r = await api.get(f"/reviews/{review_id}", headers=auth(MANAGER.id))
    assert r.status_code == 200
    assert r.json()["phase"] == "scheduling"
    cycle_id = r.json()["cycle_id"]
    listed = await api.get("/reviews", params={"cycle_id": cycle_id}, headers=auth(MANAGER.id))
    assert [i["id"] for i in listed.json()["items"]] == [review_id]


async def test_scheduling_sends_the_invitation_and_accepting_starts_preparation(
    api: httpx.AsyncClient,
    auth: Auth,
    review_id: str,
    time_env: WorkflowEnvironment,
    sink: MailSink,
) -> None:
    r = await api.post(
        f"/reviews/{review_id}/schedule", headers=auth(MANAGER.id), json=room(await slot(time_env))
    )
    assert r.status_code == 200, r.text
    assert r.json()["phase"] == "invited"
    await mail_arrived(sink, "invitation")
    r = await api.post(f"/reviews/{review_id}/accept", headers=auth(EMPLOYEE.id))
    assert r.json()["phase"] == "preparing"
    body = (await api.get(f"/reviews/{review_id}", headers=auth(EMPLOYEE.id))).json()
    assert [e["kind"] for e in body["timeline"]] == ["started", "scheduled", "accepted"]
    assert [(e["kind"], e["status"]) for e in body["emails"]] == [("invitation", "sent")]


async def test_a_reschedule_sends_a_new_invitation_with_the_next_sequence(
    api: httpx.AsyncClient,
    auth: Auth,
    review_id: str,
    time_env: WorkflowEnvironment,
    sink: MailSink,
) -> None:
    await api.post(
        f"/reviews/{review_id}/schedule", headers=auth(MANAGER.id), json=room(await slot(time_env))
    )
    r = await api.post(
        f"/reviews/{review_id}/reschedule",
        headers=auth(MANAGER.id),
        json=room(await slot(time_env, days=30)),
    )
    assert r.status_code == 200, r.text
    assert r.json()["meeting"]["sequence"] == 1
    # Both go out, each once; they are sent side by side, so in either order.
    await mail_arrived(sink, "reschedule")
    await mail_arrived(sink, "invitation")
    assert kinds(sink.messages).count("invitation") == 1


async def test_a_no_show_returns_the_review_to_scheduling(
    api: httpx.AsyncClient,
    auth: Auth,
    review_id: str,
    time_env: WorkflowEnvironment,
    sink: MailSink,
) -> None:
    start = await slot(time_env)
    await api.post(f"/reviews/{review_id}/schedule", headers=auth(MANAGER.id), json=room(start))
    await past(time_env, start)
    r = await api.post(
        f"/reviews/{review_id}/outcome", headers=auth(MANAGER.id), json={"held": False}
    )
    assert r.status_code == 200, r.text
    assert r.json()["phase"] == "scheduling"
    await mail_arrived(sink, "no_show")
    r = await api.post(
        f"/reviews/{review_id}/schedule", headers=auth(MANAGER.id), json=room(await slot(time_env))
    )
    assert r.json()["phase"] == "invited"
    assert r.json()["meeting"]["sequence"] == 1


async def test_cancelling_a_scheduled_review_mails_both_and_ends_it(
    api: httpx.AsyncClient,
    auth: Auth,
    review_id: str,
    time_env: WorkflowEnvironment,
    sink: MailSink,
) -> None:
    await api.post(
        f"/reviews/{review_id}/schedule", headers=auth(MANAGER.id), json=room(await slot(time_env))
    )
    r = await api.post(
        f"/reviews/{review_id}/cancel",
        headers=auth(HR.id),
        json={"reason": "The employee has left"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["phase"] == "cancelled"
    await mail_arrived(sink, "cancellation")
    cancellation = next(m for m in sink.messages if m["X-Samtale-Kind"] == "cancellation")
    assert cancellation["Cc"].addresses[0].addr_spec == MANAGER.email
    r = await api.post(f"/reviews/{review_id}/accept", headers=auth(EMPLOYEE.id))
    assert r.status_code == 409


async def test_an_overdue_action_is_listed_for_the_manager(
    api: httpx.AsyncClient,
    auth: Auth,
    review_id: str,
    time_env: WorkflowEnvironment,
    sink: MailSink,
) -> None:
    manager, employee = auth(MANAGER.id), auth(EMPLOYEE.id)
    start = await slot(time_env)
    await api.post(f"/reviews/{review_id}/schedule", headers=manager, json=room(start))
    await past(time_env, start)
    today = (await time_env.get_current_time()).date()
    r = await api.put(
        f"/reviews/{review_id}/summary",
        headers=manager,
        json={
            "sections": {"summary": "Agreed on a course."},
            "actions": [
                {
                    "title": "Take the course",
                    "owner_id": EMPLOYEE.id,
                    "due": str(today + timedelta(days=10)),
                }
            ],
        },
    )
    assert r.status_code == 200, r.text
    r = await api.post(f"/reviews/{review_id}/signoff", headers=employee, json={"version": 1})
    assert r.status_code == 200, r.text
    open_now = await api.get("/actions", params={"status": "overdue"}, headers=manager)
    assert open_now.json()["total"] == 0
    # Overdue from the day after it was due; the notice waits for a working morning
    # (a weekend and the Christmas days can lie between).
    await time_env.sleep(timedelta(days=16))
    await mail_arrived(sink, "action_overdue")
    overdue = (await api.get("/actions", params={"status": "overdue"}, headers=manager)).json()
    assert [(a["title"], a["overdue"]) for a in overdue["items"]] == [("Take the course", True)]
    mine = (await api.get("/actions", params={"scope": "mine"}, headers=employee)).json()
    assert mine["total"] == 1
    r = await api.post(f"/reviews/{review_id}/actions/1/complete", headers=employee)
    assert r.json()["phase"] == "completed"
    other = await api.get("/actions", params={"status": "all"}, headers=auth(OTHER_MANAGER.id))
    assert other.status_code == 200, other.text
    assert other.json()["total"] == 0


async def test_a_review_listed_before_its_workflow_starts_asks_to_try_again(
    api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker, time_env: WorkflowEnvironment
) -> None:
    """A kickoff lists a page of reviews a moment before it starts their workflows."""
    async with sessions.begin() as session:
        people = await page_in_scope(
            session, scope=None, employee_ids=[EMPLOYEE.id], after=Cursor(), limit=1
        )
        await register_reviews(
            session,
            cycle_id="2027",
            review_ids=["review-2027-not-started"],
            people=people,
            now=await time_env.get_current_time(),
        )
    r = await api.post(
        "/reviews/review-2027-not-started/schedule",
        headers=auth(MANAGER.id),
        json=room(await slot(time_env)),
    )
    assert r.status_code == 409
    assert r.json()["rule"] == "starting"
    assert "try again" in r.json()["message"]


def first_squeezed_day(after: date) -> date:
    """The first inneklemt dag (a working day between two days off) after `after`."""
    day = after
    while not is_squeezed(day, Policy(), is_norwegian_holiday) or not is_working_day(
        day, Policy(), is_norwegian_holiday
    ):
        day += timedelta(days=1)
    return day


async def test_a_meeting_on_a_squeezed_day_is_booked_with_a_warning(
    api: httpx.AsyncClient, auth: Auth, review_id: str, time_env: WorkflowEnvironment
) -> None:
    today = (await time_env.get_current_time()).astimezone(OSLO).date()
    day = first_squeezed_day(today + timedelta(days=15))
    start = datetime.combine(day, time(10), tzinfo=OSLO).isoformat()
    r = await api.post(f"/reviews/{review_id}/schedule", headers=auth(MANAGER.id), json=room(start))
    assert r.status_code == 200, r.text
    (warning,) = r.json()["meeting"]["warnings"]
    assert str(day) in warning and "inneklemt" in warning


async def test_a_meeting_on_an_ordinary_day_has_no_warning(
    api: httpx.AsyncClient, auth: Auth, review_id: str, time_env: WorkflowEnvironment
) -> None:
    start = working_slot(await time_env.get_current_time() + timedelta(days=20))
    while meeting_warnings(start, 60, Policy(), OSLO):  # not squeezed, not in July
        start = working_slot(start)
    r = await api.post(
        f"/reviews/{review_id}/schedule", headers=auth(MANAGER.id), json=room(start.isoformat())
    )
    assert r.status_code == 200, r.text
    assert r.json()["meeting"]["warnings"] == []
