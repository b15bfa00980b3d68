"""Read an HR-system export (CSV) into a validated organisation snapshot.

Every problem is reported with its line, column and reason, all at once, so HR
can fix the file in one go; a file with any problem yields no snapshot, so
nothing is written. The file is the whole organisation: managers and parent
units must be in it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

COLUMNS = (
    "employee_id",
    "name",
    "email",
    "language",
    "manager_id",
    "org_unit",
    "parent_unit",
    "start_date",
    "end_date",
    "birth_year",  # optional: only the senior section (from the year they turn 62) reads it
)
REQUIRED = ("employee_id", "name", "email", "language", "org_unit")
# The stored columns' sizes: a longer value is refused here, not by the database.
LIMITS = {"name": 200, "email": 254, "org_unit": 64, "parent_unit": 64}
BIRTH_YEARS = (1900, 2100)  # a year, no more: the senior section needs nothing finer
LANGUAGES = {"nb": "nb", "en": "en", "no": "nb", "nob": "nb", "eng": "en"}
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.reason}"


@dataclass(frozen=True)
class Row:
    line: int
    employee_id: str
    name: str
    email: str
    language: str
    manager_id: str | None
    org_unit: str
    parent_unit: str | None
    start_date: date | None
    end_date: date | None
    birth_year: int | None = None


@dataclass
class Snapshot:
    rows: list[Row] = field(default_factory=list)
    units: dict[str, str | None] = field(default_factory=dict)  # unit -> parent


class InvalidFile(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = problems


def parse(text: str) -> Snapshot:
    """Raises InvalidFile listing every problem; returns a snapshot only of a clean file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), skipinitialspace=True)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidFile([Problem(1, c, "required column is missing") for c in missing])
    problems: list[Problem] = []
    rows = []
    # Ids and managers of every row, valid or not: a bad row still names someone.
    ids: list[tuple[int, str]] = []
    managers: list[tuple[int, str]] = []
    for n, raw in enumerate(reader, start=2):
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if cells.get("employee_id"):
            ids.append((n, cells["employee_id"]))
        if cells.get("manager_id"):
            managers.append((n, cells["manager_id"]))
        row = _row(n, cells, problems)
        if row is not None:
            rows.append(row)
    if not ids and not problems:
        problems.append(
            Problem(
                2,
                "employee_id",
                "the file has no employees: an export lists the whole "
                "organisation, and an empty one would deactivate everybody",
            )
        )
    problems += _duplicates(ids) + _managers(managers, {i for _, i in ids})
    problems += _manager_cycles(rows)
    units, unit_problems = _units(rows)
    problems += unit_problems
    if problems:
        raise InvalidFile(
            sorted(
                problems,
                key=lambda p: (p.line, COLUMNS.index(p.column) if p.column in COLUMNS else 99),
            )
        )
    return Snapshot(rows=rows, units=units)


def _row(n: int, c: dict[str, str], problems: list[Problem]) -> Row | None:
    before = len(problems)

    def bad(column: str, reason: str) -> None:
        problems.append(Problem(n, column, reason))

    for column in REQUIRED:
        if not c.get(column):
            bad(column, "is empty")
    for column, limit in LIMITS.items():
        if len(c.get(column, "")) > limit:
            bad(column, f"is longer than {limit} characters")
    eid, manager = c.get("employee_id", ""), c.get("manager_id") or None
    if eid and not _ID.match(eid):
        bad("employee_id", f"{eid!r} may hold only letters, digits, '.', '_' and '-'")
    if c.get("email") and not _EMAIL.match(c["email"]):
        bad("email", f"{c['email']!r} is not an email address")
    language = LANGUAGES.get(c.get("language", "").lower())
    if c.get("language") and language is None:
        bad("language", f"unknown language {c['language']!r}: use nb or en")
    if manager and manager == eid:
        bad("manager_id", "an employee cannot be their own manager")
    start, end = _date(c, "start_date", bad), _date(c, "end_date", bad)
    if start and end and end < start:
        bad("end_date", f"{end} is before the start date {start}")
    birth_year = _year(c, bad)
    if len(problems) > before:
        return None
    return Row(
        n,
        eid,
        c["name"],
        c["email"],
        language or "nb",
        manager,
        c["org_unit"],
        c.get("parent_unit") or None,
        start,
        end,
        birth_year,
    )


def _year(c: dict[str, str], bad) -> int | None:  # type: ignore[no-untyped-def]
    value = c.get("birth_year", "")
    if not value:
        return None
    low, high = BIRTH_YEARS
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        bad("birth_year", f"{value!r} is not a year of birth (a year from {low} to {high})")
        return None
    return int(value)


def _date(c: dict[str, str], column: str, bad) -> date | None:  # type: ignore[no-untyped-def]
    value = c.get(column, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        bad(column, f"{value!r} is not a date (use YYYY-MM-DD)")
        return None


def _duplicates(ids: list[tuple[int, str]]) -> list[Problem]:
    first: dict[str, int] = {}
    out = []
    for line, eid in ids:
        if eid in first:
            out.append(
                Problem(line, "employee_id", f"{eid!r} already appears on line {first[eid]}")
            )
        else:
            first[eid] = line
    return out


def _managers(managers: list[tuple[int, str]], ids: set[str]) -> list[Problem]:
    return [
        Problem(line, "manager_id", f"manager {m!r} is not in the file")
        for line, m in managers
        if m not in ids
    ]


def _manager_cycles(rows: list[Row]) -> list[Problem]:
    manager = {r.employee_id: r.manager_id for r in rows}
    line = {r.employee_id: r.line for r in rows}
    in_cycle: set[str] = set()
    for start in manager:
        seen: list[str] = []
        cur: str | None = start
        while cur is not None and cur in manager and cur not in seen:
            seen.append(cur)
            cur = manager[cur]
        if cur is not None and cur in seen:
            in_cycle.update(seen[seen.index(cur) :])
    return [
        Problem(
            line[e],
            "manager_id",
            f"{e!r} is in a management cycle ({' → '.join(_cycle_from(e, manager))})",
        )
        for e in sorted(in_cycle, key=lambda e: line[e])
    ]


def _cycle_from(e: str, manager: dict[str, str | None]) -> list[str]:
    out, cur = [e], manager[e]
    while cur is not None and cur != e:
        out.append(cur)
        cur = manager[cur]
    return [*out, e]


def _units(rows: list[Row]) -> tuple[dict[str, str | None], list[Problem]]:
    parents: dict[str, str | None] = {}
    said: dict[str, int] = {}
    problems = []
    for r in rows:
        if r.org_unit in parents and parents[r.org_unit] != r.parent_unit:
            problems.append(
                Problem(
                    r.line,
                    "parent_unit",
                    (
                        f"unit {r.org_unit!r} has parent {parents[r.org_unit]!r} on line "
                        f"{said[r.org_unit]}, not {r.parent_unit!r}"
                    ),
                )
            )
            continue
        parents[r.org_unit], said[r.org_unit] = r.parent_unit, r.line
    for r in rows:
        if r.parent_unit and r.parent_unit not in parents:
            parents[r.parent_unit] = None  # a unit with no employees of its own, at the top
    for unit in list(parents):
        seen = [unit]
        cur = parents[unit]
        while cur is not None and cur not in seen:
            seen.append(cur)
            cur = parents.get(cur)
        if cur is not None:
            problems.append(
                Problem(
                    said.get(unit, 1),
                    "parent_unit",
                    f"unit {unit!r} is inside itself ({' → '.join(seen)})",
                )
            )
    return parents, problems
