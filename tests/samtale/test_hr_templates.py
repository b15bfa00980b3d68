"""`samtale hr templates`: what HR reads in a terminal, through the real API in-process."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.app import create_app
from conversation.builtin import STANDARD
from core.settings import Settings
from samtale import hr_templates
from tests.samtale.test_hr_cli import cli_client


@pytest_asyncio.fixture
async def app_client(
    settings: Settings, sessions: async_sessionmaker
) -> AsyncIterator[httpx.AsyncClient]:
    """The API with no workflow engine: templates need none."""
    transport = httpx.ASGITransport(app=create_app(settings, sessions=sessions))
    async with httpx.AsyncClient(transport=transport, base_url="http://samtale.test") as client:
        yield client


async def test_list_prints_each_template_with_its_names_in_both_languages(
    app_client: httpx.AsyncClient, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with cli_client(app_client, settings) as http:
        assert await asyncio.to_thread(hr_templates.list_templates, http) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["key", "version", "versions", "nb", "en"]
    assert lines[1].startswith("loft      1        1         LØFT-samtale (løsningsfokusert)")
    assert lines[2].split()[:3] == ["standard", "1", "1"]
    assert lines[2].endswith("Employee conversation (standard)")


async def test_preview_in_english_shows_the_loft_scale_and_its_questions(
    app_client: httpx.AsyncClient, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with cli_client(app_client, settings) as http:
        assert await asyncio.to_thread(hr_templates.preview, http, "loft", lang="en") == 0
    out = capsys.readouterr().out
    assert out.startswith("LØFT conversation (solution-focused) (loft, version 1, en)\n")
    assert (
        "   - scale_tasks (scale 1–10): Tasks and goals: where are you today?\n"
        "       · Why not lower?\n"
        "       · What would take you one step up?\n"
    ) in out
    assert "   - ps_workload (hms: workload): Workload:" in out
    assert "(Do not write anything about health, illness or diagnoses here.)" in out


async def test_add_posts_the_file_and_a_repeat_is_refused_with_the_reason(
    app_client: httpx.AsyncClient,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "standard-2.json"
    file.write_text(json.dumps(STANDARD | {"version": 2}), encoding="utf-8")
    with cli_client(app_client, settings) as http:
        assert await asyncio.to_thread(hr_templates.add, http, file) == 0
        assert await asyncio.to_thread(hr_templates.add, http, file) == 1
    out, err = capsys.readouterr()
    assert out.startswith("template standard version 2 added: Medarbeidersamtale (standard)")
    assert "refused (409): template standard version 2 exists and never changes" in err


async def test_add_prints_every_problem_of_a_refused_template(
    app_client: httpx.AsyncClient,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = copy.deepcopy(STANDARD) | {"key": "uten_hms"}
    doc["sections"] = [s for s in doc["sections"] if not s["kind"].startswith("hms_")]
    file = tmp_path / "uten.json"
    file.write_text(json.dumps(doc), encoding="utf-8")
    with cli_client(app_client, settings) as http:
        assert await asyncio.to_thread(hr_templates.add, http, file) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("refused (422): no hms_psychosocial section")
    assert err[1:] == [
        "  no hms_psychosocial section: a template covers the psychosocial (aml. § 4-3) "
        "work environment",
        "  no hms_physical section: a template covers the physical (aml. § 4-4) work environment",
    ]


def test_add_refuses_a_file_that_is_not_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "mal.json"
    file.write_text("key: standard\n", encoding="utf-8")
    with httpx.Client(base_url="http://nowhere.invalid") as http:
        assert hr_templates.add(http, file) == 1
    assert capsys.readouterr().err.startswith(f"cannot read {file} as JSON")
