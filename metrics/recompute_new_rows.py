"""The date spans of a monthly refresh from the rows its loads wrote, not the whole tables.

``recompute_spans`` keeps, per LA, kind and date column, the first and last date (inside
the calendar or not) and the row count (``metrics.recompute_plan``). A load that only adds
records (it superseded none: no version of a stored record names it) can only widen
them, so the new span is the stored one combined with the span of the rows the load
wrote; and the earliest event date those rows carry is where the refresh's periods
start (``metrics.recompute_tail``). Both come from one pass over the rows the pending
loads wrote (``load_id`` among them, through the kind table's index on ``load_id``:
the pass reads the month's rows, not the LA's), and the superseded versions from the
versions table's index on ``superseded_by``.

A load that superseded records (a correction), or a kind the LA had no span of, is read
whole as before. A retraction deletes rows: it is no pending load, and the callers
recompute in full after one (``scorecard retract``, the Data loads page).

Example::

    >>> old = pd.DataFrame({"la_code": ["394"], "kind": ["contacts"],
    ...     "column_name": ["contact_date"], "rows": [10], "first_date": [pd.Timestamp("2024-01-02")],
    ...     "last_date": [pd.Timestamp("2024-02-27")], "first_inside": [pd.Timestamp("2024-01-02")],
    ...     "last_inside": [pd.Timestamp("2024-02-27")], "outside": [0], "first_outside": [pd.NaT]})
    >>> new = old.assign(rows=3, first_date=pd.Timestamp("2024-03-01"), last_date=pd.Timestamp("2024-03-30"),
    ...     first_inside=pd.Timestamp("2024-03-01"), last_inside=pd.Timestamp("2024-03-30"))
    >>> row = combined(old, new).iloc[0]
    >>> int(row["rows"]), str(row["first_date"])[:10], str(row["last_inside"])[:10]
    (13, '2024-01-02', '2024-03-30')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, case, func, or_, select

from metrics.calendar import calendar_range
from metrics.recompute_tail import event_dates
from store.extracts import EVENT_KINDS, EXTRACTS
from store.schema import VERSION_TABLES, kind_table

# The date columns whose spans are kept: each event kind's main date (and the period end
# of a kind whose rows are figures for a period, ``span_end``), and the early help
# closures that eh_outcome_scores' periods cover.
SPAN_COLUMNS: tuple[tuple[str, str], ...] = (
    *((kind, str(EXTRACTS[kind].main_date)) for kind in EVENT_KINDS),
    *((kind, str(EXTRACTS[kind].span_end)) for kind in EVENT_KINDS if EXTRACTS[kind].span_end),
    ("early_help", "end_date"),
)
SPAN_READ = ["rows", "first_date", "last_date", "first_inside", "last_inside", "outside", "first_outside"]
DATES = ("first_date", "last_date", "first_inside", "last_inside", "first_outside")
# How span rows of the same LA, kind and column combine.
SPAN_MERGE: dict[str, tuple[str, str]] = {
    "rows": ("rows", "sum"),
    "first_date": ("first_date", "min"),
    "last_date": ("last_date", "max"),
    "first_inside": ("first_inside", "min"),
    "last_inside": ("last_inside", "max"),
    "outside": ("outside", "sum"),
    "first_outside": ("first_outside", "min"),
}


def span_aggregates(day: Any) -> list[Any]:
    """The aggregates of a span row (``SPAN_READ``) over a date column."""
    lo, hi = (d.astype(date) for d in calendar_range())
    inside = and_(day >= lo, day <= hi)
    outside = and_(day.is_not(None), or_(day < lo, day > hi))
    return [
        func.count().label("rows"),
        func.min(day).label("first_date"),
        func.max(day).label("last_date"),
        func.min(case((inside, day))).label("first_inside"),
        func.max(case((inside, day))).label("last_inside"),
        func.coalesce(func.sum(case((outside, 1), else_=0)), 0).label("outside"),
        func.min(case((outside, day))).label("first_outside"),
    ]


@dataclass(frozen=True)
class Written:
    """What the pending loads did to one kind of one LA."""

    # Whether they superseded any stored record (then the spans are read whole).
    superseded: bool
    # One span row per span column of the kind, of the rows they wrote (la_code, kind,
    # column_name and SPAN_READ, as the driver gives them: ``combined`` types them).
    spans: pd.DataFrame
    # The earliest event date of the rows they wrote or superseded (None: none).
    earliest: date | None


def written(conn: Connection, la: str, kind: str, raw_codes: tuple[str, ...], load_ids: list[int]) -> Written:
    """One pass over the kind's rows the loads wrote, and one over the versions they superseded."""
    dates = event_dates(kind)
    versions = VERSION_TABLES[kind]
    query = select(func.count(), *(func.min(versions.c[c]) for c in dates)).where(
        versions.c.la_code.in_(raw_codes), versions.c.superseded_by.in_(load_ids)
    )
    superseded, *old_dates = conn.execute(query).one()
    table = kind_table(kind)
    columns = [c for k, c in SPAN_COLUMNS if k == kind]
    aggregates = [a for c in columns for a in span_aggregates(table.c[c])]
    # Through the index on load_id: the LA's code as an expression, so that SQLite (no
    # statistics) does not scan the LA's rows through the primary key instead.
    la_code = table.c.la_code.concat("")
    query = select(*aggregates, *(func.min(table.c[c]) for c in dates)).where(
        table.c.load_id.in_(load_ids), la_code.in_(raw_codes)
    )
    values = list(conn.execute(query).one())
    width = len(SPAN_READ)
    spans = pd.DataFrame(
        [(la, kind, c, *values[i * width : (i + 1) * width]) for i, c in enumerate(columns)],
        columns=["la_code", "kind", "column_name", *SPAN_READ],
    )
    found = [_as_date(v) for v in [*old_dates, *values[len(columns) * width :]] if v is not None]
    return Written(bool(superseded), spans, min(found) if found else None)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def typed_spans(frame: pd.DataFrame) -> pd.DataFrame:
    """Span rows with dates as ``datetime64[s]`` and counts as ``Int64``."""
    out = frame.copy()
    for col in DATES:
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    for col in ("rows", "outside"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    return out


def combined(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Stored span rows widened by the span rows of added rows (same keys)."""
    keys = ["la_code", "kind", "column_name"]
    both = pd.concat([typed_spans(old[[*keys, *SPAN_READ]]), typed_spans(new)], ignore_index=True)
    return both.groupby(keys, as_index=False, sort=False).agg(**SPAN_MERGE)
