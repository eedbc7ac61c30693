"""What a page says about a result its period's data does not fully cover (metrics/coverage.py).

A period with no data in the LA's window is "before the data starts" (or "after the data
ends"), never 0; a period partly covered is "partial: 7 of 12 months"; an indicator whose
look-back the window does not yet reach is "look-back incomplete".

Example::

    >>> from datetime import date
    >>> row = {"coverage": "none", "period_end": date(2021, 3, 31), "grain": "month"}
    >>> coverage_text(row, (date(2023, 4, 3), date(2026, 3, 30)))
    'before the data starts'
    >>> coverage_text({"coverage": "partial", "months_covered": 7, "grain": "r12"}, None)
    'partial: 7 of 12 months'
    >>> too_few_text(True)
    'too few each month to judge variation'
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from metrics.coverage import GRAIN_MONTHS, coverage_label
from scorecard.components.markup import tag, text

BEFORE = "before the data starts"
AFTER = "after the data ends"
TOO_FEW = "too few each month to judge variation"


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value if isinstance(value, date) else None


def coverage_text(row: dict[str, Any], window: tuple[date, date] | None) -> str:
    """The words for a row's coverage ("" when the period is fully covered)."""
    coverage = row.get("coverage") or "full"
    if coverage == "none":
        end = _as_date(row.get("period_end"))
        if window is not None and end is not None and end > window[1]:
            return AFTER
        return BEFORE
    lengths: dict[str, int] = {str(k): n for k, n in GRAIN_MONTHS.items()}
    months = lengths.get(str(row.get("grain") or "month"), 1)
    return coverage_label(coverage, row.get("months_covered"), months)


def is_shown_as_performance(row: dict[str, Any] | None) -> bool:
    """True when a row's value is shown at all (its period has data in the window)."""
    return row is not None and (row.get("coverage") or "full") != "none"


def coverage_mark(words: str) -> str:
    """A small muted mark beside a value, or nothing."""
    return tag("span", text(words), class_="sc-note sc-coverage d-block") if words else ""


def too_few_text(too_few: Any) -> str:
    return TOO_FEW if too_few is True or (isinstance(too_few, (int, float)) and bool(too_few)) else ""


def icons_month_text(latest: Any) -> str:
    """ "SPC icons describe the monthly series up to Mar 2026." (or "" without a month)."""
    end = _as_date(latest)
    if end is None:
        return ""
    return f"SPC icons describe the monthly series up to {end:%b %Y}, whichever period is chosen."


def period_months_covered(period_start: date, period_end: date, window: tuple[date, date]) -> tuple[int, int]:
    """(months of the period inside the window, months in the period), by calendar month.

    >>> period_months_covered(date(2023, 4, 1), date(2023, 6, 30), (date(2023, 5, 10), date(2026, 3, 1)))
    (2, 3)
    """

    def index(d: date) -> int:
        return d.year * 12 + d.month - 1

    total = index(period_end) - index(period_start) + 1
    covered = min(index(period_end), index(window[1])) - max(index(period_start), index(window[0])) + 1
    return max(covered, 0), total


def window_text(la: str, window: tuple[date, date] | None, period: Any = None) -> str:
    """ "Data for Sunderland from 3 Apr 2023 to 30 Mar 2026." and, for a period not wholly
    inside, what that means for its results.

    >>> from metrics.periods import period_for
    >>> window_text("394", (date(2023, 5, 10), date(2026, 3, 30)), period_for("quarter", date(2023, 6, 1)))
    ... # doctest: +NORMALIZE_WHITESPACE
    'Data for Sunderland from 10 May 2023 to 30 Mar 2026. Q1 2023-24 is partial: 2 of 3 months have data,
     so its results have no status, direction of travel or SPC.'
    """
    from store.local_authorities import la_name

    if window is None:
        return f"No data is loaded for {la_name(la)}."
    start, end = window
    out = f"Data for {la_name(la)} from {start.day} {start:%b %Y} to {end.day} {end:%b %Y}."
    if period is not None:
        covered, total = period_months_covered(period.start, period.end, window)
        if covered == 0:
            out += f" {period.label} is outside the data: there are no results to judge."
        elif covered < total:
            out += (
                f" {period.label} is partial: {covered} of {total} months have data, "
                "so its results have no status, direction of travel or SPC."
            )
    return out
