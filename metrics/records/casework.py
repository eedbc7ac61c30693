"""Records of the assessment and section 47 indicators.

Readings as ``metrics.compute.assessments`` and ``s47``: completed means an
authorisation_date in the period; ``assessments_not_in_need`` leaves out a blank
outcome_in_need and ``icpc_to_plan`` a blank icpc_outcome_plan;
``assessments_open_over_45wd`` counts assessments (not children) with start_date ≤
end, no authorisation_date on or before the end and more than 45 working days from
start_date to the end (``working_days`` is that count); ``s47_to_icpc`` counts an
icpc_date whenever it is.

Example::

    >>> from metrics.wiring import records_function
    >>> records_function("assessment_median_wd") is assessments_completed
    True
"""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pandas as pd

from metrics.records.request import Request, finish, flags, working_day_test, working_days
from metrics.wiring import records

ASSESSMENT = ["child_key", "assessment_id", "start_date", "authorisation_date"]
S47 = ["child_key", "s47_id", "strategy_date", "icpc_date"]
COMMON = ["team", "locality"]


def _completed(req: Request, extra: list[str] | None = None, condition: str = "") -> pd.DataFrame:
    where = "authorisation_date BETWEEN :start AND :end" + (f" AND {condition}" if condition else "")
    frame = finish(req.read("assessments", ASSESSMENT + (extra or []) + COMMON, where), "assessments", req)
    return frame.assign(working_days=working_days(frame["start_date"], frame["authorisation_date"]))


@records("assessments_completed", "assessment_median_wd")
def assessments_completed(req: Request) -> pd.DataFrame:
    """Assessments with authorisation_date in the period, with their working days."""
    return _completed(req)


@records("assessments_45wd")
def assessments_45wd(req: Request) -> pd.DataFrame:
    """Completed assessments; in the numerator: within 45 working days."""
    frame = _completed(req)
    within = working_day_test(frame["start_date"], frame["authorisation_date"], "at_most", 45)
    return frame.assign(in_numerator=within)


@records("assessments_not_in_need")
def assessments_not_in_need(req: Request) -> pd.DataFrame:
    """Completed assessments with outcome_in_need recorded; in the numerator: false."""
    frame = _completed(req, ["outcome_in_need"], "outcome_in_need IS NOT NULL")
    return frame.assign(in_numerator=flags(frame["outcome_in_need"].eq(False)))


@records("assessments_open_over_45wd")
def assessments_open_over_45wd(req: Request) -> pd.DataFrame:
    """Assessments open at the period end more than 45 working days after their start."""
    frame = finish(
        req.read(
            "assessments",
            ASSESSMENT + COMMON,
            "start_date <= :end AND (authorisation_date IS NULL OR authorisation_date > :end)",
        ),
        "assessments",
        req,
    )
    end = np.full(len(frame), np.datetime64(datetime.combine(req.end, time()), "s"))
    late = working_day_test(frame["start_date"], end, "more_than", 45)
    frame = frame.assign(working_days=working_days(frame["start_date"], end), late=late)
    return frame[frame["late"].fillna(False).to_numpy(bool)].drop(columns="late")


def _s47(req: Request, date_col: str, condition: str = "", extra: list[str] | None = None) -> pd.DataFrame:
    where = f"{date_col} BETWEEN :start AND :end" + (f" AND {condition}" if condition else "")
    return finish(req.read("s47", S47 + (extra or []) + COMMON, where), "s47", req)


@records("s47_started", "s47_rate")
def s47_started(req: Request) -> pd.DataFrame:
    """S47 enquiries with strategy_date in the period."""
    return _s47(req, "strategy_date")


@records("s47_to_icpc")
def s47_to_icpc(req: Request) -> pd.DataFrame:
    """S47 enquiries started in the period; in the numerator: those with an icpc_date."""
    frame = _s47(req, "strategy_date")
    return frame.assign(in_numerator=flags(frame["icpc_date"].notna()))


@records("icpc_15wd")
def icpc_15wd(req: Request) -> pd.DataFrame:
    """S47s with icpc_date in the period; in the numerator: within 15 working days."""
    frame = _s47(req, "icpc_date")
    start, icpc = frame["strategy_date"], frame["icpc_date"]
    return frame.assign(
        working_days=working_days(start, icpc),
        in_numerator=working_day_test(start, icpc, "at_most", 15),
    )


@records("icpc_to_plan")
def icpc_to_plan(req: Request) -> pd.DataFrame:
    """ICPCs in the period with icpc_outcome_plan recorded; in the numerator: true."""
    frame = _s47(req, "icpc_date", "icpc_outcome_plan IS NOT NULL", ["icpc_outcome_plan"])
    return frame.assign(in_numerator=flags(frame["icpc_outcome_plan"].eq(True)))
