"""`samtale hr …`: HR's operator commands, a thin client of the API, so the CLI and the API
can never disagree. The token is issued locally for the employee given with --as."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from api.auth import issue_token
from core.settings import Settings

PHASE_LABELS = [
    "scheduling",
    "invited",
    "preparing",
    "awaiting_summary",
    "awaiting_signoff",
    "follow_up",
    "completed",
    "cancelled",
    "closed_unsigned",
]


def client(settings: Settings, as_employee: str) -> httpx.Client:
    token = issue_token(settings, as_employee)
    return httpx.Client(
        base_url=settings.base_url, timeout=600, headers={"Authorization": f"Bearer {token}"}
    )


def fail(r: httpx.Response) -> int:
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    print(f"refused ({r.status_code}): {body.get('message', r.text)}", file=sys.stderr)
    for p in body.get("problems", []):
        print(
            f"  line {p['line']}, {p['column']}: {p['reason']}"
            if isinstance(p, dict)
            else f"  {p}",
            file=sys.stderr,
        )
    return 1


def import_org(
    http: httpx.Client,
    file: Path,
    *,
    dry_run: bool = False,
    yes: bool = False,
    ask: Callable[[str], str] = input,
) -> int:
    """Import a CSV export. A dry run prints what would change; an import that needs
    confirming prints the same preview and asks (or goes ahead with --yes)."""
    data = file.read_bytes()

    def send(**params: str) -> httpx.Response:
        return http.post(
            "/imports/employees",
            content=data,
            params=params,
            headers={"Content-Type": "text/csv"},
        )

    r = send(dry_run="true") if dry_run else send()
    if dry_run and r.status_code == 200:
        print(render_preview(r.json()))
        return 0
    if r.status_code == 409 and r.json().get("rule") == "confirm":
        preview = r.json()["preview"]
        print(render_preview(preview))
        if not yes and not _agrees(ask, "Apply these changes? [y/N] "):
            print("nothing was imported")
            return 1
        r = send(confirm=preview["confirmation"])
    if r.status_code != 200:
        return fail(r)
    _print_report(r.json())
    return 0


def _agrees(ask: Callable[[str], str], question: str) -> bool:
    """Yes only if HR says so; no terminal to ask (end of input) is a no."""
    try:
        return ask(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def render_preview(p: dict[str, Any]) -> str:
    """Every change the import would make, by name, then why it needs confirming."""

    def person(x: dict[str, str]) -> str:
        return f"{x['name']} ({x['id']})"

    sections = [
        ("joiners", [person(x) for x in p["joiners"]]),
        ("changes", [f"{person(x)}: {', '.join(x['fields'])}" for x in p["changes"]]),
        ("leavers", [person(x) for x in p["leavers"]]),
        (
            "reviews to cancel",
            [
                f"{person(x['employee'])}, manager {x['manager']['name']} (cycle {x['cycle_id']})"
                for x in p["reviews_to_cancel"]
            ],
        ),
        (
            "reviews to move",
            [
                f"{person(x['employee'])}: {x['manager']['name']} → "
                f"{x['new_manager']['name']} (cycle {x['cycle_id']})"
                for x in p["reviews_to_move"]
            ],
        ),
    ]
    lines = [
        f"file sha256 {p['file_digest']}: {p['rows']} rows; "
        f"{p['active_before']} active employees now; {p['unchanged']} unchanged"
    ]
    for title, items in sections:
        lines.append(f"{title}: {len(items)}")
        lines += [f"  {item}" for item in items]
    lines += [f"needs confirming: {why}" for why in p["needs_confirmation"]]
    return "\n".join(lines)


def _print_report(b: dict[str, Any]) -> None:
    print(
        f"import {b['id']}: added {len(b['added'])}, updated {len(b['updated'])}, "
        f"left {len(b['left'])}, unchanged {b['unchanged']}"
    )
    running = b["running_cycles"]
    if running and running["status"] == "applied":
        print(
            f"running cycles: {running['reviews_started']} reviews started, "
            f"{running['reviews_cancelled']} cancelled, {running['reviews_moved']} moved"
        )
    elif running:
        print(f"running cycles: changes under way (GET /imports/{running['id']})")


def start_cycle(http: httpx.Client, body: dict[str, Any]) -> int:
    r = http.post("/cycles", json=body)
    if r.status_code != 201:
        return fail(r)
    print(f"cycle {body['id']} started; watch it with: samtale hr funnel {body['id']}")
    return 0


def funnel(http: httpx.Client, cycle_id: str, unit: str | None) -> int:
    r = http.get(f"/cycles/{cycle_id}", params={"unit": unit} if unit else None)
    if r.status_code != 200:
        return fail(r)
    print(render_funnel(r.json(), depth=99))
    return 0


def render_funnel(body: dict[str, Any], depth: int = 1) -> str:
    """The funnel as a table: overall, then units down to `depth` levels below the top."""
    units = {u["unit"]: u for u in body["units"]}
    level: dict[str, int] = {}

    def depth_of(unit: str) -> int:
        if unit not in level:
            parent = units[unit]["parent"]
            level[unit] = 0 if parent is None or parent not in units else depth_of(parent) + 1
        return level[unit]

    rows = [("overall", body["overall"])] + [
        ("  " * depth_of(u) + u, units[u])
        for u in sorted(units, key=_tree_key(units))
        if depth_of(u) <= depth
    ]
    heads = ["unit", "total", *PHASE_LABELS, "late_sched", "no_summary", "overdue"]
    table = [heads] + [
        [
            name,
            str(c["total"]),
            *(str(c["phases"].get(p, 0)) for p in PHASE_LABELS),
            *(
                str(c["slipping"][k])
                for k in ("unscheduled_past_deadline", "summaries_missing", "actions_overdue")
            ),
        ]
        for name, c in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(heads))]
    title = f"{body['name']} ({body['id']}), {body['window_start']} – {body['window_end']}, "
    title += body["status"]
    lines = [title, ""] + [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in table
    ]
    return "\n".join(lines)


def _tree_key(units: dict[str, Any]):  # type: ignore[no-untyped-def]
    def path(u: str) -> list[str]:
        out = [u]
        while units[out[-1]]["parent"] in units:
            out.append(units[out[-1]]["parent"])
        return list(reversed(out))

    return path
