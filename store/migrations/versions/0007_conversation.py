"""the conversation's text: preparations, summary versions with the employee's comment;
its facts on reviews and actions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("summary_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("decision", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("hms_categories", sa.String(length=1000), server_default="", nullable=False)
        )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=32), server_default="other", nullable=False)
        )
    op.create_table(
        "preparations",
        sa.Column("review_id", sa.String(length=160), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("feedback_in_summary", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("salt", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["employees.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"]),
        sa.PrimaryKeyConstraint("review_id", "author_id"),
    )
    op.create_table(
        "summary_versions",
        sa.Column("review_id", sa.String(length=160), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("hms", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("commented_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["employees.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"]),
        sa.PrimaryKeyConstraint("review_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("summary_versions")
    op.drop_table("preparations")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("hms_categories")
        batch_op.drop_column("decision")
        batch_op.drop_column("summary_version")
