"""Build a ``StoreSnapshot`` from a few hand-written rows, every other column defaulted.

A testing helper, kept in the package (not under ``tests/``) because the examples of
the production modules' docstrings use it; it reads and writes nothing.

Tests then read like the spec::

    snap = build_snapshot(
        referrals=[{"child_id": "C1", "referral_date": "2024-02-29"},
                   {"child_id": "C1", "referral_date": "2025-02-28"}],
        population=[{"year": 2024, "population_0_17": 50_000}],
    )

Defaults: ``la_code`` "394" (or ``la_code=``), ids numbered per kind (``R1``,
``R2``...), each row its own child unless ``child_id`` is given (stored as
``child_key``, as the loaders do after pseudonymisation), the main date
2024-05-01, contact/referral source ``6`` (Police), contact outcome ``referral``,
referral_nfa false, initial category ``NEG``, lead agency ``school``. Dates are ISO
strings. Frames are typed as ``store.bulk.read_frame`` returns them. ``loads`` gives
load-count rows: ``kind``, ``rows_read``, ``rows_rejected``, ``loaded_at`` (and
optionally ``la_code``, ``rows_loaded``, ``load_id``).

Example::

    >>> snap = build_snapshot(contacts=[{"contact_date": "2024-06-03"}])
    >>> snap.tables["contacts"].loc[0, ["contact_id", "outcome"]].tolist()
    ['K1', 'referral']
    >>> str(snap.tables["contacts"]["contact_date"].dtype)
    'datetime64[s]'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import count
from typing import Any

import pandas as pd
import pyarrow as pa

from metrics.snapshot import LOAD_COUNT_COLUMNS, StoreSnapshot
from store.bulk import text_series
from store.extracts import EXTRACTS
from store.schema import stored_columns

DEFAULT_LA = "394"
DEFAULT_DATE = "2024-05-01"

ID_PREFIX = {
    "contacts": "K",
    "referrals": "R",
    "assessments": "A",
    "s47": "S",
    "cp_plans": "P",
    "cp_visits": "V",
    "cp_reviews": "RV",
    "cin_plans": "CIN",
    "early_help": "EH",
    "workforce": "SP",
    "vacancies": "",
    "caseloads": "",
    "audits": "AU",
    "partner_measures": "",
}

REQUIRED_DEFAULTS: dict[str, dict[str, Any]] = {
    "contacts": {"contact_source": "6", "outcome": "referral"},
    "referrals": {"referral_source": "6", "referral_nfa": False},
    "cp_plans": {"initial_category": "NEG"},
    "early_help": {"lead_agency": "school"},
    "workforce": {"role": "sw", "agency": False, "fte": 1.0},
    "vacancies": {"team": "Team A", "vacant_fte": 0.0},
    "caseloads": {"cases": 0},
    "audits": {"grade": "good"},
    "partner_measures": {"measure_id": "m", "period_end": "2024-05-31"},
}

_child_numbers = count(1)


def _column_types(kind: str) -> dict[str, str]:
    types: dict[str, str] = {c.name: c.type for c in EXTRACTS[kind].all_columns}
    types["child_key"] = "child"
    types["worker_key"] = "worker"
    types["load_id"] = "int"
    types["source_row"] = "int"
    return types


def _typed(values: list[Any], column_type: str) -> pd.Series:
    if column_type in ("date", "month"):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[s]")
    if column_type == "bool":
        return pd.Series(values, dtype="boolean")
    if column_type == "int":
        return pd.Series(values, dtype="Int64")
    if column_type == "number":
        return pd.Series(values, dtype="float64")
    if all(v is None or isinstance(v, str) for v in values):
        # As a store read makes it (``store.bulk.text_series``): a quarter of the time.
        return text_series(pa.array(values, type=pa.large_string()))
    return pd.Series(values, dtype="str")


def _complete(kind: str, row: Mapping[str, Any], i: int, la_code: str) -> dict[str, Any]:
    columns = stored_columns(kind)
    out: dict[str, Any] = {c: None for c in columns}
    out["la_code"] = la_code
    if kind != "population":
        main = EXTRACTS[kind].main_date
        assert main is not None
        out[main] = DEFAULT_DATE
        first_id = EXTRACTS[kind].column(EXTRACTS[kind].id_columns[0])
        if first_id.type == "id":
            out[first_id.name] = f"{ID_PREFIX[kind]}{i + 1}"
        if EXTRACTS[kind].has_child:
            out["child_key"] = f"child-{next(_child_numbers)}"
        if EXTRACTS[kind].has_worker:
            out["worker_key"] = f"worker-{i + 1}"
        out["source_row"] = i + 1
        out.update(REQUIRED_DEFAULTS.get(kind, {}))
    out["load_id"] = 1
    for key, value in row.items():
        name = {"child_id": "child_key", "worker_id": "worker_key"}.get(key, key)
        if name not in out:
            raise KeyError(f"{kind} has no column {key!r}; it has {', '.join(columns)}")
        out[name] = value
    return out


def frame_for(kind: str, rows: Iterable[Mapping[str, Any]], la_code: str = DEFAULT_LA) -> pd.DataFrame:
    """A typed frame of a kind's stored columns from partial rows."""
    complete = [_complete(kind, r, i, la_code) for i, r in enumerate(rows)]
    types = _column_types(kind)
    return pd.DataFrame({c: _typed([r[c] for r in complete], types[c]) for c in stored_columns(kind)})


def loads_frame(rows: Iterable[Mapping[str, Any]], la_code: str = DEFAULT_LA) -> pd.DataFrame:
    """Load-count rows; rows_loaded defaults to read − rejected, load ids are numbered."""
    out = []
    for i, row in enumerate(rows):
        full = {"load_id": i + 1, "la_code": la_code, **row}
        full.setdefault("rows_loaded", full["rows_read"] - full["rows_rejected"])
        out.append(full)
    frame = pd.DataFrame(out, columns=list(LOAD_COUNT_COLUMNS))
    for col in ("load_id", "rows_read", "rows_loaded", "rows_rejected"):
        frame[col] = frame[col].astype("Int64")
    frame["kind"] = frame["kind"].astype("str")
    frame["la_code"] = frame["la_code"].astype("str")
    frame["loaded_at"] = pd.to_datetime(frame["loaded_at"]).astype("datetime64[s]")
    return frame


def build_snapshot(
    *,
    la_code: str = DEFAULT_LA,
    loads: Iterable[Mapping[str, Any]] = (),
    **kinds: Iterable[Mapping[str, Any]],
) -> StoreSnapshot:
    """A snapshot with the given rows per kind (and population, loads); the rest empty."""
    unknown = set(kinds) - set(EXTRACTS)
    if unknown:
        raise KeyError(f"unknown kind(s) {sorted(unknown)}; kinds are {sorted(EXTRACTS)}")
    tables = {kind: frame_for(kind, kinds.get(kind, ()), la_code) for kind in EXTRACTS}
    return StoreSnapshot(tables=tables, load_counts=loads_frame(loads, la_code))


def combine(*snapshots: StoreSnapshot) -> StoreSnapshot:
    """One snapshot holding every row of the given ones (e.g. two LAs built separately)."""
    tables = {kind: pd.concat([s.tables[kind] for s in snapshots], ignore_index=True) for kind in EXTRACTS}
    counts = pd.concat([s.load_counts for s in snapshots], ignore_index=True)
    return StoreSnapshot(tables=tables, load_counts=counts)


def compute(snapshot: StoreSnapshot, *kpi_ids: str, la_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """``compute_indicators`` with the shipped registry (all ids when none are given)."""
    from metrics.compute import compute_indicators
    from metrics.registry import load_registry

    return compute_indicators(snapshot, load_registry(), kpi_ids=list(kpi_ids) or None, la_codes=la_codes)


def result(
    out: pd.DataFrame,
    kpi_id: str,
    period_end: str,
    *,
    grain: str = "month",
    breakdown: str = "all",
    group: str = "all",
    la_code: str = DEFAULT_LA,
) -> dict[str, Any]:
    """The one result row of an indicator, period end (ISO), grain, breakdown and group."""
    rows = out[
        (out["kpi_id"] == kpi_id)
        & (out["period_end"] == pd.Timestamp(period_end))
        & (out["grain"] == grain)
        & (out["breakdown"] == breakdown)
        & (out["group_name"] == group)
        & (out["la_code"] == la_code)
    ]
    assert len(rows) == 1, f"{len(rows)} rows for {kpi_id} {grain} {period_end} {group}"
    row = rows.iloc[0]
    note = row["note"]
    return {
        "numerator": row["numerator"],
        "denominator": row["denominator"],
        "value": row["value"],
        "note": None if pd.isna(note) else note,
    }


def nums(row: Mapping[str, Any]) -> tuple[float | None, float | None, float | None]:
    """(numerator, denominator, value) with NaN as None, for exact comparisons."""
    return tuple(None if pd.isna(row[k]) else float(row[k]) for k in ("numerator", "denominator", "value"))  # type: ignore[return-value]


def groups(out: pd.DataFrame, kpi_id: str, breakdown: str, la_code: str = DEFAULT_LA) -> list[str]:
    """The group names an indicator has for a breakdown, sorted."""
    rows = out[(out["kpi_id"] == kpi_id) & (out["breakdown"] == breakdown) & (out["la_code"] == la_code)]
    return sorted(rows["group_name"].unique())
