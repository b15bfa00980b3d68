"""People, inputs and meeting slots that tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from store.directory import NewEmployee, add_cycle, add_employees
from workflows.calendar import OSLO, is_norwegian_holiday
from workflows.contracts import (
    PATCHES_OF_2026_12,
    Actor,
    LocationKind,
    Person,
    Policy,
    ReviewInput,
    ScheduleMeeting,
)
from workflows.rules import is_working_day, opening_hours

EMPLOYEE = Person(id="e-100", name="Kari Nordmann", email="kari@example.no", language="en")
MANAGER = Person(id="m-10", name="Ola Hansen", email="ola@example.no", language="nb")
HR = Person(id="hr-1", name="Hilde HR", email="hr@example.no", language="nb")
OTHER_MANAGER = Person(id="m-20", name="Per Berg", email="per@example.no", language="nb")


async def seed_people(session: AsyncSession) -> None:
    now = datetime.now(UTC)
    await add_employees(
        session,
        [
            NewEmployee(HR.id, HR.name, HR.email, HR.language, None, is_hr=True),
            NewEmployee(MANAGER.id, MANAGER.name, MANAGER.email, MANAGER.language, HR.id),
            NewEmployee(EMPLOYEE.id, EMPLOYEE.name, EMPLOYEE.email, EMPLOYEE.language, MANAGER.id),
            NewEmployee(OTHER_MANAGER.id, OTHER_MANAGER.name, OTHER_MANAGER.email, "nb", HR.id),
        ],
        now=now,
    )
    await add_cycle(
        session,
        cycle_id="2027",
        name="Medarbeidersamtaler 2027",
        year=2027,
        window_start=date(2026, 11, 1),
        window_end=date(2027, 12, 31),
        created_by=HR.id,
        now=now,
    )


def review_input(review_id: str = "review-2027-e-100", **kw: Any) -> ReviewInput:
    return ReviewInput(
        review_id=review_id,
        cycle_id="2027",
        employee=EMPLOYEE,
        manager=MANAGER,
        hr=HR,
        **({"patches": PATCHES_OF_2026_12} | kw),
    )


def working_slot(after: datetime, hour: int = 10) -> datetime:
    """The first Oslo working day strictly after `after`'s date with the usual hours (not a
    day the default calendar policy blocks or closes early, like julaften), at `hour`, in UTC."""
    policy = Policy()
    day = after.astimezone(OSLO).date() + timedelta(days=1)
    while not is_working_day(day, policy, is_norwegian_holiday) or opening_hours(day, policy).note:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=OSLO).astimezone(UTC)


def first_weekend_day(after: datetime) -> date:
    day = after.astimezone(OSLO).date()
    while day.weekday() != 5:
        day += timedelta(days=1)
    return day


def meeting(
    start: datetime,
    *,
    by: str = MANAGER.id,
    minutes: int = 60,
    kind: LocationKind = LocationKind.MEETING_ROOM,
    where: str = "Fjordrommet",
) -> ScheduleMeeting:
    return ScheduleMeeting(
        actor=Actor(by),
        start=start,
        duration_minutes=minutes,
        location_kind=kind,
        location_text=where,
    )


def sent_at(msg: EmailMessage) -> datetime:
    return parsedate_to_datetime(str(msg["Date"])).astimezone(UTC)


def kinds(messages: list[EmailMessage]) -> list[str]:
    return [str(m["X-Samtale-Kind"]) for m in messages]


def body_text(msg: EmailMessage, subtype: str = "plain") -> str:
    """The text of an email's plain (or html) part; every email of ours has both."""
    part = msg.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())
