"""Review states at chosen moments, for the pure tests of the reminder plan (no Temporal).

Times are Oslo wall-clock times, so a test reads like the calendar it is about.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from tests.factories import EMPLOYEE, HR, MANAGER
from workflows.calendar import OSLO
from workflows.contracts import Action, LocationKind, Meeting, Phase, Policy, ReviewState
from workflows.reminders import Planned


def oslo(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """`hour:minute` Oslo time on `day`, as the UTC instant a workflow would hold."""
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)


def review(
    phase: Phase = Phase.SCHEDULING,
    *,
    since: datetime,
    policy: Policy | None = None,
    **fields: object,
) -> ReviewState:
    state = ReviewState(
        review_id="r-1",
        cycle_id="2027",
        employee=EMPLOYEE,
        manager=MANAGER,
        hr=HR,
        policy=policy or Policy(),
        phase=phase,
        started_at=since,
        phase_since=since,
    )
    return replace(state, **fields)  # type: ignore[arg-type]


def meeting(start: datetime, *, set_at: datetime, minutes: int = 60, seq: int = 0) -> Meeting:
    return Meeting(
        start=start,
        duration_minutes=minutes,
        location_kind=LocationKind.MEETING_ROOM,
        location_text="Fjordrommet",
        sequence=seq,
        set_at=set_at,
    )


def action(
    n: int, *, due: date, created_at: datetime, owner: str = EMPLOYEE.id, done: bool = False
) -> Action:
    return Action(
        id=n,
        title=f"action {n}",
        owner_id=owner,
        due=due,
        created_at=created_at,
        done_at=created_at if done else None,
    )


def rendered(planned: list[Planned]) -> list[list[object]]:
    """A plan as plain data: when (UTC), key, kind, to and cc, in plan order."""
    return [
        [
            p.at.astimezone(UTC).isoformat(),
            p.email.key,
            p.email.kind.value,
            [t.id for t in p.email.to],
            [c.id for c in p.email.cc],
        ]
        for p in planned
    ]


def sample_states() -> dict[str, ReviewState]:
    """One state per phase and per rule of the plan, at awkward moments (Fridays, Easter, DST)."""
    fri_afternoon = oslo(date(2027, 1, 15), 14, 37)
    set_at = oslo(date(2027, 1, 25), 11)
    monday_meeting = meeting(oslo(date(2027, 2, 15), 9), set_at=set_at)
    after_easter = meeting(oslo(date(2027, 3, 30), 10), set_at=oslo(date(2027, 3, 10), 13), seq=2)
    summary_at = oslo(date(2027, 5, 20), 16, 45)
    created = oslo(date(2027, 5, 21), 9)
    actions = [
        action(1, due=date(2027, 6, 10), created_at=created),
        action(2, due=date(2027, 5, 25), created_at=created, owner=MANAGER.id),
        action(3, due=date(2027, 7, 3), created_at=created, done=True),
        action(4, due=date(2027, 12, 24), created_at=created, owner=MANAGER.id),
    ]
    return {
        "scheduling": review(since=fri_afternoon),
        "scheduling_round_2_across_dst": review(
            since=oslo(date(2027, 3, 24), 23, 30),
            scheduling_round=2,
            policy=Policy(schedule_reminder_days=[3, 21, 30]),
        ),
        "invited_monday_meeting": review(Phase.INVITED, since=set_at, meeting=monday_meeting),
        "preparing_employee_done_after_easter": review(
            Phase.PREPARING,
            since=after_easter.set_at,
            meeting=after_easter,
            employee_prepared=True,
        ),
        "preparing_stale_reminders": review(
            Phase.PREPARING,
            since=oslo(date(2027, 4, 20), 15),
            meeting=meeting(oslo(date(2027, 5, 5), 9), set_at=oslo(date(2027, 4, 20), 15)),
            policy=Policy(prep_reminder_days=[21, 14, 7, 2]),
        ),
        "invited_no_day_before": review(
            Phase.INVITED,
            since=set_at,
            meeting=monday_meeting,
            policy=Policy(day_before_reminder=False),
        ),
        "awaiting_summary_friday": review(
            Phase.AWAITING_SUMMARY,
            since=oslo(date(2027, 5, 14), 14),
            meeting=meeting(oslo(date(2027, 5, 14), 14), set_at=set_at, minutes=90),
        ),
        "awaiting_signoff": review(
            Phase.AWAITING_SIGNOFF,
            since=summary_at,
            meeting=monday_meeting,
            summary_at=summary_at,
        ),
        "follow_up": review(
            Phase.FOLLOW_UP, since=created, meeting=monday_meeting, actions=actions
        ),
        "completed": review(Phase.COMPLETED, since=created, meeting=monday_meeting),
        "cancelled": review(Phase.CANCELLED, since=created),
        "closed_unsigned": review(
            Phase.CLOSED_UNSIGNED, since=created, meeting=monday_meeting, summary_at=summary_at
        ),
    }
