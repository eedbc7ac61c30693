"""Early help: starts, reach, closures, repeats, and step-down from social care.

- ``eh_started``: episodes with start_date in the period.
- ``eh_reach``: distinct children with an episode open at any time in the period
  (start_date ≤ period end and (end_date blank or end_date ≥ period start)), per
  10,000 children aged 0–17; by agency, the children of that lead agency's episodes.
- ``eh_outcomes_achieved`` / ``eh_stepped_up``: of the episodes with end_date in
  the period (a blank closure_reason stays in the denominator), those closed with
  ``outcomes_achieved`` / ``stepped_up``.
- ``eh_repeat_12m``: of the episodes started, those whose child had another
  episode (same LA) ending on or after start_date − 12 calendar months and strictly
  before start_date. An episode's own end is never before its start, so the latest
  end of the child before the start is the one to test.
- ``step_down_to_eh``: of the de-duplicated referrals with closure_date in the
  period, those with closure_reason RC9 (a referral indicator: same-day duplicates
  are removed first); groups are the referral's locality and team.

Breakdowns: all, locality, team, agency (lead agency label); step_down_to_eh has
no agency breakdown and eh_reach only all and agency (it is a rate).

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(early_help=[
    ...     {"child_id": "C1", "start_date": "2023-01-10", "end_date": "2023-05-31"},
    ...     {"child_id": "C1", "start_date": "2024-05-31"}])   # ended exactly 12 months before
    >>> repeat_flags(Context.from_snapshot(snap)).tolist()
    [False, True]
"""

from __future__ import annotations

import numpy as np

from metrics.compute.aggregate import distinct_in_periods
from metrics.compute.axis import Bools
from metrics.compute.core import Context, Measure
from metrics.compute.linking import deduplicated_referrals
from metrics.compute.measures import (
    count_measure,
    packed,
    ratio_measure,
    unpacked,
    within_12_months_before,
)
from metrics.wiring import measure


@measure("eh_started")
def eh_started(ctx: Context, breakdown: str) -> Measure:
    """Episodes with start_date in the period."""
    rows = ctx.rows("early_help")
    return count_measure(ctx, rows, breakdown, rows.month("start_date"))


@measure("eh_reach")
def eh_reach(ctx: Context, breakdown: str) -> Measure:
    """Distinct children with an episode open at any time in the period."""
    rows = ctx.rows("early_help")
    cells, cell = rows.cells(breakdown)
    # Open at some time in [period start, period end] ⇔ the episode's months
    # [start month, end month] meet the period's months.
    a = rows.month("start_date")
    b = rows.month("end_date") + 1
    counts = distinct_in_periods(ctx.periods, cell, rows.child(), a, b, len(cells))
    return Measure(cells, counts)


def _closed_with(ctx: Context, breakdown: str, reason: str) -> Measure:
    rows = ctx.rows("early_help")
    ended = rows.known("end_date")
    matched = rows.equals("closure_reason", reason)
    return ratio_measure(ctx, rows, breakdown, rows.month("end_date"), matched, ended)


@measure("eh_outcomes_achieved")
def eh_outcomes_achieved(ctx: Context, breakdown: str) -> Measure:
    """Episodes ended in the period closed with outcomes achieved."""
    return _closed_with(ctx, breakdown, "outcomes_achieved")


@measure("eh_stepped_up")
def eh_stepped_up(ctx: Context, breakdown: str) -> Measure:
    """Episodes ended in the period stepped up to children's social care."""
    return _closed_with(ctx, breakdown, "stepped_up")


def repeat_flags(ctx: Context) -> Bools:
    """Per episode: the child had another episode ending within 12 months before its start."""

    def build() -> Bools:
        rows = ctx.rows("early_help")
        child = rows.child()
        start = rows.days("start_date")
        ended = rows.known("end_date")
        end_key = np.sort(packed(child[ended], rows.days("end_date")[ended]))
        at = np.searchsorted(end_key, packed(child, start), side="left") - 1
        if len(end_key) == 0:
            return np.zeros(len(rows), bool)
        owner, latest_end = unpacked(end_key[np.maximum(at, 0)])
        found = (at >= 0) & (owner == child)
        latest = np.where(found, latest_end, np.datetime64("NaT")).astype("datetime64[D]")
        return within_12_months_before(latest, start)

    return ctx.cached("eh_repeat_flags", build)


@measure("eh_repeat_12m")
def eh_repeat_12m(ctx: Context, breakdown: str) -> Measure:
    """Episodes started in the period within 12 months of the end of a previous one."""
    rows = ctx.rows("early_help")
    every = np.ones(len(rows), bool)
    return ratio_measure(ctx, rows, breakdown, rows.month("start_date"), repeat_flags(ctx), every)


@measure("step_down_to_eh")
def step_down_to_eh(ctx: Context, breakdown: str) -> Measure:
    """De-duplicated referrals closed in the period with closure_reason RC9."""
    rows, _ = deduplicated_referrals(ctx)
    closed = rows.known("closure_date")
    rc9 = rows.equals("closure_reason", "RC9")
    return ratio_measure(ctx, rows, breakdown, rows.month("closure_date"), rc9, closed)
