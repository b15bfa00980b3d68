"""Templates through the API: everyone signed in reads them, only HR adds; a refused
document answers 422 with every reason and stores nothing; a cycle names its template
and its reviews keep the version they started with."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from conversation.builtin import STANDARD
from store.models import Cycle, Review
from tests.api.conftest import Auth
from tests.api.test_cycles import body as cycle_body
from tests.factories import EMPLOYEE, HR, MANAGER
from tests.waiting import eventually


def new_template(key: str = "kort", version: int = 1) -> dict[str, Any]:
    doc = copy.deepcopy(STANDARD)
    doc.update(key=key, version=version, name={"nb": "Kort samtale", "en": "Short talk"})
    doc["sections"] = [s for s in doc["sections"] if s["kind"].startswith("hms_")]
    return doc


async def keys(api: httpx.AsyncClient, auth: Auth) -> list[tuple[str, int]]:
    r = await api.get("/templates", headers=auth(HR.id))
    assert r.status_code == 200, r.text
    return [(t["key"], t["version"]) for t in r.json()]


async def test_the_list_holds_standard_and_loft_with_their_names_in_nb_and_en(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await bare_api.get("/templates", headers=auth(EMPLOYEE.id))
    assert r.status_code == 200, r.text
    assert [(t["key"], t["version"], t["name"], t["builtin"]) for t in r.json()] == [
        (
            "loft",
            1,
            {"nb": "LØFT-samtale (løsningsfokusert)", "en": "LØFT conversation (solution-focused)"},
            True,
        ),
        (
            "standard",
            1,
            {"nb": "Medarbeidersamtale (standard)", "en": "Employee conversation (standard)"},
            True,
        ),
    ]


async def test_a_templates_document_is_what_post_takes(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await bare_api.get("/templates/standard", headers=auth(MANAGER.id))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["key"], doc["version"]) == ("standard", 1)
    again = await bare_api.post("/templates", json=doc | {"version": 2}, headers=auth(HR.id))
    assert again.status_code == 201, again.text
    assert again.json() == doc | {"version": 2}


LOFT_NB = ["Hvorfor ikke lavere?", "Hva skal til for å komme ett trinn opp?"]
LOFT_EN = ["Why not lower?", "What would take you one step up?"]


@pytest.mark.parametrize(
    ("lang", "name", "follow_up"),
    [
        ("nb", "LØFT-samtale (løsningsfokusert)", LOFT_NB),
        ("en", "LØFT conversation (solution-focused)", LOFT_EN),
    ],
)
async def test_a_preview_is_the_template_in_one_language(
    bare_api: httpx.AsyncClient, auth: Auth, lang: str, name: str, follow_up: list[str]
) -> None:
    r = await bare_api.get("/templates/loft/preview", params={"lang": lang}, headers=auth(HR.id))
    assert r.status_code == 200, r.text
    view = r.json()
    assert (view["lang"], view["name"]) == (lang, name)
    scale = view["sections"][2]["items"][0]
    assert (scale["kind"], scale["follow_up"], scale["scale"]) == ("scale", follow_up, [1, 10])


async def test_a_senior_preview_has_the_optional_senior_section_before_the_summary(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    path = "/templates/standard/preview"
    plain = await bare_api.get(path, headers=auth(HR.id))
    senior = await bare_api.get(path, params={"senior": "true"}, headers=auth(HR.id))
    assert "senior" not in [s["key"] for s in plain.json()["sections"]]
    *_, before, last = senior.json()["sections"]
    assert (before["key"], before["title"], before["optional"]) == ("senior", "Seniorsamtale", True)
    assert last["kind"] == "summary"


async def test_a_preview_in_another_language_is_refused(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await bare_api.get("/templates/loft/preview", params={"lang": "de"}, headers=auth(HR.id))
    assert r.status_code == 422
    assert r.json()["error"] == "InvalidRequest"


async def test_an_unknown_template_or_version_is_a_404(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    for path, params in (("/templates/nosuch", {}), ("/templates/standard", {"version": 2})):
        r = await bare_api.get(path, params=params, headers=auth(HR.id))
        assert r.status_code == 404, r.text
    assert "no template standard version 2" in r.json()["message"]


async def test_hr_adds_a_new_key_and_then_its_next_version(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await bare_api.post("/templates", json=new_template(), headers=auth(HR.id))
    assert r.status_code == 201, r.text
    r = await bare_api.post("/templates", json=new_template(version=2), headers=auth(HR.id))
    assert r.status_code == 201, r.text
    assert ("kort", 2) in await keys(bare_api, auth)
    first = await bare_api.get("/templates/kort", params={"version": 1}, headers=auth(HR.id))
    assert first.json()["version"] == 1


@pytest.mark.parametrize("who", [EMPLOYEE.id, MANAGER.id])
async def test_only_hr_adds_templates(bare_api: httpx.AsyncClient, auth: Auth, who: str) -> None:
    r = await bare_api.post("/templates", json=new_template(), headers=auth(who))
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "Forbidden"
    assert "kort" not in [k for k, _ in await keys(bare_api, auth)]


async def test_a_version_that_exists_is_a_409_and_changes_nothing(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    changed = copy.deepcopy(STANDARD)
    changed["name"] = {"nb": "Endret", "en": "Changed"}
    r = await bare_api.post("/templates", json=changed, headers=auth(HR.id))
    assert r.status_code == 409, r.text
    assert r.json()["rule"] == "template-version"
    assert "send version 2" in r.json()["message"]
    kept = await bare_api.get("/templates/standard", headers=auth(HR.id))
    assert kept.json()["name"]["en"] == "Employee conversation (standard)"


async def test_a_skipped_version_is_refused(bare_api: httpx.AsyncClient, auth: Auth) -> None:
    r = await bare_api.post("/templates", json=new_template(version=2), headers=auth(HR.id))
    assert r.status_code == 422, r.text
    assert r.json()["message"] == "the next version of template kort is 1, not 2"
    assert "kort" not in [k for k, _ in await keys(bare_api, auth)]


@pytest.mark.parametrize(
    ("drop", "reason"),
    [
        ("hms_physical", "no hms_physical section"),
        ("hms_psychosocial", "no hms_psychosocial section"),
    ],
)
async def test_a_template_without_a_work_environment_section_is_a_422_with_the_reason(
    bare_api: httpx.AsyncClient, auth: Auth, drop: str, reason: str
) -> None:
    doc = new_template()
    doc["sections"] = [s for s in doc["sections"] if s["kind"] != drop]
    r = await bare_api.post("/templates", json=doc, headers=auth(HR.id))
    assert r.status_code == 422, r.text
    body = r.json()
    assert (body["error"], body["rule"]) == ("RuleViolation", "template")
    assert reason in body["message"]
    assert body["problems"] == [body["message"]]
    assert "kort" not in [k for k, _ in await keys(bare_api, auth)]


async def test_a_template_asking_for_health_is_refused_with_every_problem(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    doc = new_template()
    doc["sections"][0]["items"][0]["label"]["en"] = "Any sick leave this year?"
    doc["sections"][1]["items"][0]["key"] = doc["sections"][0]["items"][1]["key"]
    r = await bare_api.post("/templates", json=doc, headers=auth(HR.id))
    assert r.status_code == 422, r.text
    assert r.json()["problems"] == [
        "item key ps_wellbeing appears 2 times: keys are unique in a template",
        "item ps_collaboration asks for health, diagnoses or discipline (en: 'sick'): "
        "no field may ask for them",
    ]
    assert "kort" not in [k for k, _ in await keys(bare_api, auth)]


async def test_a_document_that_does_not_fit_the_schema_says_where(
    bare_api: httpx.AsyncClient, auth: Auth
) -> None:
    doc = new_template()
    doc["sections"][0]["items"][0]["kind"] = "essay"
    r = await bare_api.post("/templates", json=doc, headers=auth(HR.id))
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith("sections.0.items.0.kind: Input should be")


# A cycle names its template


async def test_a_cycle_uses_standard_unless_it_names_another(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    r = await api.post("/cycles", json=cycle_body(), headers=auth(HR.id))
    assert r.status_code == 201, r.text
    assert (r.json()["template"], r.json()["template_version"]) == ("standard", 1)


async def test_a_cycles_reviews_keep_the_version_it_started_with(
    api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker
) -> None:
    cycle = cycle_body(template="loft")
    r = await api.post("/cycles", json=cycle, headers=auth(HR.id))
    assert r.status_code == 201, r.text
    assert (r.json()["template"], r.json()["template_version"]) == ("loft", 1)

    async def pinned() -> bool:
        async with sessions() as session:
            row = await session.scalar(select(Review).where(Review.cycle_id == cycle["id"]))
        return row is not None and (row.template_key, row.template_version) == ("loft", 1)

    await eventually(pinned, "the review pinned to loft version 1")


async def test_an_unknown_template_is_a_422_and_starts_no_cycle(
    api: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker
) -> None:
    cycle = cycle_body(template="nosuch")
    r = await api.post("/cycles", json=cycle, headers=auth(HR.id))
    assert r.status_code == 422, r.text
    assert r.json()["rule"] == "template"
    assert r.json()["message"] == "unknown template nosuch: the templates are loft, standard"
    async with sessions() as session:
        assert await session.get(Cycle, cycle["id"]) is None


async def test_the_same_cycle_posted_with_another_template_is_a_409(
    api: httpx.AsyncClient, auth: Auth
) -> None:
    cycle = cycle_body()
    assert (await api.post("/cycles", json=cycle, headers=auth(HR.id))).status_code == 201
    again = await api.post("/cycles", json=cycle | {"template": "loft"}, headers=auth(HR.id))
    assert again.status_code == 409, again.text
    assert again.json()["differs"] == ["template"]
    same = await api.post("/cycles", json=cycle | {"template": "standard"}, headers=auth(HR.id))
    assert same.status_code == 201, same.text
