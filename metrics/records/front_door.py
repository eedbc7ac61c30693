"""Records of the front-door indicators: contacts in the period.

Readings as ``metrics.compute.front_door``: ``contact_conversion`` counts contacts
with an outcome other than ``pending`` (a blank outcome is no decision), its
numerator those with outcome ``referral``; ``contact_decision_timely`` counts
contacts with a decision_date, its numerator working days(contact_date,
decision_date) ≤ 1.

Example::

    >>> sorted(BUILDERS)
    ['contact_conversion', 'contact_decision_timely', 'contacts', 'contacts_rate']
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from metrics.records.request import Request, finish, flags, working_day_test, working_days

COLUMNS = ["child_key", "contact_id", "contact_date", "contact_source", "team", "locality"]


def _contacts(req: Request, extra: list[str] | None = None, condition: str = "") -> pd.DataFrame:
    where = "contact_date BETWEEN :start AND :end" + (f" AND {condition}" if condition else "")
    return finish(req.read("contacts", COLUMNS + (extra or []), where), "contacts", req)


def contacts(req: Request) -> pd.DataFrame:
    """Contacts with contact_date in the period."""
    return _contacts(req)


def contact_conversion(req: Request) -> pd.DataFrame:
    """Contacts with a decision (outcome other than pending); in the numerator: referral."""
    frame = _contacts(req, ["outcome", "decision_date"], "outcome IS NOT NULL AND outcome <> 'pending'")
    return frame.assign(in_numerator=flags(frame["outcome"].eq("referral")))


def contact_decision_timely(req: Request) -> pd.DataFrame:
    """Contacts with a decision_date; in the numerator: decided within 1 working day."""
    frame = _contacts(req, ["decision_date"], "decision_date IS NOT NULL")
    start, decided = frame["contact_date"], frame["decision_date"]
    return frame.assign(
        working_days=working_days(start, decided),
        in_numerator=working_day_test(start, decided, "at_most", 1),
    )


BUILDERS: dict[str, Callable[[Request], pd.DataFrame]] = {
    "contacts": contacts,
    "contacts_rate": contacts,
    "contact_conversion": contact_conversion,
    "contact_decision_timely": contact_decision_timely,
}
