"""Bodies and parameters of the template routes. The documents themselves are
`conversation.templates.Template` (what POST takes is what GET answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Body, Path, Query
from pydantic import BaseModel, Field

from conversation.model import KEY_PATTERN, Text

TemplateKey = Annotated[str, Path(min_length=1, max_length=64, pattern=KEY_PATTERN)]
TemplateVersion = Annotated[
    int | None, Query(ge=1, le=1_000_000, description="default: the latest version")
]
# Checked by parse_template, not by the schema: a refusal then names every problem in
# the words the CLI and the API share (422, rule "template").
TemplateDocument = Annotated[
    dict[str, Any],
    Body(
        description="A template document: key, version, name {nb, en}, sections "
        "[{key, kind, title, optional?, items: [{key, kind, label, help?, options?, "
        "follow_up?, category?}]}]. GET /templates/{key} answers one to start from.",
    ),
]


class TemplateSummary(BaseModel):
    """A template's latest version, in both languages' names."""

    key: str
    version: int = Field(description="the latest version; a new cycle pins it")
    name: Text
    versions: list[int]
    builtin: bool = Field(description="shipped with samtale (added on first use)")
    created_at: datetime
