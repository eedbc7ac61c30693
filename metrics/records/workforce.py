"""Records of the workforce indicators: the spells (and snapshots) behind each figure.

Each record carries the FTE it adds to the numerator (``fte_numerator``) and to the
denominator (``fte_denominator``), since these indicators sum FTE rather than count
rows. Readings as ``metrics.compute.workforce``: social workers are every role but
``other``; in post at the period end when start_date ≤ end and (end_date blank or
end_date ≥ end); the 12 months to the end are ``[end − 12 months + 1 day, end]``. The
worker is shown only as its pseudonym (``worker``).

Example::

    >>> _twelve_months_start(date(2025, 2, 28))   # after a leap year: 29 February
    datetime.date(2024, 2, 29)
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from metrics.calendar import add_months
from metrics.records.request import Request, finish
from metrics.wiring import records

SPELL = ["spell_id", "worker_key", "role", "agency", "fte", "start_date", "end_date", "leaving"]
COMMON = ["team", "locality"]
IN_POST = "start_date <= :end AND (end_date IS NULL OR end_date >= :end) AND role <> 'other'"


def _spells(req: Request, where: str, **extra: Any) -> pd.DataFrame:
    frame = req.read("workforce", SPELL + COMMON, where, **extra)
    return finish(frame.rename(columns={"worker_key": "worker"}), "workforce", req)


def _fte(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> np.ndarray:
    return np.where(np.asarray(mask, dtype=bool), frame["fte"].to_numpy(float), 0.0)


@records("sw_agency_rate")
def sw_agency_rate(req: Request) -> pd.DataFrame:
    """Social worker spells in post at the period end; agency ones in the numerator."""
    frame = _spells(req, IN_POST)
    agency = frame["agency"].fillna(False).to_numpy(bool)
    return _flagged(
        frame.assign(fte_numerator=_fte(frame, agency), fte_denominator=frame["fte"].to_numpy(float))
    )


def _flagged(frame: pd.DataFrame) -> pd.DataFrame:
    """``in_numerator``: the records that add FTE to the numerator."""
    return frame.assign(in_numerator=pd.array(frame["fte_numerator"].to_numpy(float) > 0, dtype="boolean"))


def _twelve_months_start(end: date) -> date:
    first = add_months(np.array([np.datetime64(end, "D")]), -12)[0].astype(date)
    return first + timedelta(days=1)


@records("sw_turnover_12m")
def sw_turnover_12m(req: Request) -> pd.DataFrame:
    """Directly employed social worker spells in post at the end (denominator) and those
    that left in the 12 months to it (numerator)."""
    direct = "(agency IS NULL OR agency = :no)"
    in_post = _spells(req, f"{IN_POST} AND {direct}", no=False)
    left = _spells(
        req,
        f"role <> 'other' AND {direct} AND leaving = :yes AND end_date BETWEEN :first AND :end",
        no=False,
        yes=True,
        first=_twelve_months_start(req.end),
    )
    in_post = in_post.assign(fte_numerator=0.0, fte_denominator=in_post["fte"].to_numpy(float))
    left = left.assign(fte_numerator=left["fte"].to_numpy(float), fte_denominator=0.0)
    return _flagged(pd.concat([left, in_post], ignore_index=True))


@records("sw_vacancy_rate")
def sw_vacancy_rate(req: Request) -> pd.DataFrame:
    """The vacancies snapshot of the month of the period end (numerator and denominator)
    and the directly employed social worker spells in post at the end (denominator);
    nothing without a snapshot for that month."""
    month = req.end.replace(day=1)
    snap = req.read("vacancies", ["month", "team", "vacant_fte", "locality"], "month = :month", month=month)
    snap = finish(snap, "vacancies", req)
    if snap.empty:
        return _flagged(_spells(req, "1 = 0").assign(fte_numerator=0.0, fte_denominator=0.0))
    spells = _spells(req, f"{IN_POST} AND (agency IS NULL OR agency = :no)", no=False)
    spells = spells[spells["group_name"].isin(set(snap["group_name"]))]
    vacant = snap["vacant_fte"].to_numpy(float)
    rows = pd.DataFrame(
        {
            "spell_id": pd.Series([f"vacancies {month:%Y-%m}"] * len(snap), dtype="str"),
            "fte": vacant,
            "team": snap["team"],
            "locality": snap["locality"],
            "group_name": snap["group_name"],
            "fte_numerator": vacant,
            "fte_denominator": vacant,
        }
    )
    spells = spells.assign(fte_numerator=0.0, fte_denominator=spells["fte"].to_numpy(float))
    return _flagged(pd.concat([rows, spells], ignore_index=True))


@records("sw_in_post_fte")
def sw_in_post_fte(req: Request) -> pd.DataFrame:
    """Directly employed social worker spells in post at the period end, each its FTE."""
    frame = _spells(req, f"{IN_POST} AND (agency IS NULL OR agency = :no)", no=False)
    fte = frame["fte"].to_numpy(float)
    return _flagged(frame.assign(fte_numerator=fte, fte_denominator=0.0))


@records("sw_caseload")
def sw_caseload(req: Request) -> pd.DataFrame:
    """Social worker spells in post at the period end of the workers with cases ≥ 1 in the
    month's caseloads snapshot: each worker's cases (numerator, on its latest-starting
    spell) and FTE (denominator), as ``metrics.compute.workforce.sw_caseload`` counts them."""
    loads = req.read(
        "caseloads", ["worker_key", "cases"], "month = :month AND cases >= 1", month=req.end.replace(day=1)
    )
    frame = req.read("workforce", SPELL + COMMON, IN_POST)
    frame = frame[frame["worker_key"].isin(set(loads["worker_key"]))]
    frame = frame.sort_values(["worker_key", "start_date", "spell_id"], ascending=[True, False, True])
    first = ~frame["worker_key"].duplicated()
    cases = frame["worker_key"].map(dict(zip(loads["worker_key"], loads["cases"], strict=True)))
    frame = frame.assign(
        cases=np.where(first, cases.to_numpy(float), 0.0), fte_denominator=frame["fte"].to_numpy(float)
    )
    # The team is that of the worker's latest-starting spell (its first row here).
    team = frame["team"].where(first).groupby(frame["worker_key"]).transform("first")
    frame = finish(frame.assign(team=team).rename(columns={"worker_key": "worker"}), "workforce", req)
    return frame.assign(in_numerator=pd.array(frame["cases"].to_numpy(float) > 0, dtype="boolean"))
