"""The words of every email, in Norwegian bokmål and English.

Templates are plain `str.format` text; HTML is derived from the same text so
the two parts can never disagree. Times are shown in Europe/Oslo.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from workflows.calendar import OSLO
from workflows.contracts import EmailKind

LANGUAGES = ("nb", "en")

_T: dict[EmailKind, dict[str, tuple[str, str]]] = {
    EmailKind.SCHEDULE_REMINDER: {
        "nb": (
            "Påminnelse: avtal medarbeidersamtale med {employee}",
            "Du har ennå ikke avtalt medarbeidersamtalen med {employee}.\n"
            "Avtal tidspunktet minst to uker i forveien, i et møterom eller på video, "
            "ikke på ditt eget kontor, og sett av minst en time.",
        ),
        "en": (
            "Reminder: schedule the development conversation with {employee}",
            "You have not yet scheduled the development conversation with {employee}.\n"
            "Agree on a time at least two weeks ahead, in a meeting room or on video, "
            "not in your own office, and set aside at least an hour.",
        ),
    },
    EmailKind.SCHEDULING_ESCALATION: {
        "nb": (
            "Medarbeidersamtale ikke avtalt: {employee}",
            "Fristen for å avtale medarbeidersamtalen mellom {manager} og {employee} "
            "er passert uten at et tidspunkt er satt. Leder er ansvarlig for å "
            "gjennomføre samtalen etter planen; vennligst følg opp.",
        ),
        "en": (
            "Development conversation not scheduled: {employee}",
            "The deadline to schedule the development conversation between {manager} "
            "and {employee} has passed without a time being set. The manager is "
            "responsible for holding it as planned; please follow up.",
        ),
    },
    EmailKind.INVITATION: {
        "nb": (
            "Invitasjon til medarbeidersamtale {when}",
            "{manager} inviterer deg til medarbeidersamtale.\n\n"
            "Tid: {when} ({duration} minutter)\nSted: {where}\n\n"
            "Bekreft tidspunktet og fyll ut forberedelsen din før samtalen.",
        ),
        "en": (
            "Invitation to your development conversation on {when}",
            "{manager} invites you to your development conversation.\n\n"
            "When: {when} ({duration} minutes)\nWhere: {where}\n\n"
            "Please accept the time and complete your preparation before the meeting.",
        ),
    },
    EmailKind.RESCHEDULE: {
        "nb": (
            "Ny tid for medarbeidersamtalen: {when}",
            "Medarbeidersamtalen med {manager} er flyttet.\n\n"
            "Ny tid: {when} ({duration} minutter)\nSted: {where}\n\n"
            "Bekreft det nye tidspunktet.",
        ),
        "en": (
            "New time for your development conversation: {when}",
            "Your development conversation with {manager} has been moved.\n\n"
            "New time: {when} ({duration} minutes)\nWhere: {where}\n\n"
            "Please accept the new time.",
        ),
    },
    EmailKind.CANCELLATION: {
        "nb": (
            "Avlyst: medarbeidersamtale {when}",
            "Medarbeidersamtalen mellom {manager} og {employee} {when} er avlyst.\n"
            "Begrunnelse: {reason}",
        ),
        "en": (
            "Cancelled: development conversation on {when}",
            "The development conversation between {manager} and {employee} on {when} "
            "has been cancelled.\nReason: {reason}",
        ),
    },
    EmailKind.PREP_REMINDER: {
        "nb": (
            "Forbered deg til medarbeidersamtalen {when}",
            "Medarbeidersamtalen er {when}. Du har ikke levert forberedelsen din ennå. "
            "Tenk gjennom arbeidssituasjonen, samarbeid og trivsel, de fysiske "
            "arbeidsforholdene og hva du ønsker å utvikle.",
        ),
        "en": (
            "Prepare for your development conversation on {when}",
            "The development conversation is on {when}. You have not submitted your "
            "preparation yet. Think about your work situation, collaboration and "
            "well-being, the physical working conditions and what you want to develop.",
        ),
    },
    EmailKind.DAY_BEFORE: {
        "nb": (
            "I morgen: medarbeidersamtale {when}",
            "Påminnelse om medarbeidersamtalen mellom {manager} og {employee} i morgen.\n\n"
            "Tid: {when} ({duration} minutter)\nSted: {where}",
        ),
        "en": (
            "Tomorrow: development conversation on {when}",
            "A reminder of the development conversation between {manager} and "
            "{employee} tomorrow.\n\nWhen: {when} ({duration} minutes)\nWhere: {where}",
        ),
    },
    EmailKind.NO_SHOW: {
        "nb": (
            "Medarbeidersamtalen ble ikke gjennomført",
            "Medarbeidersamtalen {when} ble ikke gjennomført. {manager} vil foreslå "
            "et nytt tidspunkt.",
        ),
        "en": (
            "The development conversation did not take place",
            "The development conversation on {when} did not take place. {manager} "
            "will propose a new time.",
        ),
    },
    EmailKind.SUMMARY_REMINDER: {
        "nb": (
            "Skriv referat fra medarbeidersamtalen med {employee}",
            "Samtalen med {employee} var {when}, men referatet og de avtalte tiltakene "
            "er ikke registrert. Skriv referatet mens samtalen er frisk i minne.",
        ),
        "en": (
            "Write the summary of the conversation with {employee}",
            "The conversation with {employee} was on {when}, but the summary and agreed "
            "actions have not been recorded. Please write them while it is fresh.",
        ),
    },
    EmailKind.SIGNOFF_REQUEST: {
        "nb": (
            "Referat fra medarbeidersamtalen til godkjenning",
            "{manager} har skrevet referat fra medarbeidersamtalen. Les det og "
            "godkjenn det, eller ta kontakt om noe bør endres.",
        ),
        "en": (
            "Summary of your development conversation for approval",
            "{manager} has written the summary of your development conversation. "
            "Please read and approve it, or get in touch if something should change.",
        ),
    },
    EmailKind.SIGNOFF_REMINDER: {
        "nb": (
            "Påminnelse: godkjenn referatet fra medarbeidersamtalen",
            "Referatet fra medarbeidersamtalen med {manager} venter fortsatt på din godkjenning.",
        ),
        "en": (
            "Reminder: approve the summary of your development conversation",
            "The summary of your development conversation with {manager} is still "
            "waiting for your approval.",
        ),
    },
    EmailKind.ACTION_DUE_SOON: {
        "nb": (
            "Tiltak forfaller {due}: {title}",
            "Tiltaket «{title}» fra medarbeidersamtalen forfaller {due}.",
        ),
        "en": (
            "Action due on {due}: {title}",
            'The action "{title}" from the development conversation is due on {due}.',
        ),
    },
    EmailKind.ACTION_OVERDUE: {
        "nb": (
            "Forfalt tiltak: {title}",
            "Tiltaket «{title}» fra medarbeidersamtalen mellom {manager} og {employee} "
            "forfalt {due} og er ikke markert som utført.",
        ),
        "en": (
            "Overdue action: {title}",
            'The action "{title}" from the development conversation between {manager} '
            "and {employee} was due on {due} and is not marked as done.",
        ),
    },
}

_GREETING = {"nb": "Hei {recipient},", "en": "Dear {recipient},"}
_LINK = {"nb": "Åpne samtalen: {link}", "en": "Open the conversation: {link}"}
_SIGN = {
    "nb": "Vennlig hilsen\nsamtale, på vegne av HR",
    "en": "Kind regards,\nsamtale, on behalf of HR",
}
_WHERE = {
    "nb": {"meeting_room": "møterom", "video": "video", "offsite": "utenfor kontoret"},
    "en": {"meeting_room": "meeting room", "video": "video", "offsite": "offsite"},
}
_MONTHS_NB = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]
_DAYS_NB = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def format_when(iso: str, language: str) -> str:
    t = datetime.fromisoformat(iso).astimezone(OSLO)
    if language == "nb":
        return f"{_DAYS_NB[t.weekday()]} {t.day}. {_MONTHS_NB[t.month - 1]} {t.year} kl. {t:%H:%M}"
    return f"{t:%A} {t.day} {t:%B %Y} at {t:%H:%M} (Oslo time)"


def render(
    kind: EmailKind, language: str, context: dict[str, str], *, recipient: str, link: str
) -> Rendered:
    lang = language if language in LANGUAGES else "nb"
    subject_t, body_t = _T[kind][lang]
    values = {
        "recipient": recipient,
        "employee": context.get("employee_name", ""),
        "manager": context.get("manager_name", ""),
        "when": format_when(context["meeting_start"], lang) if "meeting_start" in context else "",
        "duration": context.get("duration_minutes", ""),
        "where": _where(context, lang),
        "title": context.get("action_title", ""),
        "due": context.get("action_due", ""),
        "reason": context.get("reason", ""),
        "link": link,
    }
    paragraphs = [_GREETING[lang], body_t, _LINK[lang], _SIGN[lang]]
    filled = [p.format(**values) for p in paragraphs]
    return Rendered(
        subject=subject_t.format(**values),
        text="\n\n".join(filled) + "\n",
        html=_as_html(filled, link),
    )


def _where(context: dict[str, str], lang: str) -> str:
    kind = context.get("location_kind")
    if not kind:
        return ""
    return f"{context.get('location_text', '')} ({_WHERE[lang].get(kind, kind)})"


def _as_html(paragraphs: list[str], link: str) -> str:
    parts = []
    for p in paragraphs:
        escaped = html.escape(p).replace("\n", "<br>\n")
        if link:
            escaped = escaped.replace(
                html.escape(link), f'<a href="{html.escape(link)}">{html.escape(link)}</a>'
            )
        parts.append(f"<p>{escaped}</p>")
    return (
        '<!doctype html>\n<html><body style="font-family:sans-serif">\n'
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
