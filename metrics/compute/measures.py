"""Measure builders shared by the journey-stage modules.

Each builder takes rows of one table and per-row facts (a month index, masks, a
working-day test) and returns a ``Measure`` for one breakdown, so that a stage
module reads like the definition it implements.

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> ctx = Context.from_snapshot(build_snapshot(contacts=[{"contact_date": "2024-05-02"}]))
    >>> rows = ctx.rows("contacts")
    >>> m = count_measure(ctx, rows, "all", rows.month("contact_date"))
    >>> m.numerator[0, ctx.periods.grain == "month"].tolist()
    [1.0]
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from metrics.calendar import add_months
from metrics.compute.aggregate import (
    at_period_ends,
    counts_in_periods,
    distinct_open_counts,
    earliest_in_periods,
)
from metrics.compute.axis import Bools, Days, Ints
from metrics.compute.core import Context, Measure, Rows
from metrics.compute.workdays import working_days_between

Test = Literal["at_most", "more_than", "at_least"]

# Key packing for "as of" searches: child (or plan) × 2^21 + day. Days since 1970 are
# shifted by 2^20 so that any year from about 1100 to 4800 packs without overlap.
DAY_SHIFT = np.int64(1) << 20
DAY_SPAN = np.int64(1) << 21


def day_numbers(days: Days) -> Ints:
    """Days since 1970-01-01, shifted to be non-negative for packing."""
    return np.asarray(days.astype("datetime64[D]").astype(np.int64) + DAY_SHIFT)


def packed(owner: Ints, days: Days) -> Ints:
    """(owner, day) packed into one sortable integer."""
    return np.asarray(owner * DAY_SPAN + day_numbers(days))


def unpacked(key: Ints) -> tuple[Ints, Days]:
    """The (owner, day) pairs of packed keys."""
    days = (key % DAY_SPAN - DAY_SHIFT).astype("datetime64[D]")
    return np.asarray(key // DAY_SPAN), days


def count_measure(
    ctx: Context, rows: Rows, breakdown: str, month: Ints, mask: Bools | None = None
) -> Measure:
    """Events (where ``mask``) whose month falls in each period."""
    cells, cell = rows.cells(breakdown)
    return Measure(cells, counts_in_periods(ctx.periods, cell, month, len(cells), mask))


def ratio_measure(
    ctx: Context,
    rows: Rows,
    breakdown: str,
    month: Ints,
    numerator: Bools,
    denominator: Bools,
    undecided: tuple[Bools, Days] | None = None,
) -> Measure:
    """Numerator and denominator events per period; ``undecided`` rows blank their period."""
    cells, cell = rows.cells(breakdown)
    n = len(cells)
    num = counts_in_periods(ctx.periods, cell, month, n, numerator & denominator)
    den = counts_in_periods(ctx.periods, cell, month, n, denominator)
    return Measure(cells, num, den, undecided_dates(ctx, cell, month, n, undecided))


def undecided_dates(
    ctx: Context, cell: Ints, month: Ints, n: int, undecided: tuple[Bools, Days] | None
) -> Days | None:
    """Per (cell, period): the earliest outside-the-table date of an undecided row."""
    if undecided is None or not undecided[0].any():
        return None
    mask, outside = undecided
    return earliest_in_periods(ctx.periods, cell[mask], month[mask], outside[mask], n)


def working_day_test(
    rows: Rows, start_col: str, end_col: str, test: Test, threshold: int
) -> tuple[Bools, Bools, Days]:
    """Per row with both dates: (passes, undecided, the date outside the table).

    Rows missing either date neither pass nor are undecided.
    """

    def build() -> tuple[Bools, Bools, Days]:
        a, b = rows.days(start_col), rows.days(end_col)
        has = ~np.isnat(a) & ~np.isnat(b)
        passes = np.zeros(len(rows), bool)
        undecided = np.zeros(len(rows), bool)
        outside = np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[D]")
        wd = working_days_between(a[has], b[has])
        yes, unsure = getattr(wd, test)(threshold)
        passes[has], undecided[has], outside[has] = yes, unsure, wd.outside
        return passes, undecided, outside

    return rows._cached(("wd", start_col, end_col, test, threshold), build)


def first_end_passing(
    ctx: Context, start: Days, a: Ints, b: Ints, test: Test, threshold: int
) -> tuple[Ints, Bools]:
    """Per record open at month-ends ``[a, b)``: the first month-end k at which
    ``working days(start, end of month k)`` passes the test, and whether any
    earlier open month-end was undecided (the start lies outside the table).

    The count only grows with k, so the months from the first open one up to k
    fail (or are undecided) and the rest pass. ``n_months`` means never on the axis.
    """
    m = ctx.periods.n_months
    ends = ctx.periods.month_ends
    lo = np.clip(a, 0, m)
    hi = np.clip(b, 0, m)
    first = np.full(len(a), m, dtype=np.int64)
    inexact = np.zeros(len(a), bool)
    active = np.flatnonzero(lo < hi)
    k = lo[active]
    while len(active):
        wd = working_days_between(start[active], ends[k])
        yes, unsure = getattr(wd, test)(threshold)
        first[active[yes]] = k[yes]
        inexact[active[unsure]] = True
        still = ~yes & (k + 1 < hi[active])
        active, k = active[still], k[still] + 1
    return first, inexact


def open_months(rows: Rows, start_col: str, end_col: str) -> tuple[Ints, Ints]:
    """Month-ends ``[a, b)`` at which a record is open: start ≤ end of month and
    (end blank or end > end of month). A record ending on a month's last day is not
    open at that month end, so it is open up to (not including) its end month."""
    # A blank end is NEVER, far beyond the axis: open at every later month-end.
    return rows.month(start_col), rows.month(end_col)


def distinct_children_at_end(ctx: Context, rows: Rows, breakdown: str) -> Measure:
    """Distinct children with a record open at each period end (start_date/end_date)."""
    cells, cell = rows.cells(breakdown)
    a, b = open_months(rows, "start_date", "end_date")
    by_end = distinct_open_counts(ctx.periods, cell, rows.child(), a, b, len(cells))
    return Measure(cells, at_period_ends(ctx.periods, by_end))


def within_12_months_before(earlier: Days, d: Days) -> Bools:
    """``earlier`` on or after d − 12 calendar months and strictly before d (NaT: False)."""
    lower = add_months(d, -12)
    return np.asarray((earlier >= lower) & (earlier < d) & ~np.isnat(earlier))
