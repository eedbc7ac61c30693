"""The stored results as a flat table, for ``scorecard kpis`` and CSV/JSON exports.

The first ten columns are exactly ``kpi_id, la_code, grain, period_start, period_end,
breakdown, group, numerator, denominator, value`` (kpis.md "Output encoding"), then
``target, status, direction, spc, note, coverage``. ``coverage`` (``full``, ``partial``,
``lookback_incomplete``, ``none``: metrics/coverage.py) is the last column, so that the
columns after the first ten keep their places too (the issue asks only that it come
after the first ten). Dates are ISO; numbers are unrounded, whole
numbers written without a decimal point, blanks empty.

``--by all`` also gives the data-quality ids, whose whole-LA rows are per kind
(breakdown ``kind``) or per column (breakdown ``column``): kpis.md says they have
breakdown ``all`` only, encoded that way.

Example::

    >>> format_number(12.0), format_number(22.580645161290324), format_number(float("nan"))
    ('12', '22.580645161290324', '')
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from datetime import date
from typing import Any, TextIO

import pandas as pd
from sqlalchemy import Engine, func, select

from metrics.periods import Grain, month_end, month_start
from metrics.registry import Registry
from store.schema import kpi_results, kpi_runs, loads

FIRST_COLUMNS = [
    "kpi_id",
    "la_code",
    "grain",
    "period_start",
    "period_end",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
]
MORE_COLUMNS = ["target", "status", "direction", "spc", "note", "coverage"]
BREAKDOWNS_FOR = {
    "all": ("all", "kind", "column"),
    "locality": ("locality",),
    "team": ("team",),
    "agency": ("agency",),
}


def results_are_current(engine: Engine) -> bool:
    """True when the stored results reflect the latest load (or nothing was loaded)."""
    with engine.connect() as conn:
        latest_load = conn.execute(select(func.max(loads.c.load_id))).scalar()
        run = conn.execute(
            select(kpi_runs.c.latest_load_id).order_by(kpi_runs.c.run_id.desc()).limit(1)
        ).first()
    if latest_load is None:
        return True
    return run is not None and run.latest_load_id == latest_load


def kpi_table(
    engine: Engine,
    registry: Registry,
    *,
    grain: Grain = "month",
    first_month: date | None = None,
    last_month: date | None = None,
    by: str = "all",
    la_code: str | None = None,
) -> pd.DataFrame:
    """Stored results for periods whose end month lies in ``[first_month, last_month]``."""
    r = kpi_results.c
    query = select(*[r[c] for c in (*FIRST_COLUMNS[:6], "group_name", *FIRST_COLUMNS[7:], *MORE_COLUMNS)])
    query = query.where(r.grain == grain, r.breakdown.in_(BREAKDOWNS_FOR[by]))
    if first_month is not None:
        query = query.where(r.period_end >= month_start(first_month))
    if last_month is not None:
        query = query.where(r.period_end <= month_end(last_month))
    if la_code is not None:
        query = query.where(r.la_code == la_code)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=[*FIRST_COLUMNS, *MORE_COLUMNS])
    order = {kpi: i for i, kpi in enumerate(registry.ids())}
    frame["_order"] = frame["kpi_id"].map(order)
    frame = frame.sort_values(["la_code", "_order", "period_end", "breakdown", "group"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def format_number(value: Any) -> str:
    """A number as written in the export: unrounded, whole numbers without ``.0``, blank for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _cell(column: str, value: Any) -> str:
    if column in ("numerator", "denominator", "value", "target"):
        return format_number(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv(
    frame: pd.DataFrame, out: TextIO, columns: Sequence[str] = (*FIRST_COLUMNS, *MORE_COLUMNS)
) -> None:
    """The table as CSV with the export's number and date encoding."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in frame[list(columns)].itertuples(index=False):
        writer.writerow([_cell(c, v) for c, v in zip(columns, row, strict=True)])


def write_json(frame: pd.DataFrame, out: TextIO) -> None:
    """The table as a JSON list of objects; numbers as numbers, blanks as null."""
    records = []
    for row in frame.itertuples(index=False):
        record: dict[str, Any] = {}
        for column, value in zip(frame.columns, row, strict=True):
            text = _cell(column, value)
            if column in ("numerator", "denominator", "value", "target"):
                record[column] = (
                    None if text == "" else (int(text) if text.lstrip("-").isdigit() else float(text))
                )
            else:
                record[column] = text or None
        records.append(record)
    json.dump(records, out, indent=1)
    out.write("\n")
