"""HR imports the organisation as CSV: a bad file is refused whole with every problem listed."""

from __future__ import annotations

import httpx

from tests.api.conftest import Auth
from tests.factories import HR, MANAGER

HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date\n"
GOOD = HEADER + (
    "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n"
    "m1,Ola Nordmann,ola@example.no,nb,ceo,Salg,Konsern,,\n"
)
CSV = {"Content-Type": "text/csv"}


async def test_an_import_adds_the_employees(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await api.post("/imports/employees", content=GOOD, headers=auth(HR.id) | CSV)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["added"]) == ["ceo", "m1"]
    r = await api.post("/imports/employees", content=GOOD, headers=auth(HR.id) | CSV)
    assert (r.json()["added"], r.json()["unchanged"]) == ([], 2)


async def test_a_bad_file_is_a_422_listing_each_problem_and_imports_nothing(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    bad = (
        GOOD
        + "e1,Kari,kari@,nb,m1,Salg,Konsern,,\ne2,Per,per@example.no,xx,nobody,Salg,Konsern,,\n"
    )
    r = await api.post("/imports/employees", content=bad, headers=auth(HR.id) | CSV)
    assert r.status_code == 422
    assert r.json()["problems"] == [
        {"line": 4, "column": "email", "reason": "'kari@' is not an email address"},
        {"line": 5, "column": "language", "reason": "unknown language 'xx': use nb or en"},
        {"line": 5, "column": "manager_id", "reason": "manager 'nobody' is not in the file"},
    ]
    assert "nothing was imported" in r.json()["message"]
    assert (await api.get("/employees/ceo", headers=auth(HR.id))).status_code == 404


async def test_a_file_that_is_not_utf8_is_refused(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await api.post(
        "/imports/employees", content=GOOD.encode("utf-16"), headers=auth(HR.id) | CSV
    )
    assert r.status_code == 422
    assert "UTF-8" in r.json()["message"]


async def test_only_hr_imports(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await api.post("/imports/employees", content=GOOD, headers=auth(MANAGER.id) | CSV)
    assert r.status_code == 403
