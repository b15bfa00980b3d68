"""The two templates that ship (R9), and the senior section, as documents.

They are data in the very shape HR sends to `POST /templates` (and `GET /templates/{key}`
shows), built with a few helpers so the texts stay readable; `parse_template` checks
them like any other. Free-text items get the note against health information there.

- standard: the conventional conversation, in the order issue 10 lists it;
- loft: LØFT, solution-focused (what works, a 1–10 scale per area with its two
  questions, the wanted future, what you already do, the next small step). It keeps
  the same HMS items and categories as standard, so work-environment counts compare
  across templates.
"""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]

LOFT_FOLLOW_UP = [
    {"nb": "Hvorfor ikke lavere?", "en": "Why not lower?"},
    {
        "nb": "Hva skal til for å komme ett trinn opp?",
        "en": "What would take you one step up?",
    },
]


def _t(nb: str, en: str) -> dict[str, str]:
    return {"nb": nb, "en": en}


def _text(key: str, nb: str, en: str) -> Doc:
    return {"key": key, "kind": "text", "label": _t(nb, en)}


def _scale(key: str, nb: str, en: str) -> Doc:
    return {"key": key, "kind": "scale", "label": _t(nb, en), "follow_up": LOFT_FOLLOW_UP}


def _hms(key: str, category: str, nb: str, en: str) -> Doc:
    return {"key": key, "kind": "hms", "category": category, "label": _t(nb, en)}


def _section(key: str, kind: str, title: tuple[str, str], *items: Doc, **more: Any) -> Doc:
    return {"key": key, "kind": kind, "title": _t(*title), "items": list(items), **more}


PSYCHOSOCIAL_ITEMS = [
    _hms(
        "ps_collaboration",
        "collaboration",
        "Samarbeid: hvordan fungerer samarbeidet med kolleger og leder?",
        "Collaboration: how does working with your colleagues and your manager go?",
    ),
    _hms(
        "ps_wellbeing",
        "well_being",
        "Trivsel: hvordan trives du på jobb?",
        "Well-being: how do you feel about being at work?",
    ),
    _hms(
        "ps_workload",
        "workload",
        "Arbeidsmengde: er mengden arbeid og tempoet til å leve med?",
        "Workload: are the amount of work and the pace manageable?",
    ),
    _hms(
        "ps_harassment_conflict",
        "harassment_conflict",
        "Trakassering og konflikter: har du opplevd eller sett trakassering, mobbing "
        "eller konflikter på arbeidsplassen?",
        "Harassment and conflict: have you experienced or seen harassment, bullying "
        "or conflict at work?",
    ),
]

PHYSICAL_ITEMS = [
    _hms(
        "ph_equipment",
        "equipment",
        "Utstyr: har du det utstyret du trenger, og fungerer det?",
        "Equipment: do you have the equipment you need, and does it work?",
    ),
    _hms(
        "ph_light",
        "light",
        "Lys: er belysningen der du arbeider god nok?",
        "Light: is the lighting where you work good enough?",
    ),
    _hms(
        "ph_noise",
        "noise",
        "Støy: er det et støynivå du kan arbeide i?",
        "Noise: is the noise level one you can work in?",
    ),
    _hms(
        "ph_indoor_climate",
        "indoor_climate",
        "Inneklima: er temperatur, luft og ventilasjon som de skal være?",
        "Indoor climate: are temperature, air and ventilation as they should be?",
    ),
    _hms(
        "ph_ergonomics",
        "ergonomics",
        "Ergonomi: fungerer arbeidsstilling, stol, bord og skjerm for deg?",
        "Ergonomics: do your working position, chair, desk and screen work for you?",
    ),
]

PSYCHOSOCIAL_TITLE = ("Arbeidsmiljø: psykososialt", "Work environment: psychosocial")
PHYSICAL_TITLE = ("Arbeidsmiljø: fysisk", "Work environment: physical")

STANDARD: Doc = {
    "key": "standard",
    "version": 1,
    "name": _t("Medarbeidersamtale (standard)", "Employee conversation (standard)"),
    "sections": [
        _section(
            "follow_up_last",
            "follow_up_last",
            ("Oppfølging av forrige samtale", "Follow-up of the last conversation"),
            _text(
                "last_actions",
                "Hvordan gikk det med tiltakene dere ble enige om sist?",
                "How did the actions you agreed on last time work out?",
            ),
            _text(
                "last_changes",
                "Hva har endret seg siden forrige samtale?",
                "What has changed since the last conversation?",
            ),
        ),
        _section(
            "tasks_goals",
            "general",
            ("Arbeidsoppgaver, mål og resultater", "Tasks, goals and results"),
            _text(
                "tasks",
                "Hvordan opplever du arbeidsoppgavene dine?",
                "How do you find your tasks?",
            ),
            _text(
                "results",
                "Hvilke mål nådde du det siste året, og hvilke ikke?",
                "Which goals did you reach in the past year, and which not?",
            ),
            _text(
                "goals_next",
                "Hvilke mål bør gjelde for det neste året?",
                "Which goals should apply for the coming year?",
            ),
        ),
        _section("psychosocial", "hms_psychosocial", PSYCHOSOCIAL_TITLE, *PSYCHOSOCIAL_ITEMS),
        _section("physical", "hms_physical", PHYSICAL_TITLE, *PHYSICAL_ITEMS),
        _section(
            "collaboration",
            "general",
            ("Samarbeid", "Collaboration"),
            _text(
                "collab_team",
                "Hvordan fungerer samarbeidet i gruppen og med andre enheter?",
                "How does collaboration work in the team and with other units?",
            ),
            _text(
                "collab_contribution",
                "Hva kan du selv gjøre for et bedre samarbeid?",
                "What could you do yourself for better collaboration?",
            ),
        ),
        _section(
            "leadership",
            "feedback_to_manager",
            ("Ledelse og tilbakemelding til lederen", "Leadership and feedback to the manager"),
            _text(
                "mgr_keep",
                "Hva gjør lederen din som hjelper deg i arbeidet?",
                "What does your manager do that helps you in your work?",
            ),
            _text(
                "mgr_change",
                "Hva kunne lederen din gjort annerledes?",
                "What could your manager do differently?",
            ),
        ),
        _section(
            "competence",
            "general",
            ("Kompetanse og utvikling", "Competence and development"),
            _text(
                "comp_use",
                "Får du brukt kompetansen din i arbeidet?",
                "Do you get to use your competence in your work?",
            ),
            _text(
                "comp_develop",
                "Hvilken kompetanse vil du utvikle, og hvordan?",
                "Which competence do you want to develop, and how?",
            ),
        ),
        _section(
            "career",
            "general",
            ("Karriere", "Career"),
            _text(
                "career_wishes",
                "Hvilke ønsker har du for arbeidet og karrieren de neste årene?",
                "What do you wish for your work and career in the next few years?",
            ),
        ),
        _section(
            "summary",
            "summary",
            ("Oppsummering og avtalte tiltak", "Summary and agreed actions"),
            _text("summary_agreed", "Hva ble dere enige om?", "What did you agree on?"),
        ),
    ],
}

LOFT: Doc = {
    "key": "loft",
    "version": 1,
    "name": _t("LØFT-samtale (løsningsfokusert)", "LØFT conversation (solution-focused)"),
    "sections": [
        _section(
            "follow_up_last",
            "follow_up_last",
            ("Siden sist", "Since last time"),
            _text(
                "last_actions",
                "Hva har gått bra med tiltakene fra forrige samtale?",
                "What has gone well with the actions from the last conversation?",
            ),
        ),
        _section(
            "works_well",
            "general",
            ("Det som fungerer godt", "What works well"),
            _text(
                "works_well",
                "Hva fungerer godt i arbeidet ditt nå?",
                "What works well in your work now?",
            ),
            _text(
                "successes",
                "Hvilke suksesser har du hatt det siste året, og hva gjorde du som bidro?",
                "What successes have you had in the past year, and what did you do that helped?",
            ),
        ),
        _section(
            "areas",
            "general",
            ("Områdene, på en skala fra 1 til 10", "The areas, on a scale from 1 to 10"),
            _scale(
                "scale_tasks",
                "Arbeidsoppgaver og mål: hvor er du i dag?",
                "Tasks and goals: where are you today?",
            ),
            _scale(
                "scale_collaboration",
                "Samarbeid: hvor er du i dag?",
                "Collaboration: where are you today?",
            ),
            _scale(
                "scale_competence",
                "Kompetanse og utvikling: hvor er du i dag?",
                "Competence and development: where are you today?",
            ),
        ),
        _section(
            "psychosocial",
            "hms_psychosocial",
            PSYCHOSOCIAL_TITLE,
            _scale(
                "scale_psychosocial",
                "Det psykososiale arbeidsmiljøet: hvor er det i dag?",
                "The psychosocial work environment: where is it today?",
            ),
            *PSYCHOSOCIAL_ITEMS,
        ),
        _section(
            "physical",
            "hms_physical",
            PHYSICAL_TITLE,
            _scale(
                "scale_physical",
                "Det fysiske arbeidsmiljøet: hvor er det i dag?",
                "The physical work environment: where is it today?",
            ),
            *PHYSICAL_ITEMS,
        ),
        _section(
            "leadership",
            "feedback_to_manager",
            ("Tilbakemelding til lederen", "Feedback to the manager"),
            _scale(
                "scale_leadership",
                "Støtten du får fra lederen din: hvor er den i dag?",
                "The support you get from your manager: where is it today?",
            ),
            _text(
                "mgr_feedback",
                "Hva skal lederen din fortsette med, og hva kunne vært annerledes?",
                "What should your manager keep doing, and what could be different?",
            ),
        ),
        _section(
            "wanted_future",
            "general",
            ("Den ønskede fremtiden", "The wanted future"),
            _text(
                "future",
                "Tenk deg at det neste året har gått riktig bra: hva er annerledes da?",
                "Imagine the coming year has gone really well: what is different then?",
            ),
        ),
        _section(
            "already_doing",
            "general",
            ("Det du allerede gjør", "What you already do"),
            _text(
                "already",
                "Hva gjør du allerede som tar deg i den retningen?",
                "What are you already doing that takes you that way?",
            ),
        ),
        _section(
            "next_step",
            "summary",
            ("Neste lille steg og tiltak", "The next small step and actions"),
            _text(
                "next_step",
                "Hva er det neste lille steget, og hvem gjør hva innen når?",
                "What is the next small step, and who does what by when?",
            ),
        ),
    ],
}

SENIOR: Doc = _section(
    "senior",
    "senior",
    ("Seniorsamtale", "Senior conversation"),
    _text(
        "senior_life_phase",
        "Livsfase: hva er viktig for deg i arbeidslivet de neste årene?",
        "Life phase: what matters to you in your working life over the next few years?",
    ),
    _text(
        "senior_load",
        "Belastning: hvordan opplever du arbeidsmengden og tempoet nå?",
        "Load: how do you find the amount of work and the pace now?",
    ),
    _text(
        "senior_adaptation",
        "Tilpasning: er det noe ved oppgavene eller arbeidstiden du vil endre på?",
        "Adaptation: is there anything about your tasks or working hours you would change?",
    ),
    _text(
        "senior_competence",
        "Kompetanse: hva vil du bruke, dele og lære videre?",
        "Competence: what do you want to use, share and go on learning?",
    ),
    {
        "key": "senior_days",
        "kind": "choice",
        "label": _t(
            "Seniordager: vil du ta i bruk seniordager eller andre seniortiltak?",
            "Senior days: do you want to use senior days or other senior measures?",
        ),
        "options": [
            {"key": "yes", "label": _t("Ja", "Yes")},
            {"key": "no", "label": _t("Nei", "No")},
            {"key": "undecided", "label": _t("Vet ikke ennå", "Not sure yet")},
        ],
    },
    optional=True,
)
