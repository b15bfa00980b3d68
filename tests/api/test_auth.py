"""Every request acts as somebody: no token, a forged one or a stranger's gets 401."""

from __future__ import annotations

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.auth import issue_token
from core.settings import Settings
from store.models import Employee
from tests.api.conftest import Auth
from tests.factories import EMPLOYEE, HR, MANAGER


async def test_a_request_without_a_token_is_401(api: httpx.AsyncClient) -> None:
    r = await api.get("/me")
    assert r.status_code == 401
    assert "bearer token" in r.json()["message"]


async def test_a_token_signed_with_another_secret_is_401(api: httpx.AsyncClient) -> None:
    forged = issue_token(Settings(env="test", jwt_secret="x" * 40), HR.id)
    r = await api.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert "not valid" in r.json()["message"]


async def test_a_token_for_an_unknown_employee_is_401(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await api.get("/me", headers=auth("nobody"))
    assert r.status_code == 401


async def test_a_leaver_is_refused_on_the_next_request(
    bare_api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker
) -> None:
    assert (await bare_api.get("/me", headers=auth(EMPLOYEE.id))).status_code == 200
    async with sessions.begin() as session:
        await session.execute(
            update(Employee).where(Employee.id == EMPLOYEE.id).values(active=False)
        )
    r = await bare_api.get("/me", headers=auth(EMPLOYEE.id))
    assert r.status_code == 401
    assert "no longer active" in r.json()["message"]


async def test_me_is_the_tokens_employee(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await api.get("/me", headers=auth(MANAGER.id))
    assert r.json()["id"] == MANAGER.id


async def test_only_hr_starts_a_cycle(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await api.post(
        "/cycles",
        headers=auth(MANAGER.id),
        json={
            "id": "x",
            "name": "x",
            "year": 2027,
            "window_start": "2027-01-01",
            "window_end": "2027-12-31",
        },
    )
    assert r.status_code == 403


async def test_hr_previews_any_template_in_english(api: httpx.AsyncClient, auth: Auth) -> None:
    r = await api.get(
        "/email-templates/kickoff/preview", params={"language": "en"}, headers=auth(HR.id)
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["subject"] == "Medarbeidersamtaler 2027: 3 development conversations to schedule"
    )
    assert "https://samtale.example.no/reviews/" in r.json()["text"]


async def test_a_preview_of_an_unknown_kind_or_language_is_422(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await api.get("/email-templates/nonsense/preview", headers=auth(HR.id))
    assert r.status_code == 422
    r = await api.get(
        "/email-templates/kickoff/preview", params={"language": "sv"}, headers=auth(HR.id)
    )
    assert r.status_code == 422
    assert "language" in r.json()["message"]
