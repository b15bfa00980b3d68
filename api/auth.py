"""Who is asking: a bearer token, or a signed-in person's claims, to an employee.

Two kinds of token reach the JSON API. The organisation's OpenID provider issues RS256
access tokens, verified against its published keys (JWKS); `samtale token` issues HS256
tokens for development and the demo, accepted only where `Settings.accepts_dev_tokens`
(never in production). The web pages' sign-in verifies the provider's id token the same
way (web/signin.py), so one check decides who someone is.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from api.errors import Unauthorized, Unavailable
from core.settings import Settings

ISSUER = "samtale"
ALGORITHM = "HS256"
PROVIDER_ALGORITHMS = ["RS256"]
# A key the provider rotated in is fetched at once; a token naming an unknown key refetches
# the key set at most this often, so a flood of forged kids cannot hammer the provider.
JWKS_REFETCH_SECONDS = 30.0
PROVIDER_TIMEOUT_SECONDS = 5.0


def issue_token(settings: Settings, employee_id: str, *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": employee_id,
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(hours=settings.jwt_ttl_hours),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def subject_of(settings: Settings, token: str) -> str:
    """The employee id of a development token (HS256, signed with the JWT secret)."""
    if not settings.accepts_dev_tokens:
        raise Unauthorized("development tokens are not accepted here: use the provider's token")
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired; ask for a new one") from None
    except jwt.InvalidTokenError as e:
        raise Unauthorized(f"the token is not valid: {e}") from None
    return str(claims["sub"])


def algorithm_of(token: str) -> str:
    try:
        return str(jwt.get_unverified_header(token).get("alg", ""))
    except jwt.InvalidTokenError as e:
        raise Unauthorized(f"the token is not valid: {e}") from None


@dataclass(frozen=True)
class EmployeeKey:
    """How a provider's claims name an employee: by email or by employee id."""

    field: str  # "email" or "id"
    value: str


def employee_key(settings: Settings, claims: dict[str, Any]) -> EmployeeKey:
    if settings.oidc_match == "email":
        value, name = claims.get("email"), "email"
    else:
        value, name = claims.get(settings.oidc_employee_id_claim), settings.oidc_employee_id_claim
    if not isinstance(value, str) or not value:
        raise Unauthorized(f"the provider's token has no {name} claim to match an employee by")
    return EmployeeKey("email" if settings.oidc_match == "email" else "id", value)


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    authorization: str
    token: str
    jwks: str
    end_session: str | None


class Provider:
    """The organisation's OpenID provider: its discovery document and signing keys, fetched
    when first needed and kept; a token signed by a key not yet seen refetches the keys."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer is not None
        self.issuer = settings.oidc_issuer.rstrip("/")
        self._endpoints: Endpoints | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_fetched = 0.0
        self._lock = asyncio.Lock()

    async def _get(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=PROVIDER_TIMEOUT_SECONDS) as client:
                r = await client.get(url)
                r.raise_for_status()
                return r.json()  # type: ignore[no-any-return]
        except (httpx.HTTPError, ValueError) as e:
            raise Unavailable("the sign-in provider is not answering; try again in a moment") from e

    async def endpoints(self) -> Endpoints:
        if self._endpoints is None:
            doc = await self._get(f"{self.issuer}/.well-known/openid-configuration")
            if doc.get("issuer", "").rstrip("/") != self.issuer:
                raise Unavailable("the sign-in provider's discovery document names another issuer")
            self._endpoints = Endpoints(
                issuer=doc["issuer"],
                authorization=doc["authorization_endpoint"],
                token=doc["token_endpoint"],
                jwks=doc["jwks_uri"],
                end_session=doc.get("end_session_endpoint"),
            )
        return self._endpoints

    async def _key(self, kid: str) -> jwt.PyJWK:
        async with self._lock:
            stale = time.monotonic() - self._keys_fetched > JWKS_REFETCH_SECONDS
            if kid not in self._keys and (stale or not self._keys):
                doc = await self._get((await self.endpoints()).jwks)
                keys = {}
                for k in doc.get("keys", []):
                    if k.get("kty") == "RSA" and k.get("use", "sig") == "sig" and "kid" in k:
                        keys[k["kid"]] = jwt.PyJWK(k, algorithm="RS256")
                self._keys, self._keys_fetched = keys, time.monotonic()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("the token is signed by a key the sign-in provider does not publish")
        return key

    async def verify(
        self, token: str, *, audience: str, nonce: str | None = None
    ) -> dict[str, Any]:
        """The claims of a token the provider signed (RS256) for `audience`, unexpired."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as e:
            raise Unauthorized(f"the token is not valid: {e}") from None
        if header.get("alg") not in PROVIDER_ALGORITHMS:
            raise Unauthorized("the token must be signed with RS256 by the sign-in provider")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=PROVIDER_ALGORITHMS,
                audience=audience,
                issuer=(await self.endpoints()).issuer,
                options={"require": ["sub", "exp", "iss", "aud"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired; sign in again") from None
        except jwt.InvalidTokenError as e:
            raise Unauthorized(f"the token is not valid: {e}") from None
        if nonce is not None and claims.get("nonce") != nonce:
            raise Unauthorized("the sign-in answer does not belong to this sign-in (nonce)")
        return claims
