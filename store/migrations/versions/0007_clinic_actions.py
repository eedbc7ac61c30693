"""Clinic actions: an action and its versions (scorecard/actions.py).

Revision 0007, after 0006.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clinic_actions",
        sa.Column("action_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kpi_id", sa.String(length=64), nullable=False),
        sa.Column("la_code", sa.String(length=16), nullable=True),
        sa.Column("grain", sa.String(length=8), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("agency", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("action_id"),
    )
    with op.batch_alter_table("clinic_actions", schema=None) as batch_op:
        batch_op.create_index("ix_clinic_actions_kpi", ["kpi_id", "la_code"], unique=False)

    op.create_table(
        "clinic_action_versions",
        sa.Column("version_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["clinic_actions.action_id"],
        ),
        sa.PrimaryKeyConstraint("version_id"),
    )
    with op.batch_alter_table("clinic_action_versions", schema=None) as batch_op:
        batch_op.create_index("ix_clinic_action_versions_action", ["action_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clinic_action_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_clinic_action_versions_action")

    op.drop_table("clinic_action_versions")
    with op.batch_alter_table("clinic_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_clinic_actions_kpi")

    op.drop_table("clinic_actions")
