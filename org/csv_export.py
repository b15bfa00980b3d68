"""Write the organisation as the import reads it, so that HR can take the file, change it
and import it again (unchanged, it changes nothing).

One limit of the format: a unit is placed by the rows of its own employees, so a unit
with nobody in it appears only as a parent, and a re-import puts it at the top.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from org.csv_import import COLUMNS


@dataclass(frozen=True)
class ExportRow:
    employee_id: str
    name: str
    email: str
    language: str
    manager_id: str | None
    org_unit: str | None
    parent_unit: str | None
    start_date: date | None
    end_date: date | None
    birth_year: int | None = None


def to_csv(rows: Iterable[ExportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(["" if getattr(r, c) is None else str(getattr(r, c)) for c in COLUMNS])
    return out.getvalue()
