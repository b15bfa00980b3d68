"""Conversation templates in the database: every version HR added, and the built-ins.

A stored version never changes: reviews keep the version they started with. The
built-in templates (`standard`, `loft`) are written on first use rather than by a
migration: a migration imports no live code (it would need a frozen copy of every
document), and first use takes whatever built-in versions this release ships, so a
later `standard` version 2 in code arrives without a migration of its own. The insert
is idempotent (ON CONFLICT DO NOTHING), so two first uses at once write each row once.

Which template a review uses: its own pinned (key, version); for a review started
before templates, its cycle's, and for a cycle started before, the default's latest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conversation.templates import (
    DEFAULT_TEMPLATE_KEY,
    Template,
    builtin_templates,
    for_employee,
)
from store.db import upsert_insert
from store.models import Cycle, Employee, Review, TemplateRow


class NoSuchTemplate(LookupError):
    """No template with this key (or not this version of it)."""

    def __init__(self, key: str, version: int | None = None) -> None:
        what = key if version is None else f"{key} version {version}"
        super().__init__(f"no template {what}")
        self.key, self.version = key, version


class TemplateVersionTaken(Exception):
    """The version exists already: a stored version never changes."""


class TemplateVersionSkipped(Exception):
    """Versions count up one at a time, so every reader can tell which came before."""


@dataclass(frozen=True)
class StoredTemplate:
    template: Template
    versions: list[int]  # every stored version of its key, oldest first
    created_by: str | None  # None for a built-in
    created_at: datetime


def document_of(t: Template) -> str:
    """The stored document: the parsed template (help notes included), as JSON."""
    return t.model_dump_json()


async def ensure_builtins(session: AsyncSession) -> None:
    """Write the built-in versions this release ships that the database lacks."""
    wanted = builtin_templates()
    have = set(
        (
            await session.execute(
                select(TemplateRow.key, TemplateRow.version).where(
                    TemplateRow.key.in_([t.key for t in wanted])
                )
            )
        ).tuples()
    )
    missing = [t for t in wanted if (t.key, t.version) not in have]
    if not missing:
        return
    insert = upsert_insert(session.get_bind().dialect.name)
    now = datetime.now(UTC)
    rows = [
        {"key": t.key, "version": t.version, "document": document_of(t), "created_at": now}
        for t in missing
    ]
    await session.execute(insert(TemplateRow).values(rows).on_conflict_do_nothing())


async def list_templates(session: AsyncSession) -> list[StoredTemplate]:
    """Every key's latest version, by key."""
    await ensure_builtins(session)
    rows = list(await session.scalars(select(TemplateRow).order_by(TemplateRow.key)))
    versions: dict[str, list[int]] = {}
    latest: dict[str, TemplateRow] = {}
    for row in sorted(rows, key=lambda r: (r.key, r.version)):
        versions.setdefault(row.key, []).append(row.version)
        latest[row.key] = row
    return [_stored(row, versions[key]) for key, row in latest.items()]


async def get_template(
    session: AsyncSession, key: str, version: int | None = None
) -> StoredTemplate:
    """One version of a template (default: its latest); NoSuchTemplate if there is none."""
    await ensure_builtins(session)
    versions = await _versions(session, key)
    if not versions or (version is not None and version not in versions):
        raise NoSuchTemplate(key, version)
    row = await session.get(TemplateRow, (key, version or versions[-1]))
    assert row is not None, "listed a moment ago, in the same transaction"
    return _stored(row, versions)


async def latest_version(session: AsyncSession, key: str) -> int:
    """The version a cycle started now pins; NoSuchTemplate for an unknown key."""
    await ensure_builtins(session)
    versions = await _versions(session, key)
    if not versions:
        raise NoSuchTemplate(key)
    return versions[-1]


async def add_template(
    session: AsyncSession, t: Template, *, created_by: str, now: datetime
) -> StoredTemplate:
    """Store a parsed template as a new key (version 1) or its key's next version."""
    await ensure_builtins(session)
    versions = await _versions(session, t.key)
    if t.version in versions:
        raise TemplateVersionTaken(
            f"template {t.key} version {t.version} exists and never changes: "
            f"send version {versions[-1] + 1}"
        )
    expected = versions[-1] + 1 if versions else 1
    if t.version != expected:
        raise TemplateVersionSkipped(
            f"the next version of template {t.key} is {expected}, not {t.version}"
        )
    row = TemplateRow(
        key=t.key,
        version=t.version,
        document=document_of(t),
        created_by=created_by,
        created_at=now,
    )
    try:
        async with session.begin_nested():  # another writer may have taken it meanwhile
            session.add(row)
    except IntegrityError:
        raise TemplateVersionTaken(
            f"template {t.key} version {t.version} was just added by someone else and "
            "never changes: reload it and send the next version"
        ) from None
    return _stored(row, [*versions, t.version])


async def cycle_template(session: AsyncSession, cycle_id: str) -> tuple[str | None, int | None]:
    """The (key, version) a cycle pinned when it started: what its reviews start with."""
    row = (
        await session.execute(
            select(Cycle.template_key, Cycle.template_version).where(Cycle.id == cycle_id)
        )
    ).first()
    return (row[0], row[1]) if row else (None, None)


async def template_for_review(session: AsyncSession, review_id: str) -> Template:
    """The template the review's employee fills in: the version it started with (or its
    cycle's, or the default's latest for a review from before templates), with the
    senior section from the cycle year the employee turns 62. KeyError: no such review."""
    row = (
        await session.execute(
            select(
                Review.template_key,
                Review.template_version,
                Cycle.template_key,
                Cycle.template_version,
                Cycle.year,
                Employee.birth_year,
            )
            .join(Cycle, Cycle.id == Review.cycle_id)
            .join(Employee, Employee.id == Review.employee_id)
            .where(Review.id == review_id)
        )
    ).first()
    if row is None:
        raise KeyError(review_id)
    own_key, own_version, cycle_key, cycle_version, year, birth_year = row
    key = own_key or cycle_key or DEFAULT_TEMPLATE_KEY
    version = own_version if own_key else (cycle_version if key == cycle_key else None)
    t = (await get_template(session, key, version)).template
    if own_key is None or own_version is None:
        # A review from before templates is pinned at first use: a later version of the
        # default never changes the questions under a preparation already begun.
        await session.execute(
            update(Review)
            .where(Review.id == review_id, Review.template_version.is_(None))
            .values(template_key=t.key, template_version=t.version)
        )
    return for_employee(t, birth_year=birth_year, cycle_year=year)


async def _versions(session: AsyncSession, key: str) -> list[int]:
    q = select(TemplateRow.version).where(TemplateRow.key == key).order_by(TemplateRow.version)
    return list(await session.scalars(q))


def _stored(row: TemplateRow, versions: Sequence[int]) -> StoredTemplate:
    return StoredTemplate(
        template=Template.model_validate_json(row.document),
        versions=list(versions),
        created_by=row.created_by,
        created_at=row.created_at,
    )
