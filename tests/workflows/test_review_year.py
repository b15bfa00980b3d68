"""A year of one review on the time-skipping server: every email, when, to whom, which language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from samtale.mailsink import MailSink
from tests.factories import (
    EMPLOYEE,
    HR,
    MANAGER,
    body_text,
    meeting,
    review_input,
    sent_at,
    working_slot,
)
from tests.waiting import mail_arrived
from tests.workflows.recording import record_history
from workflows.calendar import OSLO
from workflows.contracts import (
    Accept,
    Actor,
    CompleteAction,
    NewAction,
    Phase,
    Policy,
    RecordOutcome,
    ReviewState,
    SignOff,
    SubmitPreparation,
    SubmitSummary,
)
from workflows.reminders import Timing
from workflows.review import ReviewWorkflow
from workflows.rules import local_moment

# Reminders and notices go out at 08:00 Oslo time on working days: a reminder ahead of an
# event on the last working day on or before its date, a notice after one on the next
# working morning (the same pure timing the plan uses, tested at its edges on its own).
WHEN = Timing(Policy(), OSLO, on_working_days=True)


async def start(env: WorkflowEnvironment, worker: Worker) -> WorkflowHandle:
    inp = review_input(f"review-{uuid.uuid4().hex[:8]}")
    return await env.client.start_workflow(
        ReviewWorkflow.run, inp, id=inp.review_id, task_queue=worker.task_queue
    )


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


def by_kind(sink: MailSink, kind: str) -> list:
    return [m for m in sink.messages if m["X-Samtale-Kind"] == kind]


async def arrived(sink: MailSink, kind: str) -> list:
    await mail_arrived(sink, kind)
    return by_kind(sink, kind)


def assert_at(msg, expected: datetime) -> None:
    assert abs(sent_at(msg) - expected) < timedelta(minutes=2), (
        msg["Subject"],
        sent_at(msg),
        expected,
    )


async def test_a_full_year_sends_each_email_once_at_its_time_to_the_right_people(
    time_env: WorkflowEnvironment, worker: Worker, sink: MailSink
) -> None:
    env = time_env
    handle = await start(env, worker)
    t0 = (await handle.describe()).start_time.astimezone(UTC)

    # Unscheduled for three weeks: reminders to the manager after 7 and 14 days, HR told
    # after 21, each on the next working morning.
    escalated_at = WHEN.after(t0 + timedelta(days=21))
    await sleep_until(env, escalated_at + timedelta(minutes=5))
    await mail_arrived(sink, "scheduling_escalation")
    reminders = by_kind(sink, "schedule_reminder")
    assert [m["To"].addresses[0].addr_spec for m in reminders] == [MANAGER.email] * 2
    assert_at(reminders[0], WHEN.after(t0 + timedelta(days=7)))
    assert_at(reminders[1], WHEN.after(t0 + timedelta(days=14)))
    (escalation,) = by_kind(sink, "scheduling_escalation")
    assert escalation["To"].addresses[0].addr_spec == HR.email
    assert_at(escalation, escalated_at)

    now = await env.get_current_time()
    start_at = working_slot(now + timedelta(days=20))
    await handle.execute_update(ReviewWorkflow.schedule, meeting(start_at))
    (invitation,) = await arrived(sink, "invitation")
    assert invitation["To"].addresses[0].addr_spec == EMPLOYEE.email
    assert invitation["Cc"].addresses[0].addr_spec == MANAGER.email
    assert invitation["Content-Language"] == "en"
    assert "Fjordrommet" in body_text(invitation)

    employee, manager = Actor(EMPLOYEE.id), Actor(MANAGER.id)
    await handle.execute_update(ReviewWorkflow.accept, Accept(employee))
    await handle.execute_update(ReviewWorkflow.submit_preparation, SubmitPreparation(employee))

    # Only the manager, who has not prepared, is reminded 7 and 2 days before; both the day before.
    await sleep_until(env, start_at + timedelta(minutes=5))
    prep = by_kind(sink, "prep_reminder")
    assert [m["To"].addresses[0].addr_spec for m in prep] == [MANAGER.email] * 2
    assert_at(prep[0], WHEN.ahead(start_at - timedelta(days=7)))
    assert_at(prep[1], WHEN.ahead(start_at - timedelta(days=2)))
    assert prep[0]["Content-Language"] == "nb"
    day_before = by_kind(sink, "day_before")
    assert sorted(m["To"].addresses[0].addr_spec for m in day_before) == sorted(
        [EMPLOYEE.email, MANAGER.email]
    )
    assert_at(day_before[0], WHEN.ahead(start_at - timedelta(days=1)))
    assert (await handle.query(ReviewWorkflow.state)).phase is Phase.AWAITING_SUMMARY

    # The summary is late: the manager is reminded 2 days after the meeting ends.
    await handle.execute_update(ReviewWorkflow.record_outcome, RecordOutcome(manager, held=True))
    late_at = WHEN.after(start_at + timedelta(hours=1, days=2))
    await sleep_until(env, late_at + timedelta(minutes=5))
    (late,) = await arrived(sink, "summary_reminder")
    assert_at(late, late_at)

    today = (await env.get_current_time()).astimezone(OSLO).date()
    early, later = today + timedelta(days=30), today + timedelta(days=60)
    await handle.execute_update(
        ReviewWorkflow.submit_summary,
        SubmitSummary(
            manager,
            "Good year. Wants to grow into a lead role.",
            [
                NewAction(title="Course in facilitation", owner_id=EMPLOYEE.id, due=early),
                NewAction(title="Find a mentor", owner_id=MANAGER.id, due=later),
            ],
        ),
    )
    assert (await arrived(sink, "signoff_request"))[0]["To"].addresses[
        0
    ].addr_spec == EMPLOYEE.email
    signoff_at = await env.get_current_time()
    reminded_at = WHEN.after(signoff_at + timedelta(days=3))
    await sleep_until(env, reminded_at + timedelta(minutes=5))
    (signoff_reminder,) = await arrived(sink, "signoff_reminder")
    assert_at(signoff_reminder, reminded_at)
    await handle.execute_update(ReviewWorkflow.sign_off, SignOff(employee))

    # The employee's action is done early; the manager's runs over and is chased.
    await handle.execute_update(ReviewWorkflow.complete_action, CompleteAction(employee, 1))
    notices = [WHEN.after(local_moment(later + timedelta(days=n), 8, OSLO)) for n in (1, 8, 22)]
    await sleep_until(env, notices[-1] + timedelta(hours=1))
    await mail_arrived(sink, "action_overdue", count=3)
    soon = by_kind(sink, "action_due_soon")
    assert [m["To"].addresses[0].addr_spec for m in soon] == [MANAGER.email]
    assert_at(soon[0], WHEN.ahead(local_moment(later - timedelta(days=7), 8, OSLO)))
    overdue = by_kind(sink, "action_overdue")
    assert [sent_at(m) for m in overdue] == [n.astimezone(UTC) for n in notices]
    timed = [
        m for m in sink.messages if m["X-Samtale-Kind"] not in ("invitation", "signoff_request")
    ]
    assert {
        (sent_at(m).astimezone(OSLO).hour, sent_at(m).astimezone(OSLO).weekday() < 5) for m in timed
    } == {(8, True)}
    await handle.execute_update(ReviewWorkflow.complete_action, CompleteAction(manager, 2))
    final: ReviewState = await handle.result()

    assert final.phase is Phase.COMPLETED
    keys = [m["X-Samtale-Key"] for m in sink.messages]
    assert len(keys) == len(set(keys)), "an email was sent twice"
    history = await handle.fetch_history()
    assert len(history.events) < 1000
    record_history("review_full_year", history.to_json())
