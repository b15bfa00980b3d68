"""A template's shape: sections of items, every text in bokmål and English.

Frozen pydantic models, so a template read from the database, sent by HR or built in
is checked by one schema (`extra="forbid"`: a misspelt field is an error, not ignored).
The rules that span a whole template (unique keys, the HMS sections, no health words)
are in `conversation.templates.parse_template`, the one door a document comes in by.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Lang = Literal["nb", "en"]
LANGS: tuple[Lang, ...] = ("nb", "en")

# Keys end up in URLs, answers and reports: short, lower case, no spaces.
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
WORDS_MAX = 1000
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=WORDS_MAX)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    """One text in both languages the service speaks; neither may be left out."""

    nb: Words
    en: Words

    def in_(self, lang: Lang) -> str:
        return self.nb if lang == "nb" else self.en


class ItemKind(StrEnum):
    TEXT = "text"  # free text
    SCALE = "scale"  # 1 to 10, with LØFT's follow-up questions
    CHOICE = "choice"  # one of the options
    HMS = "hms"  # a work-environment topic: text, a needs_follow_up flag, a category


class Choice(_Frozen):
    key: Key
    label: Text


SCALE_MIN, SCALE_MAX = 1, 10


class Item(_Frozen):
    key: Key
    kind: ItemKind
    label: Text
    help: Text | None = None
    options: list[Choice] = Field(default_factory=list, max_length=20)
    follow_up: list[Text] = Field(default_factory=list, max_length=5)
    category: Key | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Item:
        """Each kind carries only its own parts, so an answer's shape follows from the kind."""
        if self.kind == ItemKind.CHOICE:
            if len(self.options) < 2:
                raise ValueError(f"choice item {self.key} needs at least two options")
            keys = [o.key for o in self.options]
            if len(set(keys)) != len(keys):
                raise ValueError(f"choice item {self.key} has two options with the same key")
        elif self.options:
            raise ValueError(f"only a choice item has options ({self.key} is {self.kind})")
        if self.follow_up and self.kind != ItemKind.SCALE:
            raise ValueError(f"only a scale item has follow-up questions ({self.key})")
        if self.kind == ItemKind.HMS and self.category is None:
            raise ValueError(f"hms item {self.key} needs a category (e.g. workload, noise)")
        if self.kind != ItemKind.HMS and self.category is not None:
            raise ValueError(f"only an hms item has a category ({self.key} is {self.kind})")
        return self


class SectionKind(StrEnum):
    GENERAL = "general"
    FOLLOW_UP_LAST = "follow_up_last"  # shows last cycle's agreed actions and their status
    HMS_PSYCHOSOCIAL = "hms_psychosocial"  # aml. § 4-3
    HMS_PHYSICAL = "hms_physical"  # aml. § 4-4
    FEEDBACK_TO_MANAGER = "feedback_to_manager"  # in the summary only if the employee ticks it
    SENIOR = "senior"  # added from the year the employee turns 62 (for_employee)
    SUMMARY = "summary"  # summary and agreed actions


HMS_SECTIONS = frozenset({SectionKind.HMS_PSYCHOSOCIAL, SectionKind.HMS_PHYSICAL})
# Kinds the conversation treats specially: a template has at most one of each.
SINGLE_SECTIONS = frozenset(
    {
        SectionKind.FOLLOW_UP_LAST,
        SectionKind.FEEDBACK_TO_MANAGER,
        SectionKind.SENIOR,
        SectionKind.SUMMARY,
    }
)


class Section(_Frozen):
    key: Key
    kind: SectionKind
    title: Text
    items: list[Item] = Field(min_length=1, max_length=50)
    optional: bool = False  # the employee may skip it (the senior section)


class Template(_Frozen):
    key: Key
    version: int = Field(ge=1)
    name: Text
    sections: list[Section] = Field(min_length=1, max_length=30)

    def items(self) -> dict[str, Item]:
        """Every item by its key (keys are unique across the template)."""
        return {i.key: i for s in self.sections for i in s.items}

    def section_of(self, item_key: str) -> Section:
        """The section holding an item; KeyError for a key the template does not have."""
        for s in self.sections:
            if any(i.key == item_key for i in s.items):
                return s
        raise KeyError(item_key)

    def section(self, kind: SectionKind) -> Section | None:
        """The first section of a kind, if any."""
        return next((s for s in self.sections if s.kind == kind), None)
