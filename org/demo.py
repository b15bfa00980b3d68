"""The demo organisation, as an HR system would export it: people, managers and org units.

The dev stack seeds it through the import's own sync, so the same file imported again
(the example in /docs, or `samtale hr import`) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from org.csv_import import COLUMNS

TOP = "Demo AS"


@dataclass(frozen=True)
class DemoPerson:
    id: str
    name: str
    language: str
    manager_id: str | None
    unit: str
    is_hr: bool = False

    @property
    def email(self) -> str:
        return f"{self.name.lower().replace(' ', '.')}@demo.samtale.no"


DEMO = [
    DemoPerson("hr-1", "Hilde Haugen", "nb", None, "HR", is_hr=True),
    DemoPerson("m-1", "Ola Nordmann", "nb", "hr-1", "Salg"),
    DemoPerson("m-2", "Sarah Mitchell", "en", "hr-1", "Utvikling"),
    DemoPerson("e-1", "Kari Hansen", "nb", "m-1", "Salg"),
    DemoPerson("e-2", "Jonas Berg", "nb", "m-1", "Salg"),
    DemoPerson("e-3", "Priya Sharma", "en", "m-2", "Utvikling"),
    DemoPerson("e-4", "Ingrid Lie", "nb", "m-2", "Utvikling"),
]


def demo_csv() -> str:
    """The demo organisation as a CSV export; every unit hangs under the company."""
    lines = [",".join(COLUMNS)] + [
        f"{p.id},{p.name},{p.email},{p.language},{p.manager_id or ''},{p.unit},{TOP},,"
        for p in DEMO
    ]
    return "\n".join(lines) + "\n"
