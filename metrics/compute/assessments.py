"""Assessments: completed, within 45 working days, median duration, not in need, open late.

- ``assessments_completed``: authorisation_date in the period.
- ``assessments_45wd``: of those, working days(start_date, authorisation_date) ≤ 45.
- ``assessment_median_wd``: the median of those working days (an even count takes
  the mean of the two middle values); numerator the median, denominator the count.
- ``assessments_not_in_need``: of those with outcome_in_need recorded, false.
- ``assessments_open_over_45wd``: at the period end, assessments with start_date ≤
  end, no authorisation_date on or before the end, and working days(start_date,
  end) > 45. Counted per assessment, not per child.

Breakdowns: all, locality, team.

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(assessments=[
    ...     {"start_date": "2024-01-02", "authorisation_date": "2024-03-05"},   # 45 wd
    ...     {"start_date": "2024-01-02", "authorisation_date": "2024-03-06"}])  # 46 wd
    >>> m = assessments_45wd(Context.from_snapshot(snap), "all")
    >>> m.numerator[0, 1], m.denominator[0, 1]   # quarter January-March 2024
    (np.float64(1.0), np.float64(2.0))
"""

from __future__ import annotations

import numpy as np

from metrics.compute.aggregate import (
    at_period_ends,
    counts_in_periods,
    earliest_at_ends,
    medians_in_periods,
    open_counts,
)
from metrics.compute.core import Context, Measure
from metrics.compute.measures import (
    count_measure,
    first_end_passing,
    open_months,
    ratio_measure,
    undecided_dates,
    working_day_test,
)
from metrics.compute.workdays import working_days_between
from metrics.wiring import measure


@measure("assessments_completed")
def assessments_completed(ctx: Context, breakdown: str) -> Measure:
    """Assessments with authorisation_date in the period."""
    rows = ctx.rows("assessments")
    return count_measure(ctx, rows, breakdown, rows.month("authorisation_date"))


@measure("assessments_45wd")
def assessments_45wd(ctx: Context, breakdown: str) -> Measure:
    """Completed assessments within 45 working days of the start."""
    rows = ctx.rows("assessments")
    within, undecided, outside = working_day_test(rows, "start_date", "authorisation_date", "at_most", 45)
    completed = rows.known("authorisation_date")
    month = rows.month("authorisation_date")
    return ratio_measure(ctx, rows, breakdown, month, within, completed, (undecided, outside))


@measure("assessment_median_wd")
def assessment_median_wd(ctx: Context, breakdown: str) -> Measure:
    """Median working days from start to authorisation of the completed assessments."""
    rows = ctx.rows("assessments")
    cells, cell = rows.cells(breakdown)
    n = len(cells)
    month = rows.month("authorisation_date")
    completed = np.flatnonzero(rows.known("authorisation_date"))
    wd = working_days_between(rows.days("start_date")[completed], rows.days("authorisation_date")[completed])
    exact = wd.exact
    take = completed[exact]
    median, _ = medians_in_periods(ctx.periods, cell[take], month[take], wd.low[exact], n)
    count = counts_in_periods(ctx.periods, cell[completed], month[completed], n)
    undecided = np.zeros(len(rows), bool)
    undecided[completed[~exact]] = True
    outside = np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[D]")
    outside[completed] = wd.outside
    return Measure(cells, median, count, undecided_dates(ctx, cell, month, n, (undecided, outside)))


@measure("assessments_not_in_need")
def assessments_not_in_need(ctx: Context, breakdown: str) -> Measure:
    """Completed assessments with outcome_in_need false over those with it recorded."""
    rows = ctx.rows("assessments")
    recorded = rows.known("authorisation_date") & rows.known("outcome_in_need")
    not_in_need = rows.equals("outcome_in_need", False)
    month = rows.month("authorisation_date")
    return ratio_measure(ctx, rows, breakdown, month, not_in_need, recorded)


@measure("assessments_open_over_45wd")
def assessments_open_over_45wd(ctx: Context, breakdown: str) -> Measure:
    """Assessments open at the period end and more than 45 working days from their start."""
    rows = ctx.rows("assessments")
    cells, cell = rows.cells(breakdown)
    n = len(cells)
    start = rows.days("start_date")
    a, b = open_months(rows, "start_date", "authorisation_date")
    late_from, inexact = ctx.cached(
        "assessments_late_from", lambda: first_end_passing(ctx, start, a, b, "more_than", 45)
    )
    late = open_counts(ctx.periods, cell, np.maximum(a, late_from), b, n)
    undecided = None
    if inexact.any():
        # Open month-ends before the count was decided: the start lies outside the table.
        und = np.flatnonzero(inexact)
        lo = np.maximum(a[und], 0)
        undecided = earliest_at_ends(
            ctx.periods, cell[und], lo, np.minimum(late_from[und], b[und]), start[und], n
        )
    return Measure(cells, at_period_ends(ctx.periods, late), None, undecided)
