"""The conversation through the API: prepare blind, then see what the other shared; a
summary per template section that answers every flagged HMS item; the employee's comment
and decision; a signed version never changes, a correction is signed again."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api import commands
from store import conversation as texts
from store.digests import digest_for, managers_with_news
from store.models import Preparation
from store.progress import slipping_by_manager
from store.readmodel import write_answer_then
from tests.api.commanding import start_reviews
from tests.api.conversation_walk import Walk, walk
from tests.api.test_conversation_history import decoded_payloads
from tests.factories import EMPLOYEE, HR, MANAGER
from workflows.contracts import Actor, Cancel, Policy, SignOff, SubmitSummary
from workflows.review import ReviewWorkflow

__all__ = ["walk"]
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

WORKLOAD = {"value": "Evening deadlines every week.", "shared": True, "needs_follow_up": True}


async def prepared_and_held(walk: Walk, *, feedback: bool = False) -> None:
    start = await walk.scheduled()
    await walk.prepare(
        EMPLOYEE.id,
        {"ps_workload": WORKLOAD, "mgr_keep": {"value": "Clear priorities.", "shared": True}},
        feedback_in_summary=feedback,
    )
    await walk.prepare(MANAGER.id, {"tasks": {"value": "A strong year.", "shared": True}})
    await walk.submit(EMPLOYEE.id)
    await walk.submit(MANAGER.id)
    await walk.held(start)


async def summary(walk: Walk, **extra: object) -> dict[str, object]:
    due = str(await walk.today() + timedelta(days=30))
    return {
        "sections": {"summary": "We agreed to move the evening deadlines."},
        "actions": [
            {"title": "Move deadlines", "owner_id": MANAGER.id, "due": due, "kind": "goal"}
        ],
        "hms": [{"item_key": "ps_workload", "action": 1}],
        **extra,
    }


async def test_a_draft_is_kept_in_the_database_and_never_reaches_the_workflow(
    walk: Walk,
) -> None:
    await walk.scheduled()
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "First draft"}})
    mine = await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "Second draft"}})
    assert mine["mine"]["answers"]["tasks"]["value"] == "Second draft"
    assert mine["mine"]["submitted_at"] is None
    assert await walk.updates() == ["schedule", "accept"]
    assert [p for p in decoded_payloads(await walk.history_json()) if "draft" in p] == []


async def test_neither_side_sees_the_other_until_both_have_submitted(walk: Walk) -> None:
    await walk.scheduled()
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "Shared words", "shared": True}})
    await walk.prepare(MANAGER.id, {"tasks": {"value": "Manager's words", "shared": True}})
    await walk.submit(EMPLOYEE.id)
    seen = await walk.ok(await walk.get("/preparation", EMPLOYEE.id))
    assert (seen["other_submitted"], seen["other"]) == (False, None)
    seen = await walk.ok(await walk.get("/preparation", MANAGER.id))
    assert (seen["other_submitted"], seen["other"]) == (True, None)
    await walk.submit(MANAGER.id)
    seen = await walk.ok(await walk.get("/preparation", MANAGER.id))
    assert seen["other"]["answers"]["tasks"]["value"] == "Shared words"


async def test_an_unshared_answer_stays_its_authors_after_both_submitted(walk: Walk) -> None:
    await walk.scheduled()
    await walk.prepare(
        EMPLOYEE.id,
        {"tasks": {"value": "for both", "shared": True}, "career_wishes": {"value": "mine"}},
    )
    await walk.submit(EMPLOYEE.id)
    await walk.submit(MANAGER.id)
    theirs = (await walk.ok(await walk.get("/preparation", MANAGER.id)))["other"]
    assert list(theirs["answers"]) == ["tasks"]
    mine = (await walk.ok(await walk.get("/preparation", EMPLOYEE.id)))["mine"]
    assert mine["answers"]["career_wishes"]["value"] == "mine"


async def test_answers_that_do_not_fit_the_template_are_refused_each_named(walk: Walk) -> None:
    await walk.scheduled()
    r = await walk.put(
        "/preparation",
        EMPLOYEE.id,
        {
            "answers": {
                "no_such_item": {"value": "x"},
                "tasks": {"value": 7},
                "career_wishes": {"value": "x", "needs_follow_up": True},
            }
        },
    )
    assert r.status_code == 422, r.text
    assert [p.split(":")[0] for p in r.json()["problems"]] == [
        "answers.no_such_item",
        "answers.tasks",
        "answers.career_wishes",
    ]
    assert (await walk.ok(await walk.get("/preparation", EMPLOYEE.id)))["mine"]["answers"] == {}


async def test_a_submitted_preparation_no_longer_changes(walk: Walk) -> None:
    await walk.scheduled()
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "final"}})
    await walk.submit(EMPLOYEE.id)
    r = await walk.put("/preparation", EMPLOYEE.id, {"answers": {"tasks": {"value": "later"}}})
    assert (r.status_code, r.json()["rule"]) == (409, "phase")
    r = await walk.post("/preparation/submit", EMPLOYEE.id)
    assert r.status_code == 409, r.text


async def stored_preparation(walk: Walk, author_id: str) -> Preparation:
    async with walk.stack.sessions() as session:
        p = await session.get(Preparation, (walk.review_id, author_id))
    assert p is not None
    return p


async def the_workflows_digest(walk: Walk) -> str:
    state = await walk.env.client.get_workflow_handle(walk.review_id).query(ReviewWorkflow.state)
    return state.employee_prep_digest


async def test_the_kept_preparation_is_exactly_what_the_workflow_has_the_digest_of(
    walk: Walk,
) -> None:
    await walk.scheduled()
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "mine", "shared": True}})
    await walk.submit(EMPLOYEE.id)
    p = await stored_preparation(walk, EMPLOYEE.id)
    assert p.salt and texts.digest(texts.content_of(p), p.salt) == await the_workflows_digest(walk)


def the_database_fails_once_submitted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow accepts the preparation; the write that says so then fails."""

    async def down(*_: object, **__: object) -> None:
        raise OperationalError("UPDATE preparations", {}, Exception("database down"))

    monkeypatch.setattr(texts, "mark_submitted", down)


async def test_a_preparation_accepted_while_the_database_fails_is_frozen_and_a_retry_finishes_it(
    walk: Walk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await walk.scheduled()
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "first", "shared": True}})
    with monkeypatch.context() as m:
        the_database_fails_once_submitted(m)
        r = await walk.post("/preparation/submit", EMPLOYEE.id)
        assert (r.status_code, r.json()["accepted"]) == (503, True), r.text
    edit = await walk.put("/preparation", EMPLOYEE.id, {"answers": {"tasks": {"value": "x"}}})
    assert (edit.status_code, edit.json()["rule"]) == (409, "submitted")
    again = await walk.post("/preparation/submit", EMPLOYEE.id)  # a retry without its key
    assert (again.status_code, again.json()["rule"]) == (409, "submitted")
    p = await stored_preparation(walk, EMPLOYEE.id)
    assert p.submitted_at is not None and texts.answers_of(p)["tasks"]["value"] == "first"
    assert p.salt and texts.digest(texts.content_of(p), p.salt) == await the_workflows_digest(walk)


async def test_a_retry_with_its_key_freezes_what_the_first_attempt_digested(
    walk: Walk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await walk.scheduled()
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "first", "shared": True}})
    key = walk.as_(EMPLOYEE.id) | {"Idempotency-Key": "prep-attempt-1"}
    with monkeypatch.context() as m:
        the_database_fails_once_submitted(m)
        r = await walk.api.post(walk.url("/preparation/submit"), headers=key)
        assert r.status_code == 503, r.text
    edit = await walk.put("/preparation", EMPLOYEE.id, {"answers": {"tasks": {"value": "x"}}})
    assert edit.status_code == 409
    r = await walk.api.post(walk.url("/preparation/submit"), headers=key)
    assert r.status_code == 200, r.text
    p = await stored_preparation(walk, EMPLOYEE.id)
    assert texts.answers_of(p)["tasks"]["value"] == "first"
    assert p.salt and texts.digest(texts.content_of(p), p.salt) == await the_workflows_digest(walk)


async def test_a_preparation_the_workflow_refuses_stays_a_draft(walk: Walk) -> None:
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "early"}})  # still scheduling
    r = await walk.post("/preparation/submit", EMPLOYEE.id)
    assert r.status_code == 409, r.text
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "edited"}})
    assert (await stored_preparation(walk, EMPLOYEE.id)).digest is None


async def test_a_summary_accepted_while_the_database_fails_is_the_version_kept(
    walk: Walk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await prepared_and_held(walk)
    key = walk.as_(MANAGER.id) | {"Idempotency-Key": "summary-attempt-1"}

    async def down(*_: object, **__: object) -> None:
        raise OperationalError("UPDATE action_items", {}, Exception("database down"))

    with monkeypatch.context() as m:
        m.setattr(texts, "reached", down)
        r = await walk.api.put(walk.url("/summary"), headers=key, json=await summary(walk))
        assert (r.status_code, r.json()["accepted"]) == (503, True), r.text
    r = await walk.api.put(walk.url("/summary"), headers=key, json=await summary(walk))
    assert r.status_code == 200, r.text
    assert [a["title"] for a in r.json()["actions"]] == ["Move deadlines"]
    async with walk.stack.sessions() as session:
        row = await texts.version_row(session, walk.review_id, 1)
    state = await walk.env.client.get_workflow_handle(walk.review_id).query(ReviewWorkflow.state)
    assert row is not None and (state.summary_version, state.summary_digest) == (1, row.digest)
    assert texts.digest(texts.stored_content(row), row.salt) == row.digest


async def test_submitting_tells_the_workflow_the_flagged_hms_categories(walk: Walk) -> None:
    await walk.scheduled()
    await walk.prepare(EMPLOYEE.id, {"ps_workload": WORKLOAD})
    review = await walk.submit(EMPLOYEE.id)
    assert review["employee_prepared"] is True
    assert (await walk.ok(await walk.get("", HR.id)))["hms_categories"] == ["workload"]


async def test_a_flagged_hms_item_needs_an_action_or_a_reason_before_sign_off(walk: Walk) -> None:
    await prepared_and_held(walk)
    r = await walk.summarise(await summary(walk, hms=[]))
    assert (r.status_code, r.json()["rule"], r.json()["items"]) == (422, "R7", ["ps_workload"])
    r = await walk.summarise(await summary(walk, hms=[{"item_key": "ps_workload"}]))
    assert r.status_code == 422 and "say why" in r.json()["message"], r.text
    no_action = [{"item_key": "ps_workload", "reason": "Deadlines end in May."}]
    review = await walk.ok(await walk.summarise(await summary(walk, hms=no_action)))
    assert (review["phase"], review["summary_version"]) == ("awaiting_signoff", 1)


async def test_the_summary_holds_its_sections_actions_and_hms_answers(walk: Walk) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    s = await walk.ok(await walk.get("/summary", EMPLOYEE.id))
    (v,) = s["versions"]
    assert v["sections"] == {"summary": "We agreed to move the evening deadlines."}
    assert [(a["number"], a["title"], a["kind"]) for a in v["actions"]] == [
        (1, "Move deadlines", "goal")
    ]
    assert v["hms"] == [
        {"item_key": "ps_workload", "category": "workload", "action": 1, "reason": None}
    ]


async def test_feedback_to_the_manager_is_in_the_summary_only_if_the_employee_ticked_it(
    walk: Walk,
) -> None:
    await prepared_and_held(walk, feedback=False)
    body = await summary(walk)
    body["sections"] = {"summary": "ok", "leadership": "Keep the clear priorities."}
    r = await walk.summarise(body)
    assert r.status_code == 422 and "ticked" in r.json()["message"], r.text


async def test_feedback_the_employee_ticked_goes_into_the_summary(walk: Walk) -> None:
    await prepared_and_held(walk, feedback=True)
    body = await summary(walk)
    body["sections"] = {"summary": "ok", "leadership": "Keep the clear priorities."}
    await walk.ok(await walk.summarise(body))


async def test_the_employee_comments_and_the_manager_cannot_edit_it(walk: Walk) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    s = await walk.ok(await walk.post("/comment", EMPLOYEE.id, {"comment": "Mostly agree."}))
    assert s["versions"][0]["comment"] == "Mostly agree."
    r = await walk.post("/comment", MANAGER.id, {"comment": "Fully agree."})
    assert r.status_code == 403, r.text
    s = await walk.ok(await walk.get("/summary", MANAGER.id))
    assert s["versions"][0]["comment"] == "Mostly agree."


@pytest.mark.parametrize("decision", ["disagree", "decline"])
async def test_disagreeing_or_declining_needs_a_comment(walk: Walk, decision: str) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    r = await walk.sign(EMPLOYEE.id, {"decision": decision})
    assert (r.status_code, r.json()["rule"]) == (422, "comment"), r.text


async def test_declining_closes_the_review_unsigned_with_the_comment(walk: Walk) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    body = {"decision": "decline", "comment": "The summary leaves out the reorganisation."}
    review = await walk.ok(await walk.sign(EMPLOYEE.id, body))
    assert (review["phase"], review["decision"], review["signed_off_at"]) == (
        "closed_unsigned",
        "decline",
        None,
    )
    (v,) = (await walk.ok(await walk.get("/summary", MANAGER.id)))["versions"]
    assert (v["decision"], v["comment"]) == ("decline", body["comment"])
    # The cycle is not blocked: the review counts as ended, under its own phase.
    cycle = await walk.ok(
        await walk.api.get(f"/cycles/{review['cycle_id']}", headers=walk.as_(HR.id))
    )
    assert cycle["overall"]["phases"]["closed_unsigned"] == 1
    assert cycle["overall"]["phases"]["awaiting_signoff"] == 0


async def test_a_declined_reviews_actions_are_neither_open_nor_overdue_anywhere(
    walk: Walk,
) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    body = {"decision": "decline", "comment": "No."}
    review = await walk.ok(await walk.sign(EMPLOYEE.id, body))
    await walk.env.sleep(timedelta(days=32))  # past the action's due day
    today = await walk.today()
    for status in ("open", "overdue"):
        r = await walk.api.get(f"/actions?status={status}", headers=walk.as_(MANAGER.id))
        assert (await walk.ok(r))["total"] == 0, status
    seen = await walk.ok(await walk.get("", MANAGER.id))
    assert (seen["action_counts"]["overdue"], seen["actions"][0]["overdue"]) == (0, False)
    cycle = await walk.ok(
        await walk.api.get(f"/cycles/{review['cycle_id']}", headers=walk.as_(HR.id))
    )
    assert cycle["overall"]["slipping"].get("actions_overdue", 0) == 0
    async with walk.stack.sessions() as session:
        assert await managers_with_news(session, after="", limit=10) == []
        mine = await digest_for(session, MANAGER.id, today)
        assert mine is not None and (mine.open, mine.overdue) == ([], [])
        cut = Policy()
        assert await slipping_by_manager(session, review["cycle_id"], today=today, policy=cut) == []


async def test_a_summary_with_every_section_blank_and_no_action_is_refused(walk: Walk) -> None:
    start = await walk.scheduled()
    await walk.submit(EMPLOYEE.id)
    await walk.submit(MANAGER.id)
    await walk.held(start)
    r = await walk.summarise({"sections": {"summary": "   "}})
    assert (r.status_code, r.json()["rule"]) == (422, "R8"), r.text
    review = await walk.ok(await walk.get("", MANAGER.id))
    assert (review["phase"], review["summary_version"]) == ("awaiting_summary", 0)


async def test_a_blank_comment_is_no_comment_to_decline_with(walk: Walk) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    r = await walk.sign(EMPLOYEE.id, {"decision": "decline", "comment": "   "})
    assert r.status_code == 422, r.text
    assert (await walk.post("/comment", EMPLOYEE.id, {"comment": " \n "})).status_code == 422
    review = await walk.ok(await walk.get("", EMPLOYEE.id))
    assert review["phase"] == "awaiting_signoff"


async def test_a_comment_sent_while_the_sign_off_is_on_its_way_is_refused(
    walk: Walk, monkeypatch: pytest.MonkeyPatch
) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    await walk.ok(await walk.post("/comment", EMPLOYEE.id, {"comment": "Signed as it was."}))
    meanwhile: list[int] = []
    real = commands._update

    async def comment_first(*args: Any, **kwargs: Any) -> Any:
        late = await walk.post("/comment", EMPLOYEE.id, {"comment": "Changed after signing"})
        meanwhile.append(late.status_code)
        return await real(*args, **kwargs)

    monkeypatch.setattr(commands, "_update", comment_first)
    await walk.ok(await walk.sign(EMPLOYEE.id, {"decision": "disagree"}))
    assert meanwhile == [409]
    (v,) = (await walk.ok(await walk.get("/summary", EMPLOYEE.id)))["versions"]
    assert (v["decision"], v["comment"]) == ("disagree", "Signed as it was.")


async def test_a_sign_off_the_workflow_refuses_leaves_the_version_undecided(walk: Walk) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    h = walk.env.client.get_workflow_handle(walk.review_id)
    await h.execute_update(  # the review moves on behind the read model's back
        ReviewWorkflow.cancel, Cancel(Actor(HR.id, is_hr=True), "Kari has left")
    )
    r = await walk.sign(EMPLOYEE.id, {"decision": "disagree", "comment": "Mine", "version": 1})
    assert r.status_code == 409, r.text
    async with walk.stack.sessions() as session:
        row = await texts.version_row(session, walk.review_id, 1)
    assert row is not None and (row.decision, row.decided_at, row.comment) == (None, None, None)


async def test_signing_with_disagreement_signs_and_keeps_the_comment(walk: Walk) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    body = {"decision": "disagree", "comment": "I see the workload differently."}
    review = await walk.ok(await walk.sign(EMPLOYEE.id, body))
    assert (review["phase"], review["decision"]) == ("follow_up", "disagree")
    s = await walk.ok(await walk.get("/summary", EMPLOYEE.id))
    assert (s["signed_version"], s["versions"][0]["comment"]) == (1, body["comment"])


async def test_a_correction_after_signing_is_a_new_version_signed_again(walk: Walk) -> None:
    await prepared_and_held(walk)
    first_body = await summary(walk)
    due = first_body["actions"][0]["due"]  # type: ignore[index]
    mentor = {"title": "Find a mentor", "owner_id": EMPLOYEE.id, "due": due}
    first_body["actions"].append(mentor)  # type: ignore[attr-defined]
    await walk.ok(await walk.summarise(first_body))
    await walk.ok(await walk.sign(EMPLOYEE.id, {"decision": "approve"}))
    await walk.ok(await walk.post("/actions/1/complete", MANAGER.id))
    later = {"title": "Check in after May", "owner_id": EMPLOYEE.id, "due": due}
    corrected = {
        "sections": {"summary": "Corrected: the deadlines move from May."},
        "actions": [{**mentor, "number": 2, "kind": "development"}, later],
        "hms": [{"item_key": "ps_workload", "action": 2}],
    }
    review = await walk.ok(await walk.summarise(corrected))
    assert (review["phase"], review["summary_version"]) == ("awaiting_signoff", 2)
    first, second = (await walk.ok(await walk.get("/summary", EMPLOYEE.id)))["versions"]
    assert (first["decision"], first["sections"]["summary"]) == (
        "approve",
        "We agreed to move the evening deadlines.",
    )
    assert second["decision"] is None
    assert [(a["number"], a["kind"]) for a in second["actions"]] == [
        (2, "development"),
        (3, "other"),
    ]
    assert second["hms"][0]["action"] == 3
    done = [a["done_at"] is not None for a in review["actions"]]
    assert done == [True, False, False]  # an action done stays done
    review = await walk.ok(await walk.sign(EMPLOYEE.id, {"decision": "approve"}))
    assert review["phase"] == "follow_up"
    assert (await walk.ok(await walk.get("/summary", EMPLOYEE.id)))["signed_version"] == 2


async def test_signing_a_version_the_manager_has_since_replaced_is_refused_to_reload(
    walk: Walk,
) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    body = await summary(walk)
    body["sections"] = {"summary": "Changed after you read it."}
    await walk.ok(await walk.summarise(body))
    r = await walk.sign(EMPLOYEE.id, {"decision": "approve", "version": 1})
    assert (r.status_code, r.json()["rule"]) == (409, "version")
    assert "reload" in r.json()["message"]
    review = await walk.ok(await walk.sign(EMPLOYEE.id, {"decision": "approve", "version": 2}))
    assert review["phase"] == "follow_up"


async def test_the_workflow_refuses_a_sign_off_of_another_version_than_its_own(
    walk: Walk,
) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    h = walk.env.client.get_workflow_handle(walk.review_id)
    stale = SignOff(Actor(EMPLOYEE.id), version=1, digest="not the digest of version 1")
    with pytest.raises(WorkflowUpdateFailedError) as e:
        await h.execute_update(ReviewWorkflow.sign_off, stale)
    assert isinstance(e.value.cause, ApplicationError)
    assert e.value.cause.type == "WrongPhase"
    assert "reload" in str(e.value.cause)


async def a_summary_from_before_versions(walk: Walk) -> None:
    """A review summarised the old way (one text, version 0), awaiting the employee."""
    start = await walk.scheduled()
    await walk.submit(EMPLOYEE.id)
    await walk.submit(MANAGER.id)
    await walk.held(start)
    h = walk.env.client.get_workflow_handle(walk.review_id)
    old = SubmitSummary(Actor(MANAGER.id), summary="One text, as summaries were")
    answer = await h.execute_update(ReviewWorkflow.submit_summary, old)
    await write_answer_then(walk.stack.sessions, answer, lambda _: asyncio.sleep(0))


async def test_a_summary_from_before_versions_takes_the_employees_comment(walk: Walk) -> None:
    await a_summary_from_before_versions(walk)
    await walk.ok(await walk.post("/comment", EMPLOYEE.id, {"comment": "I disagree strongly"}))
    (v0,) = (await walk.ok(await walk.get("/summary", EMPLOYEE.id)))["versions"]
    assert (v0["version"], v0["sections"], v0["comment"]) == (
        0,
        {"summary": "One text, as summaries were"},
        "I disagree strongly",
    )


async def test_declining_a_summary_from_before_versions_keeps_the_comment(walk: Walk) -> None:
    await a_summary_from_before_versions(walk)
    body = {"decision": "decline", "comment": "I disagree strongly", "version": 0}
    review = await walk.ok(await walk.sign(EMPLOYEE.id, body))
    assert review["phase"] == "closed_unsigned"
    (v0,) = (await walk.ok(await walk.get("/summary", EMPLOYEE.id)))["versions"]
    assert (v0["decision"], v0["comment"]) == ("decline", "I disagree strongly")


async def test_declining_a_correction_leaves_the_signed_version_standing(walk: Walk) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    await walk.ok(await walk.sign(EMPLOYEE.id, {"decision": "approve"}))
    corrected = await summary(walk)
    corrected["sections"] = {"summary": "A correction Kari does not accept."}
    corrected["actions"] = [{**corrected["actions"][0], "number": 1}]  # type: ignore[index]
    await walk.ok(await walk.summarise(corrected))
    body = {"decision": "decline", "comment": "The first version was right."}
    review = await walk.ok(await walk.sign(EMPLOYEE.id, body))
    assert (review["phase"], review["ended_at"]) == ("follow_up", None)
    s = await walk.ok(await walk.get("/summary", EMPLOYEE.id))
    assert (s["signed_version"], [v["decision"] for v in s["versions"]]) == (
        1,
        ["approve", "decline"],
    )
    done = await walk.ok(await walk.post("/actions/1/complete", MANAGER.id))
    assert done["phase"] == "completed"


async def test_the_next_preparation_shows_last_cycles_actions_and_their_status(
    walk: Walk,
) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    await walk.ok(await walk.sign(EMPLOYEE.id, {"decision": "approve"}))
    (next_review,) = await start_reviews(walk.stack, [EMPLOYEE.id])
    for who in (EMPLOYEE.id, MANAGER.id):
        r = await walk.api.get(f"/reviews/{next_review}/preparation", headers=walk.as_(who))
        carried = (await walk.ok(r))["carry_over"]
        assert [(a["review_id"], a["title"], a["status"]) for a in carried] == [
            (walk.review_id, "Move deadlines", "open")
        ]


async def test_a_loft_preparation_takes_scales_and_their_follow_up_questions(walk: Walk) -> None:
    (loft,) = await start_reviews(walk.stack, [EMPLOYEE.id], template="loft")
    walk.review_id = loft
    await walk.scheduled()
    bad = await walk.put("/preparation", EMPLOYEE.id, {"answers": {"scale_tasks": {"value": 11}}})
    assert bad.status_code == 422 and "1 to 10" in bad.text, bad.text
    mine = await walk.prepare(
        EMPLOYEE.id,
        {
            "scale_tasks": {
                "value": 7,
                "shared": True,
                "follow_up": ["I finish what I start.", "Fewer interruptions."],
            },
            "next_step": {"value": "Block two mornings a week.", "shared": True},
        },
    )
    assert mine["template_key"] == "loft"
    assert mine["mine"]["answers"]["scale_tasks"]["follow_up"][1] == "Fewer interruptions."
    await walk.submit(EMPLOYEE.id)
    await walk.submit(MANAGER.id)
    theirs = (await walk.ok(await walk.get("/preparation", MANAGER.id)))["other"]["answers"]
    assert theirs["scale_tasks"]["value"] == 7


async def test_a_summary_retried_with_its_idempotency_key_is_one_version(walk: Walk) -> None:
    await prepared_and_held(walk)
    body = await summary(walk)
    headers = walk.as_(MANAGER.id) | {"Idempotency-Key": "summary-attempt-1"}
    answers = [await walk.api.put(walk.url("/summary"), headers=headers, json=body) for _ in "ab"]
    assert [(r.status_code, r.json()["summary_version"]) for r in answers] == [(200, 1)] * 2
    versions = (await walk.ok(await walk.get("/summary", EMPLOYEE.id)))["versions"]
    assert [v["version"] for v in versions] == [1]
    assert await walk.updates() == [
        "schedule",
        "accept",
        "submit_preparation",
        "submit_preparation",
        "record_outcome",
        "submit_summary",
    ]
