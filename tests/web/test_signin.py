"""Sign-in through the real local OpenID provider: deep links, sessions, CSRF, API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from api.app import create_app
from core.settings import Settings
from samtale import dev_oidc
from tests.factories import EMPLOYEE, HR, MANAGER
from tests.web.conftest import APP_URL, STRANGER, bearer, start_review
from tests.web.signing_in import LOGIN, LOGIN_FORM, csrf_of, visit
from web.pages import review_path


async def test_a_deep_link_opens_its_page_after_signing_in(
    live_app: str, web: httpx.AsyncClient, settings: Settings
) -> None:
    review = await start_review(live_app, settings)
    first = await web.get(f"{live_app}{review_path(review)}")
    assert first.status_code == 303
    assert first.headers["location"].startswith("/login?next=")

    page = await visit(web, f"{live_app}{review_path(review)}", login=EMPLOYEE.id)

    assert page.status_code == 200
    assert str(page.url) == f"{live_app}{review_path(review)}"
    assert EMPLOYEE.name in page.text and MANAGER.name in page.text


async def test_the_session_cookie_is_httponly_and_samesite_lax(
    live_app: str, web: httpx.AsyncClient
) -> None:
    await visit(web, f"{live_app}/", login=EMPLOYEE.id)
    r = await web.get(f"{live_app}/login")
    cookie = r.headers["set-cookie"].lower()
    assert "samtale_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in tests; production sets Secure (below)


async def test_the_session_cookie_is_secure_in_production(provider: str) -> None:
    settings = Settings(
        env="production",
        jwt_secret="p" * 40,
        session_secret="s" * 40,
        oidc_issuer=provider,
        oidc_client_id=dev_oidc.CLIENT_ID,
        oidc_client_secret=dev_oidc.CLIENT_SECRET,
        base_url=APP_URL,
    )
    app = create_app(settings, temporal=object(), sessions=object())  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://samtale.test") as c:
        r = await c.get("/login")
    assert r.status_code == 303
    assert "secure" in r.headers["set-cookie"].lower()


async def test_only_a_path_here_is_a_place_to_come_back_to(
    live_app: str, web: httpx.AsyncClient
) -> None:
    page = await visit(web, f"{live_app}/login?next=//evil.example/x", login=EMPLOYEE.id)
    assert str(page.url) == f"{live_app}/"


async def test_someone_the_directory_does_not_know_is_refused(
    live_app: str, web: httpx.AsyncClient
) -> None:
    page = await visit(web, f"{live_app}/", login=STRANGER.sub)
    assert page.status_code == 403
    assert "contact HR" in page.text


async def test_signing_out_ends_the_session(live_app: str, web: httpx.AsyncClient) -> None:
    home = await visit(web, f"{live_app}/", login=EMPLOYEE.id)
    r = await web.post(f"{live_app}/logout", data={"csrf_token": csrf_of(home.text)})
    assert r.status_code == 303 and r.headers["location"] == "/signed-out"
    after = await web.get(f"{live_app}/")
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


async def test_signing_in_again_after_signing_out_asks_who_it_is(
    live_app: str, web: httpx.AsyncClient
) -> None:
    home = await visit(web, f"{live_app}/", login=EMPLOYEE.id)
    await web.post(f"{live_app}/logout", data={"csrf_token": csrf_of(home.text)})
    # The provider still has its session, but the next sign-in asks for a login (prompt).
    page = await visit(web, f"{live_app}/", login=MANAGER.id)
    assert MANAGER.name in page.text


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    live_app: str, web: httpx.AsyncClient
) -> None:
    home = await visit(web, f"{live_app}/", login=EMPLOYEE.id)
    assert 'lang="en"' in home.text  # the employee's own language

    for data in ({}, {"csrf_token": "forged"}):
        r = await web.post(f"{live_app}/logout", data=data)
        assert r.status_code == 403
        r = await web.post(f"{live_app}/language", data={**data, "lang": "nb", "next": "/"})
        assert r.status_code == 403

    still = await web.get(f"{live_app}/")
    assert still.status_code == 200 and 'lang="en"' in still.text  # signed in, English


@dataclass(frozen=True)
class Grant:
    """A code the provider issued after signing in, with what the client sent for it."""

    client: AsyncOAuth2Client
    token_endpoint: str
    code: str
    verifier: str


async def _signed_in_code(provider: str, login: str) -> Grant:
    """Authorize with PKCE as a relying party would, sign in at the provider as `login`,
    and take the code it sends to the redirect URI."""
    async with httpx.AsyncClient() as browser:
        meta = (await browser.get(f"{provider}/.well-known/openid-configuration")).json()
        client = AsyncOAuth2Client(
            dev_oidc.CLIENT_ID,
            dev_oidc.CLIENT_SECRET,
            scope="openid email profile",
            redirect_uri=f"{APP_URL}/auth/callback",
            code_challenge_method="S256",
        )
        verifier = secrets.token_urlsafe(48)
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce="n"
        )
        r = await browser.get(url, follow_redirects=True)
        form = LOGIN_FORM.search(r.text)
        assert form is not None
        r = await browser.post(str(r.url.join(form.group(1))), data={**LOGIN, "login": login})
        while not r.headers["location"].startswith(APP_URL):
            r = await browser.get(r.url.join(r.headers["location"]))
        code = str(httpx.URL(r.headers["location"]).params["code"])
        return Grant(client, meta["token_endpoint"], code, verifier)


async def test_the_provider_refuses_a_code_with_the_wrong_pkce_verifier(provider: str) -> None:
    grant = await _signed_in_code(provider, EMPLOYEE.id)
    with pytest.raises(OAuthError, match="invalid_grant"):
        await grant.client.fetch_token(
            grant.token_endpoint, code=grant.code, code_verifier=secrets.token_urlsafe(48)
        )


async def _access_token(provider: str, login: str) -> str:
    grant = await _signed_in_code(provider, login)
    token = await grant.client.fetch_token(
        grant.token_endpoint, code=grant.code, code_verifier=grant.verifier
    )
    return str(token["access_token"])


async def test_the_api_accepts_the_providers_rs256_access_token(
    live_app: str, provider: str
) -> None:
    token = await _access_token(provider, HR.id)
    async with httpx.AsyncClient(base_url=live_app) as api:
        ok = await api.get("/me", headers={"Authorization": f"Bearer {token}"})
        forged = await api.get("/me", headers={"Authorization": f"Bearer {token[:-4]}AAAA"})
    assert ok.status_code == 200 and ok.json()["id"] == HR.id, ok.text
    assert forged.status_code == 401 and "not valid" in forged.json()["message"]


async def test_dev_tokens_are_refused_where_they_are_off(
    provider: str, settings: Settings, sessions: object
) -> None:
    off = settings.model_copy(update={"dev_tokens": False})
    app = create_app(off, temporal=object(), sessions=sessions)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://samtale.test") as api:
        r = await api.get("/me", headers=bearer(settings, HR.id))
    assert r.status_code == 401
    assert "development tokens are not accepted" in r.json()["message"]


def test_dev_tokens_cannot_be_switched_on_in_production() -> None:
    with pytest.raises(ValueError, match="DEV_TOKENS"):
        Settings(env="production", jwt_secret="p" * 40, session_secret="s" * 40, dev_tokens=True)
    assert not Settings(
        env="production", jwt_secret="p" * 40, session_secret="s" * 40
    ).accepts_dev_tokens
