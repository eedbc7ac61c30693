"""Each reject's stable machine code, beside its sentence (``rejects.reason_code``).

Rows rejected before codes existed keep a null code; the data-quality page and
``scorecard rejects --by-code`` group those by their sentence (docs/loading-formats.md).

Revision 0003, after 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rejects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_code", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rejects", schema=None) as batch_op:
        batch_op.drop_column("reason_code")
