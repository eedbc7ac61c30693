"""Records of the early help indicators.

Readings as ``metrics.compute.early_help``:

- ``eh_reach``: episodes open at any time in the period (start_date ≤ end and
  (end_date blank or end_date ≥ start)); one row per child and group, with the
  episode that puts the child there (the latest start).
- ``eh_outcomes_achieved`` / ``eh_stepped_up``: episodes with end_date in the period
  (a blank closure_reason stays in); numerator closure_reason ``outcomes_achieved`` /
  ``stepped_up``.
- ``eh_repeat_12m``: the child's latest episode end strictly before this start_date
  (``previous_end_date``, from the child's whole history) on or after start_date − 12
  calendar months.

Example::

    >>> from metrics.wiring import records_function
    >>> records_function("eh_started") is eh_started
    True
"""

from __future__ import annotations

import pandas as pd

from metrics.compute.measures import within_12_months_before
from metrics.records.request import Request, finish, flags, in_period
from metrics.wiring import records

EPISODE = ["child_key", "episode_id", "start_date", "end_date", "lead_agency"]
COMMON = ["team", "locality"]


def _episodes(req: Request, where: str, extra: list[str] | None = None) -> pd.DataFrame:
    return finish(req.read("early_help", EPISODE + (extra or []) + COMMON, where), "early_help", req)


@records("eh_started")
def eh_started(req: Request) -> pd.DataFrame:
    """Episodes with start_date in the period."""
    return _episodes(req, "start_date BETWEEN :start AND :end")


@records("eh_reach")
def eh_reach(req: Request) -> pd.DataFrame:
    """Episodes open at any time in the period (one per child and group is kept later)."""
    return _episodes(req, "start_date <= :end AND (end_date IS NULL OR end_date >= :start)")


def _closed_with(req: Request, reason: str) -> pd.DataFrame:
    frame = _episodes(req, "end_date BETWEEN :start AND :end", ["closure_reason"])
    return frame.assign(in_numerator=flags(frame["closure_reason"].eq(reason)))


@records("eh_outcomes_achieved")
def eh_outcomes_achieved(req: Request) -> pd.DataFrame:
    """Episodes ended in the period; in the numerator: outcomes achieved."""
    return _closed_with(req, "outcomes_achieved")


@records("eh_stepped_up")
def eh_stepped_up(req: Request) -> pd.DataFrame:
    """Episodes ended in the period; in the numerator: stepped up to social care."""
    return _closed_with(req, "stepped_up")


@records("eh_repeat_12m")
def eh_repeat_12m(req: Request) -> pd.DataFrame:
    """Episodes started in the period; in the numerator: another ended within 12 months before."""
    history = req.read(
        "early_help",
        EPISODE + COMMON,
        req.children("early_help", "start_date BETWEEN :start AND :end"),
    )
    started = history[in_period(history["start_date"], req)].sort_values("start_date", kind="stable")
    ends = history.loc[history["end_date"].notna(), ["child_key", "end_date"]].drop_duplicates()
    ends = ends.rename(columns={"end_date": "previous_end_date"}).sort_values("previous_end_date")
    found = pd.merge_asof(
        started,
        ends,
        left_on="start_date",
        right_on="previous_end_date",
        by="child_key",
        direction="backward",
        allow_exact_matches=False,
    )
    again = within_12_months_before(
        found["previous_end_date"].to_numpy("datetime64[D]"), found["start_date"].to_numpy("datetime64[D]")
    )
    return finish(found, "early_help", req).assign(in_numerator=flags(again))
