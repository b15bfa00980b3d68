"""phase and slip tallies per cycle and org unit, filled from the reviews already there;
employees indexed by (manager, id) for the kickoff

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from store.tallies import Facts, from_scratch, table_rows
from store.types import UTCDateTime

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
        sa.column("phase_since", UTCDateTime()),
        sa.column("meeting_start", UTCDateTime()),
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
    rows = from_scratch(
        (
            (cycle_id, unit, Facts(p, since, meeting, tuple(dues.get(rid, ()))))
            for rid, cycle_id, unit, p, since, meeting in bind.execute(sa.select(reviews)).tuples()
        ),
        parents,
    )
    phases, slips = table_rows(rows)
    if phases:
        op.bulk_insert(phase, phases)
    if slips:
        op.bulk_insert(slip, slips)


def downgrade() -> None:
    op.drop_index("ix_employees_manager_id_id", table_name="employees")
    op.drop_table("slip_tallies")
    op.drop_table("phase_tallies")
