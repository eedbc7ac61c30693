"""Targets set in the app or with `scorecard targets set`: target_overrides (metrics/targets.py).

Revision 0009, after 0008.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target_overrides",
        sa.Column("kpi_id", sa.String(length=64), nullable=False),
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("tolerance", sa.Float(), nullable=True),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kpi_id", "la_code"),
    )


def downgrade() -> None:
    op.drop_table("target_overrides")
