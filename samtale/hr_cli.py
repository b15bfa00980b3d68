"""`samtale hr …`: HR's operator commands, a thin client of the API, so the CLI and the API
can never disagree. The token is issued locally for the employee given with --as."""

from __future__ import annotations

import sys
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


def import_org(http: httpx.Client, file: Path) -> int:
    r = http.post(
        "/imports/employees", content=file.read_bytes(), headers={"Content-Type": "text/csv"}
    )
    if r.status_code != 200:
        return fail(r)
    b = r.json()
    print(
        f"added {len(b['added'])}, updated {len(b['updated'])}, left {len(b['left'])}, "
        f"unchanged {b['unchanged']}"
    )
    running = b["running_cycles"]
    if running and running["status"] == "applied":
        print(
            f"running cycles: {running['reviews_started']} reviews started, "
            f"{running['reviews_cancelled']} cancelled, {running['reviews_moved']} moved"
        )
    elif running:
        print(f"running cycles: changes under way (GET /imports/{running['id']})")
    return 0


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
