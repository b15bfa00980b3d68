"""No field asks for health, diagnoses or discipline (SPEC, law): the words that give it away.

A template's texts are searched for these, in both languages whichever field they are
in (a bokmål word in the English text counts too). Each pattern starts at a word's
beginning, so `helse` finds helseplager and helseopplysninger, and `syk` alone (not
sykkel) is a whole word; `psykolog` is the profession only (psykologisk trygghet is a
psychosocial topic). A few fixed phrases name the law rather than ask for health (HMS is
"helse, miljø og sikkerhet"), and the note that tells a writer *not* to write health
information is ours: both are taken out before searching.
"""

from __future__ import annotations

import re

from conversation.model import Text

HEALTH_NOTE = Text(
    nb="Ikke skriv opplysninger om helse, sykdom eller diagnoser her.",
    en="Do not write anything about health, illness or diagnoses here.",
)

_STEMS = {
    "health": [
        r"helse\w*",
        r"sykdom\w*",
        r"syke?meld\w*",
        r"sykefrav\w*",
        r"syk",
        r"diagnos\w*",
        r"medisin\w*",
        r"medikament\w*",
        r"legemiddel\w*",
        r"psykiatri\w*",
        r"psykolog(en|er|ene)?",  # the profession; psykologisk trygghet is a work topic
        r"terapi\w*",
        r"gravid\w*",
        r"funksjonsnedsett\w*",
        r"ufør\w*",
        r"health\w*",
        r"ill",
        r"illness\w*",
        r"sick\w*",
        r"medical\w*",
        r"medicat\w*",
        r"medicine\w*",
        r"disease\w*",
        r"disabilit\w*",
        r"pregnan\w*",
        r"therap\w*",
        r"psychiatr\w*",
    ],
    "discipline": [
        r"disiplin\w*",
        r"advarsel\w*",
        r"irettesett\w*",
        r"oppsigelse\w*",
        r"avskjed\w*",
        r"disciplin\w*",
        r"reprimand\w*",
        r"dismissal\w*",
    ],
}
_PATTERN = re.compile(
    r"(?<!\w)(" + "|".join(s for stems in _STEMS.values() for s in stems) + r")(?!\w)",
    re.IGNORECASE,
)
_ALLOWED_PHRASES = [
    "helse, miljø og sikkerhet",
    "helse-, miljø- og sikkerhetsarbeid",
    "health, safety and environment",
    HEALTH_NOTE.nb,
    HEALTH_NOTE.en,
]


def forbidden_word(text: str) -> str | None:
    """The first word in `text` that asks for health, diagnoses or discipline, if any."""
    rest = text
    for phrase in _ALLOWED_PHRASES:
        rest = re.sub(re.escape(phrase), " ", rest, flags=re.IGNORECASE)
    found = _PATTERN.search(rest)
    return found.group(1) if found else None
