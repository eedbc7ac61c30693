"""Every indicator of kpis.md, computed for every LA, grain, period and breakdown.

``compute_indicators(snapshot, registry)`` returns one row per indicator × LA ×
grain × period × breakdown × group with numerator, denominator, value and a note
when the value is blank. Each indicator is declared in ``metrics/data/indicators.yaml``
(type, source, breakdowns, grains, the note when nothing qualifies); its stage module
here adds only how it is counted, ``@measure("<id>")`` (``metrics.wiring``).

Modules: ``axis`` (month axis, periods), ``workdays`` (working days near the edges
of the bank-holiday table), ``core`` (context, rows, groups), ``aggregate``
(vectorised binning), ``measures`` (shared builders), ``linking`` (same-day
de-duplication, links), one module per journey stage, ``results`` (encoding),
``run`` (the entry point).

Readings taken where kpis.md is silent or ambiguous (each also where it applies):

- Periods come from the main dates of every LA's event rows; dates outside the
  bank-holiday table neither widen the range nor get periods, and a period not
  wholly inside the table (an early rolling year, a financial year ending after
  it) is not computed; both are warnings (logged, and in ``frame.attrs``).
- A working-day count touching a date outside the table is bounded, not guessed:
  the part inside the table is counted exactly and the rest can only add to it.
  A threshold test the bound settles is decided (an open assessment started in
  1970 is more than 45 working days old in 2024); otherwise the (period, group)
  has no numerator or value, the denominator as counted, and the note names the
  earliest such date. A median needs every count exact.
- Group values are trimmed; blank or only spaces is "Not recorded". Groups come
  from the stored table (a group seen only on a removed duplicate is zero-filled).
  Breakdown ``all`` has group "all". An agency code outside the roll-up is shown
  as written.
- Blank booleans: referral_nfa blank is not true (stays in the denominator);
  child_seen blank counts as seen (kpis.md); outcome_in_need and
  icpc_outcome_plan blank leave the denominator (kpis.md). A blank contact outcome
  is not a decision.
- Same-day de-duplication also applies to ``step_down_to_eh`` (computed from
  referrals). An explicit referral_id (or plan_id) may name a record of another
  child of the LA; it is followed as named. A CP review's fallback tie (two covering
  plans with the same latest start) goes to the smallest plan_id as text.
- ``cp_second_or_subsequent``: a plan starting the same day is not "earlier".
  ``cp_visits_10wd``: a child is in a group's denominator when any of its open
  plans in that group is 10 working days old; any visit of the child counts, even
  one before that plan started. ``cp_reviews_timely`` counts plans, not children.
  ``assessments_open_over_45wd`` counts assessments. ``referral_to_assessment``
  counts a linked assessment whenever it started.
- Data quality: the groups are every event kind (population is reference data) for
  every LA, blank where the LA has no rows (for ``dq_rejected_rows``: no loads) of
  the kind; a period without rows or loads is 0 ÷ 0, no value. ``dq_rejected_rows``
  also reports an LA known only from load records (a file rejected whole); a load's
  time is when it finished; its periods are the main ones widened by load dates. A
  recorded_date before the event is a negative lag, not late.
- Population: the latest available estimate for a year ≤ the year the period end
  calls for; an estimate of 0 gives no value. Agency rates use the LA's population.
- ``la_codes`` only filters: periods are computed from every LA's data.

Example::

    >>> from metrics.registry import load_registry
    >>> from metrics.snapshot_builder import build_snapshot
    >>> out = compute_indicators(build_snapshot(contacts=[{"contact_date": "2024-05-02"}]),
    ...                          load_registry(), kpi_ids=["contacts"])
    >>> month = out[out.grain == "month"]
    >>> list(zip(month.breakdown, month.group_name, month.value))
    ... # doctest: +NORMALIZE_WHITESPACE
    [('all', 'all', 1.0), ('locality', 'Not recorded', 1.0), ('team', 'Not recorded', 1.0),
     ('agency', 'Police', 1.0)]
"""

from __future__ import annotations

# The stage modules: importing them registers their @measure functions.
from metrics.compute import (  # noqa: F401
    assessments,
    audits,
    child_protection,
    children_in_need,
    cp_visits_reviews,
    data_quality,
    early_help,
    front_door,
    partner_measures,
    referrals,
    s47,
    workforce,
)
from metrics.compute.run import compute_indicators

__all__ = ["compute_indicators"]
