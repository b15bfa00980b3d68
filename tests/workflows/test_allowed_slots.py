"""allowed_slots: the slot picker offers exactly the starts check_meeting accepts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from workflows.calendar import OSLO, is_norwegian_holiday
from workflows.contracts import LocationKind, Policy
from workflows.rules import allowed_slots, check_meeting


def oslo(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=OSLO)


def slots(now: datetime, **kw: object) -> list[datetime]:
    args: dict[str, object] = {
        "now": now,
        "duration_minutes": 60,
        "policy": Policy(),
        "tz": OSLO,
        "is_holiday": is_norwegian_holiday,
    }
    return allowed_slots(**{**args, **kw})  # type: ignore[arg-type]


MONDAY = date(2027, 3, 1)  # 14 days before Monday 15 March 2027, an ordinary week


def test_the_first_slot_is_the_notice_exactly_when_it_falls_on_a_step() -> None:
    first = slots(oslo(MONDAY, 10))[0]
    assert first == oslo(MONDAY + timedelta(days=14), 10)


def test_a_start_one_minute_short_of_the_notice_is_not_offered() -> None:
    first = slots(oslo(MONDAY, 10, 1))[0]
    assert first == oslo(MONDAY + timedelta(days=14), 10, 30)


def test_the_last_slot_of_a_day_ends_at_closing_time() -> None:
    day = MONDAY + timedelta(days=15)
    of_day = [s for s in slots(oslo(MONDAY, 7)) if s.date() == day]
    assert of_day[0] == oslo(day, 8) and of_day[-1] == oslo(day, 15)
    longer = [s for s in slots(oslo(MONDAY, 7), duration_minutes=90) if s.date() == day]
    assert longer[-1] == oslo(day, 14, 30)


def test_weekends_and_public_holidays_have_no_slots() -> None:
    # Easter 2027: skjærtorsdag 25 March, langfredag 26, the weekend, 2. påskedag 29.
    offered = {s.date() for s in slots(oslo(date(2027, 3, 10), 9), days=5)}
    assert offered == {
        date(2027, 3, 24),
        *(date(2027, 3, d) for d in (30, 31)),
        date(2027, 4, 1),
        date(2027, 4, 2),
    }


def test_a_blocked_day_and_an_early_closing_follow_the_policy() -> None:
    # Julaften 2027 is a Friday, blocked by default; the Wednesday before Maundy Thursday
    # (24 March 2027) closes at 12.
    offered = slots(oslo(date(2027, 12, 8), 9), days=3)
    assert date(2027, 12, 24) not in {s.date() for s in offered}
    wednesday = [s for s in slots(oslo(date(2027, 3, 10), 9)) if s.date() == date(2027, 3, 24)]
    assert wednesday[-1] == oslo(date(2027, 3, 24), 11)


def test_nothing_past_the_cycles_last_day() -> None:
    end = MONDAY + timedelta(days=15)
    offered = slots(oslo(MONDAY, 9), window_end=end)
    assert offered and max(s.date() for s in offered) == end


def test_a_length_the_policy_refuses_has_no_slots() -> None:
    assert slots(oslo(MONDAY, 9), duration_minutes=59) == []
    assert slots(oslo(MONDAY, 9), duration_minutes=241) == []
    assert slots(oslo(MONDAY, 9), duration_minutes=240)


def test_it_counts_working_days_that_have_a_slot() -> None:
    offered = slots(oslo(MONDAY, 9), days=3)
    assert len({s.date() for s in offered}) == 3


def test_every_slot_offered_is_one_the_rules_accept() -> None:
    now = oslo(date(2027, 3, 10), 13, 17)
    for duration in (60, 90, 120):
        for start in slots(now, duration_minutes=duration, days=15):
            check_meeting(
                start=start,
                duration_minutes=duration,
                location_kind=LocationKind.MEETING_ROOM,
                location_text="Fjordrommet",
                now=now,
                policy=Policy(),
                tz=OSLO,
                is_holiday=is_norwegian_holiday,
            )
