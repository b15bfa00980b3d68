"""No conversation text in a Temporal history, nor in any email: a review runs from the first
preparation to its last action with one sentinel sentence in every text field, and the
sentence is in no event of its full history (payloads decoded) and no message the sink got.
On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

from samtale.mailsink import MailSink
from tests.api.conversation_walk import Walk, walk
from tests.factories import EMPLOYEE, MANAGER
from tests.waiting import mail_arrived

__all__ = ["walk"]


def decoded_payloads(history_json: str) -> list[str]:
    """Every payload of the history, decoded (in the JSON they are base64)."""
    out: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if "data" in node and "metadata" in node and isinstance(node["data"], str):
                out.append(base64.b64decode(node["data"]).decode("utf-8", "replace"))
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(json.loads(history_json))
    return out


def mail_texts(sink: MailSink) -> list[str]:
    texts = []
    for m in sink.messages:
        texts.append(str(m["Subject"]))
        texts.extend(str(part.get_content()) for part in m.walk() if not part.is_multipart())
    return texts


async def test_no_conversation_text_reaches_the_history_or_an_email(walk: Walk) -> None:
    secret = f"SENTINEL-{uuid.uuid4().hex[:12]} wants a quieter desk"

    def text(field: str) -> str:
        return f"{secret} ({field})"

    start = await walk.scheduled()
    for who in (EMPLOYEE.id, MANAGER.id):
        await walk.prepare(
            who,
            {
                "tasks": {"value": text("shared answer"), "shared": True},
                "career_wishes": {"value": text("unshared answer")},
                "ps_workload": {"value": text("hms"), "shared": True, "needs_follow_up": True},
                "ph_noise": {"value": text("hms"), "needs_follow_up": True},
            },
            feedback_in_summary=who == EMPLOYEE.id,
        )
        await walk.submit(who)
    await walk.held(start)
    due = await walk.today() + timedelta(days=20)

    def action(field: str, owner: str, **extra: object) -> dict[str, object]:
        return {"title": text(field), "owner_id": owner, "due": str(due), **extra}

    await walk.ok(
        await walk.summarise(
            {
                "sections": {"summary": text("section"), "leadership": text("feedback")},
                "actions": [
                    action("title", EMPLOYEE.id, kind="development"),
                    action("title", MANAGER.id, kind="tilrettelegging"),
                ],
                "hms": [
                    {"item_key": "ps_workload", "action": 2},
                    {"item_key": "ph_noise", "reason": text("no-action reason")},
                ],
            }
        )
    )
    await walk.ok(await walk.post("/comment", EMPLOYEE.id, {"comment": text("comment")}))
    body = {"decision": "disagree", "comment": text("sign-off comment")}
    await walk.ok(await walk.sign(EMPLOYEE.id, body))
    await walk.ok(await walk.post("/actions/1/complete", EMPLOYEE.id))
    # A correction: new words for the second action, a third one, signed again.
    corrected = {
        "sections": {"summary": text("corrected section")},
        "actions": [
            action("corrected title", MANAGER.id, number=2),
            action("new title", EMPLOYEE.id),
        ],
        "hms": [
            {"item_key": "ps_workload", "action": 1},
            {"item_key": "ph_noise", "reason": text("corrected reason")},
        ],
    }
    await walk.ok(await walk.summarise(corrected))
    await walk.ok(await walk.sign(EMPLOYEE.id, {"decision": "approve"}))
    # Past the due date: the due-soon reminders and the overdue notices go out.
    await walk.env.sleep(timedelta(days=25))
    await mail_arrived(walk.sink, "action_overdue", 2)
    for n in (2, 3):
        review = await walk.ok(await walk.post(f"/actions/{n}/complete", MANAGER.id))
    assert review["phase"] == "completed"
    # The text is where it belongs: in the database, for the two of them.
    summary = await walk.ok(await walk.get("/summary", EMPLOYEE.id))
    assert secret in json.dumps(summary)

    raw = await walk.history_json()
    payloads = decoded_payloads(raw)
    assert any("Fjordrommet" in p for p in payloads)  # the search reads the payloads
    assert [p for p in payloads if secret in p] == []
    assert secret not in raw
    kinds = {str(m["X-Samtale-Kind"]) for m in walk.sink.messages}
    assert {"invitation", "signoff_request", "action_due_soon", "action_overdue"} <= kinds
    assert [t for t in mail_texts(walk.sink) if secret in t] == []


async def test_no_text_of_a_declined_review_reaches_the_history_or_an_email(walk: Walk) -> None:
    """The other way through: submitted on the deprecated path, declined with a comment."""
    secret = f"SENTINEL-{uuid.uuid4().hex[:12]} will not sign this"
    start = await walk.scheduled()
    for who in (EMPLOYEE.id, MANAGER.id):
        answers = {"ps_workload": {"value": secret, "shared": True, "needs_follow_up": True}}
        await walk.prepare(who, answers)
    await walk.ok(await walk.post("/preparation", EMPLOYEE.id))  # POST, as before drafts
    await walk.submit(MANAGER.id)
    await walk.held(start)
    due = str(await walk.today() + timedelta(days=20))
    await walk.ok(
        await walk.summarise(
            {
                "sections": {"summary": secret},
                "actions": [{"title": secret, "owner_id": EMPLOYEE.id, "due": due}],
                "hms": [{"item_key": "ps_workload", "reason": secret}],
            }
        )
    )
    body = {"decision": "decline", "comment": secret}
    review = await walk.ok(await walk.sign(EMPLOYEE.id, body))
    assert review["phase"] == "closed_unsigned"
    assert secret in json.dumps(await walk.ok(await walk.get("/summary", EMPLOYEE.id)))
    raw = await walk.history_json()
    assert [p for p in decoded_payloads(raw) if secret in p] == []
    await mail_arrived(walk.sink, "signoff_request")
    assert [t for t in mail_texts(walk.sink) if secret in t] == []
