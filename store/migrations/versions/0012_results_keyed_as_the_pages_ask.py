"""``kpi_results`` keyed in the order the pages ask for it, and its view index dropped.

Revision 0012, after 0011. The primary key was (LA, indicator, grain, period, breakdown,
group) and ``ix_kpi_results_view`` (LA, grain, period, breakdown) served the pages. The
key is now (LA, grain, period, breakdown, indicator, group): it serves those queries
itself, and a full recompute no longer builds a second index of every result, alone,
after the workers have finished (``store.schema``, docs/performance.md, thirteenth
session).

- **PostgreSQL**: the key is dropped and added again in the new order (one index
  build), and the view index dropped.
- **SQLite** cannot change a table's key in place: the table is made again under its
  own definition with the new key, its rows copied in the new key's order, the old one
  dropped and the new one renamed (the rows of the 8-LA benchmark region, about two
  million, take seconds). Its definition is read from the store, so the columns keep
  exactly the types earlier revisions gave them; a definition without the old key
  clause stops the upgrade with a one-line message, the store untouched.

Both run inside the upgrade's transaction: a failure leaves the store as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.engine import StoreError  # its message reaches the user as one line (scorecard.cli)
from store.migrate import rebuild_sqlite_table, sqlite_definition

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLE = "kpi_results"
VIEW_INDEX = "ix_kpi_results_view"
VIEW_COLUMNS = ["la_code", "grain", "period_end", "breakdown"]
OLD_KEY = ["la_code", "kpi_id", "grain", "period_end", "breakdown", "group_name"]
NEW_KEY = ["la_code", "grain", "period_end", "breakdown", "kpi_id", "group_name"]


def _key_clause(columns: list[str]) -> str:
    return f"PRIMARY KEY ({', '.join(columns)})"


def _rekey_sqlite(bind: sa.Connection, old: list[str], new: list[str]) -> None:
    sql = sqlite_definition(bind, TABLE)
    if _key_clause(old) not in sql:
        raise StoreError(
            f"revision {revision}: the table {TABLE} in this store is not defined with "
            f"{_key_clause(old)}, so its key cannot be changed safely; the store is unchanged. "
            "Back it up and report its definition (sqlite3 STORE '.schema kpi_results')."
        )
    rebuild_sqlite_table(bind, TABLE, sql.replace(_key_clause(old), _key_clause(new)), new)


def _rekey_postgresql(bind: sa.Connection, new: list[str]) -> None:
    name = sa.inspect(bind).get_pk_constraint(TABLE)["name"] or f"{TABLE}_pkey"
    op.drop_constraint(name, TABLE, type_="primary")
    op.create_primary_key(name, TABLE, new)


def _rekey(old: list[str], new: list[str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rekey_sqlite(bind, old, new)
    else:
        _rekey_postgresql(bind, new)


def upgrade() -> None:
    op.drop_index(VIEW_INDEX, table_name=TABLE)
    _rekey(OLD_KEY, NEW_KEY)


def downgrade() -> None:
    _rekey(NEW_KEY, OLD_KEY)
    op.create_index(VIEW_INDEX, TABLE, VIEW_COLUMNS, unique=False)
