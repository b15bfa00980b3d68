"""The rules of the source document as pure functions (R2, R3, R5, phases, actors).

Nothing here reads a clock or a file: the current time, the time zone and the
holiday check are passed in, so the workflow's validators, the API and the
tests all judge a command the same way. The calendar policy (blocked days, early
closing, summer hours, warnings) is data in `Policy`; the named days it uses come
from workflows/calendar.py. A refusal is a `Refusal` carrying the
rule it breaks; the workflow turns it into an ApplicationError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

# By name, as review.py imports it: `from workflows import calendar` would run the module
# again inside a sandbox that does not pass `workflows` through (the Replayer's), where
# building the holiday table (gettext, locale) is forbidden.
from workflows.calendar import (
    DAY_NAMES,
    describe,
    falls_on,
    in_season,
    is_day_name,
    is_norwegian_holiday,
)
from workflows.contracts import Actor, LocationKind, Phase, Policy, ReviewState

HolidayCheck = Callable[[date], bool]


class Refusal(Exception):
    """A command that breaks a rule. `kind` decides the HTTP status in the API."""

    kind = "RuleViolation"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class WrongPhase(Refusal):
    kind = "WrongPhase"


class WrongActor(Refusal):
    kind = "WrongActor"


def require_phase(state: ReviewState, allowed: Iterable[Phase], command: str) -> None:
    allowed = tuple(allowed)
    if state.phase not in allowed:
        names = ", ".join(p.value for p in allowed)
        raise WrongPhase(
            "phase",
            f"cannot {command} while the review is {state.phase.value}; "
            f"allowed only when it is {names}",
        )


def require_actor(actor: Actor, allowed_ids: Iterable[str], who: str, command: str) -> None:
    if actor.id not in set(allowed_ids):
        raise WrongActor("actor", f"only {who} can {command}")


def check_meeting(
    *,
    start: datetime,
    duration_minutes: int,
    location_kind: LocationKind,
    location_text: str,
    now: datetime,
    policy: Policy,
    tz: tzinfo,
    is_holiday: HolidayCheck,
    window_end: date | None = None,
) -> None:
    """Refuse a meeting that breaks R2 (notice), R3 (place) or R5 (time and duration)."""
    if start.tzinfo is None:
        raise Refusal("R2", "the meeting start must include a time zone offset")
    earliest = now + timedelta(days=policy.notice_days)
    if start < earliest:
        raise Refusal(
            "R2",
            f"the meeting must be agreed at least {policy.notice_days} days ahead: "
            f"choose a start at or after {earliest.astimezone(tz):%Y-%m-%d %H:%M} "
            f"({_zone_name(tz)})",
        )
    check_location(location_kind, location_text)
    check_time_of_day(
        start=start, duration_minutes=duration_minutes, policy=policy, tz=tz, is_holiday=is_holiday
    )
    if window_end is not None and start.astimezone(tz).date() > window_end:
        raise Refusal("R1", f"the meeting must take place within the cycle, by {window_end}")


def check_location(kind: LocationKind, text: str) -> None:
    if kind is LocationKind.MANAGER_OFFICE:
        raise Refusal(
            "R3",
            "the conversation should not take place in the manager's office: "
            "choose a meeting room, video or an offsite location",
        )
    if not text.strip():
        raise Refusal("R3", "say where the meeting is: a room name, a video link or an address")


def check_time_of_day(
    *,
    start: datetime,
    duration_minutes: int,
    policy: Policy,
    tz: tzinfo,
    is_holiday: HolidayCheck,
) -> None:
    if duration_minutes < policy.min_duration_minutes:
        raise Refusal(
            "R5",
            f"set aside enough time: the meeting must last at least "
            f"{policy.min_duration_minutes} minutes",
        )
    if duration_minutes > policy.max_duration_minutes:
        raise Refusal("R5", f"the meeting may last at most {policy.max_duration_minutes} minutes")
    local_start = start.astimezone(tz)
    local_end = (start + timedelta(minutes=duration_minutes)).astimezone(tz)
    day = local_start.date()
    try:
        closed = day_off(day, policy, is_holiday)
    except ValueError as err:  # a year the holiday calendar does not cover
        raise Refusal("R5", f"{day} cannot be booked: {err}") from None
    if closed is not None:
        raise Refusal("R5", closed)
    hours = opening_hours(day, policy)
    opens, closes = time(hours.opens), time(hours.closes)
    if local_start.time() < opens or local_end.date() != day or local_end.time() > closes:
        raise Refusal(
            "R5",
            f"the meeting must fall within working hours, {opens:%H:%M}-{closes:%H:%M} "
            f"{_zone_name(tz)}{hours.note} (asked for {local_start:%H:%M}-{local_end:%H:%M})",
        )


class Hours(NamedTuple):
    """A working day's bookable hours, and why they differ from the usual day (for messages)."""

    opens: int
    closes: int
    note: str = ""


def day_off(day: date, policy: Policy, is_holiday: HolidayCheck) -> str | None:
    """Why nothing can be booked or sent on `day` (a weekend, a public holiday, a day the
    calendar policy blocks), or None for a working day."""
    blocked = next((n for n in policy.blocked_days if falls_on(day, n)), None)
    if day.weekday() >= 5:
        also = "" if blocked is None else f", {describe(blocked)}"
        return f"{day} is a {day:%A}{also}: meetings are held Monday to Friday"
    if is_holiday(day):
        return f"{day} is a Norwegian public holiday"
    if blocked is not None:
        return f"{day} is {describe(blocked)}: the organisation books no meetings then"
    return None


def is_working_day(day: date, policy: Policy, is_holiday: HolidayCheck) -> bool:
    return day_off(day, policy, is_holiday) is None


def opening_hours(day: date, policy: Policy) -> Hours:
    """The bookable hours of a working day: the usual ones or summer hours, cut short on an
    early closing day (the afternoon of the Wednesday before Maundy Thursday)."""
    hours = Hours(policy.workday_start_hour, policy.workday_end_hour)
    if policy.summer_hours and in_season(day, policy.summer_first_day, policy.summer_last_day):
        season = f"{policy.summer_first_day} to {policy.summer_last_day}"
        hours = Hours(policy.summer_start_hour, policy.summer_end_hour, f" in summer ({season})")
    for name, closes in policy.early_closing.items():
        if falls_on(day, name):
            note = f" on {day}, {describe(name)}"
            return Hours(hours.opens, min(hours.closes, closes), note)
    return hours


def meeting_warnings(
    start: datetime,
    duration_minutes: int,
    policy: Policy,
    tz: tzinfo,
    *,
    is_holiday: HolidayCheck = is_norwegian_holiday,
) -> list[str]:
    """What to tell whoever books a meeting the rules allow, without refusing it: a day
    squeezed between days off (inneklemt dag), or the July holiday weeks (fellesferie)."""
    first = start.astimezone(tz).date()
    last = (start + timedelta(minutes=duration_minutes)).astimezone(tz).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    out: list[str] = []
    for day in days:
        if policy.warn_squeezed_days and is_squeezed(day, policy, is_holiday):
            out.append(f"{day} is an inneklemt dag, between days off: many people take it off")
        week = day.isocalendar().week
        if week in policy.holiday_weeks:
            weeks = ", ".join(str(w) for w in policy.holiday_weeks)
            out.append(
                f"{day} is in week {week}, a July holiday week (fellesferie, weeks {weeks}): "
                f"many people are away"
            )
    return out


def is_squeezed(day: date, policy: Policy, is_holiday: HolidayCheck) -> bool:
    """A working day with a day off on either side: an inneklemt dag (e.g. the Friday after
    Ascension Day), which many people take off."""
    neighbours = (day - timedelta(days=1), day + timedelta(days=1))
    return is_working_day(day, policy, is_holiday) and not any(
        is_working_day(n, policy, is_holiday) for n in neighbours
    )


def calendar_policy_problems(policy: Policy) -> list[str]:
    """What is wrong with a policy's calendar fields, for the API to refuse (422) before a
    cycle starts with it: unknown day names, hours that are not a day, an empty season."""
    out = [
        f"unknown day {name!r}: use one of {', '.join(DAY_NAMES)} or a date as MM-DD"
        for name in [*policy.blocked_days, *policy.early_closing]
        if not is_day_name(name)
    ]
    hours = [
        ("working hours", policy.workday_start_hour, policy.workday_end_hour),
        ("summer hours", policy.summer_start_hour, policy.summer_end_hour),
    ]
    hours += [
        (f"early closing on {name}", policy.workday_start_hour, closes)
        for name, closes in policy.early_closing.items()
    ]
    for what, opens, closes in hours:
        if not 0 <= opens < closes <= 23:
            out.append(f"{what}: {opens}-{closes} must open before it closes, within 0-23")
    if not 0 <= policy.reminder_hour <= 23:
        out.append("the reminder hour must be between 0 and 23")
    first, last = policy.summer_first_day, policy.summer_last_day
    if not (_is_month_day(first) and _is_month_day(last) and first <= last):
        out.append("summer hours need a first and a last day as MM-DD, in that order")
    out += [f"there is no ISO week {w}" for w in policy.holiday_weeks if not 1 <= w <= 53]
    return out


def _is_month_day(text: str) -> bool:
    return text not in DAY_NAMES and is_day_name(text)


def local_moment(day: date, hour: int, tz: tzinfo) -> datetime:
    """A date-based reminder's instant: `hour` o'clock local time on `day`."""
    return datetime.combine(day, time(hour), tzinfo=tz)


def _zone_name(tz: tzinfo) -> str:
    return str(tz)  # a ZoneInfo prints its key ("Europe/Oslo"), a fixed offset its name


def allowed_slots(
    *,
    now: datetime,
    duration_minutes: int,
    policy: Policy,
    tz: tzinfo,
    is_holiday: HolidayCheck,
    window_end: date | None = None,
    days: int = 10,
    step_minutes: int = 30,
) -> list[datetime]:
    """The meeting starts a slot picker may offer: every `step_minutes` within the bookable
    hours of the first `days` working days that have one, none before the notice (R2), past
    the cycle's end (R1), on a day off or outside working hours for this length (R5). Each
    is one `check_meeting` accepts; a length the policy refuses has no slots."""
    if not policy.min_duration_minutes <= duration_minutes <= policy.max_duration_minutes:
        return []
    earliest = now + timedelta(days=policy.notice_days)
    length, step = timedelta(minutes=duration_minutes), timedelta(minutes=step_minutes)
    day = earliest.astimezone(tz).date()
    out: list[datetime] = []
    found = 0
    for _ in range(366):  # a year of days at most: a policy that blocks every day ends here
        if found >= days or (window_end is not None and day > window_end):
            break
        try:
            closed = day_off(day, policy, is_holiday)
        except ValueError:  # a year the holiday calendar does not cover: nothing bookable
            break
        if closed is None:
            hours = opening_hours(day, policy)
            start = datetime.combine(day, time(hours.opens), tzinfo=tz)
            closes = datetime.combine(day, time(hours.closes), tzinfo=tz)
            today = []
            while start + length <= closes:
                if start >= earliest:
                    today.append(start)
                start += step
            out += today
            found += 1 if today else 0
        day += timedelta(days=1)
    return out
