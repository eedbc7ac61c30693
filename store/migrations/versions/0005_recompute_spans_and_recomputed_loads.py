"""Incremental recompute: recompute_spans (per LA, kind and date column, the dates the
shared periods and windows come from) and recomputed_loads (the loads the stored results
include). A store upgraded to this has no rows in either: its next recompute is full.

Revision 0005, after 0004.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recompute_spans",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("column_name", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=True),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.Column("first_inside", sa.Date(), nullable=True),
        sa.Column("last_inside", sa.Date(), nullable=True),
        sa.Column("outside", sa.Integer(), nullable=False),
        sa.Column("first_outside", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "kind", "column_name"),
    )
    op.create_table(
        "recomputed_loads",
        sa.Column("load_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("load_id"),
    )


def downgrade() -> None:
    op.drop_table("recomputed_loads")
    op.drop_table("recompute_spans")
