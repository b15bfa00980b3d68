"""Each rule refused through the API with a clear message, and nothing changed by the refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from samtale.mailsink import MailSink
from tests.api.conftest import Auth
from tests.factories import EMPLOYEE, MANAGER, OTHER_MANAGER, first_weekend_day, working_slot
from tests.waiting import eventually, mail_arrived
from workflows.calendar import OSLO, is_norwegian_holiday

WFT_FIRST = EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
WFT_LAST = EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED


@dataclass
class Review:
    id: str
    api: httpx.AsyncClient
    auth: Auth
    env: WorkflowEnvironment
    sink: MailSink

    async def post(self, command: str, who: str, body: dict | None = None) -> httpx.Response:
        return await self.api.post(
            f"/reviews/{self.id}/{command}", headers=self.auth(who), json=body
        )

    async def settled(self) -> None:
        """Commands answer before the workflow's own sync and mail: wait until no activity
        is pending, so that only the refusal could change what the snapshot holds."""
        handle = self.env.client.get_workflow_handle(self.id)

        async def idle() -> bool:
            return not (await handle.describe()).raw_description.pending_activities

        await eventually(idle, "the review's activities to finish")

    async def snapshot(self) -> tuple[dict, int, int]:
        """What a refusal must not change: the read model, the workflow history, the mail."""
        await self.settled()
        body = (await self.api.get(f"/reviews/{self.id}", headers=self.auth(MANAGER.id))).json()
        history = await self.env.client.get_workflow_handle(self.id).fetch_history()
        # Workflow-task events are left out: the test server keeps the task that carried
        # a rejected update, where a full server drops it; no other event may appear.
        kept = [e for e in history.events if not (WFT_FIRST <= e.event_type <= WFT_LAST)]
        return body, len(kept), len(self.sink.messages)


@pytest_asyncio.fixture
async def review(
    api: httpx.AsyncClient,
    auth: Auth,
    review_id: str,
    time_env: WorkflowEnvironment,
    sink: MailSink,
) -> AsyncIterator[Review]:
    # The cycle mails the manager its kickoff on its own, after the review is in the read
    # model: wait for it, or it may land between a test's two snapshots.
    await mail_arrived(sink, "kickoff")
    yield Review(review_id, api, auth, time_env, sink)


def meeting_body(start: datetime, *, minutes: int = 60, kind: str = "meeting_room") -> dict:
    return {
        "start": start.isoformat(),
        "duration_minutes": minutes,
        "location_kind": kind,
        "location_text": "Fjordrommet",
    }


async def now(review: Review) -> datetime:
    return await review.env.get_current_time()


async def assert_refused(
    review: Review, command: str, who: str, body: dict | None, status: int, rule: str, words: str
) -> None:
    before = await review.snapshot()
    r = await review.post(command, who, body)
    assert r.status_code == status, r.text
    assert r.json()["rule"] == rule
    assert words in r.json()["message"]
    assert await review.snapshot() == before


async def test_a_meeting_less_than_two_weeks_ahead_is_refused_under_r2(review: Review) -> None:
    start = working_slot(await now(review) + timedelta(days=10))
    await assert_refused(
        review, "schedule", MANAGER.id, meeting_body(start), 422, "R2", "at least 14 days ahead"
    )


async def test_the_managers_office_is_refused_under_r3(review: Review) -> None:
    start = working_slot(await now(review) + timedelta(days=20))
    await assert_refused(
        review,
        "schedule",
        MANAGER.id,
        meeting_body(start, kind="manager_office"),
        422,
        "R3",
        "not take place in the manager's office",
    )


async def test_a_meeting_shorter_than_an_hour_is_refused_under_r5(review: Review) -> None:
    start = working_slot(await now(review) + timedelta(days=20))
    await assert_refused(
        review,
        "schedule",
        MANAGER.id,
        meeting_body(start, minutes=45),
        422,
        "R5",
        "at least 60 minutes",
    )


async def test_a_weekend_meeting_is_refused_under_r5(review: Review) -> None:
    saturday = first_weekend_day(await now(review) + timedelta(days=20))
    start = datetime.combine(saturday, time(10), tzinfo=OSLO)
    await assert_refused(
        review, "schedule", MANAGER.id, meeting_body(start), 422, "R5", "Monday to Friday"
    )


async def test_a_meeting_on_a_public_holiday_is_refused_under_r5(review: Review) -> None:
    day = (await now(review) + timedelta(days=20)).astimezone(OSLO).date()
    while not (is_norwegian_holiday(day) and day.weekday() < 5):
        day += timedelta(days=1)
    start = datetime.combine(day, time(10), tzinfo=OSLO)
    await assert_refused(
        review, "schedule", MANAGER.id, meeting_body(start), 422, "R5", "public holiday"
    )


async def test_a_meeting_after_working_hours_is_refused_under_r5(review: Review) -> None:
    start = working_slot(await now(review) + timedelta(days=20), hour=15)
    await assert_refused(
        review, "schedule", MANAGER.id, meeting_body(start, minutes=90), 422, "R5", "working hours"
    )


async def test_accepting_before_an_invitation_is_refused_as_the_wrong_phase(
    review: Review,
) -> None:
    await assert_refused(
        review, "accept", EMPLOYEE.id, None, 409, "phase", "while the review is scheduling"
    )


async def test_the_employee_cannot_schedule_their_own_review(review: Review) -> None:
    start = working_slot(await now(review) + timedelta(days=20))
    await assert_refused(
        review,
        "schedule",
        EMPLOYEE.id,
        meeting_body(start),
        403,
        "actor",
        "only the employee's manager",
    )


async def test_an_action_owned_by_an_outsider_is_refused_under_r8(review: Review) -> None:
    start = working_slot(await now(review) + timedelta(days=20))
    assert (await review.post("schedule", MANAGER.id, meeting_body(start))).status_code == 200
    await review.env.sleep(start + timedelta(hours=2) - await now(review))
    due = (await now(review)).date() + timedelta(days=30)
    body = {
        "sections": {"summary": "ok"},
        "actions": [{"title": "x", "owner_id": OTHER_MANAGER.id, "due": str(due)}],
    }
    before = await review.snapshot()
    r = await review.api.put(
        f"/reviews/{review.id}/summary", headers=review.auth(MANAGER.id), json=body
    )
    assert (r.status_code, r.json()["rule"]) == (422, "R8"), r.text
    assert "must be the employee or the manager" in r.json()["message"]
    assert await review.snapshot() == before


async def test_a_stranger_sees_no_such_review(review: Review) -> None:
    r = await review.api.get(f"/reviews/{review.id}", headers=review.auth(OTHER_MANAGER.id))
    assert r.status_code == 404


@pytest.mark.parametrize("start", ["2027-03-01T10:00:00", "next tuesday"])
async def test_a_start_without_an_offset_or_unreadable_is_a_clear_422(
    review: Review, start: str
) -> None:
    before = await review.snapshot()
    r = await review.post(
        "schedule",
        MANAGER.id,
        {
            "start": start,
            "duration_minutes": 60,
            "location_kind": "video",
            "location_text": "https://meet.example.no/abc",
        },
    )
    assert r.status_code == 422
    assert r.json()["error"] == "InvalidRequest"
    assert "start" in r.json()["message"]
    assert await review.snapshot() == before


async def test_an_unknown_location_kind_is_a_clear_422(review: Review) -> None:
    body = meeting_body(datetime.now(UTC)) | {"location_kind": "canteen"}
    r = await review.post("schedule", MANAGER.id, body)
    assert r.status_code == 422
    assert "location_kind" in r.json()["message"]
