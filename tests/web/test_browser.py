"""As a person would: headless Chromium (Debian's, driven by Playwright) signs in through
the local OpenID provider as HR, a manager and an employee, and walks one conversation
from kickoff through the slot picker, the emailed link, both preparations, the meeting,
the summary and the sign-off to a completed action, through the pages only.

Every page visited is saved as a screenshot (var/screenshots/, git-ignored) and checked
with axe-core: no serious or critical violation. Time passes on the time-skipping
server. Skipped only where Chromium is not installed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright, expect
from temporalio.testing import WorkflowEnvironment

from core.settings import Settings
from samtale.mailsink import MailSink
from tests.factories import EMPLOYEE, HR, MANAGER, body_text
from tests.waiting import eventually
from tests.web.conftest import APP_URL

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
BAD = {"serious", "critical"}

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        await b.close()


async def person(browser: Browser) -> Page:
    """A browser of one's own: cookies are not shared with the other people's."""
    context = await browser.new_context(viewport={"width": 1024, "height": 800})
    return await context.new_page()


async def sign_in_at(page: Page, url: str, login: str) -> None:
    """Open `url`; the provider's login page comes first, then `url` itself."""
    await page.goto(url)
    await page.fill('input[name="login"]', login)
    await page.fill('input[name="password"]', "any password")
    await page.click('button[type="submit"]')
    await page.wait_for_load_state()
    if not page.url.startswith(APP_URL) and await page.locator("noscript button").count():
        await page.click("button")  # JavaScript off: the provider's form waits for a click
    await page.wait_for_url(re.compile(re.escape(APP_URL)))


async def looked_at(page: Page, name: str) -> None:
    """A screenshot of the page, and axe-core's verdict on it (axe runs in the page, so
    only where JavaScript is on)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    result = await Axe().run(page)
    bad = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result.response["violations"]
        if v["impact"] in BAD
    ]
    assert not bad, f"{name}: {bad}"


def link_in(sink: MailSink, to: str, kind: str) -> str:
    for m in sink.messages:
        if m["X-Samtale-Kind"] == kind and to in str(m["To"]):
            found = re.search(r"https?://\S+/conversations/\S+", body_text(m))
            assert found is not None
            return found.group(0).rstrip(".,)")
    raise AssertionError(f"no {kind} email to {to}")


async def test_one_conversation_from_kickoff_to_a_completed_action(
    browser: Browser,
    live_app: str,
    time_env: WorkflowEnvironment,
    sink: MailSink,
    settings: Settings,
) -> None:
    # HR starts the cycle through the pages.
    hr = await person(browser)
    await sign_in_at(hr, f"{live_app}/hr/cycles/new", HR.id)
    await looked_at(hr, "hr-cycle-new")
    await hr.fill("#id", "walk-2027")
    await hr.fill("#window_start", "2026-11-01")
    await hr.fill("#window_end", "2028-12-31")
    await hr.click("button.button[type=submit]")
    await expect(hr.locator("h1")).to_contain_text("Medarbeidersamtaler")
    await looked_at(hr, "hr-cycle-progress")
    await hr.goto(f"{live_app}/hr/cycles")
    await looked_at(hr, "hr-cycles")
    await hr.goto(f"{live_app}/hr/import")
    await looked_at(hr, "hr-import")
    await hr.goto(f"{live_app}/hr/templates")
    await looked_at(hr, "hr-templates")
    await hr.click('a[href="/hr/templates/loft?lang=en"]')
    await expect(hr.locator("h1")).to_have_attribute("lang", "en")
    await looked_at(hr, "hr-template-preview")

    # The manager finds the review on their team page and opens the slot picker.
    manager = await person(browser)
    await sign_in_at(manager, f"{live_app}/", MANAGER.id)
    await looked_at(manager, "manager-home")

    async def on_team_page() -> bool:
        await manager.goto(f"{live_app}/team")
        return await manager.get_by_text(EMPLOYEE.name).count() > 0

    await eventually(on_team_page, "the review on the manager's team page")
    await looked_at(manager, "manager-team")
    schedule = re.compile(f"Sett opp møtet.*{EMPLOYEE.name}")
    await manager.get_by_role("link", name=schedule).click()
    await looked_at(manager, "manager-schedule")

    # A typed time outside working hours is refused with the rule's reason.
    first_slot = manager.locator('input[name="slot"]').first
    day = (await first_slot.get_attribute("value") or "")[:10]
    await manager.fill("#date", day)
    await manager.fill("#clock", "17:00")
    await manager.check("#place-meeting_room")
    await manager.fill("#location_text", "Fjordrommet")
    await manager.click("text=Send invitasjonen")
    await expect(manager.locator(".error-summary")).to_contain_text("R5")
    await looked_at(manager, "manager-schedule-refused")

    # A slot the picker offers is taken.
    await manager.fill("#date", "")
    await manager.fill("#clock", "")
    await manager.locator('input[name="slot"]').first.check()
    await manager.click("text=Send invitasjonen")
    await expect(manager.locator(".phase").first).to_have_text("Invitert")
    await looked_at(manager, "manager-conversation")
    review_url = manager.url

    # The employee opens the emailed link: sign-in first, then that very conversation.
    async def invited() -> bool:
        return any(m["X-Samtale-Kind"] == "invitation" for m in sink.messages)

    await eventually(invited, "the invitation email")
    link = link_in(sink, EMPLOYEE.email, "invitation")
    assert link.startswith(APP_URL)
    employee = await person(browser)
    await sign_in_at(employee, link, EMPLOYEE.id)
    assert employee.url == review_url
    await looked_at(employee, "employee-conversation-invited")
    await employee.click("text=Accept the invitation")
    await expect(employee.locator(".flash")).to_have_text("You have accepted the invitation.")
    await expect(employee.get_by_text("Add to calendar (.ics)")).to_be_visible()
    await looked_at(employee, "employee-conversation-accepted")

    # Both prepare blind: a draft first, then submitted; the employee flags workload.
    review_id = review_url.rsplit("/conversations/", 1)[1].replace("%25", "%")
    await employee.goto(f"{review_url}/preparation")
    await looked_at(employee, "employee-preparation")
    await employee.fill("#a-last_changes", "Nytt system i vår.")
    await employee.check("#share-last_changes")
    await employee.fill("#a-ps_workload", "For mange kveldsfrister.")
    await employee.check("#flag-ps_workload")
    await employee.check("#share-ps_workload")
    await employee.click('button[value="draft"]')
    await expect(employee.locator(".flash")).to_be_visible()
    await expect(employee.locator("#a-ps_workload")).to_have_value("For mange kveldsfrister.")
    await employee.click('button[value="submit"]')
    await expect(employee.locator("#check")).to_contain_text("For mange kveldsfrister.")
    await looked_at(employee, "employee-preparation-check")
    await employee.click("text=Submit the preparation")
    await expect(employee.locator("#mine-h")).to_be_visible()
    await looked_at(employee, "employee-preparation-submitted")

    await manager.goto(f"{review_url}/preparation")
    await looked_at(manager, "manager-preparation")
    await manager.fill("#a-last_changes", "Godt samarbeid i teamet.")
    await manager.check("#share-last_changes")
    await manager.click('button[value="submit"]')
    await manager.click("text=Send inn forberedelsen")
    await expect(manager.locator("#other")).to_contain_text("For mange kveldsfrister.")
    await looked_at(manager, "manager-preparation-revealed")

    # The meeting is held; the manager writes the summary with an action for the HMS item.
    await time_env.sleep(timedelta(days=40))
    await manager.goto(review_url)
    await expect(manager.locator(".phase").first).to_have_text("Venter på oppsummering")
    await looked_at(manager, "manager-conversation-meeting-passed")
    await manager.click('button[name="held"][value="yes"]')
    await expect(manager.locator(".flash")).to_be_visible()
    await expect(manager.locator('button[name="held"]')).to_have_count(0)
    await manager.click("a[href$='/summary']")
    await looked_at(manager, "manager-summary-editor")
    await manager.fill("#section-summary", "Et godt år.")
    await manager.click('button:text("Send til godkjenning")')
    await expect(manager.locator(".error-summary")).to_contain_text("R7")
    await expect(manager.locator("#section-summary")).to_have_value("Et godt år.")
    await looked_at(manager, "manager-summary-refused")
    today = (await time_env.get_current_time()).date()
    await manager.fill("#action-0-title", "Kurs i fasilitering")
    await manager.select_option("#action-0-owner", EMPLOYEE.id)
    await manager.fill("#action-0-due", str(today + timedelta(days=30)))
    await manager.select_option("#action-0-kind", "tilrettelegging")
    await manager.select_option("#hms-ps_workload-action", "0")
    await manager.click('button:text("Send til godkjenning")')
    await expect(manager.locator(".flash")).to_be_visible()
    await looked_at(manager, "manager-summary-sent")

    # The employee reads it, comments and signs.
    await employee.goto(f"{review_url}/summary")
    await expect(employee.locator("#current")).to_contain_text("Kurs i fasilitering")
    await looked_at(employee, "employee-signoff")
    await employee.fill("#comment", "Enig, men vil følge med på fristene.")
    await employee.click('button[value="approve"]')
    await expect(employee.locator(".phase").first).to_have_text("Follow-up")
    assert review_id in employee.url

    # The employee marks their action done on the conversation page.
    await employee.goto(review_url)
    await looked_at(employee, "employee-conversation-follow-up")
    await employee.click("text=Mark as done")
    await expect(employee.locator(".phase").first).to_have_text("Completed")
    await expect(employee.locator(".tag-done")).to_have_text("Done")
    await looked_at(employee, "employee-conversation-completed")
    await employee.goto(f"{live_app}/")
    await looked_at(employee, "employee-home")

    # The manager's board shows it done.
    await manager.goto(f"{live_app}/team/actions")
    await expect(manager.locator("#col-done")).to_contain_text("(1)")
    await looked_at(manager, "manager-actions")
    for someone in (hr, manager, employee):
        await someone.context.close()


async def test_without_javascript_a_form_posts_and_shows_its_errors(
    browser: Browser, live_app: str
) -> None:
    context = await browser.new_context(java_script_enabled=False)
    try:
        hr = await context.new_page()
        await sign_in_at(hr, f"{live_app}/hr/import", HR.id)
        await hr.fill("#csv", "employee_id,name\nx,y\n")
        await hr.click("text=Forhåndsvis")
        await expect(hr.locator(".error-summary")).to_be_visible()
        assert (await hr.title()).startswith("Feil: ")
        await hr.click("text=Logg ut")
        await expect(hr.locator("h1")).to_have_text("Du er logget ut")
    finally:
        await context.close()


async def test_the_error_pages_and_signing_out_are_accessible_in_both_languages(
    browser: Browser, live_app: str
) -> None:
    hr = await person(browser)
    await sign_in_at(hr, f"{live_app}/hr/import", HR.id)
    await hr.fill("#csv", "employee_id,name\nx,y\n")
    await hr.click("text=Forhåndsvis")
    await looked_at(hr, "hr-import-refused")
    await hr.click("text=English")
    await expect(hr.locator("html")).to_have_attribute("lang", "en")
    await hr.goto(f"{live_app}/conversations/review:none:x")
    await expect(hr.locator("h1")).to_have_text("Page not found")
    await looked_at(hr, "not-found")
    await hr.click("text=Sign out")
    await expect(hr.locator("h1")).to_have_text("You are signed out")
    await looked_at(hr, "signed-out")
    await hr.context.close()
