"""Records of the child protection and child in need plan indicators.

Readings as ``metrics.compute.child_protection``, ``cp_visits_reviews`` and
``children_in_need``:

- Open at the period end: start_date ≤ end and (end_date blank or end_date > end).
  For children on a plan one row per child and group, with the open plan that puts
  the child there (the latest start; a child with open plans in two teams is in
  both teams' lists).
- ``cp_second_or_subsequent``: previous_plans > 0 (blank is 0) or another plan of
  the child with an earlier start_date (the same day is not earlier), read from the
  child's whole history; ``previous_plan_start_date`` is the latest such start.
- ``cp_visits_10wd``: one row per child on a plan at least 10 working days old at the
  end (per group of such a plan); ``latest_visit_date`` is the child's latest visit
  on or before the end where child_seen is not false (any visit of the child, even
  before this plan), ``working_days_since_visit`` the working days from it to the end.
- ``cp_reviews_timely``: one row per open plan (plans, not children). A review links
  to the plan its plan_id names (any plan of the LA); one without, or naming none,
  to the child's plan with start_date ≤ review_date ≤ end_date (or open), the latest
  start, then the smallest plan_id as text. Due: latest linked review on or before
  the end + 6 months, else start_date + 3 months (day clamped); timely when due ≥ end.

Example::

    >>> from metrics.wiring import records_function
    >>> records_function("cp_rate_at_end") is cp_children_at_end
    True
"""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pandas as pd
from sqlalchemy import text

from metrics.calendar import add_months, add_years
from metrics.records.request import (
    OPEN_AT_END,
    Request,
    finish,
    flags,
    in_period,
    working_day_test,
    working_days,
)
from metrics.wiring import records

PLAN = ["child_key", "plan_id", "start_date", "end_date"]
COMMON = ["team", "locality"]


def _end_column(req: Request, n: int) -> np.ndarray:
    return np.full(n, np.datetime64(datetime.combine(req.end, time()), "s"))


def _is_open(frame: pd.DataFrame, req: Request) -> pd.Series:
    end = pd.Timestamp(req.end)
    return (frame["start_date"] <= end) & (frame["end_date"].isna() | (frame["end_date"] > end))


@records("cp_plans_started")
def cp_plans_started(req: Request) -> pd.DataFrame:
    """Plans with start_date in the period."""
    return finish(req.read("cp_plans", PLAN + COMMON, "start_date BETWEEN :start AND :end"), "cp_plans", req)


@records("cp_children_at_end", "cp_rate_at_end")
def cp_children_at_end(req: Request) -> pd.DataFrame:
    """Plans open at the period end (one per child and group is kept later)."""
    return finish(req.read("cp_plans", PLAN + COMMON, OPEN_AT_END), "cp_plans", req)


@records("cin_children_at_end", "cin_rate_at_end")
def cin_children_at_end(req: Request) -> pd.DataFrame:
    """Child in need plans open at the period end (one per child and group is kept later)."""
    columns = ["child_key", "cin_plan_id", "start_date", "end_date", *COMMON]
    return finish(req.read("cin_plans", columns, OPEN_AT_END), "cin_plans", req)


@records("cp_second_or_subsequent")
def cp_second_or_subsequent(req: Request) -> pd.DataFrame:
    """Plans started in the period; in the numerator: a second or subsequent plan."""
    history = req.read(
        "cp_plans",
        [*PLAN, "previous_plans", *COMMON],
        req.children("cp_plans", "start_date BETWEEN :start AND :end"),
    )
    started = history[in_period(history["start_date"], req)].sort_values("start_date", kind="stable")
    starts = history[["child_key", "start_date"]].drop_duplicates().sort_values("start_date")
    starts = starts.rename(columns={"start_date": "previous_plan_start_date"})
    found = pd.merge_asof(
        started,
        starts,
        left_on="start_date",
        right_on="previous_plan_start_date",
        by="child_key",
        direction="backward",
        allow_exact_matches=False,
    )
    again = found["previous_plans"].fillna(0).gt(0) | found["previous_plan_start_date"].notna()
    return finish(found, "cp_plans", req).assign(in_numerator=flags(again))


@records("cp_ended_2y_plus")
def cp_ended_2y_plus(req: Request) -> pd.DataFrame:
    """Plans ending in the period; in the numerator: lasted 2 calendar years or more."""
    frame = finish(req.read("cp_plans", PLAN + COMMON, "end_date BETWEEN :start AND :end"), "cp_plans", req)
    start = frame["start_date"].to_numpy("datetime64[D]")
    long = frame["end_date"].to_numpy("datetime64[D]") >= add_years(start, 2)
    return frame.assign(in_numerator=flags(long))


def _latest_visits(req: Request) -> pd.DataFrame:
    """Per child on a plan at the end: the latest visit on or before it where seen."""
    sql = (
        "SELECT child_key, MAX(visit_date) AS latest_visit_date FROM cp_visits "
        "WHERE la_code = :la AND visit_date <= :end AND (child_seen IS NULL OR child_seen = :seen) "
        f"AND {req.children('cp_plans', OPEN_AT_END)} GROUP BY child_key"
    )
    rows = req.conn.execute(text(sql), req.params_for(sql, seen=True)).all()
    return pd.DataFrame(
        {
            "child_key": pd.Series([r[0] for r in rows], dtype="str"),
            "latest_visit_date": pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)).astype(
                "datetime64[s]"
            ),
        }
    )


@records("cp_visits_10wd")
def cp_visits_10wd(req: Request) -> pd.DataFrame:
    """Children on a plan 10 working days old at the end; in the numerator: seen within 10."""
    plans = cp_children_at_end(req)
    end = _end_column(req, len(plans))
    old = working_day_test(plans["start_date"], end, "at_least", 10)
    plans = plans[old.fillna(False).to_numpy(bool)]
    seen = _latest_visits(req).rename(columns={"child_key": "child"})
    frame = plans.merge(seen, on="child", how="left")
    frame.index = plans.index
    end = _end_column(req, len(frame))
    seen_lately = working_day_test(frame["latest_visit_date"], end, "at_most", 10)
    seen_lately[frame["latest_visit_date"].isna().to_numpy(bool)] = False  # never seen: not in it
    return frame.assign(
        working_days_since_visit=working_days(frame["latest_visit_date"], end),
        in_numerator=seen_lately,
    )


def _existing_plan_ids(req: Request, ids: list[str]) -> set[str]:
    """Which of ``ids`` name a loaded plan of the LA."""
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ", ".join(f":p{j}" for j in range(len(chunk)))
        frame = req.read(
            "cp_plans",
            ["plan_id"],
            f"plan_id IN ({marks})",
            seek=True,
            **{f"p{j}": v for j, v in enumerate(chunk)},
        )
        found.update(frame["plan_id"].str.strip())
    return found


def _review_links(req: Request, plans: pd.DataFrame) -> pd.DataFrame:
    """(plan_id, review_date) of every review on or before the end linked to an open plan."""
    open_ids = f"SELECT TRIM(plan_id) FROM cp_plans WHERE {req.scan_la} AND {OPEN_AT_END}"
    reviews = req.read(
        "cp_reviews",
        ["review_id", "child_key", "plan_id", "review_date"],
        f"review_date <= :end AND ({req.children('cp_plans', OPEN_AT_END)} OR TRIM(plan_id) IN ({open_ids}))",
    ).reset_index(drop=True)
    named = reviews["plan_id"].str.strip().fillna("")
    known = set(plans["plan_id"].str.strip())
    unknown = sorted(set(named[(named != "") & ~named.isin(known)]))
    known |= _existing_plan_ids(req, unknown) if unknown else set()
    explicit = named.isin(known) & named.ne("")
    linked = pd.DataFrame({"plan_id": named[explicit], "review_date": reviews["review_date"][explicit]})
    fallback = (
        reviews[~explicit]
        .reset_index()
        .merge(
            plans[["child_key", "plan_id", "start_date", "end_date"]].rename(columns={"plan_id": "covering"}),
            on="child_key",
        )
    )
    day = fallback["review_date"]
    covers = (fallback["start_date"] <= day) & (fallback["end_date"].isna() | (fallback["end_date"] >= day))
    best = (
        fallback[covers]
        .sort_values(["index", "start_date", "covering"], ascending=[True, False, True], kind="stable")
        .drop_duplicates("index")
    )
    covered = pd.DataFrame({"plan_id": best["covering"].str.strip(), "review_date": best["review_date"]})
    return pd.concat([linked, covered], ignore_index=True)


@records("cp_reviews_timely")
def cp_reviews_timely(req: Request) -> pd.DataFrame:
    """Plans open at the period end; in the numerator: the next review is not overdue."""
    plans = req.read("cp_plans", PLAN + COMMON, req.children("cp_plans", OPEN_AT_END))
    links = _review_links(req, plans)
    latest = links.groupby("plan_id", as_index=False)["review_date"].max()
    frame = plans[_is_open(plans, req)]
    found = (
        frame[["plan_id"]]
        .assign(plan_id=frame["plan_id"].str.strip())
        .merge(latest, on="plan_id", how="left")
    )
    frame = frame.assign(latest_review_date=found["review_date"].to_numpy("datetime64[s]"))
    last = frame["latest_review_date"].to_numpy("datetime64[D]")
    due = np.where(
        np.isnat(last), add_months(frame["start_date"].to_numpy("datetime64[D]"), 3), add_months(last, 6)
    )
    timely = due >= np.datetime64(req.end, "D")
    frame = frame.assign(review_due_date=due.astype("datetime64[s]"))
    return finish(frame, "cp_plans", req).assign(in_numerator=flags(timely))
