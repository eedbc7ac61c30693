"""Nothing is lost, even by a correction: prior versions, and retracting a load.

When a load replaces records (same LA and id), the old versions are first copied to the
kind's ``<kind>_versions`` table with the id of the load that replaced them
(:func:`keep_superseded`). Retracting a load (:func:`retract_load`, ``scorecard retract``
and the Data loads page) then removes its effect in one transaction:

- the records it wrote are deleted, and the versions it superseded return;
- its load counts and rejected rows go (they fed the data-quality indicators);
- the load's row stays, with status ``retracted`` and who retracted it and when, so the
  history says what happened; the results are recomputed by the caller;
- the last recompute's fingerprint is deleted, so the next recompute is a full one even
  when the caller does not recompute (``scorecard retract --no-recompute``): a
  retraction is no new load, and the incremental plan (``metrics.recompute_plan``)
  sees only new loads.

A load is refused when a later load has since superseded any record it wrote: the
records it would remove are no longer the current ones, so the later load must be
retracted first. The message names that load. Retracting a load twice is refused too;
a load rejected whole can be retracted (its rejected rows then stop counting).

Reading taken where the issue is silent: after retracting, loading the same file again
loads it (the retracted load does not make it "unchanged").

Example::

    >>> from store.engine import open_store
    >>> retract_load(open_store("sqlite://"), 7)
    Traceback (most recent call last):
    ...
    loaders.retract.RetractError: there is no load 7: see the Data loads page or scorecard loads for load ids
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, select, update

from store.bulk import DriverColumns, copy_matching, read_frame, upsert
from store.engine import writing
from store.extracts import EXTRACTS
from store.schema import (
    RECOMPUTE_FINGERPRINT_KEY,
    RETRACTED,
    VERSION_TABLES,
    kind_table,
    load_counts,
    loads,
    meta,
    rejects,
)


class RetractError(Exception):
    """A load that cannot be retracted, with the reason and what to do instead."""


@dataclass(frozen=True)
class Retraction:
    """What a retraction did."""

    load_id: int
    file_name: str
    removed: int
    restored: int

    def __str__(self) -> str:
        return (
            f"retracted load {self.load_id} ({self.file_name}): {self.removed:,} records removed, "
            f"{self.restored:,} earlier versions restored"
        )


def keep_superseded(conn: Connection, kind: str, columns: DriverColumns, load_id: int) -> int:
    """Copy the stored records that ``columns`` (rows in the driver's values, about to be
    upserted by ``load_id``: converted once for both) replace to the kind's versions
    table; returns how many."""
    if not columns.n_rows:
        return 0
    # Only the stored records with an incoming key are copied, joined on the primary key
    # inside the database (a month's load into a large LA touches its few corrections,
    # and a first load nothing).
    table = kind_table(kind)
    if not _any_stored(conn, table.name, columns):
        return 0  # the first load of these LAs' records of this kind: nothing to keep
    return copy_matching(conn, table, VERSION_TABLES[kind], columns, {"superseded_by": load_id})


def _any_stored(conn: Connection, table_name: str, columns: DriverColumns) -> bool:
    """Whether the table holds any record of the rows' LAs (one indexed probe, asked
    through the driver: a load asks it once per kind and file)."""
    las = sorted({str(v) for v in columns.values[columns.names.index("la_code")]})
    marks = ", ".join("%s" if conn.dialect.name == "postgresql" else "?" for _ in las)
    table = conn.dialect.identifier_preparer.quote(table_name)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"SELECT 1 FROM {table} WHERE la_code IN ({marks}) LIMIT 1", las)
        return cursor.fetchone() is not None
    finally:
        cursor.close()


def _superseding_loads(conn: Connection, load_id: int) -> list[int]:
    """Later loads that replaced records this load wrote."""
    found: set[int] = set()
    for table in VERSION_TABLES.values():
        query = select(table.c.superseded_by).where(table.c.load_id == load_id).distinct()
        found.update(int(v) for v in conn.execute(query).scalars())
    return sorted(found)


def _check(conn: Connection, load_id: int) -> tuple[str, str]:
    row = conn.execute(select(loads.c.file_name, loads.c.status).where(loads.c.load_id == load_id)).first()
    if row is None:
        raise RetractError(
            f"there is no load {load_id}: see the Data loads page or scorecard loads for load ids"
        )
    if row.status == RETRACTED:
        raise RetractError(f"load {load_id} ({row.file_name}) has already been retracted")
    later = _superseding_loads(conn, load_id)
    if later:
        names = dict(
            conn.execute(select(loads.c.load_id, loads.c.file_name).where(loads.c.load_id.in_(later))).all()
        )
        listed = ", ".join(f"load {i} ({names.get(i, '?')})" for i in later)
        raise RetractError(
            f"load {load_id} ({row.file_name}) cannot be retracted: {listed} has since replaced "
            f"records it loaded. Retract {'that load' if len(later) == 1 else 'those loads'} first."
        )
    return str(row.file_name), str(row.status)


def retract_load(
    engine: Engine,
    load_id: int,
    *,
    by: str | None = None,
    audit: Callable[[Retraction, str | None], None] | None = None,
) -> Retraction:
    """Remove one load's effect from the store (see the module docstring); the caller recomputes.

    ``audit`` is called inside the transaction with what was done and who did it (the
    audit trail's hook): if it raises, nothing is retracted.
    """
    removed = restored = 0
    with writing(engine) as conn:
        file_name, _ = _check(conn, load_id)
        for kind in EXTRACTS:
            table, versions = kind_table(kind), VERSION_TABLES[kind]
            earlier = read_frame(conn, versions, where_sql="superseded_by = :l", params={"l": load_id})
            removed += conn.execute(delete(table).where(table.c.load_id == load_id)).rowcount or 0
            if len(earlier):
                restored += upsert(conn, table, earlier.drop(columns="superseded_by"))
                conn.execute(delete(versions).where(versions.c.superseded_by == load_id))
        conn.execute(delete(load_counts).where(load_counts.c.load_id == load_id))
        conn.execute(delete(rejects).where(rejects.c.load_id == load_id))
        conn.execute(delete(meta).where(meta.c.key == RECOMPUTE_FINGERPRINT_KEY))
        note = f"retracted by {by or 'unknown'} at {datetime.now():%Y-%m-%d %H:%M}"
        message = func.coalesce(loads.c.message + "\n", "") + note
        conn.execute(
            update(loads).where(loads.c.load_id == load_id).values(status=RETRACTED, message=message)
        )
        done = Retraction(load_id=load_id, file_name=file_name, removed=removed, restored=restored)
        if audit is not None:
            audit(done, by)
    return done
