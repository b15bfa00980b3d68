"""HR imports the organisation as CSV: a bad file is refused whole with every problem listed;
a file that would take many people away, or cancel reviews, waits for HR to confirm it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from core.settings import Settings
from samtale.worker import build_worker
from store.db import PoolLimits, create_engine, session_factory
from store.migrate import upgrade
from store.models import Cycle, Employee, OrgImport
from tests.api.conftest import Auth
from tests.factories import EMPLOYEE, HR, MANAGER, seed_people

HEADER = "employee_id,name,email,language,manager_id,org_unit,parent_unit,start_date,end_date\n"
SEEDED = (  # the seeded people: a file without them takes them away
    "hr-1,Hilde HR,hr@example.no,nb,,HR,Konsern,,\n"
    "m-10,Ola Hansen,ola@example.no,nb,hr-1,Salg,Konsern,,\n"
    "e-100,Kari Nordmann,kari@example.no,en,m-10,Salg,Konsern,,\n"
    "m-20,Per Berg,per@example.no,nb,hr-1,Drift,Konsern,,\n"
)
GOOD = (
    HEADER
    + SEEDED
    + (
        "ceo,Anne Dahl,anne@example.no,nb,,Konsern,,,\n"
        "m1,Ola Nordmann,ola@example.no,nb,ceo,Salg,Konsern,,\n"
    )
)
CSV = {"Content-Type": "text/csv"}


def staff(n: int) -> str:
    """`n` more employees under m-20, so that shares of leavers come out round."""
    return "".join(f"s{i},Ansatt {i},s{i}@example.no,nb,m-20,Drift,Konsern,,\n" for i in range(n))


async def post(api: httpx.AsyncClient, auth: Auth, text: str, **params: Any) -> httpx.Response:
    return await api.post(
        "/imports/employees", content=text, params=params, headers=auth(HR.id) | CSV
    )


async def active(sessions: async_sessionmaker) -> int:
    async with sessions() as session:
        q = select(func.count()).select_from(Employee).where(Employee.active.is_(True))
        return int(await session.scalar(q) or 0)


async def test_an_import_adds_the_employees(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await post(api, auth, GOOD)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["added"]) == ["ceo", "m1"]
    r = await post(api, auth, GOOD)
    assert (r.json()["added"], r.json()["unchanged"]) == ([], 6)


async def test_a_bad_file_is_a_422_listing_each_problem_and_imports_nothing(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    bad = (
        GOOD
        + "e1,Kari,kari@,nb,m1,Salg,Konsern,,\ne2,Per,per@example.no,xx,nobody,Salg,Konsern,,\n"
    )
    r = await post(api, auth, bad)
    assert r.status_code == 422
    assert r.json()["problems"] == [
        {"line": 8, "column": "email", "reason": "'kari@' is not an email address"},
        {"line": 9, "column": "language", "reason": "unknown language 'xx': use nb or en"},
        {"line": 9, "column": "manager_id", "reason": "manager 'nobody' is not in the file"},
    ]
    assert "nothing was imported" in r.json()["message"]
    assert (await api.get("/employees/ceo", headers=auth(HR.id))).status_code == 404


async def test_a_file_that_is_not_utf8_is_refused(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await post(api, auth, GOOD.encode("utf-16"))  # type: ignore[arg-type]
    assert r.status_code == 422
    assert "UTF-8" in r.json()["message"]


async def test_only_hr_imports(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await api.post("/imports/employees", content=GOOD, headers=auth(MANAGER.id) | CSV)
    assert r.status_code == 403


async def test_a_file_with_only_its_header_is_refused_and_nobody_leaves(
    api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker
) -> None:
    r = await post(api, auth, HEADER, confirm="0" * 64)
    assert r.status_code == 422, r.text
    assert "no employees" in r.json()["problems"][0]["reason"]
    assert await active(sessions) == 4


async def test_a_dry_run_names_every_change_and_writes_nothing(
    api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker
) -> None:
    assert (await post(api, auth, HEADER + SEEDED)).status_code == 200
    moved = SEEDED.replace(
        "e-100,Kari Nordmann,kari@example.no,en,m-10,",
        "e-100,Kari Nordmann,kari@example.no,en,m-20,",
    )
    without_ola = moved.replace("m-10,Ola Hansen,ola@example.no,nb,hr-1,Salg,Konsern,,\n", "")
    text = HEADER + without_ola + "n1,Nils Ås,nils@example.no,nb,m-20,Drift,Konsern,,\n"
    r = await post(api, auth, text, dry_run="true")
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["joiners"] == [{"id": "n1", "name": "Nils Ås"}]
    assert p["leavers"] == [{"id": "m-10", "name": "Ola Hansen"}]
    assert p["changes"] == [{"id": "e-100", "name": "Kari Nordmann", "fields": ["manager_id"]}]
    assert (p["rows"], p["active_before"], p["unchanged"]) == (4, 4, 2)
    assert await active(sessions) == 4
    async with sessions() as session:
        assert await session.get(Employee, "n1") is None
        assert await session.scalar(select(func.count()).select_from(OrgImport)) == 1


async def test_the_preview_names_the_reviews_it_would_cancel_and_move(
    api: httpx.AsyncClient, auth: Auth, review_id: str
) -> None:
    # review_id: a running cycle with a review for e-100, managed by m-10.
    text = HEADER + SEEDED.replace(",en,m-10,", ",en,m-20,") + staff(20)
    assert (await post(api, auth, HEADER + SEEDED + staff(20))).status_code == 200
    p = (await post(api, auth, text, dry_run="true")).json()
    (move,) = p["reviews_to_move"]
    assert (move["review_id"], move["employee"]["name"]) == (review_id, EMPLOYEE.name)
    assert (move["manager"]["id"], move["new_manager"]) == (
        "m-10",
        {"id": "m-20", "name": "Per Berg"},
    )
    assert p["reviews_to_cancel"] == [] and p["needs_confirmation"] == []
    gone = (
        HEADER
        + SEEDED.replace("e-100,Kari Nordmann,kari@example.no,en,m-10,Salg,Konsern,,\n", "")
        + staff(20)
    )
    p = (await post(api, auth, gone, dry_run="true")).json()
    (cancel,) = p["reviews_to_cancel"]
    assert (cancel["review_id"], cancel["manager"]["name"]) == (review_id, MANAGER.name)
    assert p["needs_confirmation"] == ["1 open review(s) would be cancelled"]


async def test_cancelling_an_open_review_needs_confirmation(
    api: httpx.AsyncClient, auth: Auth, review_id: str, sessions: async_sessionmaker
) -> None:
    assert (await post(api, auth, HEADER + SEEDED + staff(20))).status_code == 200
    gone = (
        HEADER
        + SEEDED.replace("e-100,Kari Nordmann,kari@example.no,en,m-10,Salg,Konsern,,\n", "")
        + staff(20)
    )
    r = await post(api, auth, gone)
    assert r.status_code == 409, r.text
    assert r.json()["rule"] == "confirm"
    assert "1 open review(s) would be cancelled" in r.json()["message"]
    assert await active(sessions) == 24
    token = r.json()["preview"]["confirmation"]
    r = await post(api, auth, gone, confirm=token)
    assert r.status_code == 200, r.text
    assert r.json()["left"] == [EMPLOYEE.id]


async def test_more_than_the_share_of_leavers_needs_confirmation_exactly_the_share_does_not(
    api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker
) -> None:
    async with sessions.begin() as session:  # no running cycle: no reviews to cancel
        seeded = await session.get(Cycle, "2027")
        assert seeded is not None
        seeded.status = "finished"
    assert (await post(api, auth, HEADER + SEEDED + staff(16))).status_code == 200
    # 20 active: 2 leaving is 10 % (allowed), 3 is 15 %.
    three_fewer = HEADER + SEEDED + staff(13)
    r = await post(api, auth, three_fewer)
    assert r.status_code == 409, r.text
    assert "3 of 20 active employees (15%) would leave" in r.json()["message"]
    assert await active(sessions) == 20
    r = await post(api, auth, HEADER + SEEDED + staff(14))
    assert r.status_code == 200, r.text
    assert sorted(r.json()["left"]) == ["s14", "s15"]


async def test_a_confirmation_fits_only_the_changes_it_was_given_for(
    api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker
) -> None:
    assert (await post(api, auth, HEADER + SEEDED + staff(10))).status_code == 200
    first = await post(api, auth, HEADER + SEEDED + staff(5), dry_run="true")
    token = first.json()["confirmation"]
    r = await post(api, auth, HEADER + SEEDED + staff(3), confirm=token)  # another file
    assert r.status_code == 409, r.text
    assert "the confirmation sent is for other changes" in r.json()["message"]
    assert await active(sessions) == 14


async def test_every_applied_import_is_logged_with_who_when_digest_and_counts(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await post(api, auth, GOOD)
    assert r.status_code == 200
    await post(api, auth, GOOD, dry_run="true")  # not applied: not logged
    await post(api, auth, GOOD)
    log = (await api.get("/imports", headers=auth(HR.id))).json()
    assert log["total"] == 2
    latest, first = log["items"]
    assert first["id"] == r.json()["id"]
    assert (first["by"], first["rows"], first["added"], first["updated"]) == (HR.id, 6, 2, 4)
    assert first["file_digest"] == r.json()["file_digest"] == latest["file_digest"]
    assert len(first["file_digest"]) == 64 and first["confirmed"] is False
    assert (latest["added"], latest["unchanged"]) == (0, 6)
    assert latest["at"] >= first["at"]
    assert (await api.get("/imports", headers=auth(MANAGER.id))).status_code == 403
    # The seeded cycle is running: the first import carried its joiners into it.
    assert first["running_cycles"]["id"] == first["id"] and latest["running_cycles"] is None
    nothing = (await api.get(f"/imports/{latest['id']}", headers=auth(HR.id))).json()
    assert (nothing["status"], nothing["reviews_started"]) == ("applied", 0)


async def test_the_organisation_exported_imports_again_unchanged(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    quoted = '"Lie, Ingrid",ingrid@example.no,en,m1,Salg Vest,Salg,2027-01-04,2028-06-30\n'
    assert (await post(api, auth, GOOD + "e9," + quoted)).status_code == 200
    r = await api.get("/imports/employees", headers=auth(HR.id))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "e9," + quoted.replace("\n", ",\n") in r.text  # and no birth year
    again = (await post(api, auth, r.text)).json()
    assert (again["added"], again["updated"], again["left"], again["unchanged"]) == (
        [],
        [],
        [],
        7,
    )
    assert (await api.get("/imports/employees", headers=auth(MANAGER.id))).status_code == 403


async def test_an_import_waits_for_running_cycles_without_holding_a_connection(
    time_env: WorkflowEnvironment, settings: Settings, sqlite_url: str, auth: Auth
) -> None:
    """On a pool of one connection, the worker applying the import's changes needs the
    connection the request would hold while it waits: they apply only if it is let go."""
    engine = create_engine(sqlite_url, PoolLimits(size=1, max_overflow=0, timeout=30))
    await upgrade(engine)
    tiny = session_factory(engine)
    async with tiny.begin() as session:
        await seed_people(session)
    app = create_app(
        settings, temporal=time_env.client, sessions=tiny, clock=time_env.get_current_time
    )
    try:
        async with (
            build_worker(time_env.client, settings, tiny),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as api,
        ):
            r = await post(api, auth, HEADER + SEEDED + staff(1))  # a joiner in cycle 2027
        assert r.status_code == 200, r.text
        assert r.json()["running_cycles"]["status"] == "applied"
        assert r.json()["running_cycles"]["reviews_started"] == 1
    finally:
        await engine.dispose()
