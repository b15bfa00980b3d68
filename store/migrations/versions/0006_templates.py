"""conversation templates; the template a cycle and each review use; employees' birth year

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Only additions: every new column is nullable, and NULL means what it did before this
revision (a cycle or review started before templates uses the default template; an
employee whose birth year is unknown gets no senior section). The built-in templates are
not seeded here: a migration imports no live code, and the store adds the built-ins this
release ships on first use (store/templates.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["employees.id"]),
        sa.PrimaryKeyConstraint("key", "version"),
    )
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("template_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("template_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_column("birth_year")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("template_version")
        batch_op.drop_column("template_key")
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_column("template_version")
        batch_op.drop_column("template_key")
    op.drop_table("templates")
