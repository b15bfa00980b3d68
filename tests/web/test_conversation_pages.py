"""The conversation's pages over real HTTP: who sees the text (the API's matrix), the
emails' links landing on pages, and refusals shown next to their fields with what was
typed kept. The walk itself, in a browser, is test_browser.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest_asyncio
from bs4 import BeautifulSoup
from temporalio.testing import WorkflowEnvironment

from activities.mail.mailer import TEAM_ACTIONS_PAGE, cycle_page, team_page
from core.settings import Settings
from tests.factories import EMPLOYEE, HR, MANAGER, OTHER_MANAGER
from tests.web.conftest import bearer, start_review
from tests.web.signing_in import visit
from tests.web.test_pages import form_fields
from web.pages import review_path

SECRET = "Sentinel-sentence-7Q"  # in every text field; must never reach HR's pages


@dataclass(frozen=True)
class Held:
    review: str
    cycle: str
    app: str
    due: str  # a month from the (skipped-to) day the meeting was held


async def _scheduled(web: httpx.AsyncClient, app: str, review: str) -> None:
    page = await visit(web, f"{app}{review_path(review)}/schedule", login=MANAGER.id)
    slot = BeautifulSoup(page.text, "html.parser").select('input[name="slot"]')[0]
    r = await web.post(
        f"{app}{review_path(review)}/schedule",
        data={
            **form_fields(page.text, "/schedule"),
            "slot": str(slot["value"]),
            "location_kind": "meeting_room",
            "location_text": "Fjordrommet",
        },
    )
    assert r.status_code == 303, r.text


@pytest_asyncio.fixture
async def held(live_app: str, settings: Settings, time_env: WorkflowEnvironment) -> Held:
    """A review prepared by both (the text shared, an HMS item flagged) and held; set up
    through the JSON API, which tests/api tests."""
    review = await start_review(live_app, settings)
    async with httpx.AsyncClient() as manager_pages:
        await _scheduled(manager_pages, live_app, review)
    e, m = bearer(settings, EMPLOYEE.id), bearer(settings, MANAGER.id)
    async with httpx.AsyncClient(base_url=live_app, timeout=30) as api:
        assert (await api.post(f"/reviews/{review}/accept", headers=e)).status_code == 200
        answer = {"value": SECRET, "shared": True, "needs_follow_up": True}
        for who in (e, m):
            body = {"answers": {"ps_workload": answer}}
            r = await api.put(f"/reviews/{review}/preparation", headers=who, json=body)
            assert r.status_code == 200, r.text
            r = await api.post(f"/reviews/{review}/preparation/submit", headers=who)
            assert r.status_code == 200, r.text
        await time_env.sleep(timedelta(days=40))
        r = await api.post(f"/reviews/{review}/outcome", headers=m, json={"held": True})
        assert r.status_code == 200, r.text
        cycle = r.json()["cycle_id"]
    due = (await time_env.get_current_time()).date() + timedelta(days=30)
    return Held(review, cycle, live_app, due.isoformat())


async def _summarised(h: Held, settings: Settings) -> None:
    m, e = bearer(settings, MANAGER.id), bearer(settings, EMPLOYEE.id)
    async with httpx.AsyncClient(base_url=h.app, timeout=30) as api:
        body = {
            "sections": {"summary": SECRET},
            "actions": [{"title": SECRET, "owner_id": EMPLOYEE.id, "due": h.due}],
            "hms": [{"item_key": "ps_workload", "action": 1}],
        }
        r = await api.put(f"/reviews/{h.review}/summary", headers=m, json=body)
        assert r.status_code == 200, r.text
        r = await api.post(f"/reviews/{h.review}/comment", headers=e, json={"comment": SECRET})
        assert r.status_code == 200, r.text


async def test_hr_and_the_managers_manager_see_no_conversation_text_on_any_page(
    held: Held, settings: Settings, web: httpx.AsyncClient
) -> None:
    await _summarised(held, settings)
    base = f"{held.app}{review_path(held.review)}"
    async with httpx.AsyncClient(timeout=10) as employee:
        mine = await visit(employee, f"{base}/summary", login=EMPLOYEE.id)
        assert SECRET in mine.text  # the two people do see it: the check below can fail
    pages = [
        "/",
        review_path(held.review),
        "/team",
        TEAM_ACTIONS_PAGE,
        "/hr/cycles",
        cycle_page(held.cycle),
    ]
    for path in pages:  # HR, who is also the manager's manager here
        r = await visit(web, f"{held.app}{path}", login=HR.id)
        assert r.status_code == 200, path
        assert SECRET not in r.text, path
    for path in ("/preparation", "/summary"):
        r = await web.get(f"{base}{path}")
        assert r.status_code == 403 and SECRET not in r.text, path
    async with httpx.AsyncClient(timeout=10) as stranger:
        for path in ("", "/preparation", "/summary"):
            r = await visit(stranger, f"{base}{path}", login=OTHER_MANAGER.id)
            assert r.status_code == 404 and SECRET not in r.text, path


async def test_the_emails_links_open_the_pages_that_show_the_same(
    held: Held, web: httpx.AsyncClient
) -> None:
    board = await visit(web, f"{held.app}{TEAM_ACTIONS_PAGE}", login=MANAGER.id)
    assert board.status_code == 200 and 'id="col-done"' in board.text
    team = await web.get(f"{held.app}{team_page(held.cycle)}")
    assert team.status_code == 200 and EMPLOYEE.name in team.text
    other = await web.get(f"{held.app}{team_page('no-such-cycle')}")
    assert other.status_code == 200 and EMPLOYEE.name not in other.text
    async with httpx.AsyncClient(timeout=10) as hr:
        funnel = await visit(hr, f"{held.app}{cycle_page(held.cycle)}", login=HR.id)
        assert funnel.status_code == 200 and held.cycle in funnel.text


async def test_a_refused_summary_is_shown_again_with_the_field_named_and_everything_kept(
    held: Held, web: httpx.AsyncClient
) -> None:
    base = f"{held.app}{review_path(held.review)}"
    page = await visit(web, f"{base}/summary", login=MANAGER.id)
    fields = form_fields(page.text, "/summary")
    r = await web.post(
        f"{base}/summary",
        data={**fields, "section-summary": "Et godt år.", "action-0-title": "Kurs"},
    )
    assert r.status_code == 422
    soup = BeautifulSoup(r.text, "html.parser")
    section, title = soup.select_one("#section-summary"), soup.select_one("#action-0-title")
    assert section is not None and section.get_text() == "Et godt år."
    assert title is not None and title["value"] == "Kurs"
    # The row without a due date is named at its field, the API's message.
    assert soup.select_one("#action-0-due-error") is not None


async def test_signing_with_disagreement_without_a_comment_is_refused_at_the_comment(
    held: Held, settings: Settings, web: httpx.AsyncClient
) -> None:
    await _summarised(held, settings)
    base = f"{held.app}{review_path(held.review)}"
    async with httpx.AsyncClient(base_url=held.app) as api:
        # The comment written before is withdrawn by nothing: sign a fresh version.
        m = bearer(settings, MANAGER.id)
        body = {
            "sections": {"summary": "Ny versjon."},
            "hms": [{"item_key": "ps_workload", "reason": "Avklart i møtet."}],
        }
        assert (await api.put(f"/reviews/{held.review}/summary", headers=m, json=body)).is_success
    page = await visit(web, f"{base}/summary", login=EMPLOYEE.id)
    fields = form_fields(page.text, "/signoff")
    assert fields["version"] == "2"
    r = await web.post(f"{base}/signoff", data={**fields, "decision": "disagree", "comment": " "})
    assert r.status_code == 422
    error = BeautifulSoup(r.text, "html.parser").select_one("#comment-error")
    assert error is not None and "comment" in error.get_text()
    assert "Signed with disagreement" not in r.text  # refused: nothing decided
    r = await web.post(
        f"{base}/signoff", data={**fields, "decision": "disagree", "comment": "Uenig i tonen."}
    )
    assert r.status_code == 303
    shown = await web.get(f"{base}/summary")
    assert "Uenig i tonen." in shown.text and "Signed with disagreement" in shown.text


async def test_a_draft_is_kept_without_the_workflow_hearing_of_it(
    live_app: str, settings: Settings, web: httpx.AsyncClient
) -> None:
    review = await start_review(live_app, settings)
    base = f"{live_app}{review_path(review)}"
    page = await visit(web, f"{base}/preparation", login=EMPLOYEE.id)
    assert "health" in page.text  # the help text against writing health information
    fields = form_fields(page.text, "/preparation")
    data = {**fields, "a-last_changes": "Nytt system.", "share-last_changes": "on", "do": "draft"}
    r = await web.post(f"{base}/preparation", data=data)
    assert r.status_code == 303
    shown = BeautifulSoup((await web.get(f"{base}/preparation")).text, "html.parser")
    kept, shared = shown.select_one("#a-last_changes"), shown.select_one("#share-last_changes")
    assert kept is not None and kept.get_text() == "Nytt system."
    assert shared is not None and shared.has_attr("checked")
    async with httpx.AsyncClient(base_url=live_app) as api:
        r = await api.get(f"/reviews/{review}", headers=bearer(settings, EMPLOYEE.id))
        assert r.json()["employee_prepared"] is False


async def test_an_answer_too_long_is_refused_at_its_field_with_the_text_kept(
    live_app: str, settings: Settings, web: httpx.AsyncClient
) -> None:
    review = await start_review(live_app, settings)
    base = f"{live_app}{review_path(review)}"
    page = await visit(web, f"{base}/preparation", login=EMPLOYEE.id)
    long = "x" * 5001
    data = {**form_fields(page.text, "/preparation"), "a-ps_workload": long, "do": "submit"}
    r = await web.post(f"{base}/preparation", data=data)
    assert r.status_code == 422
    soup = BeautifulSoup(r.text, "html.parser")
    field = soup.select_one("#a-ps_workload")
    assert soup.select_one("#a-ps_workload-error") is not None
    assert field is not None and field.get_text() == long


async def test_a_decision_that_is_not_one_of_the_three_is_refused(
    held: Held, settings: Settings, web: httpx.AsyncClient
) -> None:
    await _summarised(held, settings)
    base = f"{held.app}{review_path(held.review)}"
    page = await visit(web, f"{base}/summary", login=EMPLOYEE.id)
    data = {**form_fields(page.text, "/signoff"), "decision": "maybe"}
    r = await web.post(f"{base}/signoff", data=data)
    assert r.status_code == 422 and "choose approve" in r.text
    heading = BeautifulSoup(r.text, "html.parser").select_one("#current-h")
    assert heading is not None and "Signed" not in heading.get_text()
