"""When an import waits for HR's confirmation: at the exact edge of the leaver share, and
for any open review it would cancel; a confirmation fits one preview only."""

from __future__ import annotations

import pytest

from org.import_guard import confirmation, reasons


@pytest.mark.parametrize(
    ("active", "leavers", "needs"),
    [(20, 2, False), (20, 3, True), (10, 1, False), (10, 2, True), (0, 0, False), (4, 0, False)],
)
def test_more_than_the_share_of_active_employees_leaving_needs_confirming(
    active: int, leavers: int, needs: bool
) -> None:
    got = reasons(active=active, leavers=leavers, cancels=0, max_leaver_share=0.10)
    assert bool(got) is needs


def test_the_reason_says_how_many_leave_of_how_many() -> None:
    assert reasons(active=20, leavers=3, cancels=0, max_leaver_share=0.10) == [
        "3 of 20 active employees (15%) would leave; more than 10% needs confirming"
    ]


def test_a_single_cancelled_review_needs_confirming_whatever_the_share() -> None:
    assert reasons(active=1000, leavers=1, cancels=1, max_leaver_share=0.10) == [
        "1 open review(s) would be cancelled"
    ]
    assert reasons(active=1000, leavers=1, cancels=0, max_leaver_share=0.10) == []


def test_a_share_of_zero_confirms_every_leaver_and_one_confirms_none() -> None:
    assert reasons(active=100, leavers=1, cancels=0, max_leaver_share=0.0)
    assert not reasons(active=100, leavers=100, cancels=0, max_leaver_share=1.0)


def test_a_confirmation_is_one_previews_own() -> None:
    preview = {"leavers": [{"id": "e1", "name": "Kari"}], "rows": 3}
    same = {"rows": 3, "leavers": [{"name": "Kari", "id": "e1"}]}
    assert confirmation(preview) == confirmation(same)
    assert confirmation(preview) != confirmation(preview | {"rows": 4})
    assert len(confirmation(preview)) == 64
