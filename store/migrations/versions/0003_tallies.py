"""phase and slip tallies per cycle and org unit, filled from the reviews already there;
employees indexed by (manager, id) for the kickoff

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Dialect

# Frozen: this migration imports no live code (store/, workflows/, …), so a later change
# there cannot rewrite what it did. What it needs of store/tallies.py and store/types.py
# as they were on 2026-11-24 is copied below.
OSLO = ZoneInfo("Europe/Oslo")
WHOLE_CYCLE = ""
SCHEDULING_SINCE, MEETING_DAY, ACTION_DUE = "scheduling_since", "meeting_day", "action_due"
Rows = Counter[tuple[str, str, str, date | None]]  # (cycle, unit, what, day) -> n

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    phase = op.create_table(
        "phase_tallies",
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("cycle_id", "unit_id", "phase"),
    )
    slip = op.create_table(
        "slip_tallies",
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("cycle_id", "unit_id", "what", "day"),
    )
    _fill(phase, slip)
    op.create_index("ix_employees_manager_id_id", "employees", ["manager_id", "id"], unique=False)


def _fill(phase: sa.Table, slip: sa.Table) -> None:
    """Count the reviews that exist, as the running code would have."""
    bind = op.get_bind()
    units = sa.table("org_units", sa.column("id"), sa.column("parent_id"))
    reviews = sa.table(
        "reviews",
        sa.column("id"),
        sa.column("cycle_id"),
        sa.column("org_unit_id"),
        sa.column("phase"),
        sa.column("phase_since", _UTCDateTime()),
        sa.column("meeting_start", _UTCDateTime()),
    )
    actions = sa.table(
        "actions", sa.column("review_id"), sa.column("due", sa.Date()), sa.column("done_at")
    )
    parents = dict(bind.execute(sa.select(units.c.id, units.c.parent_id)).tuples().all())
    dues: dict[str, list] = defaultdict(list)
    for review_id, due in bind.execute(
        sa.select(actions.c.review_id, actions.c.due).where(actions.c.done_at.is_(None))
    ).tuples():
        dues[review_id].append(due)
    rows: Rows = Counter()
    for rid, cycle_id, unit, p, since, meeting in bind.execute(sa.select(reviews)).tuples():
        counts = _counted(p, since, meeting, dues.get(rid, []))
        for row_unit in _path_in(parents, unit):
            for (what, day), n in counts.items():
                rows[(cycle_id, row_unit, what, day)] += n
    phases, slips = _table_rows(rows)
    if phases:
        op.bulk_insert(phase, phases)
    if slips:
        op.bulk_insert(slip, slips)


class _UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC out; SQLite keeps naive UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _counted(
    phase: str, since: datetime, meeting: datetime | None, dues: list[date]
) -> Counter[tuple[str, date | None]]:
    """What one review adds to its units' tallies."""
    out: Counter[tuple[str, date | None]] = Counter({(phase, None): 1})
    if phase == "scheduling":
        out[(SCHEDULING_SINCE, since.astimezone(OSLO).date())] += 1
    if phase == "awaiting_summary" and meeting is not None:
        out[(MEETING_DAY, meeting.astimezone(OSLO).date())] += 1
    for due in dues:
        out[(ACTION_DUE, due)] += 1
    return out


def _path_in(parents: dict[str, str | None], unit: str | None) -> list[str]:
    path: list[str] = []
    while unit is not None and unit not in path:
        path.append(unit)
        unit = parents.get(unit)
    return [*path, WHOLE_CYCLE]


def _table_rows(rows: Rows) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    changed = sorted(
        ((k, n) for k, n in rows.items() if n), key=lambda kv: (kv[0][:3], kv[0][3] or date.min)
    )
    phases = [
        {"cycle_id": c, "unit_id": u, "phase": w, "n": n}
        for (c, u, w, d), n in changed
        if d is None
    ]
    slips = [
        {"cycle_id": c, "unit_id": u, "what": w, "day": d, "n": n}
        for (c, u, w, d), n in changed
        if d is not None
    ]
    return phases, slips


def downgrade() -> None:
    op.drop_index("ix_employees_manager_id_id", table_name="employees")
    op.drop_table("slip_tallies")
    op.drop_table("phase_tallies")
