"""Records of the front-door indicators: contacts in the period.

Readings as ``metrics.compute.front_door``: ``contact_conversion`` counts contacts
with an outcome other than ``pending`` (a blank outcome is no decision), its
numerator those with outcome ``referral``; ``contact_decision_timely`` counts
contacts with a decision_date, its numerator working days(contact_date,
decision_date) ≤ 1.

Example::

    >>> from metrics.wiring import records_function
    >>> records_function("contacts_rate") is contacts
    True
"""

from __future__ import annotations

import pandas as pd

from metrics.records.request import Request, finish, flags, working_day_test, working_days
from metrics.wiring import records

COLUMNS = ["child_key", "contact_id", "contact_date", "contact_source", "team", "locality"]


def _contacts(req: Request, extra: list[str] | None = None, condition: str = "") -> pd.DataFrame:
    where = "contact_date BETWEEN :start AND :end" + (f" AND {condition}" if condition else "")
    return finish(req.read("contacts", COLUMNS + (extra or []), where), "contacts", req)


@records("contacts", "contacts_rate")
def contacts(req: Request) -> pd.DataFrame:
    """Contacts with contact_date in the period."""
    return _contacts(req)


@records("contact_conversion")
def contact_conversion(req: Request) -> pd.DataFrame:
    """Contacts with a decision (outcome other than pending); in the numerator: referral."""
    frame = _contacts(req, ["outcome", "decision_date"], "outcome IS NOT NULL AND outcome <> 'pending'")
    return frame.assign(in_numerator=flags(frame["outcome"].eq("referral")))


@records("contact_decision_timely")
def contact_decision_timely(req: Request) -> pd.DataFrame:
    """Contacts with a decision_date; in the numerator: decided within 1 working day."""
    frame = _contacts(req, ["decision_date"], "decision_date IS NOT NULL")
    start, decided = frame["contact_date"], frame["decision_date"]
    return frame.assign(
        working_days=working_days(start, decided),
        in_numerator=working_day_test(start, decided, "at_most", 1),
    )
