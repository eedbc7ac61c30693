"""Referrals: counts, rate, re-referrals, NFA and conversion to assessment.

Every referral indicator works on the de-duplicated referrals (one per LA, child
and referral_date: the smallest referral_id as text; see ``linking``), dated by
referral_date:

- ``referrals`` (``referrals_rate`` per 10,000).
- ``rereferrals_12m``: numerator those whose child had another de-duplicated
  referral of the same LA on or after referral_date − 12 calendar months and
  strictly before referral_date. After de-duplication a child has at most one
  referral a day, so the previous referral of the child is the one to test.
- ``referrals_nfa``: numerator referral_nfa true (blank is not true).
- ``referral_to_assessment``: numerator referrals with at least one linked
  assessment (whenever the assessment was).

Breakdowns: all, locality, team, agency (referral_source rolled up).

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(referrals=[
    ...     {"child_id": "C1", "referral_date": "2024-02-29"},
    ...     {"child_id": "C1", "referral_date": "2025-02-28"}])
    >>> ctx = Context.from_snapshot(snap)
    >>> rereferral_flags(ctx).tolist()   # 2025-02-28 − 12 months = 2024-02-28
    [False, True]
"""

from __future__ import annotations

import numpy as np

from metrics.compute.axis import Bools
from metrics.compute.core import Context, Measure
from metrics.compute.linking import deduplicated_referrals, linked_referral
from metrics.compute.measures import count_measure, ratio_measure, within_12_months_before
from metrics.wiring import measure


@measure("referrals", "referrals_rate")
def referrals(ctx: Context, breakdown: str) -> Measure:
    """De-duplicated referrals with referral_date in the period."""
    rows, _ = deduplicated_referrals(ctx)
    return count_measure(ctx, rows, breakdown, rows.month("referral_date"))


def rereferral_flags(ctx: Context) -> Bools:
    """Per kept referral: the child's previous kept referral is within 12 months before it."""

    def build() -> Bools:
        rows, _ = deduplicated_referrals(ctx)
        child = rows.child()
        day = rows.days("referral_date")
        order = np.lexsort((day, child))
        c, d = child[order], day[order]
        same_child = np.r_[False, c[1:] == c[:-1]]
        previous = np.where(same_child, np.r_[d[:1], d[:-1]], np.datetime64("NaT"))
        flags = np.empty(len(rows), bool)
        flags[order] = within_12_months_before(previous.astype("datetime64[D]"), d)
        return flags

    return ctx.cached("rereferral_flags", build)


@measure("rereferrals_12m")
def rereferrals_12m(ctx: Context, breakdown: str) -> Measure:
    """Referrals whose child had another referral within the 12 months before."""
    rows, _ = deduplicated_referrals(ctx)
    every = np.ones(len(rows), bool)
    month = rows.month("referral_date")
    return ratio_measure(ctx, rows, breakdown, month, rereferral_flags(ctx), every)


@measure("referrals_nfa")
def referrals_nfa(ctx: Context, breakdown: str) -> Measure:
    """Referrals with referral_nfa true over all referrals."""
    rows, _ = deduplicated_referrals(ctx)
    every = np.ones(len(rows), bool)
    nfa = rows.equals("referral_nfa", True)
    return ratio_measure(ctx, rows, breakdown, rows.month("referral_date"), nfa, every)


@measure("referral_to_assessment")
def referral_to_assessment(ctx: Context, breakdown: str) -> Measure:
    """Referrals with at least one linked assessment over all referrals."""
    rows, _ = deduplicated_referrals(ctx)
    link = linked_referral(ctx, "assessments", "start_date")
    assessed = np.bincount(link[link >= 0], minlength=len(rows))[: len(rows)] > 0
    every = np.ones(len(rows), bool)
    return ratio_measure(ctx, rows, breakdown, rows.month("referral_date"), assessed, every)
