"""The funnel table HR reads in a terminal."""

from __future__ import annotations

from samtale.hr_cli import PHASE_LABELS, render_funnel


def counts(total: int, scheduling: int, overdue: int = 0) -> dict:
    phases = dict.fromkeys(PHASE_LABELS, 0) | {
        "scheduling": scheduling,
        "completed": total - scheduling,
    }
    return {
        "total": total,
        "phases": phases,
        "slipping": {
            "unscheduled_past_deadline": 0,
            "summaries_missing": 0,
            "actions_overdue": overdue,
        },
    }


def test_the_funnel_table_shows_overall_then_units_as_a_tree() -> None:
    body = {
        "id": "2027",
        "name": "Medarbeidersamtaler 2027",
        "window_start": "2027-02-01",
        "window_end": "2027-03-31",
        "status": "running",
        "overall": counts(10, 4, overdue=2),
        "units": [
            {"unit": "Konsern", "parent": None, **counts(10, 4, overdue=2)},
            {"unit": "Salg", "parent": "Konsern", **counts(6, 1, overdue=2)},
            {"unit": "Salg Vest", "parent": "Salg", **counts(3, 1)},
        ],
    }
    lines = render_funnel(body, depth=1).splitlines()
    assert lines[0] == "Medarbeidersamtaler 2027 (2027), 2027-02-01 – 2027-03-31, running"
    assert [line.split()[0] for line in lines[2:]] == ["unit", "overall", "Konsern", "Salg"]
    salg = lines[-1].split()
    assert (salg[1], salg[2], salg[-1]) == ("6", "1", "2")
    assert "Salg Vest" in render_funnel(body, depth=2)
