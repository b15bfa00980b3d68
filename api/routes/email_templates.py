"""HR previews every email, in either language, with sample data."""

from __future__ import annotations

from fastapi import APIRouter

from activities.mail.samples import sample_context
from activities.mail.templates import render
from api.deps import CurrentUser, HrUser, SettingsDep
from api.schemas import Kind, Language, Preview
from workflows.contracts import EmailKind

router = APIRouter(prefix="/email-templates", tags=["email"])


@router.get("", response_model=list[EmailKind])
async def kinds(me: CurrentUser) -> list[EmailKind]:
    """Every kind of email samtale sends."""
    return list(EmailKind)


@router.get("/{kind}/preview", response_model=Preview)
async def preview(
    kind: Kind, settings: SettingsDep, me: HrUser, language: Language = "nb"
) -> Preview:
    """The email as a recipient would get it, filled with sample data (HR)."""
    link = f"{settings.base_url.rstrip('/')}/reviews/review-2027-e-1"
    r = render(kind, language, sample_context(kind), recipient="Kari Hansen", link=link)
    return Preview(kind=kind, language=language, subject=r.subject, text=r.text, html=r.html)
