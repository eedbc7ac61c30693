"""Records of the data-quality indicators: stored rows, and rejected rows of loads.

Readings as ``metrics.compute.data_quality``: stored rows as loaded (no
de-duplication), each in the period of its kind's main date. The group is the kind
(``dq_rejected_rows``, ``dq_recording_lag_5wd``) or ``kind.column``
(``dq_completeness``); with no group asked for, every group is read.

- ``dq_recording_lag_5wd``: rows with a recorded_date; numerator working days(main
  date, recorded_date) > 5 (a recorded_date before the event is not late).
- ``dq_completeness``: the kind's rows (only those where the column is expected, for
  a column blank by design until its ``when`` columns are filled); numerator the
  column is filled (text made only of spaces is blank). The column's value is not shown: it may be about the
  child's identity (date of birth, sex, ethnicity).
- ``dq_rejected_rows``: the loads whose load time (when the load finished) falls in
  the period. A row rejected by a load that was committed is one record (``rows`` =
  1) from ``rejects``, under the LA it was counted for; a file rejected whole is one
  record per LA its rows were counted for, ``rows`` the rows it rejected there, so
  that ``rows`` adds up to the numerator.

Example::

    >>> [g for g in completeness_group_names() if g.startswith("cin_plans.")][:3]
    ['cin_plans.team', 'cin_plans.locality', 'cin_plans.recorded_date']
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Select, select

from metrics.compute.data_quality import completeness_groups, expected_when
from metrics.records.request import Request, flags, labels, working_day_test, working_days
from metrics.wiring import records
from store.extracts import EVENT_KINDS, EXTRACTS
from store.schema import load_counts, loads, rejects
from store.times import uk_day_start, uk_wall_clock


def completeness_group_names() -> list[str]:
    """Every ``kind.column`` group of ``dq_completeness``."""
    return [f"{kind}.{column}" for kind, column in completeness_groups()]


def _stored_rows(
    req: Request, kind: str, extra: list[str], condition: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The kind's rows with main date in the period: as generic records, and as read."""
    spec = EXTRACTS[kind]
    main = spec.main_date
    assert main is not None
    id_col = spec.id_columns[0]
    where = f"{main} BETWEEN :start AND :end" + (f" AND {condition}" if condition else "")
    # Kinds without a child (workforce, vacancies, ...) list no child; a worker's
    # pseudonym is not shown in the child column.
    person = ["child_key"] if spec.has_child else []
    read = req.read(kind, [id_col, *person, main, "team", "locality", *extra], where)
    frame = pd.DataFrame(
        {
            "kind": pd.Series(kind, index=read.index, dtype="str"),
            "record_id": read[id_col].astype("str"),
            "child": read["child_key"] if spec.has_child else pd.Series(pd.NA, index=read.index, dtype="str"),
            "event_date": read[main],
            "team": labels(read["team"]),
            "locality": labels(read["locality"]),
        }
    )
    return frame, read


@records("dq_recording_lag_5wd")
def dq_recording_lag_5wd(req: Request) -> pd.DataFrame:
    """Rows with a recorded_date; in the numerator: entered more than 5 working days late."""
    parts = []
    for kind in [req.group] if req.group else EVENT_KINDS:
        frame, read = _stored_rows(req, kind, ["recorded_date"], "recorded_date IS NOT NULL")
        event, recorded = frame["event_date"], read["recorded_date"]
        parts.append(
            frame.assign(
                recorded_date=recorded,
                working_days=working_days(event, recorded),
                in_numerator=working_day_test(event, recorded, "more_than", 5),
                group_name=kind,
            )
        )
    return pd.concat(parts, ignore_index=True)


def _filled(values: pd.Series) -> pd.Series:
    """Non-blank cells: present, and for text not only spaces."""
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        return values.str.strip().fillna("").ne("")
    return values.notna()


@records("dq_completeness")
def dq_completeness(req: Request) -> pd.DataFrame:
    """The kind's rows; in the numerator: the column is filled."""
    by_kind: dict[str, list[str]] = {}
    for group in [req.group] if req.group else completeness_group_names():
        kind, column = group.split(".", 1)
        by_kind.setdefault(kind, []).append(column)
    parts = []
    for kind, columns in by_kind.items():
        needed = sorted({*columns, *(w for c in columns for w in expected_when(kind, c))})
        frame, read = _stored_rows(req, kind, needed)
        for column in columns:
            expected = pd.Series(True, index=read.index)
            for other in expected_when(kind, column):
                expected &= _filled(read[other])
            rows = frame[expected.to_numpy(bool)]
            filled = _filled(read[column])[expected.to_numpy(bool)]
            parts.append(rows.assign(in_numerator=flags(filled), group_name=f"{kind}.{column}"))
    return pd.concat(parts, ignore_index=True)


def _period_loads(req: Request) -> pd.DataFrame:
    # Loads are dated by the UK day they finished on (store/times.py); the store holds UTC.
    lo, hi = (uk_day_start(day.date()) for day in req.day_bounds())
    query = select(
        loads.c.load_id,
        loads.c.file_name,
        loads.c.kind,
        loads.c.status,
        loads.c.la_default,
        loads.c.rows_rejected,
        loads.c.finished_at.label("loaded_at"),
    ).where(loads.c.finished_at >= lo, loads.c.finished_at < hi)
    return _frame(req, query, ["load_id", "file_name", "kind", "status", "la_default", "rows", "loaded_at"])


def _frame(req: Request, query: Select[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(row) for row in req.conn.execute(query)], columns=columns)


@records("dq_rejected_rows")
def dq_rejected_rows(req: Request) -> pd.DataFrame:
    """Rejected rows of the loads of the kind and LA whose load time falls in the period."""
    kinds = [req.group] if req.group else list(EVENT_KINDS)
    period_loads = _period_loads(req)
    ids = period_loads["load_id"].tolist()
    r, c = rejects.c, load_counts.c
    found = _frame(
        req,
        select(r.load_id, r.kind, r.la_code, r.row_number, r.column_name, r.value, r.reason).where(
            r.load_id.in_(ids), r.kind.in_(kinds)
        ),
        ["load_id", "kind", "la_code", "row_number", "column", "value", "reason"],
    )
    counts = _frame(
        req,
        select(c.load_id, c.kind, c.la_code, c.rows_rejected).where(c.load_id.in_(ids), c.kind.in_(kinds)),
        ["load_id", "kind", "la_code", "rows"],
    )
    whole = set(period_loads.loc[period_loads["status"] == "rejected", "load_id"])
    rows = found[~found["load_id"].isin(whole) & _same_la(found["la_code"], req.la)].assign(rows=1)
    reasons = found[found["load_id"].isin(whole)].drop_duplicates("load_id")[["load_id", "reason"]]
    counted = counts[counts["load_id"].isin(whole) & _same_la(counts["la_code"], req.la)]
    uncounted = period_loads[
        period_loads["load_id"].isin(whole)
        & ~period_loads["load_id"].isin(counts["load_id"])
        & period_loads["kind"].isin(kinds)
        & _same_la(period_loads["la_default"], req.la)
    ]
    files = pd.concat([counted[["load_id", "kind", "rows"]], uncounted[["load_id", "kind", "rows"]]])
    files = files.merge(reasons, on="load_id", how="left")
    out = pd.concat([rows.drop(columns="la_code"), files], ignore_index=True)
    out = out.merge(period_loads[["load_id", "file_name", "loaded_at"]], on="load_id", how="left")
    text = {c: out[c].astype("str") for c in ("file_name", "column", "value", "reason", "kind")}
    return out.assign(
        **text,
        load_id=out["load_id"].astype("Int64"),
        loaded_at=uk_wall_clock(out["loaded_at"]),
        row_number=out["row_number"].astype("Int64"),
        rows=out["rows"].astype("Int64"),
        group_name=text["kind"],
    )


def _same_la(values: pd.Series, la: str) -> pd.Series:
    return values.fillna("").astype(str).str.strip().eq(la)
