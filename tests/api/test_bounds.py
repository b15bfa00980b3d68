"""Every parameter has bounds: just inside is answered, just outside is a clear 422."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from tests.api.conftest import Auth
from tests.factories import EMPLOYEE, HR, MANAGER
from workflows.calendar import OSLO


@pytest.mark.parametrize("path", ["/reviews", "/actions"])
async def test_offset_is_answered_up_to_a_million_and_refused_past_it(
    bare_api: httpx.AsyncClient, auth: Auth, path: str
) -> None:
    at = await bare_api.get(path, params={"offset": 1_000_000}, headers=auth(MANAGER.id))
    assert at.status_code == 200, at.text
    assert at.json()["items"] == [] and at.json()["offset"] == 1_000_000
    past = await bare_api.get(path, params={"offset": 1_000_001}, headers=auth(MANAGER.id))
    assert past.status_code == 422
    assert past.json()["problems"] == [
        "query.offset: Input should be less than or equal to 1000000"
    ]


async def test_an_id_filter_takes_64_characters_of_an_id_and_no_more(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    ok = await bare_api.get("/reviews", params={"manager_id": "m" * 64}, headers=auth(HR.id))
    assert ok.status_code == 200
    long = await bare_api.get("/reviews", params={"manager_id": "m" * 65}, headers=auth(HR.id))
    assert long.status_code == 422
    odd = await bare_api.get("/reviews", params={"manager_id": "m 10"}, headers=auth(HR.id))
    assert odd.status_code == 422
    assert "manager_id" in odd.json()["message"]


async def test_a_review_id_past_160_characters_is_422_before_any_lookup(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    at = await bare_api.get("/reviews/" + "r" * 160, headers=auth(HR.id))
    assert at.status_code == 404
    past = await bare_api.get("/reviews/" + "r" * 161, headers=auth(HR.id))
    assert past.status_code == 422


@pytest.mark.parametrize("review_id", ["review:2027:e-100", "review:2027:a%3Ab", "review-2027-e-1"])
async def test_review_ids_of_either_scheme_are_looked_up(
    bare_api: httpx.AsyncClient, auth: Auth, review_id: str
) -> None:
    r = await bare_api.get(f"/reviews/{review_id}", headers=auth(HR.id))
    assert r.status_code == 404, r.text  # looked up (there is none), not refused as invalid


async def test_an_employee_batch_takes_one_to_a_thousand(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    empty = await bare_api.post("/employees", json=[], headers=auth(HR.id))
    assert empty.status_code == 422
    one = {"id": "x", "name": "X", "email": "x@example.no", "manager_id": MANAGER.id}
    many = [one | {"id": f"x{i}", "email": f"x{i}@example.no"} for i in range(1001)]
    too_many = await bare_api.post("/employees", json=many, headers=auth(HR.id))
    assert too_many.status_code == 422
    assert "at most 1000" in too_many.json()["message"]


async def test_an_email_longer_than_254_characters_is_refused(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    local = "a" * (254 - len("@example.no"))
    for email, status in ((f"{local}@example.no", 201), (f"{local}b@example.no", 422)):
        body = [{"id": f"x{status}", "name": "X", "email": email, "manager_id": MANAGER.id}]
        r = await bare_api.post("/employees", json=body, headers=auth(HR.id))
        assert r.status_code == status, r.text


async def test_an_added_employee_is_there_for_the_next_request(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    """The session dependency commits the request's work; the route does not."""
    body = [{"id": "e-9", "name": "Nora Dahl", "email": "nora@example.no", "manager_id": HR.id}]
    assert (await bare_api.post("/employees", json=body, headers=auth(HR.id))).status_code == 201
    r = await bare_api.get("/employees/e-9", headers=auth(HR.id))
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Nora Dahl"


@pytest.mark.parametrize(
    ("start", "status"),
    [("2000-01-01T00:00:00+00:00", 409), ("1999-12-31T23:59:59+00:00", 422),
     ("2100-12-31T23:00:00+00:00", 409), ("9999-12-31T23:59:59-01:00", 422)],
)  # fmt: skip
async def test_a_meeting_time_outside_2000_to_2100_is_422(
    api: httpx.AsyncClient, auth: Auth, review_id: str, start: str, status: int
) -> None:
    """Inside the bounds the command reaches the workflow (which refuses it for its own
    reasons); outside them, or where the offset would overflow, it does not."""
    body = {"start": start, "duration_minutes": 60, "location_kind": "video", "location_text": ""}
    r = await api.post(f"/reviews/{review_id}/schedule", json=body, headers=auth(MANAGER.id))
    assert r.status_code in ({status} if status == 422 else {409, 422}), r.text
    if status == 422:
        assert r.json()["error"] == "InvalidRequest"
    else:
        assert r.json()["error"] != "InvalidRequest"


async def test_times_are_answered_with_the_oslo_offset(
    api: httpx.AsyncClient, auth: Auth, review_id: str
) -> None:
    review = (await api.get(f"/reviews/{review_id}", headers=auth(EMPLOYEE.id))).json()
    times = [review["phase_since"], review["started_at"], *(e["at"] for e in review["timeline"])]
    listed = (await api.get("/reviews", headers=auth(EMPLOYEE.id))).json()["items"]
    times += [item["phase_since"] for item in listed]
    assert times
    for text in times:
        at = datetime.fromisoformat(text)
        assert at.utcoffset() == at.astimezone(OSLO).utcoffset(), text
        assert not text.endswith(("Z", "+00:00")), text
