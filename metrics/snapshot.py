"""A snapshot of the store: every kind table and the load counts, read once, typed.

The metrics layer computes from a snapshot, never from the database directly, so a
recompute sees one consistent state and tests can build a snapshot from a few rows
(``metrics/snapshot_builder.py``) without a database.

Each kind table has the columns of ``store.schema.stored_columns(kind)``, typed as
``store.bulk.read_frame`` returns them: dates ``datetime64[s]``, booleans
``boolean``, integers ``Int64``, numbers ``float64``, text ``str`` (NaN for missing).

``load_counts`` has one row per load × kind × LA: ``load_id, kind, la_code,
rows_read, rows_loaded, rows_rejected, loaded_at``. ``loaded_at`` is the time the
load finished (``loads.finished_at``: the moment its rows were committed). A load
that has no ``load_counts`` row at all (a file rejected whole before any LA could
be read from it) is listed once with the load's default LA, if it has one, and the
counts recorded on the load itself, so that ``dq_rejected_rows`` still shows it.

Example::

    >>> from store.engine import open_store
    >>> snap = read_snapshot(open_store("sqlite:///:memory:"))
    >>> len(snap.tables["contacts"]), list(snap.load_counts.columns)[:3]
    (0, ['load_id', 'kind', 'la_code'])
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from store.bulk import read_frame
from store.extracts import EXTRACTS
from store.schema import RETRACTED, kind_table, load_counts, loads, stored_columns

LOAD_COUNT_COLUMNS: tuple[str, ...] = (
    "load_id",
    "kind",
    "la_code",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "loaded_at",
)


@dataclass(frozen=True)
class WholeTables:
    """What a snapshot read only in part (the recent rows of some kinds, for a monthly
    refresh: ``metrics.recompute_tail``) still knows of the whole tables: each LA's
    groups (``groups[(kind, column)]``: la_code and value, distinct, as stored), the LAs
    with any row of each kind (trimmed), and each kind's first main date per LA
    (la_code, kind, kind_start)."""

    groups: dict[tuple[str, str], pd.DataFrame]
    has_rows: dict[str, frozenset[str]]
    kind_starts: pd.DataFrame


@dataclass(frozen=True)
class StoreSnapshot:
    """Every kind table (including ``population``) and the load counts, as typed frames.

    ``whole`` is None for a snapshot of every row; otherwise what the rows left out
    would have told (:class:`WholeTables`)."""

    tables: dict[str, pd.DataFrame]
    load_counts: pd.DataFrame
    whole: WholeTables | None = None


def read_snapshot(engine: Engine) -> StoreSnapshot:
    """Read every kind table and the load counts through one connection.

    >>> from store.engine import open_store
    >>> sorted(read_snapshot(open_store("sqlite:///:memory:")).tables)[:2]
    ['assessments', 'audits']
    """
    with engine.connect() as conn:
        tables = {kind: read_frame(conn, kind_table(kind), computed_columns(kind)) for kind in EXTRACTS}
        counts = read_frame(conn, load_counts)
        load_rows = read_frame(conn, loads)
    return StoreSnapshot(tables=tables, load_counts=merge_load_counts(counts, load_rows))


def merge_load_counts(counts: pd.DataFrame, load_rows: pd.DataFrame) -> pd.DataFrame:
    """``load_counts`` with each load's finish time; loads without counts from the load row.

    >>> c = pd.DataFrame({"load_id": [1], "kind": ["contacts"], "la_code": ["394"],
    ...                   "rows_read": [3], "rows_loaded": [2], "rows_rejected": [1]})
    >>> l = pd.DataFrame({"load_id": [1, 2], "kind": ["contacts", "s47"],
    ...                   "la_default": ["394", "394"], "rows_read": [3, 5],
    ...                   "rows_loaded": [2, 0], "rows_rejected": [1, 5],
    ...                   "finished_at": pd.to_datetime(["2024-05-01", "2024-05-02"])})
    >>> merge_load_counts(c, l)[["load_id", "kind", "rows_rejected"]].values.tolist()
    [[1, 'contacts', 1], [2, 's47', 5]]
    """
    if "status" in load_rows:
        # A retracted load (loaders/retract.py) no longer counts: its records and counts are gone.
        load_rows = load_rows[load_rows["status"] != RETRACTED].reset_index(drop=True)
    times = load_rows[["load_id", "finished_at"]].rename(columns={"finished_at": "loaded_at"})
    merged = counts.merge(times, on="load_id", how="left")
    # A load with no per-LA counts (rejected whole before its LA was known) still happened.
    missing = load_rows[~load_rows["load_id"].isin(counts["load_id"]) & load_rows["la_default"].notna()]
    extra = pd.DataFrame(
        {
            "load_id": missing["load_id"],
            "kind": missing["kind"],
            "la_code": missing["la_default"],
            "rows_read": missing["rows_read"],
            "rows_loaded": missing["rows_loaded"],
            "rows_rejected": missing["rows_rejected"],
            "loaded_at": missing["finished_at"],
        }
    )
    parts = [p for p in (merged, extra) if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else merged
    out = out[list(LOAD_COUNT_COLUMNS)].reset_index(drop=True)
    out["loaded_at"] = pd.to_datetime(out["loaded_at"]).astype("datetime64[s]")
    for col in ("load_id", "rows_read", "rows_loaded", "rows_rejected"):
        out[col] = out[col].astype("Int64")
    return out


def computed_columns(kind: str) -> list[str]:
    """The columns the computations use: all but the provenance columns."""
    return [c for c in stored_columns(kind) if c not in ("load_id", "source_row")]
