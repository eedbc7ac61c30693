"""``kpi_results`` without a rowid on SQLite: its rows kept in its key's B-tree alone.

Revision 0014, after 0013. A SQLite table has a rowid unless made ``WITHOUT ROWID``;
``kpi_results`` then kept every result twice, in the rowid's B-tree and in its key's
index, and a full recompute wrote both (and a page's query looked each row up twice).
Without the rowid, the 2-LA store's full recompute took 1.69-1.82 s against 1.76-2.09 s
and its file was 28 % smaller (``store.schema``, docs/performance.md, fourteenth
session).

- **SQLite**: the table is made again under its own stored definition with
  ``WITHOUT ROWID`` added, its rows copied in key order (``store.migrate.rebuild_sqlite_table``,
  as revision 0012 did); a table without a rowid already is left alone. The downgrade
  makes it again with a rowid.
- **PostgreSQL** has no rowid: nothing changes there.
"""

from __future__ import annotations

from alembic import op

from store.migrate import rebuild_sqlite_table, sqlite_definition

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLE = "kpi_results"
KEY = ["la_code", "grain", "period_end", "breakdown", "kpi_id", "group_name"]
CLAUSE = "WITHOUT ROWID"


def _rebuild(without_rowid: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    sql = sqlite_definition(bind, TABLE).rstrip()
    has_clause = sql.upper().endswith(CLAUSE)
    if has_clause == without_rowid:
        return
    plain = sql[: -len(CLAUSE)].rstrip() if has_clause else sql
    rebuild_sqlite_table(bind, TABLE, f"{plain} {CLAUSE}" if without_rowid else plain, KEY)


def upgrade() -> None:
    _rebuild(without_rowid=True)


def downgrade() -> None:
    _rebuild(without_rowid=False)
