"""Europe/Oslo time and Norwegian public holidays, the data the R5 rule needs.

Both are deterministic (tzdata ships with the package, holidays are computed),
so the workflow may use them; they are passed through the sandbox rather than
re-imported on every run.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

OSLO = ZoneInfo("Europe/Oslo")


@lru_cache(maxsize=16)
def _norway(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NO", years=year)


def is_norwegian_holiday(day: date) -> bool:
    return day in _norway(day.year)
