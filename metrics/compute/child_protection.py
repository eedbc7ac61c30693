"""Child protection plans: starts, children on a plan, second plans, long plans.

- ``cp_plans_started``: plans with start_date in the period.
- ``cp_children_at_end``: distinct children with a plan open at the period end
  (start_date ≤ end and (end_date blank or end_date > end): a plan ending on the
  period end is not open at it); ``cp_rate_at_end`` per 10,000 (breakdown all).
  Per group, a child counts in each group of a plan of theirs that is open.
- ``cp_second_or_subsequent``: of the plans started, those with previous_plans > 0
  or another plan of the same child (same LA) with an earlier start_date, however
  long ago. A plan starting the same day as another is not "earlier".
- ``cp_ended_2y_plus``: of the plans with end_date in the period, those with
  end_date ≥ start_date + 2 calendar years (29 February + 2 years = 28 February).

Visits and reviews are in ``cp_visits_reviews``. Breakdowns: all, locality, team
(the plan's).

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(cp_plans=[
    ...     {"start_date": "2022-05-03", "end_date": "2024-05-03"},   # exactly 2 years
    ...     {"start_date": "2022-05-04", "end_date": "2024-05-03"},
    ...     {"start_date": "2024-05-31"}])   # main dates reach May 2024: periods do too
    >>> m = cp_ended_2y_plus(Context.from_snapshot(snap), "all")
    >>> int(m.numerator[0].max()), int(m.denominator[0].max())
    (1, 2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.calendar import add_years
from metrics.compute.core import Context, Measure
from metrics.compute.measures import count_measure, distinct_children_at_end, ratio_measure
from metrics.wiring import measure


@measure("cp_plans_started")
def cp_plans_started(ctx: Context, breakdown: str) -> Measure:
    """Plans with start_date in the period."""
    rows = ctx.rows("cp_plans")
    return count_measure(ctx, rows, breakdown, rows.month("start_date"))


@measure("cp_children_at_end", "cp_rate_at_end")
def cp_children_at_end(ctx: Context, breakdown: str) -> Measure:
    """Distinct children with a plan open at the period end."""
    return distinct_children_at_end(ctx, ctx.rows("cp_plans"), breakdown)


@measure("cp_second_or_subsequent")
def cp_second_or_subsequent(ctx: Context, breakdown: str) -> Measure:
    """Plans started in the period that were a second or subsequent plan."""
    rows = ctx.rows("cp_plans")
    start = rows.days("start_date")
    first_start = pd.Series(start.astype(np.int64)).groupby(rows.child()).transform("min").to_numpy()
    earlier_plan = first_start < start.astype(np.int64)
    previous = rows.frame["previous_plans"].to_numpy(dtype=np.float64, na_value=0.0) > 0
    every = np.ones(len(rows), bool)
    month = rows.month("start_date")
    return ratio_measure(ctx, rows, breakdown, month, earlier_plan | previous, every)


@measure("cp_ended_2y_plus")
def cp_ended_2y_plus(ctx: Context, breakdown: str) -> Measure:
    """Plans ending in the period that had lasted 2 calendar years or more."""
    rows = ctx.rows("cp_plans")
    end = rows.days("end_date")
    long = (end >= add_years(rows.days("start_date"), 2)) & ~np.isnat(end)
    ended = rows.known("end_date")
    return ratio_measure(ctx, rows, breakdown, rows.month("end_date"), long, ended)
