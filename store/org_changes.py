"""The outbox of re-imports: each import's changes for running cycles, until applied."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OrgChange
from store.org_sync import SyncReport


def carries_anything(report: SyncReport) -> bool:
    return bool(report.added or report.left or report.manager_changed)


async def record(session: AsyncSession, report: SyncReport, *, by: str, now: datetime) -> OrgChange:
    """In the import's own transaction: the changes are kept if and only if the sync is."""
    row = OrgChange(
        id=uuid.uuid4().hex,
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
