"""A template as a person reads it, in one language: what HR previews before adding it,
and what a form is built from."""

from __future__ import annotations

from pydantic import BaseModel

from conversation.model import SCALE_MAX, SCALE_MIN, ItemKind, Lang, SectionKind, Template


class ChoiceView(BaseModel):
    key: str
    label: str


class ItemView(BaseModel):
    key: str
    kind: ItemKind
    label: str
    help: str | None
    options: list[ChoiceView]
    follow_up: list[str]
    category: str | None
    scale: tuple[int, int] | None  # (lowest, highest) for a scale item


class SectionView(BaseModel):
    key: str
    kind: SectionKind
    title: str
    optional: bool
    items: list[ItemView]


class TemplateView(BaseModel):
    key: str
    version: int
    lang: Lang
    name: str
    sections: list[SectionView]


def preview(t: Template, lang: Lang) -> TemplateView:
    """Every text of `t` in `lang`; the structure (keys, kinds, categories) as it is."""
    return TemplateView(
        key=t.key,
        version=t.version,
        lang=lang,
        name=t.name.in_(lang),
        sections=[
            SectionView(
                key=s.key,
                kind=s.kind,
                title=s.title.in_(lang),
                optional=s.optional,
                items=[
                    ItemView(
                        key=i.key,
                        kind=i.kind,
                        label=i.label.in_(lang),
                        help=i.help.in_(lang) if i.help else None,
                        options=[ChoiceView(key=o.key, label=o.label.in_(lang)) for o in i.options],
                        follow_up=[q.in_(lang) for q in i.follow_up],
                        category=i.category,
                        scale=(SCALE_MIN, SCALE_MAX) if i.kind == ItemKind.SCALE else None,
                    )
                    for i in s.items
                ],
            )
            for s in t.sections
        ],
    )
