"""Which emails a review owes and when: each reminder's time, who gets it, stable keys, and
(opt-in) every one moved onto a working morning in Oslo."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import EMPLOYEE, HR, MANAGER
from tests.workflows.review_states import action, meeting, oslo, rendered, review, sample_states
from workflows.calendar import OSLO, is_norwegian_holiday
from workflows.contracts import EmailKind, Meeting, Phase, Policy, ReviewState
from workflows.reminders import (
    Planned,
    Timing,
    action_context,
    base_context,
    email,
    owner_of,
    plan,
)
from workflows.rules import is_working_day

SAVED = json.loads((Path(__file__).parent / "reminder_plans_before_working_days.json").read_text())
KICKOFF = oslo(date(2027, 1, 13), 9, 30)  # a Wednesday
SET_AT = oslo(date(2027, 1, 25), 11)
MONDAY_MEETING = meeting(oslo(date(2027, 2, 15), 9), set_at=SET_AT)


def at_of(planned: list[Planned], key: str) -> datetime:
    found = [p.at for p in planned if p.email.key == f"r-1:{key}"]
    assert len(found) == 1, (key, [p.email.key for p in planned])
    return found[0]


def keys(planned: list[Planned]) -> list[str]:
    return [p.email.key.removeprefix("r-1:") for p in planned]


def invited(
    m: Meeting = MONDAY_MEETING, *, policy: Policy | None = None, **kw: object
) -> ReviewState:
    return review(Phase.INVITED, since=SET_AT, policy=policy, meeting=m, **kw)


# ---- today's timing, kept exactly ----------------------------------------------------------


@pytest.mark.parametrize("name", list(SAVED))
def test_the_plan_without_working_days_is_the_one_saved_before_they_existed(name: str) -> None:
    state = sample_states()[name]
    assert rendered(plan(state, OSLO)) == SAVED[name]["oslo"]
    assert rendered(plan(state, OSLO, on_working_days=False)) == SAVED[name]["oslo"]
    assert rendered(plan(state, UTC)) == SAVED[name]["utc"]


def test_the_saved_plans_cover_every_phase() -> None:
    assert {s.phase for s in sample_states().values()} == set(Phase)


def test_schedule_reminders_and_the_escalation_count_from_the_kickoff() -> None:
    planned = plan(review(since=KICKOFF), OSLO)
    assert keys(planned) == ["schedule-reminder:0:7", "schedule-reminder:0:14", "escalation:0"]
    assert [p.at - KICKOFF for p in planned] == [timedelta(days=d) for d in (7, 14, 21)]


def test_the_manager_gets_schedule_reminders_and_hr_the_escalation_with_the_manager_copied() -> (
    None
):
    reminder, _, escalation = plan(review(since=KICKOFF), OSLO)
    assert (reminder.email.kind, reminder.email.to, reminder.email.cc) == (
        EmailKind.SCHEDULE_REMINDER,
        [MANAGER],
        [],
    )
    assert (escalation.email.kind, escalation.email.to, escalation.email.cc) == (
        EmailKind.SCHEDULING_ESCALATION,
        [HR],
        [MANAGER],
    )


def test_a_schedule_reminder_on_the_deadline_day_gives_way_to_the_escalation() -> None:
    state = review(since=KICKOFF, policy=Policy(schedule_reminder_days=[20, 21]))
    assert keys(plan(state, OSLO)) == ["schedule-reminder:0:20", "escalation:0"]


def test_a_new_scheduling_round_earns_fresh_keys() -> None:
    assert keys(plan(review(since=KICKOFF, scheduling_round=3), OSLO))[-1] == "escalation:3"


def test_prep_reminders_go_7_and_2_days_before_to_whoever_has_not_prepared() -> None:
    planned = plan(invited(manager_prepared=True), OSLO)
    prep = [p for p in planned if p.email.kind is EmailKind.PREP_REMINDER]
    assert [(p.email.key, p.email.to) for p in prep] == [
        ("r-1:prep:0:7:employee", [EMPLOYEE]),
        ("r-1:prep:0:2:employee", [EMPLOYEE]),
    ]
    assert [MONDAY_MEETING.start - p.at for p in prep] == [timedelta(days=7), timedelta(days=2)]


def test_prepared_people_get_no_prep_reminders_but_both_get_the_day_before() -> None:
    planned = plan(invited(employee_prepared=True, manager_prepared=True), OSLO)
    assert [(p.email.kind, p.email.to) for p in planned] == [
        (EmailKind.DAY_BEFORE, [EMPLOYEE]),
        (EmailKind.DAY_BEFORE, [MANAGER]),
    ]
    assert {MONDAY_MEETING.start - p.at for p in planned} == {timedelta(days=1)}


def test_the_day_before_reminder_can_be_switched_off() -> None:
    planned = plan(invited(policy=Policy(day_before_reminder=False)), OSLO)
    assert EmailKind.DAY_BEFORE not in {p.email.kind for p in planned}


def test_reminders_already_due_when_the_meeting_was_set_are_not_sent_at_once() -> None:
    state = invited(policy=Policy(prep_reminder_days=[30, 14, 7]))
    assert "prep:0:30:employee" not in keys(plan(state, OSLO))
    assert "prep:0:14:employee" in keys(plan(state, OSLO))


def test_a_reminder_due_at_the_very_moment_the_meeting_was_set_is_kept() -> None:
    m = meeting(SET_AT + timedelta(days=7), set_at=SET_AT)
    assert "prep:0:7:employee" in keys(plan(invited(m), OSLO))


def test_a_rescheduled_meeting_earns_fresh_keys() -> None:
    m = meeting(MONDAY_MEETING.start, set_at=SET_AT, seq=1)
    assert keys(plan(review(Phase.PREPARING, since=SET_AT, meeting=m), OSLO)) == [
        "prep:1:7:employee",
        "prep:1:7:manager",
        "prep:1:2:employee",
        "prep:1:2:manager",
        "day-before:1:employee",
        "day-before:1:manager",
    ]


def test_the_summary_reminder_goes_to_the_manager_days_after_the_meeting_ends() -> None:
    m = meeting(oslo(date(2027, 2, 15), 9), set_at=SET_AT, minutes=90)
    [p] = plan(review(Phase.AWAITING_SUMMARY, since=m.start, meeting=m), OSLO)
    assert (p.email.key, p.email.to) == ("r-1:summary-reminder:0", [MANAGER])
    assert p.at == m.start + timedelta(minutes=90, days=2)


def test_the_signoff_reminder_goes_to_the_employee_days_after_the_summary() -> None:
    summary_at = oslo(date(2027, 2, 16), 16, 45)
    state = review(Phase.AWAITING_SIGNOFF, since=summary_at, summary_at=summary_at)
    [p] = plan(state, OSLO)
    assert (p.email.key, p.email.kind, p.email.to) == (
        "r-1:signoff-reminder",
        EmailKind.SIGNOFF_REMINDER,
        [EMPLOYEE],
    )
    assert p.at == summary_at + timedelta(days=3)


CREATED = oslo(date(2027, 2, 17), 14)


def follow_up(*actions: object, policy: Policy | None = None) -> ReviewState:
    return review(Phase.FOLLOW_UP, since=CREATED, actions=list(actions), policy=policy)


def test_an_action_is_due_soon_a_week_before_and_overdue_1_8_and_22_days_after() -> None:
    planned = plan(follow_up(action(1, due=date(2027, 6, 10), created_at=CREATED)), OSLO)
    assert keys(planned) == [
        "action-due:1",
        "action-overdue:1:1",
        "action-overdue:1:8",
        "action-overdue:1:22",
    ]
    assert [p.at for p in planned] == [
        oslo(date(2027, 6, 3), 8),
        oslo(date(2027, 6, 11), 8),
        oslo(date(2027, 6, 18), 8),
        oslo(date(2027, 7, 2), 8),
    ]


def test_action_reminders_are_at_the_reminder_hour_in_the_zone_given() -> None:
    state = follow_up(
        action(1, due=date(2027, 6, 10), created_at=CREATED), policy=Policy(reminder_hour=9)
    )
    assert at_of(plan(state, UTC), "action-due:1") == datetime(2027, 6, 3, 9, tzinfo=UTC)


def test_the_employees_action_reminders_go_to_the_employee_with_the_manager_on_overdue() -> None:
    planned = plan(follow_up(action(1, due=date(2027, 6, 10), created_at=CREATED)), OSLO)
    assert [(p.email.kind, p.email.to, p.email.cc) for p in planned[:2]] == [
        (EmailKind.ACTION_DUE_SOON, [EMPLOYEE], []),
        (EmailKind.ACTION_OVERDUE, [EMPLOYEE], [MANAGER]),
    ]


def test_the_managers_own_action_reminders_go_to_the_manager_alone() -> None:
    mine = action(1, due=date(2027, 6, 10), created_at=CREATED, owner=MANAGER.id)
    assert {(p.email.to[0], len(p.email.cc)) for p in plan(follow_up(mine), OSLO)} == {(MANAGER, 0)}


def test_a_due_soon_reminder_already_past_when_the_action_was_agreed_is_dropped() -> None:
    planned = plan(follow_up(action(1, due=date(2027, 2, 20), created_at=CREATED)), OSLO)
    assert "action-due:1" not in keys(planned)
    assert "action-overdue:1:1" in keys(planned)


def test_a_due_soon_reminder_at_the_very_moment_the_action_was_agreed_is_kept() -> None:
    agreed = oslo(date(2027, 2, 17), 8)
    state = follow_up(action(1, due=date(2027, 2, 24), created_at=agreed))
    assert at_of(plan(state, OSLO), "action-due:1") == agreed


def test_a_done_action_gets_no_reminders() -> None:
    done = action(1, due=date(2027, 6, 10), created_at=CREATED, done=True)
    assert plan(follow_up(done), OSLO) == []


@pytest.mark.parametrize("phase", [Phase.COMPLETED, Phase.CANCELLED])
def test_an_ended_review_owes_nothing(phase: Phase) -> None:
    state = review(
        phase, since=CREATED, actions=[action(1, due=date(2027, 6, 10), created_at=CREATED)]
    )
    assert plan(state, OSLO) == []


def test_the_action_context_names_the_action_but_never_its_title() -> None:
    a = action(7, due=date(2027, 6, 10), created_at=CREATED)
    assert action_context(a) == {"action_due": "2027-06-10", "action_id": "7"}
    for p in plan(follow_up(a), OSLO):
        assert p.email.context["action_id"] == "7", p.email.key
        assert a.title not in p.email.context.values(), p.email.key


def test_an_action_owner_is_the_employee_or_else_the_manager() -> None:
    state = follow_up()
    created = CREATED
    assert owner_of(state, action(1, due=date(2027, 6, 1), created_at=created)) == EMPLOYEE
    mine = action(2, due=date(2027, 6, 1), created_at=created, owner=MANAGER.id)
    assert owner_of(state, mine) == MANAGER


def test_an_email_carries_its_key_under_the_review_and_the_reviews_context() -> None:
    state = invited()
    req = email(state, key="k", kind=EmailKind.INVITATION, to=EMPLOYEE, extra={"x": "y"})
    assert (req.key, req.review_id, req.to, req.cc) == ("r-1:k", "r-1", [EMPLOYEE], [])
    assert req.context == {
        "review_id": "r-1",
        "employee_name": EMPLOYEE.name,
        "manager_name": MANAGER.name,
        "manager_email": MANAGER.email,
        "meeting_start": MONDAY_MEETING.start.isoformat(),
        "duration_minutes": "60",
        "location_kind": "meeting_room",
        "location_text": "Fjordrommet",
        "sequence": "0",
        "x": "y",
    }


def test_the_context_has_no_meeting_before_one_is_set_and_says_why_a_review_was_cancelled() -> None:
    ctx = base_context(review(Phase.CANCELLED, since=KICKOFF, cancel_reason="left"))
    assert ctx == {
        "review_id": "r-1",
        "employee_name": EMPLOYEE.name,
        "manager_name": MANAGER.name,
        "manager_email": MANAGER.email,
        "reason": "left",
    }


# ---- on working days -----------------------------------------------------------------------


def working(state: ReviewState, **kw: object) -> list[Planned]:
    return plan(state, OSLO, on_working_days=True, **kw)  # type: ignore[arg-type]


def test_a_schedule_reminder_due_on_a_friday_afternoon_goes_on_monday_morning() -> None:
    friday = oslo(date(2027, 1, 15), 14, 37)
    assert at_of(working(review(since=friday)), "schedule-reminder:0:7") == oslo(
        date(2027, 1, 25), 8
    )


def test_a_notice_due_before_the_reminder_hour_goes_that_morning() -> None:
    early = oslo(date(2027, 1, 13), 7, 15)  # a Wednesday
    assert at_of(working(review(since=early)), "schedule-reminder:0:7") == oslo(
        date(2027, 1, 20), 8
    )


def test_a_notice_due_exactly_at_the_reminder_hour_goes_then() -> None:
    on_the_hour = oslo(date(2027, 1, 13), 8)
    assert at_of(working(review(since=on_the_hour)), "schedule-reminder:0:7") == oslo(
        date(2027, 1, 20), 8
    )


def test_an_escalation_due_on_17_may_goes_the_next_working_morning() -> None:
    since = oslo(date(2027, 4, 26), 7)  # + 21 days: Monday 17 May 2027, a holiday
    assert at_of(working(review(since=since)), "escalation:0") == oslo(date(2027, 5, 18), 8)


def test_a_meeting_on_a_monday_gets_its_day_before_reminder_on_friday() -> None:
    friday = oslo(date(2027, 2, 12), 8)
    planned = working(invited())
    assert at_of(planned, "day-before:0:employee") == friday
    assert at_of(planned, "day-before:0:manager") == friday
    assert at_of(planned, "prep:0:2:employee") == friday  # Saturday: moved back, not on


def test_a_reminder_goes_by_its_oslo_date_not_its_utc_date() -> None:
    # 00:30 on Tuesday in Oslo; the day before, 00:30 on Monday, is still Sunday in UTC.
    m = meeting(oslo(date(2027, 2, 16), 0, 30), set_at=SET_AT)
    assert at_of(working(invited(m)), "day-before:0:employee") == oslo(date(2027, 2, 15), 8)


def test_an_overdue_notice_due_on_ascension_day_goes_the_friday_after() -> None:
    a = action(1, due=date(2026, 5, 13), created_at=oslo(date(2026, 3, 2)))
    assert at_of(working(follow_up(a)), "action-overdue:1:1") == oslo(date(2026, 5, 15), 8)


def test_a_prep_reminder_due_on_a_working_day_goes_that_morning() -> None:
    assert at_of(working(invited()), "prep:0:7:employee") == oslo(date(2027, 2, 8), 8)


def test_reminders_before_a_meeting_after_easter_go_before_the_easter_holidays() -> None:
    # Tuesday 30 March 2027: 2. påskedag, påskeaften, langfredag and skjærtorsdag lie before.
    m = meeting(oslo(date(2027, 3, 30), 10), set_at=oslo(date(2027, 3, 1), 10))
    planned = working(review(Phase.PREPARING, since=m.set_at, meeting=m))
    wednesday = oslo(date(2027, 3, 24), 8)
    assert at_of(planned, "day-before:0:employee") == wednesday
    assert at_of(planned, "prep:0:2:manager") == wednesday


def test_a_reminder_moved_back_before_the_meeting_was_set_is_not_sent_at_once() -> None:
    set_at = oslo(date(2027, 2, 12), 10)  # a Friday
    m = meeting(oslo(date(2027, 3, 1), 9), set_at=set_at)
    state = invited(m, policy=Policy(prep_reminder_days=[16]))  # Saturday 13 Feb
    assert "prep:0:16:employee" in keys(plan(state, OSLO))
    assert "prep:0:16:employee" not in keys(working(state))


def test_the_summary_reminder_due_on_a_sunday_before_17_may_goes_on_tuesday_morning() -> None:
    m = meeting(oslo(date(2027, 5, 14), 14), set_at=SET_AT, minutes=90)  # a Friday
    [p] = working(review(Phase.AWAITING_SUMMARY, since=m.start, meeting=m))
    assert p.at == oslo(date(2027, 5, 18), 8)  # Monday 17 May is a holiday


def test_the_signoff_reminder_goes_the_next_working_morning() -> None:
    summary_at = oslo(date(2027, 2, 17), 16, 45)  # Wednesday; + 3 days: a Saturday
    [p] = working(review(Phase.AWAITING_SIGNOFF, since=summary_at, summary_at=summary_at))
    assert p.at == oslo(date(2027, 2, 22), 8)


def test_an_overdue_notice_on_christmas_eve_waits_for_the_working_day_after_christmas() -> None:
    overdue = action(1, due=date(2026, 12, 23), created_at=oslo(date(2026, 11, 2)))
    state = follow_up(overdue)
    assert at_of(working(state), "action-overdue:1:1") == oslo(date(2026, 12, 28), 8)
    unblocked = follow_up(overdue, policy=Policy(blocked_days=[]))
    assert at_of(working(unblocked), "action-overdue:1:1") == oslo(date(2026, 12, 24), 8)


def test_an_action_due_soon_on_17_may_goes_the_working_day_before() -> None:
    a = action(1, due=date(2027, 5, 24), created_at=oslo(date(2027, 3, 1)))
    assert at_of(working(follow_up(a)), "action-due:1") == oslo(date(2027, 5, 14), 8)


def test_a_due_soon_reminder_moved_back_before_the_action_was_agreed_is_dropped() -> None:
    agreed = oslo(date(2027, 5, 15), 9)  # a Saturday; due soon on Monday 17 May, a holiday
    a = action(1, due=date(2027, 5, 24), created_at=agreed)
    assert "action-due:1" not in keys(working(follow_up(a)))


def test_working_days_use_the_reminder_hour_of_the_policy() -> None:
    state = review(since=oslo(date(2027, 1, 15), 14, 37), policy=Policy(reminder_hour=9))
    assert at_of(working(state), "escalation:0") == oslo(date(2027, 2, 8), 9)


def test_working_days_use_the_holiday_calendar_passed_in() -> None:
    wednesday = date(2027, 1, 20)
    state = review(since=oslo(date(2027, 1, 13), 7))
    found = at_of(working(state, is_holiday=lambda d: d == wednesday), "schedule-reminder:0:7")
    assert found == oslo(date(2027, 1, 21), 8)


@pytest.mark.parametrize("name", list(SAVED))
def test_every_email_goes_on_a_working_day_at_the_reminder_hour_in_oslo(name: str) -> None:
    for p in working(sample_states()[name]):
        local = p.at.astimezone(OSLO)
        assert is_working_day(local.date(), Policy(), is_norwegian_holiday), p
        assert (local.hour, local.minute) == (8, 0), p


@pytest.mark.parametrize("name", list(SAVED))
def test_working_days_move_emails_but_keep_their_keys_and_recipients(name: str) -> None:
    state = sample_states()[name]
    today = [row[1:] for row in rendered(plan(state, OSLO))]
    moved = [row[1:] for row in rendered(working(state))]
    assert moved == [row for row in today if row in moved]  # some stale ones may drop
    assert len(moved) >= len(today) - 1


def test_a_notice_never_comes_before_its_rule_says_and_a_reminder_never_after() -> None:
    ahead = {EmailKind.PREP_REMINDER, EmailKind.DAY_BEFORE, EmailKind.ACTION_DUE_SOON}
    for state in sample_states().values():
        nominal = {p.email.key: p.at for p in plan(state, OSLO)}
        for p in working(state):
            if p.email.kind in ahead:
                assert p.at <= nominal[p.email.key], p
            else:
                assert p.at >= nominal[p.email.key], p


def test_timing_off_leaves_every_moment_alone() -> None:
    sunday_night = datetime(2027, 1, 17, 23, 59, tzinfo=UTC)
    when = Timing(Policy(), OSLO)
    assert (when.ahead(sunday_night), when.after(sunday_night)) == (sunday_night, sunday_night)


def test_a_correction_awaiting_signature_keeps_the_signed_actions_reminders() -> None:
    corrected_at = CREATED + timedelta(days=30)
    signed = action(1, due=date(2027, 6, 10), created_at=CREATED)
    added = action(2, due=date(2027, 6, 10), created_at=corrected_at)
    state = review(
        Phase.AWAITING_SIGNOFF,
        since=corrected_at,
        actions=[signed, added],
        summary_at=corrected_at,
        summary_version=2,
        signed_version=1,
        correcting_signed=True,
    )
    planned = keys(plan(state, OSLO))
    assert "action-due:1" in planned and "action-overdue:1:22" in planned
    assert not [k for k in planned if k.startswith(("action-due:2", "action-overdue:2"))]
    assert not [
        k
        for k in keys(
            plan(
                review(
                    Phase.AWAITING_SIGNOFF,
                    since=corrected_at,
                    actions=[signed],
                    summary_at=corrected_at,
                    summary_version=1,
                ),
                OSLO,
            )
        )
        if k.startswith("action")
    ]
