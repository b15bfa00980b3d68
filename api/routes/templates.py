"""Conversation templates: everyone signed in reads them; HR adds keys and versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, HrUser, NowDep, SessionDep
from api.schemas import Language
from api.template_schemas import (
    TemplateDocument,
    TemplateKey,
    TemplateSummary,
    TemplateVersion,
)
from conversation.preview import TemplateView, preview
from conversation.templates import SENIOR_FROM_AGE, Template, for_employee, parse_template
from store.templates import (
    StoredTemplate,
    add_template,
    get_template,
    list_templates,
)

router = APIRouter(prefix="/templates", tags=["templates"])


@router.get("", response_model=list[TemplateSummary])
async def list_(session: SessionDep, me: CurrentUser) -> list[TemplateSummary]:
    """Every template's latest version, with its names in bokmål and English."""
    return [_summary(s) for s in await list_templates(session)]


@router.get("/{key}", response_model=Template)
async def get(
    key: TemplateKey, session: SessionDep, me: CurrentUser, version: TemplateVersion = None
) -> Template:
    """A template's document (default: its latest version), in the shape POST takes."""
    return (await _get(session, key, version)).template


@router.get("/{key}/preview", response_model=TemplateView)
async def preview_(
    key: TemplateKey,
    session: SessionDep,
    me: CurrentUser,
    lang: Language = "nb",
    version: TemplateVersion = None,
    senior: Annotated[
        bool, Query(description="as an employee who turns 62 or more that year sees it")
    ] = False,
) -> TemplateView:
    """The template as a person reads it, in one language (`lang`: nb or en); with
    `senior`, with the senior section as from the year an employee turns 62."""
    t = (await _get(session, key, version)).template
    if senior:
        t = for_employee(t, birth_year=0, cycle_year=SENIOR_FROM_AGE)
    return preview(t, lang)


@router.post("", response_model=Template, status_code=201)
async def add(doc: TemplateDocument, session: SessionDep, me: HrUser, now: NowDep) -> Template:
    """Add a template (HR): a new key at version 1, or the next version of a key. A
    document parse_template refuses is a 422 naming every problem (rule `template`);
    a version that exists is a 409 (a stored version never changes)."""
    t = parse_template(doc)
    # TemplateVersionTaken (409) and TemplateVersionSkipped (422): api/errors.py.
    return (await add_template(session, t, created_by=me.id, now=now)).template


async def _get(session: SessionDep, key: str, version: int | None) -> StoredTemplate:
    return await get_template(session, key, version)  # NoSuchTemplate: 404 (api/errors.py)


def _summary(s: StoredTemplate) -> TemplateSummary:
    t = s.template
    return TemplateSummary(
        key=t.key,
        version=t.version,
        name=t.name,
        versions=s.versions,
        builtin=s.created_by is None,
        created_at=s.created_at,
    )
