"""Who sees what (issue 10's table), as a matrix over every conversation endpoint, on SQLite
and PostgreSQL: the employee and the manager holding the review read the text; HR and the
manager's manager see status, dates, action counts and HMS categories, never text; another
employee learns nothing, not even that the review exists."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from store.models import Employee
from store.readmodel import write_answer_then
from tests.api.commanding import start_reviews
from tests.api.conversation_walk import COLLEAGUE, SKIP_LEVEL, Walk, walk
from tests.api.test_conversation import prepared_and_held, summary
from tests.factories import EMPLOYEE, HR, MANAGER, OTHER_MANAGER
from workflows.contracts import Actor, ChangeManager
from workflows.review import ReviewWorkflow

__all__ = ["walk"]

WHO = {
    "employee": EMPLOYEE.id,
    "manager": MANAGER.id,
    "hr": HR.id,
    "managers_manager": SKIP_LEVEL,
    "another_employee": COLLEAGUE,
}
PRIVATE = ["Kari's own note", "shared with Ola", "Ola's note", "Summary words", "Action title"]
PRIVATE += ["Kari's comment", "No action because", "Too much", "Loud"]


async def a_review_with_everything(walk: Walk) -> None:
    """Both prepared (shared and unshared answers, one HMS flag), held, summarised with an
    action and a no-action reason, and commented on: all there is to see."""
    start = await walk.scheduled()
    await walk.prepare(
        EMPLOYEE.id,
        {
            "career_wishes": {"value": "Kari's own note"},
            "tasks": {"value": "shared with Ola", "shared": True},
            "ps_workload": {"value": "Too much", "shared": True, "needs_follow_up": True},
            "ph_noise": {"value": "Loud", "needs_follow_up": True},
        },
    )
    await walk.prepare(MANAGER.id, {"tasks": {"value": "Ola's note", "shared": True}})
    await walk.submit(EMPLOYEE.id)
    await walk.submit(MANAGER.id)
    await walk.held(start)
    due = str(await walk.today() + timedelta(days=30))
    await walk.ok(
        await walk.summarise(
            {
                "sections": {"summary": "Summary words"},
                "actions": [
                    {
                        "title": "Action title",
                        "owner_id": MANAGER.id,
                        "due": due,
                        "kind": "tilrettelegging",
                    }
                ],
                "hms": [
                    {"item_key": "ps_workload", "action": 1},
                    {"item_key": "ph_noise", "reason": "No action because it is fixed"},
                ],
            }
        )
    )
    await walk.ok(await walk.post("/comment", EMPLOYEE.id, {"comment": "Kari's comment"}))


async def test_who_sees_what(walk: Walk) -> None:
    await a_review_with_everything(walk)
    reads = {
        role: {
            "own prep": (await walk.get("/preparation", who)).status_code,
            "summary + comment": (await walk.get("/summary", who)).status_code,
            "status": (await walk.get("", who)).status_code,
        }
        for role, who in WHO.items()
    }
    assert reads == {
        "employee": {"own prep": 200, "summary + comment": 200, "status": 200},
        "manager": {"own prep": 200, "summary + comment": 200, "status": 200},
        "hr": {"own prep": 403, "summary + comment": 403, "status": 200},
        "managers_manager": {"own prep": 403, "summary + comment": 403, "status": 200},
        "another_employee": {"own prep": 404, "summary + comment": 404, "status": 404},
    }


async def test_each_side_reads_its_own_and_the_others_shared_answers(walk: Walk) -> None:
    await a_review_with_everything(walk)
    kari = await walk.ok(await walk.get("/preparation", EMPLOYEE.id))
    ola = await walk.ok(await walk.get("/preparation", MANAGER.id))
    assert kari["mine"]["answers"]["career_wishes"]["value"] == "Kari's own note"
    assert {k: a["value"] for k, a in kari["other"]["answers"].items()} == {"tasks": "Ola's note"}
    assert {k: a["value"] for k, a in ola["other"]["answers"].items()} == {
        "tasks": "shared with Ola",
        "ps_workload": "Too much",
    }
    for who in (EMPLOYEE.id, MANAGER.id):
        summary = await walk.ok(await walk.get("/summary", who))
        assert summary["versions"][0]["comment"] == "Kari's comment"
    manager_view = await walk.ok(await walk.get("/summary", MANAGER.id))
    assert manager_view["versions"][0]["sections"] == {"summary": "Summary words"}


async def test_hr_and_the_managers_manager_see_facts_and_no_text(walk: Walk) -> None:
    await a_review_with_everything(walk)
    for who in (HR.id, SKIP_LEVEL):
        r = await walk.get("", who)
        review = await walk.ok(r)
        assert [p for p in PRIVATE if p in r.text] == [], who
        assert (review["phase"], review["summary_version"]) == ("awaiting_signoff", 1)
        assert review["hms_categories"] == ["noise", "workload"]
        counts = review["action_counts"]
        assert (counts["total"], counts["by_kind"]) == (1, {"tilrettelegging": 1})
        assert [a["title"] for a in review["actions"]] == [None]
        assert review["meeting"]["start"] and review["phase_since"]
    participant = await walk.get("", MANAGER.id)
    assert [a["title"] for a in participant.json()["actions"]] == ["Action title"]


async def test_nobody_outside_the_review_writes_to_its_conversation(walk: Walk) -> None:
    await a_review_with_everything(walk)
    before = await walk.ok(await walk.get("/summary", MANAGER.id))
    writes: dict[str, tuple[str, str, object]] = {
        "save prep": ("put", "/preparation", {"answers": {}}),
        "submit prep": ("post", "/preparation/submit", None),
        "summary": ("put", "/summary", {"sections": {"summary": "x"}}),
        "comment": ("post", "/comment", {"comment": "x"}),
        "signoff": ("post", "/signoff", {"decision": "approve", "version": 1}),
    }

    async def status(method: str, path: str, body: object, who: str) -> int:
        if method == "put":
            return (await walk.put(path, who, body)).status_code
        return (await walk.post(path, who, body)).status_code

    seen = {
        role: {what: await status(*how, WHO[role]) for what, how in writes.items()}
        for role in ("hr", "managers_manager", "another_employee")
    }
    assert seen == {
        "hr": dict.fromkeys(writes, 403),
        "managers_manager": dict.fromkeys(writes, 403),
        "another_employee": dict.fromkeys(writes, 404),
    }
    # Within the review each writes only their own part.
    assert (await status("put", "/summary", {"sections": {}}, EMPLOYEE.id)) == 403
    assert (await status("post", "/comment", {"comment": "x"}, MANAGER.id)) == 403
    assert (
        await status("post", "/signoff", {"decision": "approve", "version": 1}, MANAGER.id)
    ) == 403
    assert await walk.ok(await walk.get("/summary", MANAGER.id)) == before


async def test_hms_categories_reach_the_two_people_only_once_both_have_submitted(
    walk: Walk,
) -> None:
    await walk.scheduled()
    await walk.prepare(EMPLOYEE.id, {"ps_workload": {"value": "Too much", "needs_follow_up": True}})
    await walk.submit(EMPLOYEE.id)

    async def seen() -> dict[str, list[str]]:
        return {
            role: (await walk.ok(await walk.get("", WHO[role])))["hms_categories"]
            for role in ("employee", "manager", "hr", "managers_manager")
        }

    assert await seen() == {
        "employee": [],
        "manager": [],
        "hr": ["workload"],
        "managers_manager": ["workload"],
    }
    await walk.submit(MANAGER.id)
    assert await seen() == dict.fromkeys(
        ("employee", "manager", "hr", "managers_manager"), ["workload"]
    )


async def test_a_manager_who_took_over_sees_last_cycles_actions_without_their_titles(
    walk: Walk,
) -> None:
    await prepared_and_held(walk)
    await walk.ok(await walk.summarise(await summary(walk)))
    await walk.ok(await walk.sign(EMPLOYEE.id, {"decision": "approve"}))
    async with walk.stack.sessions.begin() as s:
        await s.execute(
            update(Employee).where(Employee.id == EMPLOYEE.id).values(manager_id=OTHER_MANAGER.id)
        )
    (next_review,) = await start_reviews(walk.stack, [EMPLOYEE.id])

    async def carried(who: str) -> list[tuple[int, str | None, str]]:
        r = await walk.api.get(f"/reviews/{next_review}/preparation", headers=walk.as_(who))
        return [(a["number"], a["title"], a["status"]) for a in (await walk.ok(r))["carry_over"]]

    assert await carried(EMPLOYEE.id) == [(1, "Move deadlines", "open")]
    assert await carried(OTHER_MANAGER.id) == [(1, None, "open")]


async def test_no_text_in_the_action_lists_the_review_list_or_the_funnel_for_anyone(
    walk: Walk,
) -> None:
    await a_review_with_everything(walk)
    review = await walk.ok(await walk.get("", MANAGER.id))
    titles: dict[str, list[object]] = {}
    for role, who in WHO.items():
        seen = []
        for scope in ("team", "mine"):
            r = await walk.api.get(f"/actions?scope={scope}", headers=walk.as_(who))
            seen += [a["title"] for a in (await walk.ok(r))["items"]]
        titles[role] = seen
        listed = await walk.api.get("/reviews", headers=walk.as_(who))
        assert [p for p in PRIVATE if p in listed.text] == [], role
        funnel = await walk.api.get(f"/cycles/{review['cycle_id']}", headers=walk.as_(who))
        assert [p for p in PRIVATE if p in funnel.text] == [], role
    # The manager holds the review and owns its action; nobody else sees it in a list.
    assert titles == {
        "employee": [],
        "manager": ["Action title", "Action title"],
        "hr": [],
        "managers_manager": [],
        "another_employee": [],
    }


async def test_after_a_manager_change_the_new_manager_reads_and_the_old_one_learns_nothing(
    walk: Walk,
) -> None:
    await a_review_with_everything(walk)
    h = walk.env.client.get_workflow_handle(walk.review_id)
    change = ChangeManager(Actor(HR.id, is_hr=True), OTHER_MANAGER)
    answer = await h.execute_update(ReviewWorkflow.change_manager, change)
    await write_answer_then(walk.stack.sessions, answer, lambda _: asyncio.sleep(0))
    old = {p: (await walk.get(p, MANAGER.id)).status_code for p in ("", "/preparation", "/summary")}
    assert old == {"": 404, "/preparation": 404, "/summary": 404}
    r = await walk.api.get("/actions?scope=team", headers=walk.as_(MANAGER.id))
    assert (await walk.ok(r))["total"] == 0
    new = await walk.ok(await walk.get("/summary", OTHER_MANAGER.id))
    assert new["versions"][0]["comment"] == "Kari's comment"
    seen = await walk.ok(await walk.get("", OTHER_MANAGER.id))
    assert seen["hms_categories"] == ["noise", "workload"]


async def test_a_new_manager_before_the_meeting_prepares_and_the_employee_reads_theirs(
    walk: Walk,
) -> None:
    await walk.scheduled()
    await walk.prepare(MANAGER.id, {"tasks": {"value": "Ola's note", "shared": True}})
    await walk.submit(MANAGER.id)
    h = walk.env.client.get_workflow_handle(walk.review_id)
    change = ChangeManager(Actor(HR.id, is_hr=True), OTHER_MANAGER)
    answer = await h.execute_update(ReviewWorkflow.change_manager, change)
    await write_answer_then(walk.stack.sessions, answer, lambda _: asyncio.sleep(0))
    await walk.prepare(EMPLOYEE.id, {"tasks": {"value": "shared with Ola", "shared": True}})
    await walk.submit(EMPLOYEE.id)
    await walk.prepare(OTHER_MANAGER.id, {"tasks": {"value": "The new manager's", "shared": True}})
    review = await walk.submit(OTHER_MANAGER.id)
    assert (review["employee_prepared"], review["manager_prepared"]) == (True, True)
    kari = await walk.ok(await walk.get("/preparation", EMPLOYEE.id))
    assert kari["other"]["author_id"] == OTHER_MANAGER.id
    assert kari["other"]["answers"]["tasks"]["value"] == "The new manager's"
