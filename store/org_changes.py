"""The outbox of re-imports: each import's changes for running cycles, until applied."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.models import Cycle, Employee, OrgChange, OrgImport, Review
from store.org_sync import SyncReport
from workflows.contracts import TERMINAL_PHASES

ENDED = tuple(p.value for p in TERMINAL_PHASES)
CHUNK = 1000  # ids per IN (…): far below every driver's limit on bound parameters


def carries_anything(report: SyncReport) -> bool:
    return bool(report.added or report.left or report.manager_changed)


async def record(
    session: AsyncSession,
    report: SyncReport,
    *,
    by: str,
    now: datetime,
    change_id: str | None = None,
) -> OrgChange:
    """In the import's own transaction: the changes are kept if and only if the sync is.
    An import gives its own id, so the log and the outbox share it."""
    row = OrgChange(
        id=change_id or uuid.uuid4().hex,
        created_at=now,
        created_by=by,
        report=json.dumps(
            {
                "added": report.added,
                "left": report.left,
                "manager_changed": report.manager_changed,
            }
        ),
    )
    session.add(row)
    return row


def report_of(change: OrgChange) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(change.report)
    return report


async def pending(session: AsyncSession) -> list[str]:
    """Changes not applied yet, oldest first: their workflow may never have started."""
    rows = await session.scalars(
        select(OrgChange.id).where(OrgChange.applied_at.is_(None)).order_by(OrgChange.created_at)
    )
    return list(rows)


async def mark_applied(
    session: AsyncSession, change_id: str, result: dict[str, int], at: datetime
) -> None:
    row = await session.get(OrgChange, change_id)
    if row is not None and row.applied_at is None:
        row.result = json.dumps(result)
        row.applied_at = at


async def result_of(session: AsyncSession, change_id: str) -> OrgChange | None:
    return await session.get(OrgChange, change_id)


async def get_import(session: AsyncSession, import_id: str) -> OrgImport | None:
    return await session.get(OrgImport, import_id)


@dataclass(frozen=True)
class OpenReview:
    review_id: str
    cycle_id: str
    employee_id: str
    employee_name: str
    manager_id: str
    manager_name: str


async def open_reviews_of(session: AsyncSession, employee_ids: Sequence[str]) -> list[OpenReview]:
    """The open reviews in running cycles of these employees: those a re-import cancels
    (leavers) or moves to a new manager, as the org changes activity finds them."""
    manager = aliased(Employee)
    out: list[OpenReview] = []
    ids = sorted(set(employee_ids))
    for i in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(Review.id, Review.cycle_id, Review.employee_id, Employee.name)
            .add_columns(Review.manager_id, manager.name)
            .join(Cycle, Cycle.id == Review.cycle_id)
            .join(Employee, Employee.id == Review.employee_id)
            .join(manager, manager.id == Review.manager_id)
            .where(
                Cycle.status == "running",
                Review.phase.not_in(ENDED),
                Review.employee_id.in_(ids[i : i + CHUNK]),
            )
            .order_by(Review.cycle_id, Review.employee_id)
        )
        out += [OpenReview(*r) for r in rows.tuples()]
    return out


def log(
    session: AsyncSession,
    report: SyncReport,
    *,
    import_id: str,
    by: str,
    now: datetime,
    file_digest: str,
    rows: int,
    confirmed: bool,
) -> OrgImport:
    """Every applied import, in its own transaction: who, when, which file, what changed."""
    row = OrgImport(
        id=import_id,
        at=now,
        by=by,
        file_digest=file_digest,
        rows=rows,
        added=len(report.added),
        updated=len(report.updated),
        left=len(report.left),
        unchanged=report.unchanged,
        confirmed=confirmed,
    )
    session.add(row)
    return row


async def imports(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[list[tuple[OrgImport, OrgChange | None]], int]:
    """Applied imports, newest first, each with its changes to running cycles if any."""
    total = await session.scalar(select(func.count()).select_from(OrgImport)) or 0
    rows = await session.execute(
        select(OrgImport, OrgChange)
        .outerjoin(OrgChange, OrgChange.id == OrgImport.id)
        .order_by(OrgImport.at.desc(), OrgImport.id)
        .limit(limit)
        .offset(offset)
    )
    return [(i, c) for i, c in rows.tuples()], total
