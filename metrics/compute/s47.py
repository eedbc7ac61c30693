"""Section 47 enquiries and initial child protection conferences.

- ``s47_started``: strategy_date in the period (``s47_rate`` per 10,000, breakdown
  all only).
- ``s47_to_icpc``: of those started, the ones with an icpc_date (whenever it is).
- ``icpc_15wd``: denominator S47s with icpc_date in the period; numerator working
  days(strategy_date, icpc_date) ≤ 15.
- ``icpc_to_plan``: denominator S47s with icpc_date in the period and
  icpc_outcome_plan recorded; numerator icpc_outcome_plan true.

Breakdowns: all, locality, team (the S47's own).

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(s47=[{"strategy_date": "2024-05-01", "icpc_date": "2024-05-22"}])
    >>> icpc_15wd(Context.from_snapshot(snap), "all").numerator[0, 0]   # 14 (6 May a holiday)
    np.float64(1.0)
"""

from __future__ import annotations

import numpy as np

from metrics.compute.core import Context, Measure
from metrics.compute.measures import count_measure, ratio_measure, working_day_test
from metrics.wiring import measure


@measure("s47_started", "s47_rate")
def s47_started(ctx: Context, breakdown: str) -> Measure:
    """S47 enquiries with strategy_date in the period."""
    rows = ctx.rows("s47")
    return count_measure(ctx, rows, breakdown, rows.month("strategy_date"))


@measure("s47_to_icpc")
def s47_to_icpc(ctx: Context, breakdown: str) -> Measure:
    """S47 enquiries started in the period that have an icpc_date."""
    rows = ctx.rows("s47")
    every = np.ones(len(rows), bool)
    month = rows.month("strategy_date")
    return ratio_measure(ctx, rows, breakdown, month, rows.known("icpc_date"), every)


@measure("icpc_15wd")
def icpc_15wd(ctx: Context, breakdown: str) -> Measure:
    """ICPCs in the period held within 15 working days of the strategy discussion."""
    rows = ctx.rows("s47")
    within, undecided, outside = working_day_test(rows, "strategy_date", "icpc_date", "at_most", 15)
    held = rows.known("icpc_date")
    month = rows.month("icpc_date")
    return ratio_measure(ctx, rows, breakdown, month, within, held, (undecided, outside))


@measure("icpc_to_plan")
def icpc_to_plan(ctx: Context, breakdown: str) -> Measure:
    """ICPCs in the period with an outcome recorded that resulted in a plan."""
    rows = ctx.rows("s47")
    recorded = rows.known("icpc_date") & rows.known("icpc_outcome_plan")
    plan = rows.equals("icpc_outcome_plan", True)
    return ratio_measure(ctx, rows, breakdown, rows.month("icpc_date"), plan, recorded)
