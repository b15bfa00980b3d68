"""HR's pages over real HTTP: starting a cycle, its funnel, the import's preview and errors."""

from __future__ import annotations

import httpx
from bs4 import BeautifulSoup

from core.settings import Settings
from tests.factories import EMPLOYEE, HR, MANAGER, OTHER_MANAGER
from tests.waiting import eventually
from tests.web.conftest import bearer
from tests.web.signing_in import csrf_of, visit

HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date"
PEOPLE = [
    f"{HR.id},{HR.name},{HR.email},nb,,HR,Firma,,",
    f"{MANAGER.id},{MANAGER.name},{MANAGER.email},nb,{HR.id},Salg,Firma,,",
    f"{EMPLOYEE.id},{EMPLOYEE.name},{EMPLOYEE.email},en,{MANAGER.id},Salg,Firma,,",
    f"{OTHER_MANAGER.id},{OTHER_MANAGER.name},{OTHER_MANAGER.email},nb,{HR.id},Salg,Firma,,",
]


async def test_an_import_with_errors_shows_each_line_column_and_reason(
    live_app: str, web: httpx.AsyncClient
) -> None:
    page = await visit(web, f"{live_app}/hr/import", login=HR.id)
    bad = "\n".join([HEADER, *PEOPLE, "e-9,Nils Ny,not-an-email,xx,m-10,Salg,Firma,,"]) + "\n"
    r = await web.post(f"{live_app}/hr/import", data={"csrf_token": csrf_of(page.text), "csv": bad})
    assert r.status_code == 422
    rows = BeautifulSoup(r.text, "html.parser").select("table tbody tr")
    cells = [[td.get_text() for td in row.find_all("td")] for row in rows]
    assert ["6", "email"] in [c[:2] for c in cells] and ["6", "language"] in [c[:2] for c in cells]


async def test_an_import_is_previewed_then_confirmed(
    live_app: str, web: httpx.AsyncClient, settings: Settings
) -> None:
    page = await visit(web, f"{live_app}/hr/import", login=HR.id)
    good = "\n".join([HEADER, *PEOPLE, f"e-9,Nils Ny,nils@example.no,nb,{MANAGER.id},Salg,Firma,,"])
    preview = await web.post(
        f"{live_app}/hr/import", data={"csrf_token": csrf_of(page.text), "csv": good + "\n"}
    )
    assert preview.status_code == 200 and "Nils Ny" in preview.text
    async with httpx.AsyncClient(base_url=live_app, headers=bearer(settings, HR.id)) as api:
        assert (await api.get("/employees/e-9")).status_code == 404  # a preview writes nothing
        form = BeautifulSoup(preview.text, "html.parser").find("input", {"name": "confirm"})
        confirm_form = form.find_parent("form") if form is not None else None
        assert confirm_form is not None
        fields = {str(i["name"]): str(i.get("value", "")) for i in confirm_form.find_all("input")}
        done = await web.post(f"{live_app}/hr/import", data=fields)
        assert done.status_code == 303
        assert (await api.get("/employees/e-9")).status_code == 200


async def test_hr_starts_a_cycle_and_sees_its_funnel(
    live_app: str, web: httpx.AsyncClient, settings: Settings
) -> None:
    page = await visit(web, f"{live_app}/hr/cycles/new", login=HR.id)
    soup = BeautifulSoup(page.text, "html.parser")
    offered = [str(i["value"]) for i in soup.select('input[name="template"]')]
    assert offered == ["loft", "standard"] or offered == ["standard", "loft"]
    chosen = soup.select_one('input[name="template"][checked]')
    assert chosen is not None and chosen["value"] == "standard"
    fields = {str(i["name"]): str(i.get("value", "")) for i in soup.select("form input")}
    fields |= {
        "id": "web-2027",
        "name": "Samtaler 2027",
        "window_start": "2026-11-01",
        "window_end": "2027-12-31",
        "template": "loft",
    }
    fields.pop("scope", None)
    r = await web.post(f"{live_app}/hr/cycles/new", data=fields)
    assert r.status_code == 303 and r.headers["location"] == "/hr/cycles/web-2027"

    async def counted() -> bool:
        shown = await web.get(f"{live_app}/hr/cycles/web-2027")
        return "Samtaler 2027" in shown.text and "(3)" in shown.text  # all three with a manager

    await eventually(counted, "the cycle's three reviews in the funnel")
    listed = await web.get(f"{live_app}/hr/cycles")
    assert "web-2027" in listed.text
    async with httpx.AsyncClient(base_url=live_app, headers=bearer(settings, HR.id)) as api:
        assert (await api.get("/cycles/web-2027")).json()["template"] == "loft"


async def test_a_cycle_with_a_template_that_does_not_exist_is_refused_at_the_choice(
    live_app: str, web: httpx.AsyncClient
) -> None:
    page = await visit(web, f"{live_app}/hr/cycles/new", login=HR.id)
    soup = BeautifulSoup(page.text, "html.parser")
    fields = {str(i["name"]): str(i.get("value", "")) for i in soup.select("form input")}
    fields |= {"id": "web-2028", "template": "nosuch"}
    r = await web.post(f"{live_app}/hr/cycles/new", data=fields)
    assert r.status_code == 422
    error = BeautifulSoup(r.text, "html.parser").select_one("#template-error")
    assert error is not None and "unknown template nosuch" in error.get_text()


async def test_hr_lists_the_templates_and_previews_each_in_both_languages(
    live_app: str, web: httpx.AsyncClient
) -> None:
    listed = await visit(web, f"{live_app}/hr/templates", login=HR.id)
    assert listed.status_code == 200
    assert 'href="/hr/templates/standard?lang=en"' in listed.text
    assert 'href="/hr/templates/loft?lang=nb"' in listed.text
    nb = await web.get(f"{live_app}/hr/templates/standard?lang=nb")
    en = await web.get(f"{live_app}/hr/templates/standard?lang=en")
    assert "Arbeidsmiljø" in nb.text and "Trivsel" in nb.text
    assert "Well-being" in en.text and "Trivsel" not in en.text
    loft = await web.get(f"{live_app}/hr/templates/loft?lang=en")
    assert "one step up" in loft.text  # the scale's follow-up questions
    assert (await web.get(f"{live_app}/hr/templates/nosuch")).status_code == 404


async def test_a_cycle_form_with_a_wrong_date_is_shown_again_with_the_reason(
    live_app: str, web: httpx.AsyncClient
) -> None:
    page = await visit(web, f"{live_app}/hr/cycles/new", login=HR.id)
    soup = BeautifulSoup(page.text, "html.parser")
    fields = {str(i["name"]): str(i.get("value", "")) for i in soup.select("form input")}
    fields |= {"window_end": "31.12.2027"}
    r = await web.post(f"{live_app}/hr/cycles/new", data=fields)
    assert r.status_code == 422
    assert 'href="#window_end"' in r.text and 'value="31.12.2027"' in r.text


async def test_hr_pages_are_for_hr_only(live_app: str, web: httpx.AsyncClient) -> None:
    page = await visit(web, f"{live_app}/hr/cycles", login=MANAGER.id)
    assert page.status_code == 403
    assert (await web.get(f"{live_app}/hr/templates")).status_code == 403
