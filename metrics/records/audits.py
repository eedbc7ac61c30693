"""Records of the quality-assurance (case audit) indicators.

Readings as ``metrics.compute.audits``: an audit is in the period by its audit_date;
blank multi_agency is false; the agency group is auditor_agency's label.

Example::

    >>> from metrics.wiring import records_function
    >>> records_function("audits_inadequate").__name__
    'audits_inadequate'
"""

from __future__ import annotations

import pandas as pd

from metrics.records.request import Request, finish, flags
from metrics.wiring import records

AUDIT = ["child_key", "audit_id", "audit_date", "grade", "multi_agency", "auditor_agency", "theme"]
COMMON = ["team", "locality"]


def _audits(req: Request) -> pd.DataFrame:
    frame = req.read("audits", AUDIT + COMMON, "audit_date BETWEEN :start AND :end")
    return finish(frame, "audits", req)


@records("audits_completed")
def audits_completed(req: Request) -> pd.DataFrame:
    """Audits with audit_date in the period."""
    return _audits(req)


@records("audits_good_or_better")
def audits_good_or_better(req: Request) -> pd.DataFrame:
    """Audits in the period; in the numerator: graded good or outstanding."""
    frame = _audits(req)
    return frame.assign(in_numerator=flags(frame["grade"].isin(["good", "outstanding"])))


@records("audits_inadequate")
def audits_inadequate(req: Request) -> pd.DataFrame:
    """Audits in the period; in the numerator: graded inadequate."""
    frame = _audits(req)
    return frame.assign(in_numerator=flags(frame["grade"].eq("inadequate")))


@records("audits_multi_agency")
def audits_multi_agency(req: Request) -> pd.DataFrame:
    """Audits in the period with multi_agency true."""
    frame = _audits(req)
    return frame[frame["multi_agency"].fillna(False).to_numpy(bool)].reset_index(drop=True)
