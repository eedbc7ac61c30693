"""Children on a plan seen in the last 10 working days; plans with reviews in timescale.

``cp_visits_10wd`` at each period end ``e``: the denominator is the children on a
plan at ``e`` whose open plan started at least 10 working days before it
(working days(start_date, e) ≥ 10), per group of that plan (a child with two such
plans in different teams counts in each team); the numerator those of them with a
visit (any visit of the child, whichever plan) where child_seen is not false (blank
counts as seen), visit_date ≤ e and working days(visit_date, e) ≤ 10. A visit can
only qualify at the end of its own month or the next one (two months on, at least
59 days and so more than 10 working days have passed), so each visit is tested
against those two month-ends only, exactly.

``cp_reviews_timely`` at each period end ``e``, over plans (not children) open at
``e``: with no review of the plan on or before ``e``, the next review is due
start_date + 3 calendar months; otherwise the latest such review_date + 6 calendar
months (day clamped to the month end). In timescale when due ≥ ``e`` (a review due
on the period end is in timescale). Reviews link to plans as in ``linking``.

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(cp_plans=[{"child_id": "C1", "start_date": "2024-03-01"}],
    ...                       cp_reviews=[{"child_id": "C1", "review_date": "2024-05-30"}])
    >>> m = cp_reviews_timely(Context.from_snapshot(snap), "all")
    >>> m.numerator[0, :3].tolist(), m.denominator[0, :3].tolist()   # Mar, Apr, May
    ([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
"""

from __future__ import annotations

import numpy as np

from metrics.calendar import add_months
from metrics.compute.aggregate import (
    at_period_ends,
    by_month_end,
    distinct,
    earliest_at_ends,
    earliest_by_month_end,
    earliest_of,
    month_ranges,
)
from metrics.compute.axis import Bools, Days, Ints
from metrics.compute.core import Context, Measure
from metrics.compute.linking import linked_plan
from metrics.compute.measures import first_end_passing, open_months, packed, unpacked
from metrics.compute.workdays import working_days_between
from metrics.wiring import measure


def _plans_old_enough(ctx: Context) -> tuple[Ints, Bools]:
    """Per plan: the first month-end at which it is 10 working days old; undecided before."""
    plans = ctx.rows("cp_plans")
    start = plans.days("start_date")
    a, b = open_months(plans, "start_date", "end_date")
    return ctx.cached("cp_plans_10wd_from", lambda: first_end_passing(ctx, start, a, b, "at_least", 10))


def _visits_seen(ctx: Context) -> tuple[Ints, Ints, Days]:
    """(child, month-end) keys with a qualifying visit; keys and dates of undecided ones."""

    def build() -> tuple[Ints, Ints, Days]:
        visits = ctx.rows("cp_visits")
        m = ctx.periods.n_months
        ends = ctx.periods.month_ends
        seen_ok = ~visits.equals("child_seen", False)
        day = visits.days("visit_date")
        month = visits.month("visit_date")
        child = visits.child()
        seen: list[Ints] = []
        unsure_keys: list[Ints] = []
        unsure_days: list[Days] = []
        for step in (0, 1):
            k = month + step
            ok = np.flatnonzero(seen_ok & (k >= 0) & (k < m))
            wd = working_days_between(day[ok], ends[k[ok]])
            yes, unsure = wd.at_most(10)
            seen.append(child[ok][yes] * m + k[ok][yes])
            unsure_keys.append(child[ok][unsure] * m + k[ok][unsure])
            unsure_days.append(wd.outside[unsure])
        return distinct(np.concatenate(seen)), np.concatenate(unsure_keys), np.concatenate(unsure_days)

    return ctx.cached("cp_visits_seen", build)


@measure("cp_visits_10wd")
def cp_visits_10wd(ctx: Context, breakdown: str) -> Measure:
    """Children on a plan (10+ working days old) seen in the last 10 working days."""
    plans = ctx.rows("cp_plans")
    cells, cell = plans.cells(breakdown)
    n, m = len(cells), ctx.periods.n_months
    a, b = open_months(plans, "start_date", "end_date")
    old_from, inexact = _plans_old_enough(ctx)
    rows, k = month_ranges(ctx.periods, cell, np.maximum(a, old_from), b)
    child = plans.child()
    n_children = int(child.max()) + 1 if len(child) else 1
    triple = distinct((cell[rows] * m + k) * n_children + child[rows])
    cell_month, kid = triple // n_children, triple % n_children
    seen_keys, unsure_keys, unsure_days = _visits_seen(ctx)
    child_month = kid * m + cell_month % m
    seen = np.isin(child_month, seen_keys)
    denominator = by_month_end(ctx.periods, cell_month // m, cell_month % m, n)
    numerator = by_month_end(ctx.periods, cell_month[seen] // m, cell_month[seen] % m, n)
    undecided = None
    if len(unsure_keys):
        # A child not seen by a certain visit whose other visit could not be tested.
        order = np.argsort(unsure_keys, kind="stable")
        at = np.searchsorted(unsure_keys[order], child_month)
        at = np.minimum(at, len(order) - 1)
        hit = ~seen & (unsure_keys[order][at] == child_month)
        dates = unsure_days[order][at][hit]
        undecided = earliest_by_month_end(ctx.periods, cell_month[hit] // m, cell_month[hit] % m, dates, n)
    if inexact.any():
        und = np.flatnonzero(inexact)
        lo, hi = np.maximum(a[und], 0), np.minimum(old_from[und], b[und])
        start = plans.days("start_date")[und]
        undecided = earliest_of(undecided, earliest_at_ends(ctx.periods, cell[und], lo, hi, start, n))
    return Measure(
        cells,
        at_period_ends(ctx.periods, numerator),
        at_period_ends(ctx.periods, denominator),
        undecided,
    )


def _review_timely(ctx: Context) -> tuple[Ints, Ints, Bools]:
    """Every (plan, month-end) with the plan open, and whether its reviews are in timescale."""

    def build() -> tuple[Ints, Ints, Bools]:
        plans, reviews = ctx.rows("cp_plans"), ctx.rows("cp_reviews")
        a, b = open_months(plans, "start_date", "end_date")
        every = np.zeros(len(plans), np.int64)
        plan, k = month_ranges(ctx.periods, every, a, b)
        end = ctx.periods.month_ends[k]
        link = linked_plan(ctx)
        linked = link >= 0
        review_key = np.sort(packed(link[linked], reviews.days("review_date")[linked]))
        query = packed(plan, end)
        at = np.searchsorted(review_key, query, side="right") - 1
        owner, last_day = unpacked(review_key[np.maximum(at, 0)]) if len(review_key) else (at, end)
        found = (at >= 0) & (owner == plan)
        due = np.where(
            found,
            add_months(last_day, 6),
            add_months(plans.days("start_date")[plan], 3),
        )
        return plan, k, due >= end

    return ctx.cached("cp_reviews_timely", build)


@measure("cp_reviews_timely")
def cp_reviews_timely(ctx: Context, breakdown: str) -> Measure:
    """Plans open at the period end whose next review is not overdue."""
    plans = ctx.rows("cp_plans")
    cells, cell = plans.cells(breakdown)
    n = len(cells)
    plan, k, timely = _review_timely(ctx)
    denominator = by_month_end(ctx.periods, cell[plan], k, n)
    numerator = by_month_end(ctx.periods, cell[plan][timely], k[timely], n)
    return Measure(cells, at_period_ends(ctx.periods, numerator), at_period_ends(ctx.periods, denominator))
