"""org units, employment dates, cycle scope

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_units",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["org_units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_units_parent_id"), ["parent_id"], unique=False)

    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="running")
        )
        batch_op.add_column(sa.Column("final_figures", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("policy", sa.Text(), nullable=True))

    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_unit_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_date", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_employees_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_employees_org_unit_id", "org_units", ["org_unit_id"], ["id"]
        )

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_unit_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_reviews_cycle_unit_phase", ["cycle_id", "org_unit_id", "phase"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_cycle_unit_phase")
        batch_op.drop_column("org_unit_id")

    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_constraint("fk_employees_org_unit_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_employees_org_unit_id"))
        batch_op.drop_column("end_date")
        batch_op.drop_column("start_date")
        batch_op.drop_column("org_unit_id")

    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_column("policy")
        batch_op.drop_column("final_figures")
        batch_op.drop_column("status")
        batch_op.drop_column("scope")

    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_units_parent_id"))

    op.drop_table("org_units")
