"""Every error answers one documented shape, the framework's own and the unexpected included."""

from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from core.settings import Settings
from tests.api.conftest import Auth
from tests.factories import HR, MANAGER

SHAPE = {"error", "message", "rule", "problems"}


def assert_error_shape(r: httpx.Response, status: int, error: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) <= SHAPE and {"error", "message"} <= set(body), body
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    return body


async def test_an_unknown_route_is_404_in_the_shape(bare_api: httpx.AsyncClient) -> None:
    body = assert_error_shape(await bare_api.get("/nowhere"), 404, "NotFound")
    assert "/nowhere" in body["message"]


async def test_a_method_the_path_does_not_take_is_405_in_the_shape(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await bare_api.delete("/me", headers=auth(HR.id))
    body = assert_error_shape(r, 405, "MethodNotAllowed")
    assert body["message"] == "DELETE is not allowed on /me"
    assert r.headers["allow"] == "GET"


async def test_the_old_one_text_summary_post_is_gone_and_says_where_to_go(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await bare_api.post("/reviews/r-1/summary", headers=auth(MANAGER.id), json={})
    body = assert_error_shape(r, 410, "Gone")
    assert "PUT /reviews/{id}/summary" in body["message"]


async def test_a_body_that_is_not_json_is_400_in_the_shape(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await bare_api.post(
        "/employees",
        headers={**auth(HR.id), "content-type": "application/json"},
        content=b'[{"id": "x",',
    )
    body = assert_error_shape(r, 400, "BadRequest")
    assert "not valid JSON" in body["message"]


async def test_an_invalid_field_is_422_naming_the_field(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await bare_api.get("/reviews", params={"limit": "0"}, headers=auth(MANAGER.id))
    body = assert_error_shape(r, 422, "InvalidRequest")
    assert body["problems"] == ["query.limit: Input should be greater than or equal to 1"]


async def test_a_number_too_large_for_the_database_is_422_not_500(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    huge = str(2**64)
    for path in ("/reviews", "/actions"):
        r = await bare_api.get(path, params={"offset": huge}, headers=auth(MANAGER.id))
        assert_error_shape(r, 422, "InvalidRequest")


async def test_a_refusal_of_ours_keeps_its_rule(bare_api: httpx.AsyncClient, auth: Auth) -> None:
    r = await bare_api.get("/cycles/2027", headers=auth(MANAGER.id))
    assert_error_shape(r, 403, "Forbidden")


async def test_no_token_is_401_with_a_bearer_challenge(bare_api: httpx.AsyncClient) -> None:
    r = await bare_api.get("/reviews")
    assert_error_shape(r, 401, "Unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def failing_app(settings: Settings) -> httpx.AsyncClient:
    app = create_app(settings)

    @app.get("/boom")
    async def boom(words: str = "secret summary text") -> None:
        raise RuntimeError(words)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://samtale.test")


async def test_an_unexpected_exception_is_500_in_the_shape_without_its_text(
    failing_app: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async with failing_app as client:
        r = await client.get("/boom")
    body = assert_error_shape(r, 500, "ServerError")
    assert "secret" not in r.text
    assert body["message"] == "an unexpected error; it has been logged"
    # The log says what and where, but not the text: it may quote conversation text.
    assert "RuntimeError on GET /boom" in caplog.text
    assert "in boom" in caplog.text
    assert "secret" not in caplog.text
