"""Templates are data (R7, R9): a versioned document of sections and items, checked here.

`parse_template` is the one door a document comes in by, HR's or a built-in one: it
refuses, with the reason, a document that does not fit the schema, repeats a key, lacks
a psychosocial or a physical work-environment section (aml. §§ 4-3, 4-4), or has a text
that asks for health, diagnoses or discipline. Every item that takes free text gets the
note telling the writer not to write health information.

`for_employee` is the template one employee fills in: the senior section (optional to
answer) from the year they turn 62, none before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from pydantic import ValidationError

from conversation.builtin import LOFT, SENIOR, STANDARD
from conversation.model import (
    HMS_SECTIONS,
    LANGS,
    SCALE_MAX,
    SCALE_MIN,
    SINGLE_SECTIONS,
    Choice,
    Item,
    ItemKind,
    Lang,
    Section,
    SectionKind,
    Template,
    Text,
)
from conversation.model import (
    WORDS_MAX as HELP_MAX,
)
from conversation.words import HEALTH_NOTE, forbidden_word

__all__ = [
    "DEFAULT_TEMPLATE_KEY",
    "HEALTH_NOTE",
    "LANGS",
    "SCALE_MAX",
    "SCALE_MIN",
    "SENIOR_FROM_AGE",
    "Choice",
    "Item",
    "ItemKind",
    "Lang",
    "Section",
    "SectionKind",
    "Template",
    "TemplateRefused",
    "Text",
    "builtin_templates",
    "for_employee",
    "parse_template",
]

DEFAULT_TEMPLATE_KEY = "standard"
SENIOR_FROM_AGE = 62  # policy: from the year the employee turns 62
SENIOR_PREFIX = "senior_"
# Items whose answer is written text: they carry the note against health information.
WRITTEN = frozenset({ItemKind.TEXT, ItemKind.HMS, ItemKind.SCALE})


class TemplateRefused(Exception):
    """A document that is not a template we accept; `reason` says why, for a person."""

    def __init__(self, reason: str, problems: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or [reason]


def parse_template(doc: Mapping[str, Any]) -> Template:
    """The template a document describes, or TemplateRefused naming every problem."""
    if not isinstance(doc, Mapping):
        raise TemplateRefused("a template is a JSON object with key, version, name, sections")
    try:
        template = Template.model_validate(dict(doc))
    except ValidationError as e:
        raise _refused([_schema_problem(err) for err in e.errors()]) from None
    problems = [
        *_key_problems(template),
        *_section_problems(template),
        *_word_problems(template),
        *_help_problems(template),
    ]
    if problems:
        raise _refused(problems)
    return template.model_copy(update={"sections": [_noted(s) for s in template.sections]})


def for_employee(
    t: Template, *, birth_year: int | None, cycle_year: int, senior_from_age: int = SENIOR_FROM_AGE
) -> Template:
    """The template as this employee fills it in: with the senior section (the template's
    own, or the built-in one before the summary) from the cycle year they turn
    `senior_from_age`, without one before that or when their birth year is unknown."""
    own = t.section(SectionKind.SENIOR)
    others = [s for s in t.sections if s.kind != SectionKind.SENIOR]
    if birth_year is None or cycle_year - birth_year < senior_from_age:
        return t if own is None else t.model_copy(update={"sections": others})
    if own is not None:
        return t
    kinds = [s.kind for s in others]
    at = kinds.index(SectionKind.SUMMARY) if SectionKind.SUMMARY in kinds else len(others)
    return t.model_copy(update={"sections": [*others[:at], senior_section(), *others[at:]]})


@cache
def _builtins() -> tuple[Template, ...]:
    return tuple(parse_template(doc) for doc in (STANDARD, LOFT))


def builtin_templates() -> list[Template]:
    """`standard` and `loft`, version 1, the templates every installation starts with."""
    return list(_builtins())


@cache
def senior_section() -> Section:
    """The built-in senior section (life phase, load, adaptation, competence, senior
    days), optional to answer, with the same notes as any template's sections."""
    return _noted(Section.model_validate(SENIOR))


def _refused(problems: list[str]) -> TemplateRefused:
    return TemplateRefused("; ".join(problems), problems)


def _schema_problem(err: Any) -> str:
    where = ".".join(str(p) for p in err.get("loc", ())) or "document"
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {msg}"


def _key_problems(t: Template) -> Iterator[str]:
    for what, keys in (
        ("section", [s.key for s in t.sections]),
        ("item", [i.key for s in t.sections for i in s.items]),
    ):
        for key, n in Counter(keys).items():
            if n > 1:
                yield f"{what} key {key} appears {n} times: keys are unique in a template"
    for s in t.sections:
        if s.kind != SectionKind.SENIOR:
            for i in s.items:
                if i.key.startswith(SENIOR_PREFIX):
                    yield (
                        f"item key {i.key}: keys starting {SENIOR_PREFIX} "
                        "belong to the senior section"
                    )


def _section_problems(t: Template) -> Iterator[str]:
    kinds = Counter(s.kind for s in t.sections)
    for kind in sorted(SINGLE_SECTIONS):
        if kinds[kind] > 1:
            yield f"{kinds[kind]} sections of kind {kind}: a template has at most one"
    for kind, law in (
        (SectionKind.HMS_PSYCHOSOCIAL, "psychosocial (aml. § 4-3)"),
        (SectionKind.HMS_PHYSICAL, "physical (aml. § 4-4)"),
    ):
        if not kinds[kind]:
            yield f"no {kind} section: a template covers the {law} work environment"
    for s in t.sections:
        hms = [i.key for i in s.items if i.kind == ItemKind.HMS]
        if s.kind in HMS_SECTIONS and not hms:
            yield f"section {s.key} ({s.kind}) has no hms item to flag for follow-up"
        if s.kind not in HMS_SECTIONS and hms:
            yield f"hms items {', '.join(hms)} belong in a work-environment section, not {s.key}"


def _texts(t: Template) -> Iterator[tuple[str, Text]]:
    """Every text of the template, with where it is (for the reason)."""
    yield "the template's name", t.name
    for s in t.sections:
        yield f"the title of section {s.key}", s.title
        for i in s.items:
            yield f"item {i.key}", i.label
            if i.help is not None:
                yield f"the help of item {i.key}", i.help
            for q in i.follow_up:
                yield f"a follow-up question of item {i.key}", q
            for o in i.options:
                yield f"option {o.key} of item {i.key}", o.label


def _word_problems(t: Template) -> Iterator[str]:
    for where, text in _texts(t):
        for lang in LANGS:
            if word := forbidden_word(text.in_(lang)):
                yield (
                    f"{where} asks for health, diagnoses or discipline ({lang}: '{word}'): "
                    "no field may ask for them"
                )
                break


def _help_problems(t: Template) -> Iterator[str]:
    """The note goes after an item's own help: there must be room for it."""
    room = HELP_MAX - max(len(HEALTH_NOTE.nb), len(HEALTH_NOTE.en)) - 1
    for i in t.items().values():
        if i.kind in WRITTEN and i.help is not None and not _has_note(i.help):
            if max(len(i.help.nb), len(i.help.en)) > room:
                yield f"the help of item {i.key} is longer than {room} characters"


def _has_note(help: Text) -> bool:
    return help.nb.endswith(HEALTH_NOTE.nb) and help.en.endswith(HEALTH_NOTE.en)


def _noted(s: Section) -> Section:
    return s.model_copy(update={"items": [_with_note(i) for i in s.items]})


def _with_note(i: Item) -> Item:
    """The note against health information, after the item's own help (once: parsing a
    parsed template's document again changes nothing)."""
    if i.kind not in WRITTEN:
        return i
    if i.help is None:
        return i.model_copy(update={"help": HEALTH_NOTE})
    if _has_note(i.help):
        return i
    noted = Text.model_construct(
        nb=f"{i.help.nb} {HEALTH_NOTE.nb}", en=f"{i.help.en} {HEALTH_NOTE.en}"
    )
    return i.model_copy(update={"help": noted})
