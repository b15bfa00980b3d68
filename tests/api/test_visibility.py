"""Someone outside a review learns nothing about it: the same 404 as for no review at all,
before any phase, any workflow, any count."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker

from store.models import ActionItem, Review, ReviewEvent, SentEmail
from tests.api.conftest import Auth
from tests.factories import EMPLOYEE, HR, MANAGER, OTHER_MANAGER

REVIEW = "review-2027-e-100"
COMMANDS = ["accept", "preparation", "signoff", "actions/1/complete"]
BODIES = {"signoff": {"version": 1}}  # a body that fits: the refusal is the stranger's


@pytest_asyncio.fixture
async def review(sessions: async_sessionmaker) -> str:
    """A signed review with one open action, straight in the read model (no engine: a
    stranger's request must be answered before anything would ask it)."""
    now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    async with sessions.begin() as session:
        session.add(
            Review(
                id=REVIEW,
                cycle_id="2027",
                employee_id=EMPLOYEE.id,
                manager_id=MANAGER.id,
                phase="follow_up",
                started_at=now,
                phase_since=now,
                updated_at=now,
                summary="private words",
            )
        )
        await session.flush()
        session.add(
            ActionItem(
                review_id=REVIEW,
                number=1,
                title="a course",
                owner_id=EMPLOYEE.id,
                manager_id=MANAGER.id,
                due=date(2027, 6, 1),
            )
        )
    return REVIEW


def _without_id(r: httpx.Response, review_id: str) -> tuple[int, str]:
    return r.status_code, r.text.replace(review_id, "ID")


async def test_a_stranger_gets_the_answer_for_a_review_that_does_not_exist(
    bare_api: httpx.AsyncClient, auth: Auth, review: str
) -> None:
    theirs = await bare_api.get(f"/reviews/{review}", headers=auth(OTHER_MANAGER.id))
    none = await bare_api.get("/reviews/review-2027-nobody", headers=auth(OTHER_MANAGER.id))
    assert theirs.status_code == 404
    assert _without_id(theirs, review) == _without_id(none, "review-2027-nobody")


@pytest.mark.parametrize("command", COMMANDS)
async def test_a_strangers_command_is_404_before_the_phase_or_the_engine(
    bare_api: httpx.AsyncClient, auth: Auth, review: str, command: str
) -> None:
    """There is no Temporal client here: reaching for the workflow would be a 500."""
    body = BODIES.get(command)
    r = await bare_api.post(
        f"/reviews/{review}/{command}", headers=auth(OTHER_MANAGER.id), json=body
    )
    none = await bare_api.post(
        f"/reviews/review-2027-nobody/{command}", headers=auth(OTHER_MANAGER.id), json=body
    )
    assert r.status_code == 404, r.text
    assert _without_id(r, review) == _without_id(none, "review-2027-nobody")


async def test_filtering_the_list_by_someone_elses_review_finds_nothing(
    bare_api: httpx.AsyncClient, auth: Auth, review: str
) -> None:
    for params in ({"employee_id": EMPLOYEE.id}, {"manager_id": MANAGER.id}, {}):
        r = await bare_api.get("/reviews", params=params, headers=auth(OTHER_MANAGER.id))
        assert r.json()["total"] == 0 and r.json()["items"] == [], params
    seen = await bare_api.get("/reviews", headers=auth(EMPLOYEE.id))
    assert [i["id"] for i in seen.json()["items"]] == [review]  # the filter does find it


async def test_actions_show_only_your_team_and_your_own(
    bare_api: httpx.AsyncClient, auth: Auth, review: str
) -> None:
    async def titles(who: str, scope: str) -> list[str]:
        r = await bare_api.get("/actions", params={"scope": scope}, headers=auth(who))
        return [a["title"] for a in r.json()["items"]]

    assert await titles(MANAGER.id, "team") == ["a course"]
    assert await titles(EMPLOYEE.id, "mine") == ["a course"]
    assert await titles(OTHER_MANAGER.id, "team") == []
    assert await titles(OTHER_MANAGER.id, "mine") == []
    assert await titles(EMPLOYEE.id, "team") == []  # not the employee's team


async def test_hr_sees_the_review_but_not_its_summary(
    bare_api: httpx.AsyncClient, auth: Auth, review: str, sessions: async_sessionmaker
) -> None:
    """A review from before summaries were versioned: its text is in the read model's rows
    (the summary, an action's title in the action, its completion event and its emails)."""
    at = datetime(2027, 3, 2, 9, tzinfo=UTC)
    async with sessions.begin() as session:
        session.add(
            ReviewEvent(review_id=review, seq=9, at=at, kind="action_completed", detail="a course")
        )
        session.add(
            SentEmail(
                key=f"{review}:action-due:1",
                review_id=review,
                kind="action_due_soon",
                language="nb",
                to_addrs=EMPLOYEE.email,
                subject="Tiltak forfaller 2027-06-01: a course",
                message_id="<m@x>",
                status="sent",
                first_attempt_at=at,
            )
        )
    r = await bare_api.get(f"/reviews/{review}", headers=auth(HR.id))
    assert r.status_code == 200
    assert r.json()["summary"] is None
    assert r.json()["action_counts"]["total"] == 1
    assert "private words" not in r.text
    assert "a course" not in r.text
    mine = await bare_api.get(f"/reviews/{review}", headers=auth(EMPLOYEE.id))
    assert mine.text.count("a course") == 3


async def test_a_stranger_gets_the_answer_for_an_employee_who_does_not_exist(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    theirs = await bare_api.get(f"/employees/{EMPLOYEE.id}", headers=auth(OTHER_MANAGER.id))
    none = await bare_api.get("/employees/e-999", headers=auth(OTHER_MANAGER.id))
    assert theirs.status_code == none.status_code == 404
    assert theirs.text.replace(EMPLOYEE.id, "ID") == none.text.replace("e-999", "ID")
