"""Working days and calendar months, exactly as ``shared/spec/kpis.md`` defines them.

Working days from ``a`` to ``b`` are ``numpy.busday_count(a, b, holidays=...)`` with
the England and Wales bank holidays shipped in ``metrics/data`` (frozen from the
``holidays`` package by ``scripts/freeze_bank_holidays.py``): the working days in
``[a, b)``, so the same day is 0. A date outside the table's years is an error,
never a guess.

Example::

    >>> import numpy as np
    >>> a = np.array(["2024-12-24"], dtype="datetime64[D]")
    >>> b = np.array(["2024-12-27"], dtype="datetime64[D]")
    >>> working_days(a, b).tolist()   # 25 and 26 December are bank holidays
    [1]
    >>> add_months(np.array(["2024-02-29"], dtype="datetime64[D]"), 12).tolist()
    [datetime.date(2025, 2, 28)]
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

DateArray = npt.NDArray[np.datetime64]

_TABLE = "bank_holidays_england_wales.csv"


class CalendarRangeError(ValueError):
    """A date lies outside the years the bank-holiday table covers."""


@cache
def _table() -> tuple[npt.NDArray[np.datetime64], np.datetime64, np.datetime64]:
    text = resources.files("metrics").joinpath("data", _TABLE).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    dates = [row["date"] for row in csv.DictReader(lines)]
    days = np.array(dates, dtype="datetime64[D]")
    first_year = days.min().astype("datetime64[Y]")
    last_year = days.max().astype("datetime64[Y]")
    start = first_year.astype("datetime64[D]")
    end = (last_year + 1).astype("datetime64[D]") - 1
    return days, start, end


def bank_holidays() -> DateArray:
    """The bank holidays of England and Wales in the shipped table."""
    return _table()[0]


def calendar_range() -> tuple[np.datetime64, np.datetime64]:
    """The first and last day the bank-holiday table covers."""
    _, start, end = _table()
    return start, end


def in_calendar(dates: DateArray) -> npt.NDArray[np.bool_]:
    """True where a date lies inside the table's range (NaT is False)."""
    start, end = calendar_range()
    d = np.asarray(dates, dtype="datetime64[D]")
    return (d >= start) & (d <= end)


def _check_range(d: DateArray) -> None:
    start, end = calendar_range()
    bad = ~np.isnat(d) & ((d < start) | (d > end))
    if bad.any():
        first = d[bad].min() if (d[bad] < start).any() else d[bad].max()
        raise CalendarRangeError(
            f"{first} is outside the bank-holiday table ({start} to {end}); "
            "extend it with scripts/freeze_bank_holidays.py before computing working days"
        )


def working_days(start: DateArray, end: DateArray) -> npt.NDArray[np.int64]:
    """Working days in ``[start, end)`` element-wise; negative when end is before start.

    Both arrays must be free of NaT (mask missing dates before calling).
    """
    a = np.asarray(start, dtype="datetime64[D]")
    b = np.asarray(end, dtype="datetime64[D]")
    if np.isnat(a).any() or np.isnat(b).any():
        raise ValueError("working_days() takes dates only: mask missing dates first")
    _check_range(a)
    _check_range(b)
    return np.busday_count(a, b, holidays=bank_holidays()).astype(np.int64)


def add_months(dates: DateArray, months: int) -> DateArray:
    """Add calendar months, clamping the day to the month end (30 Nov + 3 = 28/29 Feb).

    This is ``pandas.DateOffset(months=n)``: 29 February + 12 months = 28 February.
    NaT stays NaT.
    """
    d = np.asarray(dates, dtype="datetime64[D]")
    nat = np.isnat(d)
    safe = np.where(nat, np.datetime64("2000-01-01"), d)
    month = safe.astype("datetime64[M]")
    day = (safe - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    last_day = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64) - 1
    out = target.astype("datetime64[D]") + np.minimum(day, last_day).astype("timedelta64[D]")
    return np.where(nat, np.datetime64("NaT"), out).astype("datetime64[D]")


def add_years(dates: DateArray, years: int) -> DateArray:
    """Add calendar years (29 February + 1 year = 28 February)."""
    return add_months(dates, 12 * years)
