"""The calendar the rules stand on: Norwegian public holidays, Easter and the named days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from workflows import calendar
from workflows.calendar import easter_sunday, falls_on, in_season, is_norwegian_holiday


def holidays_in(year: int) -> list[date]:
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    return [d for d in (start + timedelta(n) for n in range(days)) if is_norwegian_holiday(d)]


def test_2026_has_the_twelve_statutory_holidays() -> None:
    assert holidays_in(2026) == [
        date(2026, 1, 1),
        date(2026, 4, 2),  # skjærtorsdag
        date(2026, 4, 3),  # langfredag
        date(2026, 4, 5),  # 1. påskedag
        date(2026, 4, 6),  # 2. påskedag
        date(2026, 5, 1),
        date(2026, 5, 14),  # Kristi himmelfartsdag
        date(2026, 5, 17),
        date(2026, 5, 24),  # 1. pinsedag
        date(2026, 5, 25),  # 2. pinsedag
        date(2026, 12, 25),
        date(2026, 12, 26),
    ]


def test_2027_has_eleven_because_17_may_is_whit_monday() -> None:
    days = holidays_in(2027)
    assert len(days) == 11
    assert date(2027, 5, 17) in days


def test_christmas_eve_and_easter_saturday_are_not_statutory_holidays() -> None:
    assert not is_norwegian_holiday(date(2026, 12, 24))
    assert not is_norwegian_holiday(date(2026, 4, 4))


def test_the_first_and_last_years_of_the_table_are_known() -> None:
    assert is_norwegian_holiday(date(2000, 1, 1))
    assert not is_norwegian_holiday(date(2100, 12, 31))


@pytest.mark.parametrize("day", [date(1999, 12, 31), date(2101, 1, 3)])
def test_a_year_outside_the_table_raises_rather_than_pass_as_no_holiday(day: date) -> None:
    with pytest.raises(ValueError, match=f"no holiday calendar for {day.year}"):
        is_norwegian_holiday(day)


@pytest.mark.parametrize(
    "year, sunday",
    [
        (2000, date(2000, 4, 23)),
        (2008, date(2008, 3, 23)),
        (2024, date(2024, 3, 31)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2100, date(2100, 3, 28)),
    ],
)
def test_easter_sunday_is_known_for_each_year_of_the_table(year: int, sunday: date) -> None:
    assert easter_sunday(year) == sunday


@pytest.mark.parametrize("year", [1999, 2101])
def test_easter_outside_the_table_raises(year: int) -> None:
    with pytest.raises(ValueError, match=f"no holiday calendar for {year}"):
        easter_sunday(year)


@pytest.mark.parametrize(
    "name, day",
    [
        ("julaften", date(2026, 12, 24)),
        ("nyttarsaften", date(2026, 12, 31)),
        ("paskeaften", date(2026, 4, 4)),
        ("pinseaften", date(2026, 5, 23)),
        ("onsdag_for_skjaertorsdag", date(2026, 4, 1)),
        ("onsdag_for_skjaertorsdag", date(2027, 3, 24)),
        ("12-27", date(2026, 12, 27)),
    ],
)
def test_a_named_day_falls_on_its_date_and_not_the_day_before_or_after(
    name: str, day: date
) -> None:
    assert falls_on(day, name)
    assert not falls_on(day - timedelta(days=1), name)
    assert not falls_on(day + timedelta(days=1), name)


def test_an_unknown_name_falls_on_no_day() -> None:
    assert not falls_on(date(2026, 12, 24), "julekveld")


@pytest.mark.parametrize(
    "name", ["julaften", "nyttarsaften", "paskeaften", "pinseaften", "onsdag_for_skjaertorsdag"]
)
def test_each_named_day_is_a_valid_policy_entry(name: str) -> None:
    assert calendar.is_day_name(name)


@pytest.mark.parametrize("name", ["12-27", "02-29", "01-01"])
def test_a_real_month_and_day_is_a_valid_policy_entry(name: str) -> None:
    assert calendar.is_day_name(name)


@pytest.mark.parametrize("name", ["julekveld", "13-01", "12-32", "02-30", "1227", "12-2x", "x2-27"])
def test_anything_else_is_not_a_policy_entry(name: str) -> None:
    assert not calendar.is_day_name(name)


def test_a_named_day_is_described_in_norwegian_and_english() -> None:
    assert calendar.describe("nyttarsaften") == "nyttårsaften (New Year's Eve)"
    assert calendar.describe("12-27") == "a blocked day (12-27)"


@pytest.mark.parametrize(
    "day, inside",
    [
        (date(2026, 5, 14), False),
        (date(2026, 5, 15), True),
        (date(2026, 7, 1), True),
        (date(2026, 9, 14), True),
        (date(2026, 9, 15), False),
    ],
)
def test_a_season_includes_its_first_and_last_day(day: date, inside: bool) -> None:
    assert in_season(day, "05-15", "09-14") is inside
