"""Europe/Oslo time and Norwegian public holidays, the data the R5 rule needs.

The holiday table is computed once, when the worker first imports this module
(outside the workflow sandbox, which forbids the clock reads the `holidays`
package makes when it builds a year lazily). Inside a workflow, a holiday check
is then a lookup in an immutable set: deterministic and cheap.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import holidays

OSLO = ZoneInfo("Europe/Oslo")
FIRST_YEAR, LAST_YEAR = 2000, 2100

_NORWAY: frozenset[date] = frozenset(
    holidays.country_holidays("NO", years=range(FIRST_YEAR, LAST_YEAR + 1)).keys()
)


def is_norwegian_holiday(day: date) -> bool:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"no holiday calendar for {day.year}")
    return day in _NORWAY
