"""`samtale hr templates list|preview|add`: HR's template commands, a thin client of the
API (the same checks, the same refusals), printing what a person reads in a terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from samtale.hr_cli import fail


def list_templates(http: httpx.Client) -> int:
    r = http.get("/templates")
    if r.status_code != 200:
        return fail(r)
    rows = [("key", "version", "versions", "nb", "en")] + [
        (
            t["key"],
            str(t["version"]),
            ",".join(map(str, t["versions"])),
            t["name"]["nb"],
            t["name"]["en"],
        )
        for t in r.json()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


def preview(
    http: httpx.Client, key: str, *, lang: str, version: int | None = None, senior: bool = False
) -> int:
    params: dict[str, str | int] = {"lang": lang} | ({"version": version} if version else {})
    if senior:
        params["senior"] = "true"
    r = http.get(f"/templates/{key}/preview", params=params)
    if r.status_code != 200:
        return fail(r)
    print(render_preview(r.json()))
    return 0


def render_preview(view: dict[str, Any]) -> str:
    """Sections numbered, each item with its key and kind, its help, and what it offers
    (a scale's follow-up questions, a choice's options)."""
    lines = [f"{view['name']} ({view['key']}, version {view['version']}, {view['lang']})"]
    for n, s in enumerate(view["sections"], start=1):
        optional = ", optional" if s["optional"] else ""
        lines += ["", f"{n}. {s['title']}  [{s['kind']}{optional}]"]
        for i in s["items"]:
            lines.append(f"   - {i['key']} ({_kind(i)}): {i['label']}")
            lines += [f"       · {q}" for q in i["follow_up"]]
            if i["options"]:
                lines.append("       options: " + " / ".join(o["label"] for o in i["options"]))
            if i["help"]:
                lines.append(f"       ({i['help']})")
    return "\n".join(lines)


def _kind(item: dict[str, Any]) -> str:
    if item["kind"] == "scale":
        low, high = item["scale"]
        return f"scale {low}–{high}"
    if item["kind"] == "hms":
        return f"hms: {item['category']}"
    return str(item["kind"])


def add(http: httpx.Client, file: Path) -> int:
    """POST the file's document: a new key, or the next version of one."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        print(f"cannot read {file} as JSON: {e}", file=sys.stderr)
        return 1
    r = http.post("/templates", json=doc)
    if r.status_code != 201:
        return fail(r)
    t = r.json()
    names = f"{t['name']['nb']} / {t['name']['en']}"
    print(f"template {t['key']} version {t['version']} added: {names}")
    return 0
