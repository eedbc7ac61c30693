"""Reporting periods: calendar month, quarter (Apr-Jun ...), financial year, rolling 12 months.

A period is the closed date range ``[start, end]``. Periods are listed by the month
in which they end, so "every period whose end month lies in the range" is a filter
on ``end``.

Example::

    >>> [p.label for p in periods_ending("quarter", date(2024, 4, 1), date(2024, 12, 1))]
    ['Q1 2024-25', 'Q2 2024-25', 'Q3 2024-25']
    >>> p = period_for("r12", date(2024, 2, 1))
    >>> (p.start.isoformat(), p.end.isoformat())
    ('2023-03-01', '2024-02-29')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

Grain = Literal["month", "quarter", "year", "r12"]
GRAINS: tuple[Grain, ...] = get_args(Grain)
GRAIN_LABELS: dict[Grain, str] = {
    "month": "Month",
    "quarter": "Quarter",
    "year": "Financial year",
    "r12": "Rolling 12 months",
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period of a grain."""

    end: date
    start: date
    grain: Grain

    @property
    def label(self) -> str:
        if self.grain == "month":
            return f"{_MONTHS[self.end.month - 1]} {self.end.year}"
        if self.grain == "r12":
            return f"12 months to {_MONTHS[self.end.month - 1]} {self.end.year}"
        fy = financial_year_start(self.end)
        fy_label = f"{fy}-{(fy + 1) % 100:02d}"
        if self.grain == "year":
            return fy_label
        quarter = (self.end.month - 4) % 12 // 3 + 1
        return f"Q{quarter} {fy_label}"


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def shift_month(d: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``d``."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def financial_year_start(d: date) -> int:
    """The calendar year in which the financial year containing ``d`` starts."""
    return d.year if d.month >= 4 else d.year - 1


def _ends_in_month(grain: Grain, month: date) -> bool:
    if grain in ("month", "r12"):
        return True
    if grain == "quarter":
        return month.month in (3, 6, 9, 12)
    return month.month == 3


def period_for(grain: Grain, end_month: date) -> Period:
    """The period of ``grain`` that ends in the month of ``end_month``.

    Raises ValueError when no period of the grain ends in that month.
    """
    if not _ends_in_month(grain, end_month):
        raise ValueError(f"no {grain} period ends in {end_month:%B %Y}")
    end = month_end(end_month)
    length = {"month": 1, "quarter": 3, "year": 12, "r12": 12}[grain]
    return Period(end=end, start=shift_month(end_month, 1 - length), grain=grain)


def periods_ending(grain: Grain, first_month: date, last_month: date) -> list[Period]:
    """Every period of ``grain`` whose end month lies in ``[first_month, last_month]``."""
    out: list[Period] = []
    m = month_start(first_month)
    while m <= month_start(last_month):
        if _ends_in_month(grain, m):
            out.append(period_for(grain, m))
        m = shift_month(m, 1)
    return out


def periods_overlapping(grain: Grain, first_day: date, last_day: date) -> list[Period]:
    """Every period of ``grain`` that overlaps ``[first_day, last_day]``, including part periods."""
    last_month = month_start(last_day)
    while not _ends_in_month(grain, last_month):
        last_month = shift_month(last_month, 1)
    return [p for p in periods_ending(grain, month_start(first_day), last_month) if p.end >= first_day]


def previous_period(period: Period) -> Period:
    """The previous period of the same grain (for direction of travel)."""
    step = {"month": 1, "r12": 1, "quarter": 3, "year": 12}[period.grain]
    return period_for(period.grain, shift_month(month_start(period.end), -step))


def parse_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month; ValueError with the expected form."""
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"{text!r} is not a month: expected YYYY-MM, e.g. 2025-03") from None
