"""The rules of the source document as pure functions (R2, R3, R5, phases, actors).

Nothing here reads a clock or a file: the current time, the time zone and the
holiday calendar are passed in, so the workflow's validators, the API and the
tests all judge a command the same way. A refusal is a `Refusal` carrying the
rule it breaks; the workflow turns it into an ApplicationError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, tzinfo

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
    if local_start.weekday() >= 5:
        raise Refusal("R5", f"{day} is a {local_start:%A}: meetings are held Monday to Friday")
    if is_holiday(day):
        raise Refusal("R5", f"{day} is a Norwegian public holiday")
    opens = time(policy.workday_start_hour)
    closes = time(policy.workday_end_hour)
    if local_start.time() < opens or local_end.date() != day or local_end.time() > closes:
        raise Refusal(
            "R5",
            f"the meeting must fall within working hours, {opens:%H:%M}-{closes:%H:%M} "
            f"{_zone_name(tz)} (asked for {local_start:%H:%M}-{local_end:%H:%M})",
        )


def local_moment(day: date, hour: int, tz: tzinfo) -> datetime:
    """A date-based reminder's instant: `hour` o'clock local time on `day`."""
    return datetime.combine(day, time(hour), tzinfo=tz)


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", tz))
