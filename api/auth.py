"""Bearer tokens: a signed JWT whose subject is an employee id.

Tokens are issued by the CLI for development and the demo; SSO replaces the
issuer later, not the check.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from api.errors import Unauthorized
from core.settings import Settings

ISSUER = "samtale"
ALGORITHM = "HS256"


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
