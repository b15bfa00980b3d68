"""What every page shares: the one Jinja environment, the signed-in person, the CSRF
check, language, flash messages, and HTML answers for the API's errors.

The session is Starlette's signed cookie (HttpOnly, SameSite=Lax, Secure in production;
api/app.py). It holds the employee id, the CSRF token, the language and a one-shot
message; never conversation text.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from activities.mail.mailer import review_page
from api.deps import SessionDep
from api.errors import ApiError
from store.directory import get_employee
from store.models import Employee
from web import i18n
from web.i18n import Lang

HERE = Path(__file__).parent
ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
CSRF_FIELD = "csrf_token"


review_path = review_page  # the conversation page: the one the emails link to
ENV.globals["review_path"] = review_path


class SignInNeeded(Exception):
    """No signed-in person: the page answers with a redirect to sign in, then back here."""

    def __init__(self, back_to: str) -> None:
        self.back_to = back_to


class CsrfRefused(ApiError):
    status, error = 403, "Forbidden"


def language(request: Request) -> Lang:
    chosen = request.session.get("lang")
    if chosen in i18n.LANGS:
        return chosen  # type: ignore[no-any-return]
    return i18n.from_accept_language(request.headers.get("accept-language"))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def checked_form(request: Request) -> FormData:
    """The posted form, if it carries this session's CSRF token; else 403, nothing done."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not (isinstance(sent, str) and isinstance(expected, str)) or not hmac.compare_digest(
        sent.encode(), expected.encode()
    ):
        raise CsrfRefused(
            "the form is missing its security token or it has expired: reload the page"
        )
    return form


Form = Annotated[FormData, Depends(checked_form)]


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    me: Employee | None = None,
) -> HTMLResponse:
    lang = language(request)
    ctx = {
        "request": request,
        "lang": lang,
        "t": lambda key: i18n.text(lang, key),
        "phase_name": lambda p: i18n.phase_name(lang, p),
        "oslo": lambda m, **kw: i18n.oslo(m, lang, **kw) if isinstance(m, datetime) else "",
        "day": lambda d, **kw: i18n.day(d, lang, **kw),
        "clock": lambda m: i18n.clock(m, lang),
        "csrf": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "me": me,
        "flash": request.session.pop("flash", None),
        "path": request.url.path,
        **(context or {}),
    }
    html = ENV.get_template(template).render(ctx)
    # Pages can show conversation text: no shared cache may keep them.
    headers = {"Cache-Control": "no-store", "Vary": "Cookie"}
    return HTMLResponse(html, status_code=status, headers=headers)


def see_other(url: str) -> RedirectResponse:
    """POST-redirect-GET: a form's success answers 303 to the page to show."""
    return RedirectResponse(url, status_code=303)


def _back_to(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def _page_user(request: Request, session: SessionDep) -> Employee:
    uid = request.session.get("uid")
    employee = await get_employee(session, uid) if isinstance(uid, str) else None
    if employee is None or not employee.active:
        request.session.pop("uid", None)
        raise SignInNeeded(_back_to(request))
    return employee


PageUser = Annotated[Employee, Depends(_page_user)]


@dataclass(frozen=True)
class Refused:
    """An ApiError shown as a page: its status, and the heading's text key."""

    status: int
    title_key: str


def _refused(e: ApiError) -> Refused:
    key = {401: "sign_in_failed", 403: "forbidden", 404: "not_found", 503: "unavailable"}
    return Refused(e.status, key.get(e.status, "refused"))


class PageRoute(APIRoute):
    """Routes of the pages: the API's errors answered as pages in the layout (same status,
    same message), and a missing sign-in as a redirect to sign in that comes back here."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded as e:
                return see_other(f"/login?next={quote(e.back_to, safe='')}")
            except ApiError as e:
                r = _refused(e)
                me = await _quiet_user(request)
                response = render(
                    request,
                    "error.html",
                    {"title_key": r.title_key, "message": e.message, "rule": e.rule},
                    status=r.status,
                    me=me,
                )
                if e.status == 503:
                    response.headers["Retry-After"] = str(
                        request.app.state.settings.retry_after_seconds
                    )
                return response

        return page_handler


async def _quiet_user(request: Request) -> Employee | None:
    """Who is signed in, for an error page's header; nobody if that cannot be read now."""
    uid = request.session.get("uid")
    if not isinstance(uid, str):
        return None
    try:
        async with request.app.state.sessions() as session:
            return await get_employee(session, uid)
    except Exception:
        return None
