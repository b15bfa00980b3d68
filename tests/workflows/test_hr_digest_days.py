"""HR's weekly digest goes out on the week's first working day, 08:00 Oslo."""

from __future__ import annotations

from datetime import datetime

from workflows.calendar import OSLO
from workflows.contracts import Policy
from workflows.cycle import next_digest_at


def oslo(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def test_the_digest_goes_on_next_monday_at_eight() -> None:
    assert next_digest_at(oslo(2027, 3, 3, 12), Policy()) == oslo(2027, 3, 8, 8)


def test_on_a_monday_after_eight_the_digest_is_a_week_away() -> None:
    assert next_digest_at(oslo(2027, 3, 8, 9), Policy()) == oslo(2027, 3, 15, 8)


def test_on_a_sunday_the_digest_is_the_next_day() -> None:
    assert next_digest_at(oslo(2027, 3, 7, 23, 59), Policy()) == oslo(2027, 3, 8, 8)


def test_easter_monday_moves_the_digest_to_tuesday() -> None:
    assert next_digest_at(oslo(2027, 3, 24, 12), Policy()) == oslo(2027, 3, 30, 8)


def test_whit_monday_moves_the_digest_to_tuesday() -> None:
    assert next_digest_at(oslo(2027, 5, 12, 12), Policy()) == oslo(2027, 5, 18, 8)


def test_a_blocked_monday_in_the_cycles_policy_moves_the_digest() -> None:
    policy = Policy(blocked_days=["03-08"])
    assert next_digest_at(oslo(2027, 3, 3, 12), policy) == oslo(2027, 3, 9, 8)
