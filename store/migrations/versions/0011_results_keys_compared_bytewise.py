"""The results tables' key columns compared byte by byte on PostgreSQL (``COLLATE "C"``).

Revision 0011, after 0010. ``kpi_results`` and ``kpi_spc`` are keyed by text (LA,
indicator, grain, breakdown, group). Under the database's collation each comparison in
their primary keys' B-trees goes through ICU or the C library: a ``COPY`` of one LA's
results took 1.88 s under ``en-GB-x-icu`` against 1.38 s with ``"C"``
(``store.schema.key_text``, docs/performance.md, eleventh session). SQLite compares
text byte by byte already: nothing changes there. Changing a column's collation
rebuilds the indexes that use it, inside the upgrade's transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Each table's key columns and their types at this revision.
KEYS = {
    "kpi_results": {"la_code": 16, "kpi_id": 64, "grain": 8, "breakdown": 16, "group_name": None},
    "kpi_spc": {"la_code": 16, "kpi_id": 64, "breakdown": 16, "group_name": None},
}


def _type(length: int | None, collation: str | None) -> sa.types.TypeEngine[str]:
    return sa.Text(collation=collation) if length is None else sa.String(length, collation=collation)


def _alter(collation: str | None) -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table, columns in KEYS.items():
        for name, length in columns.items():
            op.alter_column(
                table,
                name,
                type_=_type(length, collation),
                existing_type=_type(length, None),
                existing_nullable=False,
            )


def upgrade() -> None:
    _alter("C")


def downgrade() -> None:
    _alter(None)
