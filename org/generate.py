"""A realistic, reproducible organisation as an HR-system CSV export: a CEO, divisions,
departments and teams of six to ten, each unit led by its manager."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from org.csv_import import COLUMNS

FIRST = [
    "Anne",
    "Ola",
    "Kari",
    "Per",
    "Ingrid",
    "Lars",
    "Sofie",
    "Jonas",
    "Nora",
    "Emil",
    "Ida",
    "Magnus",
    "Sara",
    "Henrik",
    "Maja",
    "Eirik",
    "Thea",
    "Sindre",
    "Priya",
    "Ahmed",
]
LAST = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Dahl",
    "Lie",
]


@dataclass(frozen=True)
class Person:
    id: str
    manager: str | None
    unit: str
    parent_unit: str | None


FAN_OUT = 4  # sub-units per unit above the teams
TOP = 8  # at most this many units directly under the CEO


def people(n: int) -> list[Person]:
    """CEO, then the unit leads level by level (divisions, departments, ..., teams of about
    eight), then everyone else spread over the teams; ids in that order. Levels are added
    until the CEO has at most eight divisions, as in a real organisation of that size."""
    sizes = [max(1, n // 9)]  # teams, then each level above
    while sizes[-1] > TOP:
        sizes.append(-(-sizes[-1] // FAN_OUT))
    out = [Person("p00001", None, "Konsern", None)]

    def add(manager: str, unit: str, parent: str | None) -> Person:
        p = Person(f"p{len(out) + 1:05d}", manager, unit, parent)
        out.append(p)
        return p

    level = [add("p00001", f"D{d + 1}", "Konsern") for d in range(sizes[-1])]
    for depth, size in enumerate(reversed(sizes[:-1])):
        letter = "T" if depth == len(sizes) - 2 else "A"
        level = [
            add(
                level[k % len(level)].id,
                f"{level[k % len(level)].unit}-{letter}{k + 1}",
                level[k % len(level)].unit,
            )
            for k in range(size)
        ]
    leads, k = level, 0
    while len(out) < n:
        lead = leads[k % len(leads)]
        add(lead.id, lead.unit, None)
        k += 1
    return out[:n]


def org_csv(n: int, *, seed: int = 7) -> str:
    rnd = random.Random(seed)
    everyone = people(n)
    parents = {p.unit: p.parent_unit for p in everyone if p.parent_unit}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    for p in everyone:
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        language = "en" if rnd.random() < 0.15 else "nb"
        w.writerow(
            [
                p.id,
                name,
                f"{p.id}@example.no",
                language,
                p.manager or "",
                p.unit,
                parents.get(p.unit, ""),
                f"20{rnd.randint(10, 24)}-0{rnd.randint(1, 9)}-01",
                "",
            ]
        )
    return buf.getvalue()
