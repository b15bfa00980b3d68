"""The meeting rules at their exact edges: notice (R2), place (R3), time and calendar (R5),
the cycle window (R1), phases and actors, and the warnings a bookable time may carry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import EMPLOYEE, HR, MANAGER
from tests.workflows.review_states import oslo, review
from workflows.calendar import OSLO, is_norwegian_holiday
from workflows.contracts import Actor, LocationKind, Phase, Policy
from workflows.rules import (
    Refusal,
    WrongActor,
    WrongPhase,
    calendar_policy_problems,
    check_meeting,
    day_off,
    is_squeezed,
    is_working_day,
    local_moment,
    meeting_warnings,
    opening_hours,
    require_actor,
    require_phase,
)

NOW = oslo(date(2026, 2, 2), 10)  # a Monday
FAR = NOW - timedelta(days=365)  # "now" for meetings whose notice is not the point


def check(
    start: datetime,
    minutes: int = 60,
    *,
    now: datetime = FAR,
    kind: LocationKind = LocationKind.MEETING_ROOM,
    where: str = "Fjordrommet",
    policy: Policy | None = None,
    window_end: date | None = None,
) -> None:
    check_meeting(
        start=start,
        duration_minutes=minutes,
        location_kind=kind,
        location_text=where,
        now=now,
        policy=policy or Policy(),
        tz=OSLO,
        is_holiday=is_norwegian_holiday,
        window_end=window_end,
    )


def refused(start: datetime, minutes: int = 60, **kw: object) -> Refusal:
    with pytest.raises(Refusal) as caught:
        check(start, minutes, **kw)  # type: ignore[arg-type]
    return caught.value


# ---- R2: notice ----------------------------------------------------------------------------


def test_a_meeting_exactly_14_days_ahead_is_accepted() -> None:
    check(NOW + timedelta(days=14), now=NOW)


def test_a_meeting_14_days_less_a_minute_ahead_is_refused_with_the_earliest_start() -> None:
    r = refused(NOW + timedelta(days=14, minutes=-1), now=NOW)
    assert r.rule == "R2"
    assert r.message == (
        "the meeting must be agreed at least 14 days ahead: "
        "choose a start at or after 2026-02-16 10:00 (Europe/Oslo)"
    )


def test_the_notice_comes_from_the_policy() -> None:
    check(NOW + timedelta(days=7), now=NOW, policy=Policy(notice_days=7))
    assert refused(NOW + timedelta(days=7), now=NOW, policy=Policy(notice_days=8)).rule == "R2"


def test_a_start_without_a_time_zone_is_refused() -> None:
    naive = oslo(date(2026, 3, 2)).replace(tzinfo=None)
    r = refused(naive)
    assert (r.rule, r.message) == ("R2", "the meeting start must include a time zone offset")


# ---- R3: place -----------------------------------------------------------------------------


def test_the_managers_office_is_refused() -> None:
    r = refused(oslo(date(2026, 3, 2)), kind=LocationKind.MANAGER_OFFICE)
    assert (r.rule, r.message) == (
        "R3",
        "the conversation should not take place in the manager's office: "
        "choose a meeting room, video or an offsite location",
    )


@pytest.mark.parametrize(
    "kind", [LocationKind.MEETING_ROOM, LocationKind.VIDEO, LocationKind.OFFSITE]
)
def test_a_room_video_or_offsite_place_is_accepted(kind: LocationKind) -> None:
    check(oslo(date(2026, 3, 2)), kind=kind)


def test_a_place_that_says_nothing_is_refused() -> None:
    r = refused(oslo(date(2026, 3, 2)), where="   ")
    assert (r.rule, r.message) == (
        "R3",
        "say where the meeting is: a room name, a video link or an address",
    )


# ---- R5: duration --------------------------------------------------------------------------


def test_the_minimum_duration_exactly_is_accepted() -> None:
    check(oslo(date(2026, 3, 2)), 60)


def test_a_minute_under_the_minimum_is_refused() -> None:
    r = refused(oslo(date(2026, 3, 2)), 59)
    assert (r.rule, r.message) == (
        "R5",
        "set aside enough time: the meeting must last at least 60 minutes",
    )


def test_the_maximum_duration_exactly_is_accepted() -> None:
    check(oslo(date(2026, 3, 2), 9), 240)


def test_a_minute_over_the_maximum_is_refused() -> None:
    r = refused(oslo(date(2026, 3, 2), 9), 241)
    assert (r.rule, r.message) == ("R5", "the meeting may last at most 240 minutes")


# ---- R5: working hours ---------------------------------------------------------------------


def test_a_meeting_ending_exactly_at_the_end_of_the_working_day_is_accepted() -> None:
    check(oslo(date(2026, 3, 2), 15), 60)


def test_a_meeting_ending_a_minute_after_the_working_day_is_refused() -> None:
    r = refused(oslo(date(2026, 3, 2), 15, 1), 60)
    assert (r.rule, r.message) == (
        "R5",
        "the meeting must fall within working hours, 08:00-16:00 Europe/Oslo "
        "(asked for 15:01-16:01)",
    )


def test_a_meeting_at_the_start_of_the_working_day_is_accepted() -> None:
    check(oslo(date(2026, 3, 2), 8), 60)


def test_a_meeting_a_minute_before_the_working_day_is_refused() -> None:
    assert "working hours" in refused(oslo(date(2026, 3, 2), 7, 59), 60).message


def test_a_meeting_that_runs_past_midnight_is_refused_even_if_it_ends_early_in_the_day() -> None:
    r = refused(oslo(date(2026, 3, 2), 23), 240)
    assert "(asked for 23:00-03:00)" in r.message


def test_working_hours_come_from_the_policy() -> None:
    check(oslo(date(2026, 3, 2), 16), 60, policy=Policy(workday_end_hour=17))
    check(oslo(date(2026, 3, 2), 7), 60, policy=Policy(workday_start_hour=7))


def test_hours_are_judged_in_oslo_time_in_summer_time() -> None:
    check(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))  # 08:00 CEST
    r = refused(datetime(2026, 3, 30, 5, 59, tzinfo=UTC))
    assert "(asked for 07:59-08:59)" in r.message


def test_hours_are_judged_in_oslo_time_in_winter_time() -> None:
    check(datetime(2026, 10, 26, 7, 0, tzinfo=UTC))  # 08:00 CET
    assert "(asked for 07:59-08:59)" in refused(datetime(2026, 10, 26, 6, 59, tzinfo=UTC)).message


def test_the_time_zone_passed_in_is_the_one_judged() -> None:
    start = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    with pytest.raises(Refusal, match="08:00-16:00 UTC"):
        check_meeting(
            start=start,
            duration_minutes=60,
            location_kind=LocationKind.VIDEO,
            location_text="https://meet.example/abc",
            now=FAR,
            policy=Policy(),
            tz=UTC,
            is_holiday=is_norwegian_holiday,
        )


# ---- R5: days ------------------------------------------------------------------------------


def test_a_friday_is_bookable() -> None:
    check(oslo(date(2026, 3, 6)))


@pytest.mark.parametrize("day", [date(2026, 3, 7), date(2026, 3, 8)])
def test_a_weekend_day_is_refused(day: date) -> None:
    r = refused(oslo(day))
    assert (r.rule, r.message) == (
        "R5",
        f"{day} is a {day:%A}: meetings are held Monday to Friday",
    )


@pytest.mark.parametrize("day", [date(2026, 5, 14), date(2027, 5, 17), date(2026, 4, 2)])
def test_a_public_holiday_on_a_weekday_is_refused(day: date) -> None:
    r = refused(oslo(day))
    assert (r.rule, r.message) == ("R5", f"{day} is a Norwegian public holiday")


def test_a_holiday_comes_from_the_calendar_passed_in() -> None:
    day = date(2026, 3, 4)
    with pytest.raises(Refusal, match="public holiday"):
        check_meeting(
            start=oslo(day),
            duration_minutes=60,
            location_kind=LocationKind.VIDEO,
            location_text="https://meet.example/abc",
            now=FAR,
            policy=Policy(),
            tz=OSLO,
            is_holiday=lambda d: d == day,
        )


def test_a_year_the_calendar_does_not_cover_is_refused_not_a_crash() -> None:
    r = refused(oslo(date(2101, 1, 3)), now=oslo(date(2100, 1, 1)))
    assert (r.rule, r.message) == (
        "R5",
        "2101-01-03 cannot be booked: no holiday calendar for 2101",
    )


@pytest.mark.parametrize(
    "day, named",
    [
        (date(2026, 12, 24), "julaften (Christmas Eve)"),
        (date(2026, 12, 31), "nyttårsaften (New Year's Eve)"),
    ],
)
def test_christmas_and_new_years_eve_are_blocked_by_default(day: date, named: str) -> None:
    r = refused(oslo(day))
    assert (r.rule, r.message) == (
        "R5",
        f"{day} is {named}: the organisation books no meetings then",
    )


@pytest.mark.parametrize(
    "day, named",
    [
        (date(2026, 4, 4), "påskeaften (Easter Saturday)"),
        (date(2026, 5, 23), "pinseaften (the Saturday before Whit Sunday)"),
    ],
)
def test_easter_and_whitsun_eve_are_weekend_days_and_the_refusal_names_them(
    day: date, named: str
) -> None:
    r = refused(oslo(day))
    assert r.message == f"{day} is a Saturday, {named}: meetings are held Monday to Friday"


def test_a_policy_that_blocks_no_extra_days_books_christmas_eve() -> None:
    check(oslo(date(2026, 12, 24)), policy=Policy(blocked_days=[]))


def test_a_policy_can_block_a_fixed_date() -> None:
    r = refused(oslo(date(2026, 12, 28)), policy=Policy(blocked_days=["12-28"]))
    assert (
        r.message == "2026-12-28 is a blocked day (12-28): the organisation books no meetings then"
    )


# ---- R5: early closing and summer hours ----------------------------------------------------

WEDNESDAY_BEFORE_EASTER = date(2026, 4, 1)


def test_the_wednesday_before_maundy_thursday_is_bookable_in_the_morning() -> None:
    check(oslo(WEDNESDAY_BEFORE_EASTER, 11), 60)


def test_the_wednesday_before_maundy_thursday_closes_at_noon() -> None:
    r = refused(oslo(WEDNESDAY_BEFORE_EASTER, 11, 30), 60)
    assert r.message == (
        "the meeting must fall within working hours, 08:00-12:00 Europe/Oslo on 2026-04-01, "
        "onsdag før skjærtorsdag (the Wednesday before Maundy Thursday) (asked for 11:30-12:30)"
    )


def test_a_policy_without_early_closing_books_that_afternoon() -> None:
    check(oslo(WEDNESDAY_BEFORE_EASTER, 14), 60, policy=Policy(early_closing={}))


def test_summer_hours_are_off_by_default() -> None:
    check(oslo(date(2026, 6, 10), 15), 60)


SUMMER = Policy(summer_hours=True)


def test_summer_hours_end_the_day_at_three() -> None:
    check(oslo(date(2026, 6, 10), 14), 60, policy=SUMMER)
    r = refused(oslo(date(2026, 6, 10), 14, 1), 60, policy=SUMMER)
    assert r.message == (
        "the meeting must fall within working hours, 08:00-15:00 Europe/Oslo "
        "in summer (05-15 to 09-14) (asked for 14:01-15:01)"
    )


def test_summer_hours_hold_on_their_last_day_and_not_the_day_after() -> None:
    assert "in summer" in refused(oslo(date(2026, 9, 14), 15), 60, policy=SUMMER).message
    check(oslo(date(2026, 9, 15), 15), 60, policy=SUMMER)


def test_summer_hours_and_season_come_from_the_policy() -> None:
    early = Policy(summer_hours=True, summer_start_hour=7, summer_first_day="06-01")
    check(oslo(date(2026, 6, 10), 7), 60, policy=early)
    check(oslo(date(2026, 5, 20), 15), 60, policy=early)


def test_an_early_closing_day_never_extends_the_day() -> None:
    late = Policy(early_closing={"onsdag_for_skjaertorsdag": 18})
    assert opening_hours(WEDNESDAY_BEFORE_EASTER, late).closes == 16


def test_an_ordinary_day_has_the_usual_hours_and_no_note() -> None:
    assert opening_hours(date(2026, 3, 4), Policy()) == (8, 16, "")


# ---- R1: the cycle window ------------------------------------------------------------------


def test_a_meeting_on_the_last_day_of_the_window_is_accepted() -> None:
    check(oslo(date(2026, 4, 30), 15), window_end=date(2026, 4, 30))


def test_a_meeting_after_the_window_is_refused() -> None:
    r = refused(oslo(date(2026, 5, 4)), window_end=date(2026, 4, 30))
    assert (r.rule, r.message) == (
        "R1",
        "the meeting must take place within the cycle, by 2026-04-30",
    )


def test_the_window_is_judged_by_the_oslo_date() -> None:
    # 00:30 in Oslo on 5 May is still 4 May in UTC.
    around_the_clock = Policy(workday_start_hour=0, workday_end_hour=23)
    r = refused(oslo(date(2026, 5, 5), 0, 30), window_end=date(2026, 5, 4), policy=around_the_clock)
    assert r.rule == "R1"


# ---- phases and actors ---------------------------------------------------------------------


def test_a_command_in_an_allowed_phase_passes() -> None:
    require_phase(review(Phase.PREPARING, since=NOW), [Phase.INVITED, Phase.PREPARING], "x")


def test_a_command_in_another_phase_is_refused_naming_both() -> None:
    state = review(Phase.SCHEDULING, since=NOW)
    with pytest.raises(WrongPhase) as caught:
        require_phase(state, iter([Phase.INVITED, Phase.PREPARING]), "submit preparation")
    assert (caught.value.rule, caught.value.kind, caught.value.message) == (
        "phase",
        "WrongPhase",
        "cannot submit preparation while the review is scheduling; "
        "allowed only when it is invited, preparing",
    )


def test_the_allowed_actor_passes() -> None:
    require_actor(Actor(EMPLOYEE.id), iter([EMPLOYEE.id, MANAGER.id]), "x", "y")


@pytest.mark.parametrize("someone", [MANAGER.id, HR.id, "stranger"])
def test_anyone_else_is_refused(someone: str) -> None:
    with pytest.raises(WrongActor) as caught:
        require_actor(Actor(someone, is_hr=True), [EMPLOYEE.id], "the employee", "sign off")
    assert (caught.value.rule, caught.value.kind, caught.value.message) == (
        "actor",
        "WrongActor",
        "only the employee can sign off",
    )


def test_a_rule_refusal_is_a_rule_violation() -> None:
    assert refused(oslo(date(2026, 3, 7))).kind == "RuleViolation"


# ---- working days, inneklemte dager and warnings -------------------------------------------


def test_a_working_day_has_no_reason_to_be_off() -> None:
    assert day_off(date(2026, 3, 4), Policy(), is_norwegian_holiday) is None
    assert is_working_day(date(2026, 3, 4), Policy(), is_norwegian_holiday)


@pytest.mark.parametrize(
    "day", [date(2026, 3, 7), date(2026, 5, 17), date(2026, 12, 24), date(2026, 4, 4)]
)
def test_weekends_holidays_and_blocked_days_are_not_working_days(day: date) -> None:
    assert not is_working_day(day, Policy(), is_norwegian_holiday)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 2),  # Friday after New Year's Day
        date(2026, 5, 15),  # Friday after Ascension Day
        date(2022, 5, 16),  # Monday before a Tuesday 17 May
        date(2024, 12, 23),  # Monday before julaften, blocked by default
    ],
)
def test_a_working_day_between_days_off_is_squeezed(day: date) -> None:
    assert is_squeezed(day, Policy(), is_norwegian_holiday)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 5, 8),  # a Friday before an ordinary weekend
        date(2026, 5, 13),  # the Wednesday before Ascension Day
        date(2026, 5, 16),  # a Saturday is off, not squeezed
    ],
)
def test_a_day_off_or_a_day_with_work_on_one_side_is_not_squeezed(day: date) -> None:
    assert not is_squeezed(day, Policy(), is_norwegian_holiday)


def test_a_day_before_an_unblocked_christmas_eve_is_not_squeezed() -> None:
    assert not is_squeezed(date(2024, 12, 23), Policy(blocked_days=[]), is_norwegian_holiday)


def warnings(start: datetime, minutes: int = 60, policy: Policy | None = None) -> list[str]:
    return meeting_warnings(start, minutes, policy or Policy(), OSLO)


def test_an_ordinary_day_has_no_warnings() -> None:
    assert warnings(oslo(date(2026, 5, 13))) == []


def test_an_inneklemt_dag_is_warned_about() -> None:
    assert warnings(oslo(date(2026, 5, 15))) == [
        "2026-05-15 is an inneklemt dag, between days off: many people take it off"
    ]


def test_the_squeezed_day_warning_can_be_switched_off() -> None:
    assert warnings(oslo(date(2026, 5, 15)), policy=Policy(warn_squeezed_days=False)) == []


@pytest.mark.parametrize("day", [date(2026, 7, 6), date(2026, 7, 31)])
def test_the_july_holiday_weeks_are_warned_about(day: date) -> None:
    week = day.isocalendar().week
    assert warnings(oslo(day)) == [
        f"{day} is in week {week}, a July holiday week (fellesferie, weeks 28, 29, 30, 31): "
        "many people are away"
    ]


@pytest.mark.parametrize("day", [date(2026, 7, 3), date(2026, 8, 3)])
def test_the_weeks_either_side_of_the_july_holidays_are_not(day: date) -> None:
    assert warnings(oslo(day)) == []


def test_the_holiday_weeks_come_from_the_policy() -> None:
    assert warnings(oslo(date(2026, 7, 6)), policy=Policy(holiday_weeks=[])) == []
    assert len(warnings(oslo(date(2026, 8, 3)), policy=Policy(holiday_weeks=[32]))) == 1


def test_the_warnings_cover_each_day_the_meeting_spans() -> None:
    assert warnings(oslo(date(2026, 5, 14), 23, 30), 60) == [
        "2026-05-15 is an inneklemt dag, between days off: many people take it off"
    ]


def test_the_warnings_go_by_the_oslo_date() -> None:
    # 00:30 on Saturday 16 May in Oslo is still Friday 15 May, an inneklemt dag, in UTC.
    assert warnings(oslo(date(2026, 5, 16), 0, 30)) == []


def test_warnings_use_the_holiday_calendar_passed_in() -> None:
    day = date(2026, 3, 5)  # a Thursday: a holiday on it and Friday squeezed
    found = meeting_warnings(
        oslo(day + timedelta(days=1)), 60, Policy(), OSLO, is_holiday=lambda d: d == day
    )
    assert found == ["2026-03-06 is an inneklemt dag, between days off: many people take it off"]


def test_a_local_moment_is_that_hour_on_that_day_in_the_zone() -> None:
    assert local_moment(date(2026, 3, 30), 9, OSLO) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert local_moment(date(2026, 10, 26), 9, OSLO) == datetime(2026, 10, 26, 8, tzinfo=UTC)


# ---- the calendar policy itself ------------------------------------------------------------


def test_the_default_calendar_policy_has_no_problems() -> None:
    assert calendar_policy_problems(Policy()) == []


def test_an_unknown_day_name_is_a_problem_whether_blocked_or_closing_early() -> None:
    names = "julaften, nyttarsaften, paskeaften, pinseaften, onsdag_for_skjaertorsdag"
    assert calendar_policy_problems(
        Policy(blocked_days=["julaften", "romjul"], early_closing={"12-32": 12})
    ) == [
        f"unknown day 'romjul': use one of {names} or a date as MM-DD",
        f"unknown day '12-32': use one of {names} or a date as MM-DD",
    ]


@pytest.mark.parametrize(
    "policy, problem",
    [
        (Policy(workday_start_hour=8, workday_end_hour=24), "working hours: 8-24"),
        (
            Policy(workday_start_hour=16, workday_end_hour=16, early_closing={}),
            "working hours: 16-16",
        ),
        (Policy(workday_start_hour=-1, early_closing={}), "working hours: -1-16"),
        (Policy(summer_start_hour=15, summer_end_hour=8), "summer hours: 15-8"),
        (Policy(early_closing={"julaften": 8}), "early closing on julaften: 8-8"),
    ],
)
def test_hours_that_are_not_a_day_are_a_problem(policy: Policy, problem: str) -> None:
    assert calendar_policy_problems(policy) == [
        f"{problem} must open before it closes, within 0-23"
    ]


def test_a_day_from_midnight_to_23_and_an_early_closing_an_hour_in_are_fine() -> None:
    assert calendar_policy_problems(Policy(workday_start_hour=0, workday_end_hour=23)) == []
    assert calendar_policy_problems(Policy(early_closing={"julaften": 9})) == []


@pytest.mark.parametrize("hour, fine", [(-1, False), (0, True), (23, True), (24, False)])
def test_the_reminder_hour_is_an_hour_of_the_day(hour: int, fine: bool) -> None:
    problems = calendar_policy_problems(Policy(reminder_hour=hour))
    assert problems == ([] if fine else ["the reminder hour must be between 0 and 23"])


@pytest.mark.parametrize(
    "first, last, fine",
    [
        ("06-01", "06-01", True),
        ("09-14", "05-15", False),
        ("julaften", "12-31", False),
        ("05-15", "09-31", False),
    ],
)
def test_summer_hours_need_a_season_of_real_dates_in_order(
    first: str, last: str, fine: bool
) -> None:
    problems = calendar_policy_problems(Policy(summer_first_day=first, summer_last_day=last))
    expected = "summer hours need a first and a last day as MM-DD, in that order"
    assert problems == ([] if fine else [expected])


def test_holiday_weeks_are_iso_weeks() -> None:
    assert calendar_policy_problems(Policy(holiday_weeks=[1, 53])) == []
    assert calendar_policy_problems(Policy(holiday_weeks=[0, 28, 54])) == [
        "there is no ISO week 0",
        "there is no ISO week 54",
    ]
