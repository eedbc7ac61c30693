"""Vectorised aggregation of events into cell × period arrays.

Every period is a run of whole months on one axis, so:

- additive measures (counts of events, numerators and denominators of event
  percentages) are binned once per (cell, month) with ``numpy.bincount`` and every
  grain is a difference of cumulative sums;
- point-in-time measures ("at the period end") depend only on the month of the
  period end: a record open over month-ends ``[a, b)`` adds +1 at ``a`` and −1 at
  ``b`` of a per-cell difference array;
- distinct children are counted from the unique (cell, child, month) triples;
- medians expand each event to the periods containing its month (15 per month:
  one month, one quarter, one year, twelve rolling years) and sort once.

Example::

    >>> from metrics.compute.axis import build_period_table
    >>> from datetime import date
    >>> t = build_period_table((date(2024, 1, 5), date(2024, 3, 9)), None)
    >>> month = t.month_index(np.array(["2024-01-05", "2024-03-09"], dtype="datetime64[D]"))
    >>> sums = counts_in_periods(t, np.array([0, 0]), month, 1)
    >>> sums[0, t.grain == "month"].tolist()   # Jan, Feb, Mar
    [1.0, 0.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from metrics.compute.axis import Bools, Days, Ints, PeriodTable
from metrics.compute.core import Floats

_NO_DAY = np.iinfo(np.int64).max


def distinct(values: Ints) -> Ints:
    """The sorted distinct values (a sort, which beats hashing for large integer arrays)."""
    s = np.sort(values)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def _valid(periods: PeriodTable, cell: Ints, month: Ints) -> Bools:
    return np.asarray((cell >= 0) & (month >= 0) & (month < periods.n_months))


def monthly_counts(
    periods: PeriodTable, cell: Ints, month: Ints, n_cells: int, mask: Bools | None = None
) -> Floats:
    """Events per (cell, month of the axis); events outside the axis are not counted."""
    ok = _valid(periods, cell, month)
    if mask is not None:
        ok &= mask
    m = periods.n_months
    bins = np.bincount(cell[ok] * m + month[ok], minlength=n_cells * m)
    return bins.reshape(n_cells, m).astype(np.float64)


def period_sums(periods: PeriodTable, monthly: Floats) -> Floats:
    """Sum monthly bins over each period's months (cumulative-sum differences)."""
    cum = np.zeros((monthly.shape[0], periods.n_months + 1))
    np.cumsum(monthly, axis=1, out=cum[:, 1:])
    return np.asarray(cum[:, periods.last + 1] - cum[:, periods.first])


def counts_in_periods(
    periods: PeriodTable, cell: Ints, month: Ints, n_cells: int, mask: Bools | None = None
) -> Floats:
    """Events (where ``mask``) whose month falls in each period, per cell."""
    return period_sums(periods, monthly_counts(periods, cell, month, n_cells, mask))


def at_period_ends(periods: PeriodTable, by_month_end: Floats) -> Floats:
    """A point-in-time (cell, month-end) array read at each period's end."""
    return np.asarray(by_month_end[:, periods.last], dtype=np.float64)


def open_counts(periods: PeriodTable, cell: Ints, a: Ints, b: Ints, n_cells: int) -> Floats:
    """Records open at month-ends ``[a, b)`` counted per (cell, month-end)."""
    m = periods.n_months
    lo = np.clip(a, 0, m)
    hi = np.clip(b, 0, m)
    ok = (lo < hi) & (cell >= 0)
    width = m + 1
    size = n_cells * width
    diff = np.bincount(cell[ok] * width + lo[ok], minlength=size) - np.bincount(
        cell[ok] * width + hi[ok], minlength=size
    )
    return np.cumsum(diff.reshape(n_cells, width), axis=1)[:, :m].astype(np.float64)


def expand_ranges(a: Ints, b: Ints) -> tuple[Ints, Ints]:
    """For ranges ``[a, b)``: (row of each element, the element) for every integer in them."""
    lengths = np.maximum(b - a, 0)
    rows = np.repeat(np.arange(len(a), dtype=np.int64), lengths)
    starts = np.cumsum(lengths) - lengths
    offsets = np.arange(len(rows), dtype=np.int64) - np.repeat(starts, lengths)
    return rows, a[rows] + offsets


def month_ranges(periods: PeriodTable, cell: Ints, a: Ints, b: Ints) -> tuple[Ints, Ints]:
    """(row, month) for every month of the axis in each row's ``[a, b)``."""
    lo = np.clip(a, 0, periods.n_months)
    hi = np.clip(b, 0, periods.n_months)
    keep = (cell >= 0) & (lo < hi)
    rows, month = expand_ranges(lo[keep], hi[keep])
    return np.flatnonzero(keep)[rows], month


def distinct_open_counts(
    periods: PeriodTable, cell: Ints, child: Ints, a: Ints, b: Ints, n_cells: int
) -> Floats:
    """Distinct children per (cell, month-end) with a record open over month-ends ``[a, b)``."""
    rows, month = month_ranges(periods, cell, a, b)
    m = periods.n_months
    n_children = int(child.max()) + 1 if len(child) else 1
    key = distinct((cell[rows] * m + month) * n_children + child[rows])
    return np.bincount(key // n_children, minlength=n_cells * m).reshape(n_cells, m).astype(np.float64)


def distinct_in_periods(
    periods: PeriodTable, cell: Ints, child: Ints, a: Ints, b: Ints, n_cells: int
) -> Floats:
    """Distinct children per (cell, period) with a record present in months ``[a, b)``.

    A child counts in a period when any of its months lies in the period. From the
    unique (cell, child, month) triples, each with the previous month of the same
    (cell, child): a triple at month t is the first of its child in the window of
    length L ending at k exactly when ``max(t, previous + L) ≤ k ≤ t + L − 1``.
    """
    rows, month = month_ranges(periods, cell, a, b)
    m = periods.n_months
    out = np.zeros((n_cells, periods.size))
    if len(rows) == 0:
        return out
    n_children = int(child.max()) + 1
    key = distinct((cell[rows] * n_children + child[rows]) * m + month)
    owner, t = key // m, key % m
    same = np.r_[False, owner[1:] == owner[:-1]]
    previous = np.where(same, np.r_[0, t[:-1]], -(10**9))
    c = owner // n_children
    lengths = periods.last - periods.first + 1
    for length in np.unique(lengths):
        lo = np.maximum(t, previous + length)
        hi = np.minimum(t + length - 1, m - 1)
        ok = lo <= hi
        width = m + 1
        size = n_cells * width
        diff = np.bincount(c[ok] * width + lo[ok], minlength=size) - np.bincount(
            c[ok] * width + hi[ok] + 1, minlength=size
        )
        windows = np.cumsum(diff.reshape(n_cells, width), axis=1)
        sel = lengths == length
        out[:, sel] = windows[:, periods.last[sel]]
    return out


def _expand_to_periods(periods: PeriodTable, month: Ints) -> tuple[Ints, Ints]:
    """(row, period) for each row and each period containing its month (month in axis)."""
    offsets, members = periods.membership
    counts = offsets[month + 1] - offsets[month]
    rows = np.repeat(np.arange(len(month), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    within = np.arange(len(rows), dtype=np.int64) - np.repeat(starts, counts)
    return rows, members[offsets[month[rows]] + within]


def medians_in_periods(
    periods: PeriodTable, cell: Ints, month: Ints, values: Ints, n_cells: int
) -> tuple[Floats, Floats]:
    """(median, count) of integer values per (cell, period); the median is NaN for no values.

    An even count takes the mean of the two middle values.
    """
    ok = _valid(periods, cell, month)
    rows, period = _expand_to_periods(periods, month[ok])
    levels, rank = np.unique(values[ok], return_inverse=True)
    n_ranks = max(len(levels), 1)
    key = cell[ok][rows] * periods.size + period
    combined = np.sort(key * n_ranks + rank[rows])
    count = np.bincount(key, minlength=n_cells * periods.size)
    first = np.cumsum(count) - count
    has = count > 0
    median = np.full(count.shape, np.nan)
    low = combined[first[has] + (count[has] - 1) // 2] % n_ranks
    high = combined[first[has] + count[has] // 2] % n_ranks
    median[has] = (levels[low] + levels[high]) / 2
    shape = (n_cells, periods.size)
    return median.reshape(shape), count.reshape(shape).astype(np.float64)


def earliest_in_periods(periods: PeriodTable, cell: Ints, month: Ints, dates: Days, n_cells: int) -> Days:
    """The earliest of ``dates`` per (cell, period) over rows in the period (NaT if none)."""
    ok = _valid(periods, cell, month)
    rows, period = _expand_to_periods(periods, month[ok])
    key = cell[ok][rows] * periods.size + period
    days = dates[ok].astype("datetime64[D]").astype(np.int64)[rows]
    return _earliest(key, days, n_cells * periods.size).reshape(n_cells, periods.size)


def earliest_at_ends(periods: PeriodTable, cell: Ints, a: Ints, b: Ints, dates: Days, n_cells: int) -> Days:
    """The earliest of ``dates`` per (cell, period) over rows open at the period's end."""
    rows, month = month_ranges(periods, cell, a, b)
    m = periods.n_months
    days = dates.astype("datetime64[D]").astype(np.int64)[rows]
    by_end = _earliest(cell[rows] * m + month, days, n_cells * m).reshape(n_cells, m)
    return by_end[:, periods.last]


def _earliest(key: Ints, days: Ints, size: int) -> Days:
    best = np.full(size, _NO_DAY, dtype=np.int64)
    np.minimum.at(best, key, days)
    out = best.astype("datetime64[D]")
    out[best == _NO_DAY] = np.datetime64("NaT")
    return out


def by_month_end(periods: PeriodTable, cell: Ints, month: Ints, n_cells: int) -> Floats:
    """Counts per (cell, month-end) of (cell, month) pairs already on the axis."""
    m = periods.n_months
    return np.bincount(cell * m + month, minlength=n_cells * m).reshape(n_cells, m).astype(float)


def earliest_by_month_end(periods: PeriodTable, cell: Ints, month: Ints, dates: Days, n_cells: int) -> Days:
    """The earliest of ``dates`` per (cell, period) over (cell, month-end) pairs on the axis."""
    m = periods.n_months
    days = dates.astype("datetime64[D]").astype(np.int64)
    by_end = _earliest(cell * m + month, days, n_cells * m).reshape(n_cells, m)
    return by_end[:, periods.last]


def earliest_of(first: Days | None, second: Days | None) -> Days | None:
    """Element-wise earliest of two optional date arrays (NaT ignored)."""
    if first is None or second is None:
        return first if second is None else second
    return np.fmin(first, second)


def no_dates(n_cells: int, periods: PeriodTable) -> Days:
    """An all-NaT (cell, period) array: every working-day count was made."""
    return np.full((n_cells, periods.size), np.datetime64("NaT"), dtype="datetime64[D]")
