"""Templates at their edges: what ships, what parse_template refuses and why, and the
senior section from the year an employee turns 62 (61 does not get it)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conversation.builtin import LOFT, STANDARD
from conversation.templates import (
    DEFAULT_TEMPLATE_KEY,
    HEALTH_NOTE,
    ItemKind,
    SectionKind,
    Template,
    TemplateRefused,
    builtin_templates,
    for_employee,
    parse_template,
)

LOFT_QUESTIONS = [
    ("Hvorfor ikke lavere?", "Why not lower?"),
    ("Hva skal til for å komme ett trinn opp?", "What would take you one step up?"),
]


def standard_doc() -> dict[str, Any]:
    return copy.deepcopy(STANDARD)


def section(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in doc["sections"] if s["key"] == key)


def without(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    doc["sections"] = [s for s in doc["sections"] if s["kind"] != kind]
    return doc


def refusal(doc: object) -> str:
    with pytest.raises(TemplateRefused) as caught:
        parse_template(doc)  # type: ignore[arg-type]
    return caught.value.reason


def builtin(key: str) -> Template:
    return next(t for t in builtin_templates() if t.key == key)


def test_standard_and_loft_ship_as_version_1_and_standard_is_the_default() -> None:
    assert [(t.key, t.version) for t in builtin_templates()] == [("standard", 1), ("loft", 1)]
    assert DEFAULT_TEMPLATE_KEY == "standard"


def test_standard_has_the_sections_issue_10_lists_in_order() -> None:
    assert [(s.key, s.kind) for s in builtin("standard").sections] == [
        ("follow_up_last", SectionKind.FOLLOW_UP_LAST),
        ("tasks_goals", SectionKind.GENERAL),
        ("psychosocial", SectionKind.HMS_PSYCHOSOCIAL),
        ("physical", SectionKind.HMS_PHYSICAL),
        ("collaboration", SectionKind.GENERAL),
        ("leadership", SectionKind.FEEDBACK_TO_MANAGER),
        ("competence", SectionKind.GENERAL),
        ("career", SectionKind.GENERAL),
        ("summary", SectionKind.SUMMARY),
    ]


def test_standard_work_environment_items_are_hms_items_with_their_categories() -> None:
    t = builtin("standard")
    for kind, categories in (
        (
            SectionKind.HMS_PSYCHOSOCIAL,
            ["collaboration", "well_being", "workload", "harassment_conflict"],
        ),
        (SectionKind.HMS_PHYSICAL, ["equipment", "light", "noise", "indoor_climate", "ergonomics"]),
    ):
        s = t.section(kind)
        assert s is not None
        assert [i.kind for i in s.items] == [ItemKind.HMS] * len(categories)
        assert [i.category for i in s.items] == categories


def test_loft_is_solution_focused_with_a_scale_and_both_questions_per_area() -> None:
    t = builtin("loft")
    assert [s.key for s in t.sections] == [
        "follow_up_last",
        "works_well",
        "areas",
        "psychosocial",
        "physical",
        "leadership",
        "wanted_future",
        "already_doing",
        "next_step",
    ]
    scales = [i for i in t.items().values() if i.kind == ItemKind.SCALE]
    assert len(scales) == 6
    for item in scales:
        assert [(q.nb, q.en) for q in item.follow_up] == LOFT_QUESTIONS
    assert t.sections[-1].kind == SectionKind.SUMMARY


def test_loft_keeps_standards_hms_categories() -> None:
    def categories(t: Template) -> list[str | None]:
        return [i.category for i in t.items().values() if i.kind == ItemKind.HMS]

    assert categories(builtin("loft")) == categories(builtin("standard"))


@pytest.mark.parametrize("key", ["standard", "loft"])
def test_every_builtin_names_its_special_sections_once(key: str) -> None:
    kinds = [s.kind for s in builtin(key).sections]
    for kind in (SectionKind.FOLLOW_UP_LAST, SectionKind.FEEDBACK_TO_MANAGER, SectionKind.SUMMARY):
        assert kinds.count(kind) == 1


@pytest.mark.parametrize("key", ["standard", "loft"])
def test_every_written_item_tells_the_writer_not_to_write_health_information(key: str) -> None:
    items = builtin(key).items().values()
    written = [i for i in items if i.kind != ItemKind.CHOICE]
    assert written
    assert all(i.help == HEALTH_NOTE for i in written)


def test_the_note_follows_an_items_own_help_once_even_parsed_twice() -> None:
    doc = standard_doc()
    section(doc, "career")["items"][0]["help"] = {"nb": "Tenk fem år frem.", "en": "Think ahead."}
    once = parse_template(doc)
    twice = parse_template(once.model_dump(mode="json"))
    assert twice == once
    help = once.items()["career_wishes"].help
    assert help is not None
    assert help.nb == f"Tenk fem år frem. {HEALTH_NOTE.nb}"
    assert help.en == f"Think ahead. {HEALTH_NOTE.en}"


def test_a_builtins_document_parses_back_to_the_same_template() -> None:
    for t in builtin_templates():
        assert parse_template(t.model_dump(mode="json")) == t


def test_items_and_section_of_find_an_item_by_key() -> None:
    t = builtin("standard")
    assert t.items()["ps_workload"].category == "workload"
    assert t.section_of("ps_workload").kind == SectionKind.HMS_PSYCHOSOCIAL
    with pytest.raises(KeyError):
        t.section_of("no_such_item")


# Refusals


def test_a_template_without_a_psychosocial_section_is_refused() -> None:
    reason = refusal(without(standard_doc(), "hms_psychosocial"))
    assert "no hms_psychosocial section" in reason
    assert "hms_physical" not in reason


def test_a_template_without_a_physical_section_is_refused() -> None:
    reason = refusal(without(standard_doc(), "hms_physical"))
    assert "no hms_physical section" in reason
    assert "hms_psychosocial" not in reason


def test_a_work_environment_section_without_an_hms_item_is_refused() -> None:
    doc = standard_doc()
    section(doc, "physical")["items"] = [
        {"key": "room", "kind": "text", "label": {"nb": "Rommet?", "en": "The room?"}}
    ]
    assert "section physical (hms_physical) has no hms item" in refusal(doc)


def test_an_hms_item_outside_a_work_environment_section_is_refused() -> None:
    doc = standard_doc()
    section(doc, "career")["items"].append(copy.deepcopy(section(doc, "physical")["items"][0]))
    section(doc, "career")["items"][-1]["key"] = "career_equipment"
    assert "hms items career_equipment belong in a work-environment section" in refusal(doc)


@pytest.mark.parametrize(
    ("field", "lang", "text", "word"),
    [
        ("label", "nb", "Hvordan er helsen din?", "helsen"),
        ("label", "en", "Any sick days this year?", "sick"),
        ("label", "nb", "Er du syk ofte?", "syk"),
        ("label", "en", "Do you have a diagnosis?", "diagnosis"),
        ("label", "nb", "Har du fått en advarsel?", "advarsel"),
        ("label", "nb", "Går du til psykolog?", "psykolog"),
        ("label", "en", "Any disciplinary matters?", "disciplinary"),
        ("help", "en", "Mention any medication.", "medication"),
        ("help", "nb", "Nevn sykemelding om du har en.", "sykemelding"),
    ],
)
def test_a_text_asking_for_health_diagnoses_or_discipline_is_refused(
    field: str, lang: str, text: str, word: str
) -> None:
    doc = standard_doc()
    item = section(doc, "career")["items"][0]
    item[field] = {"nb": "Tekst.", "en": "Text.", lang: text}
    reason = refusal(doc)
    assert "item career_wishes asks for health" in reason or "help of item career_wishes" in reason
    assert f"({lang}: '{word}')" in reason


@pytest.mark.parametrize(
    "text",
    [
        "Hvordan er sykkelparkeringen?",  # sykkel is not syk
        "Hvordan fungerer HMS (helse, miljø og sikkerhet) hos oss?",
        "Is there an illustration of the plan?",  # illustration is not ill
        "Opplever du psykologisk trygghet i gruppen?",  # a work topic, not a psychologist
    ],
)
def test_words_that_only_look_like_health_words_pass(text: str) -> None:
    doc = standard_doc()
    section(doc, "career")["items"][0]["label"]["nb"] = text
    assert parse_template(doc).items()["career_wishes"].label.nb == text


def test_a_health_word_in_a_section_title_is_refused() -> None:
    doc = standard_doc()
    section(doc, "career")["title"]["en"] = "Career and health"
    assert "the title of section career asks for health" in refusal(doc)


def test_a_health_word_in_a_choice_option_is_refused() -> None:
    doc = standard_doc()
    section(doc, "career")["items"].append(
        {
            "key": "career_pace",
            "kind": "choice",
            "label": {"nb": "Tempo?", "en": "Pace?"},
            "options": [
                {"key": "same", "label": {"nb": "Som nå", "en": "As now"}},
                {"key": "less", "label": {"nb": "Lavere av helsehensyn", "en": "Lower"}},
            ],
        }
    )
    assert "option less of item career_pace asks for health" in refusal(doc)


def test_an_item_key_used_twice_is_refused_even_in_different_sections() -> None:
    doc = standard_doc()
    section(doc, "career")["items"][0]["key"] = "tasks"
    assert "item key tasks appears 2 times" in refusal(doc)


def test_a_section_key_used_twice_is_refused() -> None:
    doc = standard_doc()
    section(doc, "career")["key"] = "competence"
    assert "section key competence appears 2 times" in refusal(doc)


def test_two_summary_sections_are_refused() -> None:
    doc = standard_doc()
    section(doc, "career")["kind"] = "summary"
    assert "2 sections of kind summary" in refusal(doc)


def test_a_senior_key_outside_the_senior_section_is_refused() -> None:
    doc = standard_doc()
    section(doc, "career")["items"][0]["key"] = "senior_career"
    assert "senior_career: keys starting senior_ belong to the senior section" in refusal(doc)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: section(d, "career")["items"][0].update(kind="essay"), "kind: Input should be"),
        (lambda d: section(d, "career")["items"][0]["label"].pop("en"), "label.en: Field required"),
        (lambda d: section(d, "career")["items"][0]["label"].update(nb="  "), "label.nb"),
        (lambda d: section(d, "career")["items"][0].update(colour="red"), "colour: Extra inputs"),
        (lambda d: section(d, "career").update(items=[]), "sections.7.items"),
        (lambda d: d.update(version=0), "version: Input should be greater than or equal to 1"),
        (lambda d: d.update(key="Ny mal"), "key: String should match pattern"),
        (lambda d: section(d, "physical")["items"][0].pop("category"), "needs a category"),
        (
            lambda d: section(d, "career")["items"][0].update(category="noise"),
            "only an hms item has a category",
        ),
        (
            lambda d: section(d, "career")["items"][0].update(
                follow_up=[{"nb": "Hvorfor?", "en": "Why?"}]
            ),
            "only a scale item has follow-up questions",
        ),
        (
            lambda d: section(d, "career")["items"][0].update(
                kind="choice", options=[{"key": "a", "label": {"nb": "A", "en": "A"}}]
            ),
            "needs at least two options",
        ),
    ],
)
def test_a_document_that_does_not_fit_the_schema_is_refused_with_where(
    change: Any, expected: str
) -> None:
    doc = standard_doc()
    change(doc)
    assert expected in refusal(doc)


def test_every_problem_is_named_not_just_the_first() -> None:
    doc = without(without(standard_doc(), "hms_physical"), "hms_psychosocial")
    with pytest.raises(TemplateRefused) as caught:
        parse_template(doc)
    assert len(caught.value.problems) == 2


def test_something_that_is_not_an_object_is_refused() -> None:
    assert "a template is a JSON object" in refusal(["standard"])


def test_loft_as_a_document_passes_the_same_door() -> None:
    assert parse_template(copy.deepcopy(LOFT)) == builtin("loft")


# The senior section


def sections_for(birth_year: int | None, cycle_year: int = 2027, **kw: Any) -> list[str]:
    t = for_employee(builtin("standard"), birth_year=birth_year, cycle_year=cycle_year, **kw)
    return [s.key for s in t.sections]


def test_an_employee_who_turns_61_in_the_cycle_year_gets_no_senior_section() -> None:
    assert "senior" not in sections_for(1966)


def test_an_employee_who_turns_62_in_the_cycle_year_gets_it_before_the_summary() -> None:
    keys = sections_for(1965)
    assert keys[-2:] == ["senior", "summary"]
    assert len(keys) == len(builtin("standard").sections) + 1


def test_the_senior_section_is_optional_and_covers_its_five_topics() -> None:
    t = for_employee(builtin("loft"), birth_year=1950, cycle_year=2027)
    senior = t.section(SectionKind.SENIOR)
    assert senior is not None and senior.optional
    assert [i.key for i in senior.items] == [
        "senior_life_phase",
        "senior_load",
        "senior_adaptation",
        "senior_competence",
        "senior_days",
    ]
    assert all(i.help == HEALTH_NOTE for i in senior.items if i.kind != ItemKind.CHOICE)
    assert not any(s.optional for s in t.sections if s.kind != SectionKind.SENIOR)


def test_without_a_birth_year_there_is_no_senior_section() -> None:
    assert "senior" not in sections_for(None)


def test_the_age_the_senior_section_starts_is_a_parameter() -> None:
    assert "senior" in sections_for(1967, senior_from_age=60)
    assert "senior" not in sections_for(1968, senior_from_age=60)


def test_a_templates_own_senior_section_is_kept_from_62_and_left_out_before() -> None:
    doc = standard_doc()
    doc["sections"].insert(
        1,
        {
            "key": "later_years",
            "kind": "senior",
            "optional": True,
            "title": {"nb": "Årene fremover", "en": "The years ahead"},
            "items": [
                {"key": "senior_plans", "kind": "text", "label": {"nb": "Planer?", "en": "Plans?"}}
            ],
        },
    )
    t = parse_template(doc)
    older = for_employee(t, birth_year=1965, cycle_year=2027)
    younger = for_employee(t, birth_year=1966, cycle_year=2027)
    assert [s.key for s in older.sections] == [s.key for s in t.sections]
    assert "later_years" not in [s.key for s in younger.sections]
    assert len(younger.sections) == len(t.sections) - 1
