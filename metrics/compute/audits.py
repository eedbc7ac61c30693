"""Quality assurance: case file audits (kpis.md, "Quality assurance (case audits)").

- ``audits_completed``: audits with audit_date in the period.
- ``audits_good_or_better``: of those, grade ``good`` or ``outstanding``.
- ``audits_inadequate``: of those, grade ``inadequate``.
- ``audits_multi_agency``: audits in the period with multi_agency true (blank is false).

Breakdowns: all, team, locality, agency (auditor_agency shown by its label as in the
multi-agency views, ``social_care`` as "Children's social care"; blank is "Not
recorded") and theme (free text; blank is "Not recorded", like team).

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(audits=[
    ...     {"audit_date": "2024-05-01", "grade": "good"},
    ...     {"audit_date": "2024-05-31", "grade": "inadequate", "multi_agency": True}])
    >>> m = audits_good_or_better(Context.from_snapshot(snap), "all")
    >>> (m.numerator[0, 0], m.denominator[0, 0])   # May
    (np.float64(1.0), np.float64(2.0))
"""

from __future__ import annotations

import numpy as np

from metrics.compute.core import Context, Measure
from metrics.compute.measures import count_measure, ratio_measure
from metrics.wiring import measure


@measure("audits_completed")
def audits_completed(ctx: Context, breakdown: str) -> Measure:
    """Audits with audit_date in the period."""
    rows = ctx.rows("audits")
    return count_measure(ctx, rows, breakdown, rows.month("audit_date"))


def _graded(ctx: Context, breakdown: str, grades: tuple[str, ...]) -> Measure:
    rows = ctx.rows("audits")
    every = np.ones(len(rows), bool)
    hit = np.zeros(len(rows), bool)
    for grade in grades:
        hit |= rows.equals("grade", grade)
    return ratio_measure(ctx, rows, breakdown, rows.month("audit_date"), hit, every)


@measure("audits_good_or_better")
def audits_good_or_better(ctx: Context, breakdown: str) -> Measure:
    """Audits in the period graded good or outstanding, of all audits in the period."""
    return _graded(ctx, breakdown, ("good", "outstanding"))


@measure("audits_inadequate")
def audits_inadequate(ctx: Context, breakdown: str) -> Measure:
    """Audits in the period graded inadequate, of all audits in the period."""
    return _graded(ctx, breakdown, ("inadequate",))


@measure("audits_multi_agency")
def audits_multi_agency(ctx: Context, breakdown: str) -> Measure:
    """Audits in the period with multi_agency true."""
    rows = ctx.rows("audits")
    return count_measure(ctx, rows, breakdown, rows.month("audit_date"), rows.equals("multi_agency", True))
