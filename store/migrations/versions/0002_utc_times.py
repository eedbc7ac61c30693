"""Times as timezone-aware UTC.

The release before migrations wrote naive local times (``datetime.now()``: the clock of
the machine that loaded, recomputed or commented). Each is read as the local time of the
machine running the upgrade (as a rule the same server; set ``TZ`` to its zone otherwise,
e.g. ``TZ=Europe/London scorecard upgrade``) and rewritten as UTC. In the hour repeated
when the clocks go back, the earlier of the two moments is taken. PostgreSQL's columns
become ``timestamp with time zone``; SQLite has no such type and keeps the UTC text.

``scorecard_meta.schema_version`` becomes (or is written as) ``'2'`` so that the release before migrations,
which accepts version 1 only, refuses the upgraded store instead of misreading its times.

Revision 0002, after 0001.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table: (its key, its time columns)
TIMES = {
    "loads": ("load_id", ("started_at", "finished_at")),
    "kpi_runs": ("run_id", ("started_at", "finished_at")),
    "comments": ("comment_id", ("created_at",)),
    "record_views": ("view_id", ("viewed_at",)),
}


def _local_to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)  # a naive value is taken as local time


def _utc_to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def _rewrite(convert: Callable[[datetime], datetime]) -> None:
    bind = op.get_bind()
    for name, (key, columns) in TIMES.items():
        table = sa.table(name, sa.column(key, sa.Integer()), *(sa.column(c, sa.DateTime()) for c in columns))
        rows = bind.execute(sa.select(table)).all()
        if not rows:
            continue
        update = (
            table.update()
            .where(table.c[key] == sa.bindparam("k_"))
            .values({c: sa.bindparam("v_" + c) for c in columns})
        )
        bind.execute(
            update,
            [{"k_": row[0], **{"v_" + c: convert(row._mapping[c]) for c in columns}} for row in rows],
        )


def _set_guard(value: str) -> None:
    meta = sa.table("scorecard_meta", sa.column("key", sa.String()), sa.column("value", sa.Text()))
    op.execute(meta.delete().where(meta.c.key == "schema_version"))
    op.execute(meta.insert().values(key="schema_version", value=value))


def _retype(*, aware: bool) -> None:
    """PostgreSQL only: the time columns with (or without) time zone, their UTC values kept."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (_key, columns) in TIMES.items():
        for column in columns:
            op.alter_column(
                name,
                column,
                type_=sa.DateTime(timezone=aware),
                existing_type=sa.DateTime(timezone=not aware),
                existing_nullable=False,
                postgresql_using=f"{column} AT TIME ZONE 'UTC'",
            )


def upgrade() -> None:
    _rewrite(_local_to_utc)
    _retype(aware=True)
    _set_guard("2")


def downgrade() -> None:
    _retype(aware=False)
    _rewrite(_utc_to_local)
    _set_guard("1")
