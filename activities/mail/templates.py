"""The words of every email, in Norwegian bokmål and English.

Templates are plain `str.format` text; HTML is derived from the same text so
the two parts can never disagree. Times are shown in Europe/Oslo.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from activities.mail.texts import TEXTS
from workflows.calendar import OSLO
from workflows.contracts import EmailKind

LANGUAGES = ("nb", "en")

_NONE = {"nb": "• (ingen)", "en": "• (none)"}
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
    subject_t, body_t = TEXTS[kind][lang]
    values = _lists(context, lang) | {
        "recipient": recipient,
        "employee": context.get("employee_name", ""),
        "manager": context.get("manager_name", ""),
        "when": format_when(context["meeting_start"], lang) if "meeting_start" in context else "",
        "duration": context.get("duration_minutes", ""),
        "where": _where(context, lang),
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


def _lists(context: dict[str, str], lang: str) -> dict[str, str]:
    """Every context value, with `*_list` values (one item a line) as bulleted lists."""
    out = dict(context)
    for key, value in context.items():
        if key.endswith("_list"):
            lines = [line for line in value.split("\n") if line.strip()]
            out[key] = "\n".join(f"• {line}" for line in lines) if lines else _NONE[lang]
    return out


def _where(context: dict[str, str], lang: str) -> str:
    kind = context.get("location_kind")
    if not kind:
        return ""
    return f"{context.get('location_text', '')} ({_WHERE[lang].get(kind, kind)})"


def _bullets_as_list(escaped: str) -> str:
    lines = escaped.split("<br>\n")
    out: list[str] = []
    for line in lines:
        if line.startswith("• "):
            if not out or not out[-1].endswith("</li>"):
                out.append("<ul>")
            out.append(f"<li>{line[2:]}</li>")
        else:
            if out and out[-1].endswith("</li>"):
                out.append("</ul>")
            out.append(line)
    if out and out[-1].endswith("</li>"):
        out.append("</ul>")
    return "<br>\n".join(out).replace("<br>\n<ul>", "<ul>").replace("</ul><br>\n", "</ul>")


def _as_html(paragraphs: list[str], link: str) -> str:
    parts = []
    for p in paragraphs:
        escaped = html.escape(p).replace("\n", "<br>\n")
        escaped = _bullets_as_list(escaped)
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
