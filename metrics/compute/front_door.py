"""Front door: contacts, their rate, conversion to referral and timely decisions.

Definitions (kpis.md, "Front door"), every one by contact_date in the period:

- ``contacts``: contacts with contact_date in the period (``contacts_rate``: per
  10,000 children aged 0–17).
- ``contact_conversion``: numerator outcome ``referral``; denominator any outcome
  other than ``pending`` (a blank outcome, which the loaders reject anyway, is no
  decision and stays out).
- ``contact_decision_timely``: denominator contacts with a decision_date; numerator
  working days(contact_date, decision_date) ≤ 1.

Breakdowns: all, locality, team, agency (contact_source rolled up).

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(contacts=[
    ...     {"contact_date": "2024-05-03", "decision_date": "2024-05-07"},   # Fri → Tue
    ...     {"contact_date": "2024-05-07", "decision_date": "2024-05-08"}])
    >>> m = contact_decision_timely(Context.from_snapshot(snap), "all")
    >>> m.numerator[0, 0], m.denominator[0, 0]   # 6 May is a bank holiday: 1 and 1 day
    (np.float64(2.0), np.float64(2.0))
"""

from __future__ import annotations

from metrics.compute.core import Context, Measure
from metrics.compute.measures import count_measure, ratio_measure, working_day_test
from metrics.wiring import measure


@measure("contacts", "contacts_rate")
def contacts(ctx: Context, breakdown: str) -> Measure:
    """Contacts with contact_date in the period."""
    rows = ctx.rows("contacts")
    return count_measure(ctx, rows, breakdown, rows.month("contact_date"))


@measure("contact_conversion")
def contact_conversion(ctx: Context, breakdown: str) -> Measure:
    """Contacts with outcome referral over contacts with any outcome but pending."""
    rows = ctx.rows("contacts")
    decided = rows.known("outcome") & ~rows.equals("outcome", "pending")
    referred = rows.equals("outcome", "referral")
    return ratio_measure(ctx, rows, breakdown, rows.month("contact_date"), referred, decided)


@measure("contact_decision_timely")
def contact_decision_timely(ctx: Context, breakdown: str) -> Measure:
    """Contacts decided within 1 working day over contacts with a decision_date."""
    rows = ctx.rows("contacts")
    timely, undecided, outside = working_day_test(rows, "contact_date", "decision_date", "at_most", 1)
    return ratio_measure(
        ctx,
        rows,
        breakdown,
        rows.month("contact_date"),
        timely,
        rows.known("decision_date"),
        (undecided, outside),
    )
