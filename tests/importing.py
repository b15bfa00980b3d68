"""Imports as HR sends them in tests: a CSV body, and one HR has previewed and confirmed."""

from __future__ import annotations

import httpx

CSV = {"Content-Type": "text/csv"}


async def confirmed_import(api: httpx.AsyncClient, text: str, hr: dict[str, str]) -> httpx.Response:
    """An import HR has looked at and confirmed (files that take people away need it)."""
    preview = await api.post(
        "/imports/employees", content=text, params={"dry_run": "true"}, headers=hr | CSV
    )
    assert preview.status_code == 200, preview.text
    confirm = {"confirm": preview.json()["confirmation"]}
    return await api.post("/imports/employees", content=text, params=confirm, headers=hr | CSV)
