"""Europe/Oslo time, Norwegian public holidays and the named days a calendar policy can block.

The holiday table is computed once, when the worker first imports this module
(outside the workflow sandbox, which forbids the clock reads the `holidays`
package makes when it builds a year lazily). Inside a workflow, a holiday check
is then a lookup in an immutable set: deterministic and cheap.

The named days (julaften, påskeaften, ...) are not holidays by law, but most
organisations keep them free: `Policy.blocked_days` and `Policy.early_closing`
name them, and the rules look them up here. Easter comes from the same table
(the only Sunday holiday in March or April), so there is one calendar, not two.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import holidays

OSLO = ZoneInfo("Europe/Oslo")
FIRST_YEAR, LAST_YEAR = 2000, 2100

_NORWAY: frozenset[date] = frozenset(
    holidays.country_holidays("NO", years=range(FIRST_YEAR, LAST_YEAR + 1)).keys()
)
# Sorted, so the table does not depend on set order (date hashes are salted per process).
_EASTER: dict[int, date] = {
    d.year: d for d in sorted(_NORWAY) if d.month in (3, 4) and d.weekday() == 6
}

# Named days a policy may block or close early, by their place in the year.
EASTER_DAYS = {"onsdag_for_skjaertorsdag": -4, "paskeaften": -1, "pinseaften": 48}
FIXED_DAYS = {"julaften": "12-24", "nyttarsaften": "12-31"}
DAY_NAMES = {
    "julaften": "julaften (Christmas Eve)",
    "nyttarsaften": "nyttårsaften (New Year's Eve)",
    "paskeaften": "påskeaften (Easter Saturday)",
    "pinseaften": "pinseaften (the Saturday before Whit Sunday)",
    "onsdag_for_skjaertorsdag": "onsdag før skjærtorsdag (the Wednesday before Maundy Thursday)",
}
_MONTH_DAY = re.compile(r"\d\d-\d\d")


def is_norwegian_holiday(day: date) -> bool:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"no holiday calendar for {day.year}")
    return day in _NORWAY


def easter_sunday(year: int) -> date:
    if year not in _EASTER:
        raise ValueError(f"no holiday calendar for {year}")
    return _EASTER[year]


def falls_on(day: date, name: str) -> bool:
    """Whether `day` is the named day (see DAY_NAMES) or the fixed "MM-DD" date `name`."""
    if name in EASTER_DAYS:
        return day == easter_sunday(day.year) + timedelta(days=EASTER_DAYS[name])
    return f"{day:%m-%d}" == FIXED_DAYS.get(name, name)


def is_day_name(name: str) -> bool:
    """Whether a policy may name this day: a known named day or a real "MM-DD" date."""
    if name in EASTER_DAYS or name in FIXED_DAYS:
        return True
    if not _MONTH_DAY.fullmatch(name):
        return False
    try:
        date(2000, int(name[:2]), int(name[3:]))  # a leap year: 02-29 is a real day
    except ValueError:
        return False
    return True


def describe(name: str) -> str:
    """The day as a message names it: "julaften (Christmas Eve)", or "a blocked day (12-27)"."""
    return DAY_NAMES.get(name, f"a blocked day ({name})")


def in_season(day: date, first: str, last: str) -> bool:
    """Whether `day` lies from `first` to `last` ("MM-DD", both included, within one year)."""
    return first <= f"{day:%m-%d}" <= last
