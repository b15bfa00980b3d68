"""Sample data for previewing any template: what HR sees before a cycle goes out."""

from __future__ import annotations

from workflows.contracts import EmailKind

_MEETING = {
    "review_id": "review-2027-e-1",
    "employee_name": "Kari Hansen",
    "manager_name": "Ola Nordmann",
    "manager_email": "ola.nordmann@example.no",
    "meeting_start": "2027-02-15T09:00:00+00:00",
    "duration_minutes": "60",
    "location_kind": "meeting_room",
    "location_text": "Fjordrommet, 3. etasje",
    "sequence": "0",
}
_EXTRA: dict[EmailKind, dict[str, str]] = {
    EmailKind.CANCELLATION: {"reason": "Kari har sluttet / Kari has left"},
    EmailKind.ACTION_DUE_SOON: {"action_due": "2027-04-30"},
    EmailKind.ACTION_OVERDUE: {"action_due": "2027-04-30"},
    EmailKind.KICKOFF: {
        "cycle": "Medarbeidersamtaler 2027",
        "count": "3",
        "window_end": "2027-03-31",
        "reviews_list": "Kari Hansen\nJonas Berg\nIngrid Lie",
    },
    EmailKind.MANAGER_DIGEST: {
        "to_schedule_list": "Jonas Berg",
        "overdue_list": "Kari Hansen, 2027-04-30",
        "open_list": "Ola Nordmann, 2027-06-01",
    },
    EmailKind.HR_DIGEST: {
        "cycle": "Medarbeidersamtaler 2027",
        "unscheduled": "12",
        "summaries_missing": "4",
        "actions_overdue": "9",
        "slipping_list": "Ola Nordmann: 5\nSarah Mitchell: 3",
    },
    EmailKind.REVIEW_CANCELLED: {"reason": "Kari har sluttet / Kari has left"},
    EmailKind.MANAGER_CHANGED: {
        "old_manager_name": "Ola Nordmann",
        "new_manager_name": "Sarah Mitchell",
    },
    EmailKind.EMAIL_UNDELIVERABLE: {
        "failed_kind": "invitation",
        "failed_to": "kari.hansen@example.no",
        "error": "550 5.1.1 mailbox unavailable",
    },
}


def sample_context(kind: EmailKind) -> dict[str, str]:
    return _MEETING | _EXTRA.get(kind, {})
