"""Read-only queries on the stored indicator results and load records, for the dashboard.

The metrics layer computes indicators and stores them (``kpi_results``, ``kpi_spc``,
``kpi_runs``); the loaders record every load (``loads``, ``load_counts``, ``rejects``).
This module only reads those tables, one query per question, and returns small
frames or plain values. It never computes an indicator.

Frames have the stored column names. Dates are ``datetime.date`` objects; missing
numbers are NaN (``value`` is NaN exactly when no value was stored, and ``note`` then
says why).

Example::

    >>> from store.engine import open_store
    >>> engine = open_store("sqlite:///:memory:")
    >>> la_codes(engine)
    []
    >>> latest_run(engine) is None
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Date, Engine, Select, String, and_, column, func, literal, select, text

from metrics.periods import Grain, Period, period_for
from store.extracts import EVENT_KINDS, EXTRACTS
from store.schema import (
    KIND_TABLES,
    eh_outcome_scores,
    kpi_results,
    kpi_runs,
    kpi_spc,
    la_windows,
    load_counts,
    loads,
    rejects,
)

RESULT_COLUMNS: tuple[str, ...] = (
    "la_code",
    "kpi_id",
    "grain",
    "period_start",
    "period_end",
    "breakdown",
    "group_name",
    "numerator",
    "denominator",
    "value",
    "note",
    "target",
    "status",
    "direction",
    "spc",
    "coverage",
    "months_covered",
)
SPC_COLUMNS: tuple[str, ...] = (
    "points",
    "mean",
    "lower_limit",
    "upper_limit",
    "latest_period_end",
    "variation",
    "assurance",
    "too_few",
)
_FLOAT_COLUMNS = (
    "numerator",
    "denominator",
    "value",
    "target",
    "mean",
    "lower_limit",
    "upper_limit",
)


@dataclass(frozen=True)
class RunInfo:
    """The latest recompute: caches and the page footer key on it."""

    run_id: int
    finished_at: datetime
    latest_load_id: int | None
    results: int


def _frame(engine: Engine, query: Select[Any], floats: Sequence[str] = _FLOAT_COLUMNS) -> pd.DataFrame:
    """Run one query and return its rows as a frame, the ``floats`` columns as float64."""
    with engine.connect() as conn:
        result = conn.execute(query)
        columns = list(result.keys())
        rows = result.fetchall()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for name in floats:
        if name in frame.columns:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


def latest_run(engine: Engine) -> RunInfo | None:
    """The most recent recompute, or None before the first one."""
    query = select(kpi_runs).order_by(kpi_runs.c.run_id.desc()).limit(1)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return RunInfo(
        run_id=int(row["run_id"]),
        finished_at=row["finished_at"],
        latest_load_id=row["latest_load_id"],
        results=int(row["results"]),
    )


# Loose index scans: each step is one index seek, so listing the LAs or the periods costs
# a few milliseconds however many results are stored (SQLite and PostgreSQL alike).
_LA_CODES = text(
    """
    WITH RECURSIVE found(la) AS (
        SELECT MIN(la_code) FROM kpi_results
        UNION ALL
        SELECT (SELECT MIN(la_code) FROM kpi_results WHERE la_code > found.la)
        FROM found WHERE found.la IS NOT NULL
    )
    SELECT la FROM found WHERE la IS NOT NULL
    """
).columns(column("la", String))
_PERIOD_ENDS = text(
    """
    WITH RECURSIVE found(period_end) AS (
        SELECT MAX(period_end) FROM kpi_results WHERE la_code = :la AND grain = :grain
        UNION ALL
        SELECT (SELECT MAX(period_end) FROM kpi_results
                WHERE la_code = :la AND grain = :grain AND period_end < found.period_end)
        FROM found WHERE found.period_end IS NOT NULL
    )
    SELECT period_end FROM found WHERE period_end IS NOT NULL
    """
).columns(column("period_end", Date))


def la_codes(engine: Engine) -> list[str]:
    """The LAs that have results, in code order."""
    with engine.connect() as conn:
        return [str(v) for v in conn.execute(_LA_CODES).scalars()]


def period_ends(engine: Engine, la_code: str, grain: Grain) -> list[date]:
    """The ends of the periods of ``grain`` with results for the LA, newest first."""
    with engine.connect() as conn:
        return list(conn.execute(_PERIOD_ENDS, {"la": la_code, "grain": grain}).scalars())


def periods(engine: Engine, la_code: str, grain: Grain) -> list[Period]:
    """The periods of ``grain`` with results for the LA, newest first."""
    return [period_for(grain, end) for end in period_ends(engine, la_code, grain)]


def reporting_window(engine: Engine, la_code: str) -> tuple[date, date] | None:
    """The LA's reporting window (first and last day its extracts cover), or None.

    Results outside it are stored too, but the pages default to periods inside it.
    """
    w = la_windows.c
    query = select(w.window_start, w.window_end).where(w.la_code == la_code)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return (row[0], row[1]) if row is not None else None


def groups(engine: Engine, la_code: str, breakdown: str, grain: Grain, period_end: date) -> list[str]:
    """The group names of a breakdown (localities, teams, agencies) for one period.

    Every period holds a row for every group that occurs in the LA's data, so one
    period gives the whole list; the primary key's first four columns are the LA,
    grain, period and breakdown (``store.schema``), so the query reads only that part.
    """
    c = kpi_results.c
    query = (
        select(c.group_name)
        .where(
            c.la_code == la_code,
            c.grain == grain,
            c.period_end == period_end,
            c.breakdown == breakdown,
        )
        .distinct()
        .order_by(c.group_name)
    )
    with engine.connect() as conn:
        return [str(v) for v in conn.execute(query).scalars()]


def _result_columns() -> list[Any]:
    return [kpi_results.c[name] for name in RESULT_COLUMNS]


def period_results(
    engine: Engine,
    la_code: str,
    grain: Grain,
    period_end: date,
    breakdown: str = "all",
    group_name: str = "all",
    kpi_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per indicator for one period and group, with its monthly SPC summary.

    The SPC columns (``points``, ``mean``, limits, ``variation``, ``assurance``) come
    from the indicator's monthly series for the same breakdown and group.
    """
    r, s = kpi_results.c, kpi_spc.c
    join = kpi_results.outerjoin(
        kpi_spc,
        and_(
            s.la_code == r.la_code,
            s.kpi_id == r.kpi_id,
            s.breakdown == r.breakdown,
            s.group_name == r.group_name,
        ),
    )
    query = (
        select(*_result_columns(), *(s[name] for name in SPC_COLUMNS))
        .select_from(join)
        .where(
            r.la_code == la_code,
            r.grain == grain,
            r.period_end == period_end,
            r.breakdown == breakdown,
            r.group_name == group_name,
        )
    )
    if kpi_ids is not None:
        query = query.where(r.kpi_id.in_(list(kpi_ids)))
    return _frame(engine, query)


def monthly_values(
    engine: Engine,
    la_code: str,
    breakdown: str,
    group_name: str,
    first_end: date,
    last_end: date,
    kpi_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Monthly values of many indicators between two month ends: sparklines and trends.

    Columns: kpi_id, period_end, value, numerator, denominator, note, spc, coverage.
    Months outside the LA's window (coverage ``none``) are left out: charts start at the
    window and show a gap, not a zero, before it.
    """
    c = kpi_results.c
    query = (
        select(c.kpi_id, c.period_end, c.value, c.numerator, c.denominator, c.note, c.spc, c.coverage)
        .where(
            c.la_code == la_code,
            c.grain == "month",
            c.period_end >= first_end,
            c.period_end <= last_end,
            c.breakdown == breakdown,
            c.group_name == group_name,
            c.coverage != "none",
        )
        .order_by(c.kpi_id, c.period_end)
    )
    if kpi_ids is not None:
        query = query.where(c.kpi_id.in_(list(kpi_ids)))
    return _frame(engine, query)


def series(
    engine: Engine,
    la_code: str,
    kpi_id: str,
    grain: Grain,
    breakdown: str = "all",
    group_name: str = "all",
) -> pd.DataFrame:
    """Every stored period of one indicator at one grain, oldest first.

    The primary key puts the period before the indicator (``store.schema``): naming the
    LA's periods of the grain (``period_ends``: one seek each) lets the query seek each row
    instead of scanning every result of the grain.
    """
    c = kpi_results.c
    ends = period_ends(engine, la_code, grain)
    query = (
        select(*_result_columns())
        .where(
            c.la_code == la_code,
            c.grain == grain,
            c.period_end.in_(ends),
            c.breakdown == breakdown,
            c.kpi_id == kpi_id,
            c.group_name == group_name,
        )
        .order_by(c.period_end)
    )
    return _frame(engine, query)


def spc_summary(
    engine: Engine, la_code: str, kpi_id: str, breakdown: str = "all", group_name: str = "all"
) -> dict[str, Any] | None:
    """The stored XmR limits and icons of one monthly series, or None."""
    s = kpi_spc.c
    query = select(*(s[name] for name in SPC_COLUMNS)).where(
        s.la_code == la_code,
        s.kpi_id == kpi_id,
        s.breakdown == breakdown,
        s.group_name == group_name,
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


def breakdown_results(
    engine: Engine,
    la_code: str,
    grain: Grain,
    period_end: date,
    breakdown: str,
    kpi_ids: Sequence[str],
) -> pd.DataFrame:
    """Every group of one breakdown for one or more indicators and one period."""
    c = kpi_results.c
    query = (
        select(*_result_columns())
        .where(
            c.la_code == la_code,
            c.grain == grain,
            c.period_end == period_end,
            c.breakdown == breakdown,
            c.kpi_id.in_(list(kpi_ids)),
        )
        .order_by(c.kpi_id, c.group_name)
    )
    return _frame(engine, query)


def data_quality_results(engine: Engine, la_code: str, grain: Grain, period_end: date) -> pd.DataFrame:
    """The data-quality indicators (breakdowns ``kind`` and ``column``) for one period.

    The primary key leads with the LA, grain, period and breakdown (``store.schema``):
    the query seeks the few hundred rows of the two breakdowns.
    """
    c = kpi_results.c
    breakdowns = {"kind", "column"}
    query = (
        select(*_result_columns())
        .where(
            c.la_code == la_code,
            c.grain == grain,
            c.period_end == period_end,
            c.breakdown.in_(sorted(breakdowns)),
        )
        .order_by(c.kpi_id, c.group_name)
    )
    return _frame(engine, query)


def outcome_scores(engine: Engine, la_code: str, grain: Grain, period_end: date) -> dict[str, Any] | None:
    """The early help outcome-score change for one period (metrics/outcome_scores.py), if stored."""
    t = eh_outcome_scores.c
    query = select(eh_outcome_scores).where(
        t.la_code == la_code, t.grain == grain, t.period_end == period_end
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


# --- Load records ---------------------------------------------------------------------

LOAD_COLUMNS: tuple[str, ...] = (
    "load_id",
    "file_name",
    "kind",
    "format",
    "partner",
    "status",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "message",
    "warnings",
    "loaded_by",
    "started_at",
    "finished_at",
)


def load_history(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """The most recent loads, newest first."""
    query = select(*(loads.c[name] for name in LOAD_COLUMNS)).order_by(loads.c.load_id.desc()).limit(limit)
    return _frame(engine, query)


def load_counts_by_partner(engine: Engine, la_code: str | None = None) -> pd.DataFrame:
    """Rows read, loaded and rejected per partner and kind, over every load.

    Columns: partner ("Not recorded" when the load named none), kind, loads, rows_read,
    rows_loaded, rows_rejected.
    """
    lc, ld = load_counts.c, loads.c
    partner = func.coalesce(ld.partner, "Not recorded").label("partner")
    query = (
        select(
            partner,
            lc.kind,
            func.count(func.distinct(lc.load_id)).label("loads"),
            func.sum(lc.rows_read).label("rows_read"),
            func.sum(lc.rows_loaded).label("rows_loaded"),
            func.sum(lc.rows_rejected).label("rows_rejected"),
        )
        .select_from(load_counts.join(loads, lc.load_id == ld.load_id))
        .group_by(partner, lc.kind)
        .order_by(partner, lc.kind)
    )
    if la_code is not None:
        query = query.where(lc.la_code == la_code)
    return _frame(engine, query)


def latest_events_by_load(engine: Engine, la_code: str) -> pd.DataFrame:
    """Per load that holds stored rows of the LA: its partner, kind, when it finished, and
    the latest main date among the rows it wrote that are stored now (a row superseded
    by a later load counts for the later load). Retracted loads hold no rows.

    Columns: load_id, partner ("Not recorded" when the load named none), loaded_at, kind
    (of the rows: a workbook's load holds several), latest_event (a date).
    """
    parts = []
    for kind in EVENT_KINDS:
        table, main = KIND_TABLES[kind], EXTRACTS[kind].main_date
        assert main is not None
        parts.append(
            select(
                table.c.load_id,
                literal(kind).label("kind"),
                func.max(table.c[main]).label("latest_event"),
            )
            .where(table.c.la_code == la_code)
            .group_by(table.c.load_id)
        )
    with engine.connect() as conn:
        latest = pd.DataFrame(
            [(int(i), k, d) for part in parts for i, k, d in conn.execute(part)],
            columns=["load_id", "kind", "latest_event"],
        )
        ld = loads.c
        partner = func.coalesce(ld.partner, "Not recorded").label("partner")
        found = pd.DataFrame(
            [
                tuple(r)
                for r in conn.execute(
                    select(ld.load_id, partner, ld.finished_at.label("loaded_at")).where(
                        ld.load_id.in_(sorted(set(latest["load_id"])))
                    )
                )
            ],
            columns=["load_id", "partner", "loaded_at"],
        )
    out = found.merge(latest, on="load_id", how="inner")
    out["latest_event"] = [d.date() if isinstance(d, datetime) else d for d in out["latest_event"]]
    return out.sort_values(["partner", "kind", "load_id"]).reset_index(drop=True)


REJECT_COLUMNS: tuple[str, ...] = (
    "load_id",
    "kind",
    "la_code",
    "row_number",
    "sheet",
    "location",
    "column_name",
    "value",
    "reason",
    "reason_code",
)


def _rejects_query(load_id: int | None, la_code: str | None) -> Select[Any]:
    query = select(
        *(rejects.c[name] for name in REJECT_COLUMNS), loads.c.file_name, loads.c.partner
    ).select_from(rejects.join(loads, rejects.c.load_id == loads.c.load_id))
    if load_id is not None:
        query = query.where(rejects.c.load_id == load_id)
    if la_code is not None:
        query = query.where(rejects.c.la_code == la_code)
    return query


def rejected_rows(
    engine: Engine,
    load_id: int | None = None,
    la_code: str | None = None,
    limit: int | None = 500,
    offset: int = 0,
) -> pd.DataFrame:
    """Rejected rows with their reasons (child ids were masked by the loader), newest load first."""
    query = _rejects_query(load_id, la_code).order_by(
        rejects.c.load_id.desc(), rejects.c.row_number, rejects.c.reject_id
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return _frame(engine, query, floats=())


def rejected_count(engine: Engine, load_id: int | None = None, la_code: str | None = None) -> int:
    """How many rejected rows :func:`rejected_rows` would return without a limit."""
    inner = _rejects_query(load_id, la_code).subquery()
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(inner)).scalar() or 0)


def reject_reasons(engine: Engine, load_id: int | None = None) -> pd.DataFrame:
    """Rejected rows counted by kind, column and reason code, most frequent first.

    Reasons embed values ("year 1066 is out of range"), so one rule would appear as
    many reasons: rows are grouped by the reason's code, with one of its sentences as an
    example. Rows stored before codes existed (code null) are grouped by their sentence.
    """
    r = rejects.c
    code = func.coalesce(r.reason_code, r.reason)
    query = (
        select(
            r.kind,
            r.column_name,
            code.label("reason_code"),
            func.min(r.reason).label("reason"),
            func.count().label("rows"),
        )
        .group_by(r.kind, r.column_name, code)
        # A whole-file rejection (no column) after the columns' reasons of the same count,
        # on SQLite as on PostgreSQL (whose default puts nulls last, SQLite's first).
        .order_by(func.count().desc(), r.kind, r.column_name.nulls_last(), code)
    )
    if load_id is not None:
        query = query.where(r.load_id == load_id)
    return _frame(engine, query, floats=())


def loads_with_rejects(engine: Engine) -> list[tuple[int, str, datetime]]:
    """The loads that hold rejected rows now, oldest first: (load_id, file_hash,
    finished_at), which together name a load's content (its rejects are written with it
    and never change; a retraction deletes them)."""
    ld = loads.c
    holds = select(rejects.c.load_id).where(rejects.c.load_id == ld.load_id).exists()
    query = select(ld.load_id, ld.file_hash, ld.finished_at).where(holds).order_by(ld.load_id)
    with engine.connect() as conn:
        return [(int(i), str(h), f) for i, h, f in conn.execute(query)]


def combined_reasons(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """:func:`reject_reasons` of several loads as one: rows summed by kind, column and
    reason code, the example the least sentence of each group (as ``min`` in SQL, by code
    point), most frequent first.

    >>> a = pd.DataFrame({"kind": ["contacts"], "column_name": ["contact_date"],
    ...     "reason_code": ["bad_date"], "reason": ["year 1066"], "rows": [2]})
    >>> b = a.assign(reason=["year 1000"], rows=[3])
    >>> combined_reasons([a, b]).values.tolist()
    [['contacts', 'contact_date', 'bad_date', 'year 1000', 5]]
    """
    columns = ["kind", "column_name", "reason_code", "reason", "rows"]
    found = [p for p in parts if not p.empty]
    if not found:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(found, ignore_index=True)
    keys = ["kind", "column_name", "reason_code"]
    out = frame.groupby(keys, dropna=False, sort=False).agg(reason=("reason", "min"), rows=("rows", "sum"))
    out = out.reset_index().sort_values(
        ["rows", *keys], ascending=[False, True, True, True], na_position="last", kind="stable"
    )
    out["rows"] = out["rows"].astype("int64")
    return out[columns].reset_index(drop=True)


def monthly_by_group(
    engine: Engine,
    la_code: str,
    breakdown: str,
    first_end: date,
    last_end: date,
    kpi_ids: Sequence[str],
) -> pd.DataFrame:
    """Monthly values of some indicators for every group of one breakdown (the Workforce
    page's lines by team). Columns: kpi_id, group_name, period_end, value, numerator,
    denominator, note; months outside the LA's window are left out, as in
    :func:`monthly_values`."""
    c = kpi_results.c
    query = (
        select(c.kpi_id, c.group_name, c.period_end, c.value, c.numerator, c.denominator, c.note)
        .where(
            c.la_code == la_code,
            c.grain == "month",
            c.period_end >= first_end,
            c.period_end <= last_end,
            c.breakdown == breakdown,
            c.kpi_id.in_(list(kpi_ids)),
            c.coverage != "none",
        )
        .order_by(c.kpi_id, c.group_name, c.period_end)
    )
    return _frame(engine, query)
