"""Every email renders in both languages, with nothing left unfilled, text and HTML alike."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from activities.mail.samples import sample_context
from activities.mail.templates import LANGUAGES, render
from workflows.contracts import EmailKind

CASES = [(k, lang) for k in EmailKind for lang in LANGUAGES]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in ("br", "meta"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


@pytest.mark.parametrize(
    ("kind", "language"), CASES, ids=[f"{k.value}-{lang}" for k, lang in CASES]
)
def test_every_template_renders_fully(kind: EmailKind, language: str) -> None:
    r = render(
        kind,
        language,
        sample_context(kind),
        recipient="Kari Hansen",
        link="https://samtale.example.no/reviews/r",
    )
    for part in (r.subject, r.text, r.html):
        assert not re.search(r"\{[a-z_]+\}", part), part
    assert r.subject.strip() and "Kari Hansen" in r.text
    tags = _Tags()
    tags.feed(r.html)
    assert tags.balanced and not tags.stack


def test_the_languages_differ() -> None:
    ctx = sample_context(EmailKind.INVITATION)
    nb = render(EmailKind.INVITATION, "nb", ctx, recipient="Kari", link="x")
    en = render(EmailKind.INVITATION, "en", ctx, recipient="Kari", link="x")
    assert "mandag 15. februar 2027 kl. 10:00" in nb.subject
    assert "Monday 15 February 2027 at 10:00 (Oslo time)" in en.subject


def test_lists_become_bullets_in_text_and_html() -> None:
    ctx = sample_context(EmailKind.KICKOFF)
    r = render(EmailKind.KICKOFF, "en", ctx, recipient="Ola", link="x")
    assert "• Kari Hansen\n• Jonas Berg\n• Ingrid Lie" in r.text
    assert "<ul><li>Kari Hansen</li><li>Jonas Berg</li><li>Ingrid Lie</li></ul>" in r.html.replace(
        "<br>\n", ""
    )


def test_an_empty_list_says_none() -> None:
    ctx = sample_context(EmailKind.MANAGER_DIGEST) | {"overdue_list": ""}
    r = render(EmailKind.MANAGER_DIGEST, "nb", ctx, recipient="Ola", link="x")
    assert "Forfalte tiltak:\n• (ingen)" in r.text


@pytest.mark.parametrize(
    ("language", "choices"),
    [
        ("en", ["approve", "comment", "disagreement", "decline"]),
        ("nb", ["godkjenne", "kommentar", "uenighet", "la være å signere"]),
    ],
)
def test_the_signoff_request_names_every_choice_the_employee_has(
    language: str, choices: list[str]
) -> None:
    ctx = sample_context(EmailKind.SIGNOFF_REQUEST)
    r = render(EmailKind.SIGNOFF_REQUEST, language, ctx, recipient="Kari", link="x")
    assert [c for c in choices if c not in r.text] == []
