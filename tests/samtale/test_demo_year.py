"""`samtale demo-year`, the README's way to watch a whole year: it must reach the last action."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from samtale.demo_year import run_demo_year

THE_YEAR = [
    "schedule_reminder",
    "scheduling_escalation",
    "invitation",
    "prep_reminder",
    "day_before",
    "summary_reminder",
    "signoff_request",
    "action_due_soon",
    "action_overdue",
]


async def test_the_demo_year_completes_and_keeps_every_email_of_the_review(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    assert await run_demo_year(mail) == "completed"
    kept = [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted(mail.glob("*.eml"))
    ]
    review_kinds = [str(m["X-Samtale-Kind"]) for m in kept if "e-1" in str(m["X-Samtale-Key"])]
    assert sorted(set(review_kinds), key=review_kinds.index) == THE_YEAR
    assert (mail / "index.html").exists()
