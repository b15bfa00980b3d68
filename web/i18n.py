"""The pages' two languages and Oslo time, formatted per language in one place.

Texts are keyed by a short name; a key missing in English falls back to bokmål, and a
missing key altogether shows the key (a test checks every page in both languages).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from workflows.calendar import OSLO

Lang = Literal["nb", "en"]
LANGS: tuple[Lang, ...] = ("nb", "en")

_MONTHS = {
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "en": "January February March April May June July August September October November December",
}
_DAYS = {
    "nb": "mandag tirsdag onsdag torsdag fredag lørdag søndag",
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
}

TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "app": "Medarbeidersamtaler",
        "skip": "Hopp til innholdet",
        "sign_in": "Logg inn",
        "sign_out": "Logg ut",
        "signed_in_as": "Innlogget som",
        "language": "Språk",
        "switch_to": "English",
        "nav_mine": "Mine samtaler",
        "nav_team": "Teamet mitt",
        "nav_actions": "Tiltak",
        "nav_hr": "HR",
        "nav_import": "Import",
        "sign_in_title": "Logg inn på samtale",
        "sign_in_lead": "Du logger inn med organisasjonens konto.",
        "sign_in_unconfigured": "Innlogging er ikke satt opp (SAMTALE_OIDC_ISSUER).",
        "signed_out_title": "Du er logget ut",
        "signed_out_lead": "Lukk nettleseren om du bruker en delt maskin.",
        "sign_in_failed": "Innloggingen mislyktes",
        "not_in_directory": "Du finnes ikke blant de ansatte i samtale. Kontakt HR.",
        "mine_title": "Mine samtaler",
        "this_year": "Nå",
        "earlier": "Tidligere år",
        "none_yet": "Ingen samtaler ennå.",
        "conversation": "Samtale",
        "with": "med",
        "phase": "Fase",
        "meeting": "Møte",
        "no_meeting": "Ikke satt opp ennå.",
        "where": "Sted",
        "duration": "Varighet",
        "minutes": "minutter",
        "accept": "Godta invitasjonen",
        "accepted": "Du har godtatt invitasjonen.",
        "add_to_calendar": "Legg til i kalenderen (.ics)",
        "my_actions": "Mine tiltak",
        "actions": "Tiltak",
        "mark_done": "Merk som gjort",
        "done": "Gjort",
        "due": "Frist",
        "overdue": "Forfalt",
        "open": "Åpne",
        "owner": "Ansvarlig",
        "no_actions": "Ingen tiltak.",
        "preparation": "Forberedelse",
        "preparation_later": "Forberedelsesskjemaet kommer her.",
        "summary": "Oppsummering",
        "summary_later": "Oppsummeringen kommer her når den er skrevet.",
        "prepared_employee": "Medarbeideren har forberedt seg",
        "prepared_manager": "Lederen har forberedt seg",
        "yes": "ja",
        "no": "nei",
        "team_title": "Teamets samtaler",
        "employee": "Medarbeider",
        "next_step": "Neste steg",
        "schedule": "Sett opp møtet",
        "reschedule": "Flytt møtet",
        "schedule_title": "Sett opp samtalen",
        "slot_legend": "Velg et tidspunkt",
        "slot_hint": (
            "Bare tider reglene tillater vises: varsel, arbeidstid, helligdager og lengde."
        ),
        "other_time": "Eller skriv et annet tidspunkt",
        "other_date": "Dato (ÅÅÅÅ-MM-DD)",
        "other_clock": "Klokkeslett (TT:MM)",
        "location_kind": "Hvor",
        "location_text": "Rom, videolenke eller adresse",
        "loc_meeting_room": "Møterom",
        "loc_video": "Video",
        "loc_offsite": "Et annet sted",
        "loc_manager_office": "Lederens kontor",
        "save_meeting": "Send invitasjonen",
        "no_slots": "Ingen ledige tider de neste ukene.",
        "error_title": "Feil",
        "error_summary": "Det er et problem",
        "board_title": "Teamets tiltak",
        "status_open": "Åpne",
        "status_overdue": "Forfalt",
        "status_done": "Gjort",
        "hr_cycles": "Sykluser",
        "start_cycle": "Start en syklus",
        "cycle_id": "Syklusens id",
        "cycle_name": "Navn",
        "cycle_year": "År",
        "window_start": "Første dag",
        "window_end": "Siste dag",
        "scope": "Enheter (tomt: hele organisasjonen)",
        "policy_notice": "Varsel i dager",
        "policy_min": "Korteste møte i minutter",
        "template": "Mal",
        "template_later": "Malene kommer her.",
        "start": "Start syklusen",
        "status": "Status",
        "funnel": "Fremdrift",
        "unit": "Enhet",
        "slipping": "Henger etter",
        "import_title": "Importer ansatte (CSV)",
        "file": "CSV-fil fra HR-systemet",
        "preview": "Forhåndsvis",
        "confirm": "Bekreft importen",
        "line": "Linje",
        "column": "Kolonne",
        "reason": "Grunn",
        "count": "Antall",
        "not_found": "Fant ikke siden",
        "forbidden": "Ingen tilgang",
        "refused": "Forespørselen ble avvist",
        "unavailable": "Tjenesten svarer ikke akkurat nå",
        "back_home": "Til forsiden",
        "saved": "Lagret.",
        "step_schedule": "Sett opp møtet",
        "step_accept": "Venter på at medarbeideren godtar",
        "step_prepare": "Begge forbereder seg",
        "step_summary": "Skriv oppsummeringen",
        "step_signoff": "Venter på medarbeiderens godkjenning",
        "step_actions": "Følg opp tiltakene",
        "show_times": "Vis tider for denne lengden",
        "choose_length": "Møtets lengde",
        "hours_note": "Tidene gjelder Oslo-tid.",
    },
    "en": {
        "app": "Development conversations",
        "skip": "Skip to content",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "signed_in_as": "Signed in as",
        "language": "Language",
        "switch_to": "Norsk",
        "nav_mine": "My conversations",
        "nav_team": "My team",
        "nav_actions": "Actions",
        "nav_hr": "HR",
        "nav_import": "Import",
        "sign_in_title": "Sign in to samtale",
        "sign_in_lead": "You sign in with your organisation's account.",
        "sign_in_unconfigured": "Sign-in is not configured (SAMTALE_OIDC_ISSUER).",
        "signed_out_title": "You are signed out",
        "signed_out_lead": "Close the browser if this is a shared computer.",
        "sign_in_failed": "Sign-in failed",
        "not_in_directory": "You are not among samtale's employees. Contact HR.",
        "mine_title": "My conversations",
        "this_year": "Now",
        "earlier": "Earlier years",
        "none_yet": "No conversations yet.",
        "conversation": "Conversation",
        "with": "with",
        "phase": "Phase",
        "meeting": "Meeting",
        "no_meeting": "Not scheduled yet.",
        "where": "Where",
        "duration": "Length",
        "minutes": "minutes",
        "accept": "Accept the invitation",
        "accepted": "You have accepted the invitation.",
        "add_to_calendar": "Add to calendar (.ics)",
        "my_actions": "My actions",
        "actions": "Actions",
        "mark_done": "Mark as done",
        "done": "Done",
        "due": "Due",
        "overdue": "Overdue",
        "open": "Open",
        "owner": "Owner",
        "no_actions": "No actions.",
        "preparation": "Preparation",
        "preparation_later": "The preparation form comes here.",
        "summary": "Summary",
        "summary_later": "The summary comes here once it is written.",
        "prepared_employee": "The employee has prepared",
        "prepared_manager": "The manager has prepared",
        "yes": "yes",
        "no": "no",
        "team_title": "My team's conversations",
        "employee": "Employee",
        "next_step": "Next step",
        "schedule": "Schedule the meeting",
        "reschedule": "Move the meeting",
        "schedule_title": "Schedule the conversation",
        "slot_legend": "Choose a time",
        "slot_hint": (
            "Only times the rules allow are shown: notice, working hours, holidays and length."
        ),
        "other_time": "Or type another time",
        "other_date": "Date (YYYY-MM-DD)",
        "other_clock": "Time (HH:MM)",
        "location_kind": "Where",
        "location_text": "Room, video link or address",
        "loc_meeting_room": "Meeting room",
        "loc_video": "Video",
        "loc_offsite": "Somewhere else",
        "loc_manager_office": "The manager's office",
        "save_meeting": "Send the invitation",
        "no_slots": "No free times in the coming weeks.",
        "error_title": "Error",
        "error_summary": "There is a problem",
        "board_title": "My team's actions",
        "status_open": "Open",
        "status_overdue": "Overdue",
        "status_done": "Done",
        "hr_cycles": "Cycles",
        "start_cycle": "Start a cycle",
        "cycle_id": "Cycle id",
        "cycle_name": "Name",
        "cycle_year": "Year",
        "window_start": "First day",
        "window_end": "Last day",
        "scope": "Units (empty: the whole organisation)",
        "policy_notice": "Notice in days",
        "policy_min": "Shortest meeting in minutes",
        "template": "Template",
        "template_later": "Templates come here.",
        "start": "Start the cycle",
        "status": "Status",
        "funnel": "Progress",
        "unit": "Unit",
        "slipping": "Slipping",
        "import_title": "Import employees (CSV)",
        "file": "CSV file from the HR system",
        "preview": "Preview",
        "confirm": "Confirm the import",
        "line": "Line",
        "column": "Column",
        "reason": "Reason",
        "count": "Count",
        "not_found": "Page not found",
        "forbidden": "No access",
        "refused": "The request was refused",
        "unavailable": "The service is not answering just now",
        "back_home": "To the front page",
        "saved": "Saved.",
        "step_schedule": "Schedule the meeting",
        "step_accept": "Waiting for the employee to accept",
        "step_prepare": "Both are preparing",
        "step_summary": "Write the summary",
        "step_signoff": "Waiting for the employee's sign-off",
        "step_actions": "Follow up the actions",
        "show_times": "Show times for this length",
        "choose_length": "Length of the meeting",
        "hours_note": "Times are Oslo time.",
    },
}

PHASES: dict[str, dict[str, str]] = {
    "nb": {
        "scheduling": "Skal settes opp",
        "invited": "Invitert",
        "preparing": "Forberedelse",
        "awaiting_summary": "Venter på oppsummering",
        "awaiting_signoff": "Venter på godkjenning",
        "follow_up": "Oppfølging",
        "completed": "Fullført",
        "cancelled": "Avlyst",
    },
    "en": {
        "scheduling": "To be scheduled",
        "invited": "Invited",
        "preparing": "Preparing",
        "awaiting_summary": "Awaiting the summary",
        "awaiting_signoff": "Awaiting sign-off",
        "follow_up": "Follow-up",
        "completed": "Completed",
        "cancelled": "Cancelled",
    },
}


def text(lang: Lang, key: str) -> str:
    return TEXTS[lang].get(key) or TEXTS["nb"].get(key) or key


def phase_name(lang: Lang, phase: str) -> str:
    return PHASES[lang].get(phase, phase)


def oslo(moment: datetime, lang: Lang, *, with_day: bool = True) -> str:
    """A moment in Oslo time, as a person reads it: 'tirsdag 5. januar 2027 kl. 10:00'."""
    local = moment.astimezone(OSLO)
    return f"{day(local.date(), lang, with_day=with_day)} {clock(local, lang)}"


def clock(moment: datetime, lang: Lang) -> str:
    local = moment.astimezone(OSLO)
    return f"kl. {local:%H:%M}" if lang == "nb" else f"{local:%H:%M}"


def day(d: date, lang: Lang, *, with_day: bool = True) -> str:
    month = _MONTHS[lang].split()[d.month - 1]
    weekday = _DAYS[lang].split()[d.weekday()]
    core = f"{d.day}. {month} {d.year}" if lang == "nb" else f"{d.day} {month} {d.year}"
    return f"{weekday} {core}" if with_day else core


def from_accept_language(header: str | None) -> Lang:
    """nb unless the browser prefers English over any Norwegian."""
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith(("nb", "nn", "no")):
            return "nb"
        if tag.startswith("en"):
            return "en"
    return "nb"
