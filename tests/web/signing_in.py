"""Signing in as a person does, over real HTTP: the app sends the browser to the provider,
the person types their user name on its login page, the provider sends them back."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import httpx

LOGIN_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>.*?name="login"', re.S)
# A page the provider's script submits at once (response_mode form_post and the like).
AUTO_POST = re.compile(
    r'<title>Submitting Callback</title>.*?<form method="post" action="([^"]+)"', re.S
)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
LOGIN = {"prompt": "login", "password": "any"}  # the dev login page takes any password


async def visit(client: httpx.AsyncClient, url: str, *, login: str | None = None) -> httpx.Response:
    """GET `url` and follow every redirect, signing in as `login` where the provider asks."""
    for _ in range(20):
        r = await client.get(url)
        while r.is_redirect:
            url = urljoin(str(r.url), r.headers["location"])
            r = await client.get(url)
        auto = AUTO_POST.search(r.text) if r.status_code == 200 else None
        if auto is not None:
            r = await client.post(
                html.unescape(urljoin(str(r.url), auto.group(1))),
                data={k: html.unescape(v) for k, v in HIDDEN.findall(r.text)},
            )
            assert r.is_redirect, r.text
            url = urljoin(str(r.url), r.headers["location"])
            continue
        form = LOGIN_FORM.search(r.text) if r.status_code == 200 else None
        if form is None:
            return r
        assert login is not None, f"{url} asks to sign in"
        r = await client.post(
            urljoin(str(r.url), form.group(1)),
            data={**LOGIN, "login": login},
        )
        assert r.is_redirect, r.text
        url = urljoin(str(r.url), r.headers["location"])
    raise AssertionError("too many redirects")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m is not None, "the page has no form with a CSRF token"
    return m.group(1)
