"""Sign-in with OpenID Connect (authorization code + PKCE, Authlib), sign-out, language.

/login keeps the page to come back to (a deep link from an email), the state, the nonce
and the PKCE verifier in the session, and sends the browser to the provider; the
provider sends it back to /auth/callback with a code, which is exchanged (with the
verifier) for an id token, verified against the provider's keys (api/auth.py). Its
claim (email or employee id) names the employee; a new session starts for them.
"""

from __future__ import annotations

import secrets
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.auth import PROVIDER_TIMEOUT_SECONDS, Provider, employee_key
from api.deps import SessionDep, SettingsDep, employee_by_key, provider_of
from api.errors import Forbidden, Unauthorized, Unavailable
from core.settings import Settings
from web.i18n import LANGS
from web.pages import Form, PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CALLBACK = "/auth/callback"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _client(settings: Settings) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        scope=settings.oidc_scope,
        redirect_uri=settings.base_url.rstrip("/") + CALLBACK,
        code_challenge_method="S256",
        timeout=PROVIDER_TIMEOUT_SECONDS,
    )


def _provider(request: Request) -> Provider:
    provider = provider_of(request)
    if provider is None:
        raise Unavailable("sign-in is not configured here: set SAMTALE_OIDC_ISSUER")
    return provider


@router.get("/login")
async def login(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    endpoints = await _provider(request).endpoints()
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    extra: dict[str, Any] = {"nonce": nonce}
    if request.session.pop("signed_out", False):
        extra["prompt"] = "login"  # after signing out, ask who this is, not who it was
    async with _client(settings) as client:
        url, state = client.create_authorization_url(
            endpoints.authorization, code_verifier=verifier, **extra
        )
    request.session["oidc"] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": safe_next(next),
    }
    return see_other(url)


@router.get(CALLBACK)
async def callback(request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    pending = request.session.pop("oidc", None)
    params = request.query_params
    if not isinstance(pending, dict) or params.get("state") != pending.get("state"):
        raise Unauthorized("this sign-in answer does not belong to a sign-in begun here: try again")
    if "error" in params:
        raise Unauthorized(f"the provider refused the sign-in: {params['error']}")
    provider = _provider(request)
    endpoints = await provider.endpoints()
    try:
        async with _client(settings) as client:
            token = await client.fetch_token(
                endpoints.token, code=params.get("code", ""), code_verifier=pending["verifier"]
            )
    except OAuthError as e:
        raise Unauthorized(f"the provider did not accept the sign-in: {e.error}") from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise Unauthorized("the provider answered without an id token")
    claims = await provider.verify(
        id_token, audience=settings.oidc_client_id, nonce=pending["nonce"]
    )
    employee = await employee_by_key(session, employee_key(settings, claims))
    if employee is None:
        raise Forbidden("you are not among the active employees here: contact HR")
    lang = request.session.get("lang") or employee.language
    request.session.clear()  # a new session for a new person: nothing carried over
    request.session.update({"uid": employee.id, "lang": lang if lang in LANGS else "nb"})
    return see_other(pending["next"])


@router.post("/logout")
async def logout(request: Request, form: Form) -> Response:
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update({"signed_out": True, "lang": lang})
    return see_other("/signed-out")


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html")


@router.post("/language")
async def switch_language(request: Request, form: Form) -> Response:
    chosen = form.get("lang")
    if chosen in LANGS:
        request.session["lang"] = chosen
    back = form.get("next")
    return see_other(safe_next(back if isinstance(back, str) else None))
