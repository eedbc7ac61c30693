"""``kpi_results`` partitioned by LA on PostgreSQL.

Revision 0013, after 0012. A full recompute on PostgreSQL fills one table per LA side by
side (rows, then key, then statistics) and attaches them to a fresh partitioned table
at the swap (``store.refill``): 0.65-0.91 s for the 2-LA store's results against
1.02-1.29 s copying them into one table that has the key (docs/performance.md,
thirteenth session). This revision makes the table partitioned (``LIST (la_code)``)
with one default partition, ``kpi_results__default``, holding every row it had; the
next full recompute gives each LA a partition of its own. SQLite has no partitions:
nothing changes there.

The downgrade makes it one plain table again, with the same rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLE = "kpi_results"
KEY = ["la_code", "grain", "period_end", "breakdown", "kpi_id", "group_name"]
DEFAULT = "kpi_results__default"
OLD = "kpi_results__before_0013"


def _remake(bind: sa.Connection, partitioned: bool) -> None:
    name = sa.inspect(bind).get_pk_constraint(TABLE)["name"] or f"{TABLE}_pkey"
    run = bind.exec_driver_sql
    run(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    run(f"ALTER TABLE {OLD} RENAME CONSTRAINT {name} TO {OLD}_pkey")
    by = " PARTITION BY LIST (la_code)" if partitioned else ""
    run(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING ALL EXCLUDING INDEXES){by}")
    run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} PRIMARY KEY ({', '.join(KEY)})")
    if partitioned:
        run(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
    run(f"INSERT INTO {TABLE} SELECT * FROM {OLD} ORDER BY {', '.join(KEY)}")
    run(f"DROP TABLE {OLD}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _remake(bind, partitioned=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _remake(bind, partitioned=False)
