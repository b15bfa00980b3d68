"""The conversation's checks, pure and at their edges: a flagged HMS item is answered before
the summary goes to sign-off, a summary version follows the last, a correction keeps what was
agreed, and the employee's disagreement or refusal comes with their comment."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.factories import EMPLOYEE, MANAGER
from tests.workflows.review_states import action, oslo, review
from workflows import review_checks as check
from workflows import rules
from workflows.contracts import (
    Actor,
    Decision,
    HmsFlag,
    HmsResolution,
    NewAction,
    Phase,
    ReviewState,
    SignOff,
    SubmitPreparation,
    SubmitSummary,
)

NOW = oslo(date(2027, 3, 1), 12)
TODAY = date(2027, 3, 1)
WORKLOAD = HmsFlag("workload", "psychosocial")
NOISE = HmsFlag("noise", "physical")
BY_MANAGER = Actor(MANAGER.id)


def awaiting_summary(*flags: HmsFlag, **fields: Any) -> ReviewState:
    return review(Phase.AWAITING_SUMMARY, since=NOW, flagged=list(flags), **fields)


def version(
    n: int = 1, *actions: NewAction, hms: list[HmsResolution] | None = None
) -> SubmitSummary:
    return SubmitSummary(
        BY_MANAGER, actions=list(actions), version=n, digest="d" * 64, hms=hms or []
    )


def step(due: date = TODAY + timedelta(days=30), **kw: object) -> NewAction:
    return NewAction(owner_id=EMPLOYEE.id, due=due, **kw)  # type: ignore[arg-type]


def refusal(state: ReviewState, cmd: SubmitSummary) -> rules.Refusal:
    with pytest.raises(rules.Refusal) as e:
        check.summary(state, cmd, now=NOW)
    return e.value


# ---- HMS: every flagged item answered -----------------------------------------------------


def test_nothing_flagged_needs_no_hms_answer() -> None:
    assert check.unresolved_hms([], [], actions=0) == []


def test_a_flagged_item_without_an_answer_is_unresolved() -> None:
    assert check.unresolved_hms([WORKLOAD, NOISE], [HmsResolution("noise")], actions=0) == [
        "workload"
    ]


def test_an_action_or_a_no_action_answers_a_flagged_item() -> None:
    answers = [HmsResolution("workload", action=1), HmsResolution("noise")]
    assert check.unresolved_hms([WORKLOAD, NOISE], answers, actions=1) == []


@pytest.mark.parametrize("n", [0, 2])
def test_an_answer_naming_an_action_the_summary_lacks_is_refused(n: int) -> None:
    with pytest.raises(rules.Refusal, match=f"names action {n}"):
        check.unresolved_hms([WORKLOAD], [HmsResolution("workload", action=n)], actions=1)


def test_an_item_answered_twice_is_refused() -> None:
    with pytest.raises(rules.Refusal, match="answered twice"):
        check.unresolved_hms(
            [WORKLOAD], [HmsResolution("workload"), HmsResolution("workload", 1)], actions=1
        )


def test_the_summary_names_each_flagged_item_left_open() -> None:
    r = refusal(awaiting_summary(WORKLOAD, NOISE), version())
    assert (r.rule, r.message.endswith("workload, noise")) == ("R7", True)


def test_the_summary_goes_to_sign_off_once_every_flagged_item_is_answered() -> None:
    cmd = version(1, step(), hms=[HmsResolution("workload", 1), HmsResolution("noise")])
    check.summary(awaiting_summary(WORKLOAD, NOISE), cmd, now=NOW)


# ---- versions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("held", "n"), [(0, 2), (1, 1), (1, 3)])
def test_a_version_that_does_not_follow_the_last_is_refused_as_stale(held: int, n: int) -> None:
    r = refusal(review(Phase.AWAITING_SIGNOFF, since=NOW, summary_version=held), version(n))
    assert isinstance(r, rules.WrongPhase) and r.rule == "version"


def test_a_correction_follows_a_signed_version() -> None:
    signed = review(Phase.FOLLOW_UP, since=NOW, summary_version=1, signed_version=1)
    check.summary(signed, version(2), now=NOW)


def test_a_version_needs_its_digest() -> None:
    cmd = version()
    cmd.digest = ""
    assert "digest" in refusal(awaiting_summary(), cmd).message


@pytest.mark.parametrize("phase", [Phase.PREPARING, Phase.COMPLETED, Phase.CLOSED_UNSIGNED])
def test_no_summary_before_the_meeting_or_after_the_review_ended(phase: Phase) -> None:
    assert isinstance(refusal(review(phase, since=NOW), version()), rules.WrongPhase)


def test_a_versioned_summary_needs_no_text_in_the_command() -> None:
    check.summary(awaiting_summary(), version(1, step()), now=NOW)


def test_a_version_with_no_section_written_and_no_action_is_refused_as_empty() -> None:
    cmd = version(1)
    cmd.written = False
    r = refusal(awaiting_summary(), cmd)
    assert (r.rule, r.message) == ("R8", check.EMPTY_SUMMARY)


@pytest.mark.parametrize("written, actions", [(True, 0), (False, 1)])
def test_a_version_with_a_section_written_or_an_action_is_not_empty(
    written: bool, actions: int
) -> None:
    cmd = version(1, *[step()] * actions)
    cmd.written = written
    check.summary(awaiting_summary(), cmd, now=NOW)


# ---- a correction keeps what was agreed -------------------------------------------------


def agreed(*, done: bool = False, due: date = TODAY - timedelta(days=3)) -> ReviewState:
    a = action(1, due=due, created_at=NOW - timedelta(days=60), done=done)
    return review(Phase.FOLLOW_UP, since=NOW, summary_version=1, signed_version=1, actions=[a])


def test_a_correction_may_keep_an_agreed_due_date_that_has_passed() -> None:
    check.summary(agreed(), version(2, step(TODAY - timedelta(days=3), number=1)), now=NOW)


def test_a_correction_may_not_move_an_action_into_the_past() -> None:
    r = refusal(agreed(), version(2, step(TODAY, number=1)))
    assert "must be after today" in r.message


def test_a_correction_naming_an_unknown_action_is_refused() -> None:
    assert "no action 2" in refusal(agreed(), version(2, step(number=2))).message


def test_a_correction_naming_an_action_twice_is_refused() -> None:
    assert "named twice" in refusal(agreed(), version(2, step(number=1), step(number=1))).message


def test_agreed_actions_count_towards_the_limit() -> None:
    state = agreed()
    new = [step() for _ in range(check.MAX_ACTIONS - 1)]
    check.summary(state, version(2, *new), now=NOW)
    assert "at most" in refusal(state, version(2, *new, step())).message


# ---- preparation -------------------------------------------------------------------------


def test_a_frozen_preparation_is_submitted_once() -> None:
    state = review(Phase.PREPARING, since=NOW, employee_prepared=True)
    with pytest.raises(rules.WrongPhase, match="already submitted"):
        check.preparation(state, SubmitPreparation(Actor(EMPLOYEE.id), digest="d"))
    check.preparation(state, SubmitPreparation(Actor(MANAGER.id), digest="d"))


# ---- sign-off ----------------------------------------------------------------------------


def awaiting_signoff() -> ReviewState:
    return review(Phase.AWAITING_SIGNOFF, since=NOW, summary_version=1)


@pytest.mark.parametrize("decision", [Decision.DISAGREE, Decision.DECLINE])
def test_disagreeing_or_declining_needs_a_comment(decision: Decision) -> None:
    cmd = SignOff(Actor(EMPLOYEE.id), decision=decision)
    with pytest.raises(rules.Refusal, match="write a comment") as e:
        check.sign_off(awaiting_signoff(), cmd)
    assert e.value.rule == "comment"
    check.sign_off(awaiting_signoff(), SignOff(Actor(EMPLOYEE.id), decision, has_comment=True))


def test_approving_needs_no_comment() -> None:
    check.sign_off(awaiting_signoff(), SignOff(Actor(EMPLOYEE.id), Decision.APPROVE))


def test_only_the_employee_signs() -> None:
    with pytest.raises(rules.WrongActor):
        check.sign_off(awaiting_signoff(), SignOff(BY_MANAGER, Decision.APPROVE))
