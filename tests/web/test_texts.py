"""Every text a page asks for exists in both languages (a missing one would show its key)."""

from __future__ import annotations

import re

import pytest

from web.i18n import LANGS, TEXTS
from web.pages import HERE
from workflows.contracts import ActionKind, Decision

ASKED = re.compile(r"\bt\('([a-z_]+)'\)")


def asked_for() -> set[str]:
    keys = {k for p in (HERE / "templates").glob("*.html") for k in ASKED.findall(p.read_text())}
    # Keys the templates build: an action's kind, a sign-off decision.
    return (
        keys | {f"kind_{k.value}" for k in ActionKind} | {f"decision_{d.value}" for d in Decision}
    )


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_the_pages_ask_for_is_written_in(lang: str) -> None:
    assert len(asked_for()) > 100
    assert sorted(k for k in asked_for() if k not in TEXTS[lang]) == []
