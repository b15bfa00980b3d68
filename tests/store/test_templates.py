"""Templates in the database: the built-ins on first use, versions that never change, and
the template a review uses: the version it started with, its employee's senior section."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversation.templates import SectionKind, Template, builtin_templates, parse_template
from store import templates as templates_store
from store.cycles import InScope, register_reviews
from store.directory import CycleSpec, employees_by_id, register_cycle
from store.models import Employee, Review, TemplateRow
from store.readmodel import apply_sync
from store.templates import (
    TemplateVersionTaken,
    add_template,
    ensure_builtins,
    get_template,
    list_templates,
    template_for_review,
)
from tests.factories import EMPLOYEE, HR, MANAGER
from tests.workflows.review_states import review
from workflows.contracts import Policy, ReviewSync

NOW = datetime(2027, 1, 10, 9, tzinfo=UTC)


def builtin(key: str) -> Template:
    return next(t for t in builtin_templates() if t.key == key)


def next_version(key: str, name: str) -> Template:
    doc = builtin(key).model_dump(mode="json")
    return parse_template(doc | {"version": 2, "name": {"nb": name, "en": name}})


async def start_cycle(session: AsyncSession, cycle_id: str, template: str) -> None:
    spec = CycleSpec(
        id=cycle_id,
        name="Samtaler",
        year=2027,
        window_start=date(2027, 1, 4),
        window_end=date(2027, 12, 17),
        scope=None,
        employee_ids=None,
        policy=Policy(),
        template=template,
    )
    await register_cycle(session, spec, created_by=HR.id, now=NOW)


async def kick_off(session: AsyncSession, cycle_id: str) -> str:
    """The employee's review, registered as a kickoff registers it."""
    people = await employees_by_id(session, [EMPLOYEE.id, MANAGER.id])
    review_id = f"review:{cycle_id}:{EMPLOYEE.id}"
    await register_reviews(
        session,
        cycle_id=cycle_id,
        review_ids=[review_id],
        people=[InScope(people[EMPLOYEE.id], people[MANAGER.id])],
        now=NOW,
    )
    return review_id


async def test_the_builtins_are_stored_on_first_use_and_only_once(db: async_sessionmaker) -> None:
    async with db.begin() as session:
        await ensure_builtins(session)
        await ensure_builtins(session)
        listed = await list_templates(session)
        rows = await session.scalar(select(func.count()).select_from(TemplateRow))
    assert rows == 2
    assert [(s.template.key, s.template.version, s.created_by) for s in listed] == [
        ("loft", 1, None),
        ("standard", 1, None),
    ]
    assert [s.template for s in listed] == [builtin("loft"), builtin("standard")]


async def test_a_cycle_pins_its_templates_latest_version_and_its_reviews_keep_it(
    db: async_sessionmaker,
) -> None:
    async with db.begin() as session:
        await start_cycle(session, "c-loft", "loft")
        review_id = await kick_off(session, "c-loft")
        await add_template(session, next_version("loft", "LØFT 2"), created_by=HR.id, now=NOW)
    async with db.begin() as session:
        row = await session.get(Review, review_id)
        assert row is not None
        assert (row.template_key, row.template_version) == ("loft", 1)
        assert (await template_for_review(session, review_id)) == builtin("loft")
        assert (await get_template(session, "loft")).template.version == 2


async def test_a_review_from_before_templates_gets_the_defaults_latest_version(
    db: async_sessionmaker,
) -> None:
    # The seeded cycle 2027 is written as before templates: no template of its own.
    async with db.begin() as session:
        review_id = await kick_off(session, "2027")
        v2 = next_version("standard", "Standard 2")
        await add_template(session, v2, created_by=HR.id, now=NOW)
    async with db.begin() as session:
        row = await session.get(Review, review_id)
        assert row is not None and row.template_key is None and row.template_version is None
        assert (await template_for_review(session, review_id)) == v2


async def test_a_review_from_before_templates_keeps_the_version_it_first_used(
    db: async_sessionmaker,
) -> None:
    async with db.begin() as session:
        review_id = await kick_off(session, "2027")
        first = await template_for_review(session, review_id)
    async with db.begin() as session:
        v2 = next_version("standard", "Standard 2")
        await add_template(session, v2, created_by=HR.id, now=NOW)
    async with db.begin() as session:
        row = await session.get(Review, review_id)
        assert row is not None and (row.template_key, row.template_version) == ("standard", 1)
        assert (await template_for_review(session, review_id)) == first == builtin("standard")


async def test_a_late_joiners_first_row_keeps_its_cycles_version(db: async_sessionmaker) -> None:
    async with db.begin() as session:
        await start_cycle(session, "c-late", "loft")
    joiner = review(since=NOW, review_id="review:c-late:e-100", cycle_id="c-late", version=1)
    async with db.begin() as session:
        await apply_sync(session, ReviewSync(joiner, []))
    async with db.begin() as session:
        row = await session.get(Review, joiner.review_id)
        assert row is not None
        assert (row.template_key, row.template_version) == ("loft", 1)


@pytest.mark.parametrize(("birth_year", "senior"), [(1965, True), (1966, False), (None, False)])
async def test_the_senior_section_follows_the_birth_year_and_the_cycle_year(
    db: async_sessionmaker, birth_year: int | None, senior: bool
) -> None:
    async with db.begin() as session:
        await session.execute(
            update(Employee).where(Employee.id == EMPLOYEE.id).values(birth_year=birth_year)
        )
        review_id = await kick_off(session, "2027")  # the cycle of 2027
        t = await template_for_review(session, review_id)
    assert (t.section(SectionKind.SENIOR) is not None) is senior


async def test_an_unknown_review_has_no_template(db: async_sessionmaker) -> None:
    async with db.begin() as session:
        with pytest.raises(KeyError):
            await template_for_review(session, "review:2027:nobody")


async def test_a_version_someone_else_just_added_is_taken_not_a_crash(
    db: async_sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    v2 = next_version("standard", "Standard 2")
    async with db.begin() as session:
        await add_template(session, v2, created_by=HR.id, now=NOW)

    async def as_read_before_it(_: AsyncSession, key: str) -> list[int]:
        return [1]  # what the other writer's transaction read before this one committed

    monkeypatch.setattr(templates_store, "_versions", as_read_before_it)
    async with db.begin() as session:
        with pytest.raises(TemplateVersionTaken, match="just added"):
            await add_template(session, v2, created_by=HR.id, now=NOW)
