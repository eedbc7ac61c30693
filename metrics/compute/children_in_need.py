"""Children in need: children on a CIN plan at the period end, and their rate.

- ``cin_children_at_end``: distinct children with a cin_plan where start_date ≤ end
  and (end_date blank or end_date > end); per group, a child counts in each group
  of an open plan of theirs.
- ``cin_rate_at_end``: the same per 10,000 children aged 0–17 (breakdown all).

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(cin_plans=[
    ...     {"child_id": "C1", "start_date": "2024-04-01", "end_date": "2024-04-30"},
    ...     {"child_id": "C2", "start_date": "2024-04-10"}])
    >>> cin_children_at_end(Context.from_snapshot(snap), "all").numerator[0, 0]  # April
    np.float64(1.0)
"""

from __future__ import annotations

from metrics.compute.core import Context, Measure
from metrics.compute.measures import distinct_children_at_end
from metrics.wiring import measure


@measure("cin_children_at_end", "cin_rate_at_end")
def cin_children_at_end(ctx: Context, breakdown: str) -> Measure:
    """Distinct children with a child in need plan open at the period end."""
    return distinct_children_at_end(ctx, ctx.rows("cin_plans"), breakdown)
