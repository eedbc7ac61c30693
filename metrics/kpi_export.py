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

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

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
NUMBER_COLUMNS = ("numerator", "denominator", "value", "target")
BREAKDOWNS_FOR = {
    "all": ("all", "kind", "column"),
    "locality": ("locality",),
    "team": ("team",),
    "agency": ("agency",),
    "theme": ("theme",),
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


def export_value(column: str, value: Any) -> Any:
    """A value in the export's encoding, still typed: numbers as int (whole) or float,
    dates in ISO form, blanks None (the writer, ``scorecard/safe_export.py``, writes it).

    >>> export_value("value", 12.0), export_value("period_end", date(2024, 3, 31)), export_value("note", None)
    (12, '2024-03-31', None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value == "":
        return None
    if value == "c":  # hidden by disclosure control (``scorecard kpis --audience board``)
        return "c"
    if column in NUMBER_COLUMNS:
        number = float(value)
        return int(number) if number.is_integer() else number
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_rows(
    frame: pd.DataFrame, columns: Sequence[str] = (*FIRST_COLUMNS, *MORE_COLUMNS)
) -> list[list[Any]]:
    """The table's rows in the export's encoding, in ``columns`` order."""
    return [
        [export_value(c, v) for c, v in zip(columns, row, strict=True)]
        for row in frame[list(columns)].itertuples(index=False)
    ]
