"""``metrics.records``: the records behind a stored result reproduce it, on both stores.

The key test builds a store with the project's generator (two LAs, three years),
loads it with the loaders, adds a file with bad rows and a file rejected whole,
recomputes, and then for every indicator, a sample of periods of every grain and
every breakdown (every other one of them on SQLite, a quarter on PostgreSQL, from the
other half) checks that the records of every stored group give back the stored
numerator and denominator exactly: rows (or distinct children), rows with
``in_numerator``, the median of ``working_days``, and for ``dq_rejected_rows`` the
rows rejected. A coverage check makes sure the sample is not vacuous.

Hand-made stores then pin the awkward boundaries, with expectations worked out by
hand from kpis.md: same-day duplicate referrals (and a group seen only on a removed
duplicate), an assessment linked through a removed duplicate, a re-referral exactly
12 months later, a visit exactly 10 working days before the end, reviews due on the
period end (with month-end clamping), a plan ending on the period end, a child on
two plans in two teams, "Not recorded" groups, recording lag and rejected rows.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from loaders.pipeline import LoadOptions, load_bytes, load_paths
from loaders.pseudonym import pseudonym
from metrics.periods import financial_year_start, period_for
from metrics.recompute import recompute
from metrics.records import describe_records, records_by_group, records_for
from metrics.registry import load_registry
from store.bulk import read_frame
from store.schema import kpi_results, loads
from store.times import uk_time
from synthetic import generate
from tests.conftest import TEST_KEY
from tests.test_loader_rules import csv_bytes

REGISTRY = load_registry()
# The partners' own measures list the figures a partner reported (numerator, denominator
# per month or quarter), not child or staff rows: a period's value is their roll-up, with no
# value when a month is missing (tests/test_compute_partner_measures.py, by hand, and the
# oracle in tests/test_compute_oracle_workforce.py). They are left out of the row checks here.
ROW_RECORDS = [ind for ind in REGISTRY if not ind.id.startswith("pm_")]
OPTS = LoadOptions(key=TEST_KEY, default_la="394")

# --- The synthetic store -------------------------------------------------------------

# A file with two bad rows (rejected one by one) and a file rejected whole (no outcome
# column), split over both LAs, so that dq_rejected_rows has something to list.
BAD_ROWS = csv_bytes(
    "contact_id,child_id,contact_date,contact_source,outcome,la_code",
    "XC1,XP1,2024-05-02,6,nfa,394",
    "XC2,XP2,2024-13-02,6,nfa,394",
    "XC3,,2024-05-02,6,nfa,394",
)
WHOLE_FILE = csv_bytes(
    "contact_id,child_id,contact_date,contact_source,la_code",
    "YC1,YP1,2024-05-02,6,394",
    "YC2,YP2,2024-05-02,6,394",
    "YC3,YP3,2024-05-02,6,390",
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(out, children=1500, years=3, start=date(2023, 4, 1), las=["394", "390"], seed=11)
    return out


@pytest.fixture
def synthetic(engine: Engine, generated: Path) -> Engine:
    load_paths(engine, [generated], LoadOptions(key=TEST_KEY))
    assert load_bytes(engine, "contacts_extra.csv", BAD_ROWS, OPTS).rows_rejected == 2
    assert load_bytes(engine, "contacts_whole.csv", WHOLE_FILE, OPTS).status == "rejected"
    recompute(engine)
    return engine


Key = tuple[str, str, str, date, str]  # kpi_id, la_code, grain, period_end, breakdown
KEY_COLUMNS = ["kpi_id", "la_code", "grain", "period_end", "breakdown"]
PER_CHILD = {"cp_children_at_end", "cp_rate_at_end", "cin_children_at_end", "cin_rate_at_end", "eh_reach"}


def stored_results(engine: Engine, keys: list[Key]) -> dict[Key, pd.DataFrame]:
    """The stored rows (group_name, numerator, denominator) of each key."""
    columns = [*KEY_COLUMNS, "group_name", "numerator", "denominator"]
    with engine.connect() as conn:
        frame = read_frame(conn, kpi_results, columns)
    frame["period_end"] = frame["period_end"].dt.date
    found = frame.merge(pd.DataFrame(keys, columns=KEY_COLUMNS).drop_duplicates(), on=KEY_COLUMNS)
    groups = found.groupby(KEY_COLUMNS, sort=False)
    return {cast(Key, key): rows.reset_index(drop=True) for key, rows in groups}


def month_ends(first: str, last: str, step: int = 1) -> list[date]:
    return [d.date() for d in pd.date_range(first, last, freq="ME")[::step]]


def sample(la: str, breakdown: str) -> list[tuple[str, date]]:
    """The periods checked: for LA 394's ``all`` every month of 2024-25 and every
    quarter, financial year and quarter-end rolling year of the data; fewer for the
    other breakdowns and for LA 390 (they check the groups and the LA filter)."""
    years = [date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31)]
    if la == "394" and breakdown == "all":
        periods = [("month", e) for e in month_ends("2024-04-30", "2025-03-31")]
        periods += [("quarter", e) for e in month_ends("2023-06-30", "2026-03-31", 3)]
        periods += [("year", e) for e in years]
        return periods + [("r12", e) for e in month_ends("2024-06-30", "2026-03-31", 3)]
    if breakdown == "all":
        return [("quarter", e) for e in month_ends("2024-06-30", "2025-03-31", 3)] + [
            ("year", e) for e in years
        ]
    if la == "394":
        periods = [
            ("month", date(2024, 6, 30)),
            ("month", date(2025, 3, 31)),
            ("quarter", date(2024, 12, 31)),
        ]
        return [*periods, ("year", date(2024, 3, 31)), ("year", years[-1]), ("r12", date(2025, 9, 30))]
    return [("quarter", date(2024, 9, 30)), ("year", date(2025, 3, 31))]


def periods_holding(day: date) -> list[tuple[str, date]]:
    """The month, quarter, financial year and rolling year that hold ``day`` (as ends)."""
    month = period_for("month", day).end
    quarter_end = date(day.year, (day.month - 1) // 3 * 3 + 3, 1)
    year_end = date(financial_year_start(day) + 1, 3, 1)
    return [
        ("month", month),
        ("r12", month),
        ("quarter", period_for("quarter", quarter_end).end),
        ("year", period_for("year", year_end).end),
    ]


def load_periods(engine: Engine) -> list[tuple[str, date]]:
    """Every period that holds a load (dq_rejected_rows is by load time)."""
    with engine.connect() as conn:
        days = {uk_time(t).date() for t in conn.execute(select(loads.c.finished_at)).scalars()}
    return sorted({p for day in days for p in periods_holding(day)})


def observed(kpi_id: str, records: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(numerator, denominator) per group as the records give them: rows (children for
    the distinct-children ids), rows in the numerator, the median of working days; for
    dq_rejected_rows the rows rejected. Counts and rates have no denominator (NaN)."""
    kind = REGISTRY[kpi_id].type
    groups = records.groupby("group_name", sort=False)
    size = groups.size().astype(float)
    nothing = pd.Series(np.nan, index=size.index)
    if kpi_id == "dq_rejected_rows":
        return groups["rows"].sum().astype(float), nothing
    if "cases" in records.columns:  # sw_caseload: cases over the case-holders' FTE
        return groups["cases"].sum().round(9), groups["fte_denominator"].sum().round(9)
    if "fte_denominator" in records.columns:  # the workforce ids sum FTE
        return groups["fte_numerator"].sum().round(9), groups["fte_denominator"].sum().round(9)
    if kind in ("count", "rate"):
        return (groups["child"].nunique().astype(float) if kpi_id in PER_CHILD else size), nothing
    if kind == "percentage":
        return groups["in_numerator"].sum().astype(float), size
    return groups["working_days"].median().astype(float), size


def shape_problems(key: Key, records: pd.DataFrame) -> list[str]:
    """The declared columns, pseudonyms only, one row per child where there should be."""
    kpi_id = key[0]
    problems = []
    if records.columns.tolist() != [*REGISTRY[kpi_id].records.columns, "group_name"]:
        problems.append(f"{key}: columns {records.columns.tolist()}")
    # (kinds with no child, workforce and vacancies, list none: blank)
    if "child" in records.columns and not records["child"].dropna().str.fullmatch(r"[0-9a-f]{24}").all():
        problems.append(f"{key}: a child value that is not a pseudonym")
    if kpi_id in (*PER_CHILD, "cp_visits_10wd") and records.duplicated(["child", "group_name"]).any():
        problems.append(f"{key}: a child twice in a group")
    return problems


def mismatches(engine: Engine, key: Key, stored: pd.DataFrame | None) -> list[str]:
    """Where the records of every group of one stored (indicator, LA, period, breakdown)
    differ from the stored numerator and denominator."""
    if stored is None:
        return [f"{key}: no stored result"]
    kpi_id, kind = key[0], REGISTRY[key[0]].type
    records = records_by_group(engine, *key)
    problems = shape_problems(key, records)
    extra = set(records["group_name"]) - set(stored["group_name"])
    if extra:
        problems.append(f"{key}: records in groups with no stored row: {sorted(extra)}")
    numerator, denominator = observed(kpi_id, records)
    groups = stored["group_name"]
    got_n = numerator.reindex(groups).to_numpy()
    got_d = denominator.reindex(groups).fillna(0.0).to_numpy()
    if kind != "median":
        got_n = np.nan_to_num(got_n)  # a group with no records: 0
    want_n, want_d = stored["numerator"].to_numpy(), stored["denominator"].to_numpy()
    # A blank stored row (the LA has no rows of the source) has no records.
    blank = np.isnan(want_n) & (np.isnan(want_d) | (kind == "rate"))
    same_n = (got_n == want_n) | (np.isnan(got_n) & np.isnan(want_n)) | (blank & (np.nan_to_num(got_n) == 0))
    same_d = (got_d == np.nan_to_num(want_d)) | (kind in ("count", "rate")) | (kpi_id == "dq_rejected_rows")
    for i in np.flatnonzero(~(same_n & same_d)):
        problems.append(
            f"{key} {groups.iloc[i]!r}: stored {want_n[i]}/{want_d[i]}, records {got_n[i]}/{got_d[i]}"
        )
    return problems


def check(engine: Engine, keys: list[Key]) -> tuple[list[str], dict[str, float]]:
    """Mismatches over every key, and per indicator the stored counts (denominators for
    percentages and medians) the keys covered, to show the check was not vacuous."""
    stored = stored_results(engine, keys)
    problems: list[str] = []
    coverage: dict[str, float] = {}
    for key in keys:
        rows = stored.get(key)
        problems += mismatches(engine, key, rows)
        if rows is not None:
            column = "numerator" if REGISTRY[key[0]].type in ("count", "rate", "number") else "denominator"
            coverage[key[0]] = coverage.get(key[0], 0.0) + float(rows[column].fillna(0).sum())
    return problems, coverage


def test_records_reproduce_every_stored_result(synthetic: Engine) -> None:
    keys: list[Key] = []
    for indicator in ROW_RECORDS:
        for la in ("394", "390"):
            for breakdown in indicator.breakdowns:
                periods = (
                    load_periods(synthetic) if indicator.id == "dq_rejected_rows" else sample(la, breakdown)
                )
                keys += [(indicator.id, la, grain, end, breakdown) for grain, end in periods]
    # Every other key on SQLite, and on PostgreSQL a quarter of them, from the other half
    # (the SQL is what differs; the Python is the same): between them three keys in
    # four, every indicator, LA, breakdown and grain on each store. All of them on
    # SQLite took 40-60 s, the suite's longest test on a 2-core machine.
    keys = keys[::2] if synthetic.dialect.name == "sqlite" else keys[1::4]
    problems, coverage = check(synthetic, keys)
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems[:40])
    empty = [ind.id for ind in ROW_RECORDS if not coverage.get(ind.id)]
    assert empty == [], "nothing to count in the sample"


# --- Hand-made stores ------------------------------------------------------------------


def load(engine: Engine, *files: tuple[str, bytes], options: LoadOptions = OPTS) -> Engine:
    for name, content in files:
        assert load_bytes(engine, name, content, options).status == "loaded", name
    recompute(engine)
    return engine


def child(raw: str) -> str:
    return pseudonym(raw, TEST_KEY)


def rows(frame: pd.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    """The frame's values as plain tuples: dates as ISO text, missing as None."""
    out = []
    for values in frame[list(columns)].itertuples(index=False):
        out.append(
            tuple(
                None
                if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT
                else v.date().isoformat()
                if isinstance(v, pd.Timestamp)
                else v.item()
                if isinstance(v, np.generic)
                else v
                for v in values
            )
        )
    return out


def assert_consistent(engine: Engine, kinds: set[str], periods: list[tuple[str, date]]) -> None:
    """The hand-made store's records reproduce its stored results too (LA 394), for the
    indicators computed from the loaded kinds and the data-quality ones."""
    keys: list[Key] = [
        (indicator.id, "394", grain, end, str(breakdown))
        for indicator in REGISTRY
        if indicator.source in kinds or indicator.stage == "data_quality"
        for breakdown in indicator.breakdowns
        for grain, end in periods
    ]
    stored = stored_results(engine, keys)
    problems = [p for key in keys if key in stored for p in mismatches(engine, key, stored[key])]
    assert not problems, "\n".join(problems[:20])


REFERRALS = csv_bytes(
    "referral_id,child_id,referral_date,referral_source,referral_nfa,team",
    # Same-day duplicates of C1: "R10" < "R2" as text, so R10 is kept, with its own
    # source (2A: Schools & education), team and NFA. Housing and North Team occur only
    # on the removed R2: their groups are zero.
    "R2,C1,2024-05-10,4,false,North Team",
    "R10,C1,2024-05-10,2A,true,South Team",
    # C1's previous referral is exactly 12 months before: a re-referral.
    "R3,C1,2023-05-10,6,false,South Team",
    # C2's previous referral is 12 months and a day before: not a re-referral.
    "R4,C2,2024-05-20,6,false,",
    "R5,C2,2023-05-19,6,false,",
    # On the period end, blank team: "Not recorded"; source 9: Unknown.
    "R6,C3,2024-05-31,9,false,",
)
ASSESSMENTS = csv_bytes(
    "assessment_id,child_id,start_date,referral_id,authorisation_date",
    # Names the removed duplicate: links to the kept R10.
    "A1,C1,2024-05-13,R2,2024-06-03",
    # No referral_id: C2's latest referral on or before the start, R4.
    "A2,C2,2024-05-21,,2024-06-03",
    # Names no referral: unlinked, no fallback to R6.
    "A3,C3,2024-06-03,R999,",
)


def test_referral_records_at_the_boundaries(engine: Engine) -> None:
    load(engine, ("referrals.csv", REFERRALS), ("assessments.csv", ASSESSMENTS))
    may = ("394", "month", date(2024, 5, 31))
    frame = records_for(engine, "referrals", *may)
    assert rows(frame, "referral_id", "agency", "team") == [
        ("R10", "Schools & education", "South Team"),
        ("R4", "Police", "Not recorded"),
        ("R6", "Unknown", "Not recorded"),
    ]
    assert rows(frame, "child")[0] == (child("C1"),)
    rereferrals = records_for(engine, "rereferrals_12m", *may)
    # Polarity down: the re-referrals first.
    assert rows(rereferrals, "referral_id", "previous_referral_date", "in_numerator") == [
        ("R10", "2023-05-10", True),
        ("R4", "2023-05-19", False),
        ("R6", None, False),
    ]
    nfa = records_for(engine, "referrals_nfa", *may)
    assert rows(nfa, "referral_id", "in_numerator") == [("R10", True), ("R4", False), ("R6", False)]
    linked = records_for(engine, "referral_to_assessment", *may)
    assert rows(linked, "referral_id", "assessment_id", "assessment_start_date", "in_numerator") == [
        ("R10", "A1", "2024-05-13", True),
        ("R4", "A2", "2024-05-21", True),
        ("R6", None, None, False),
    ]
    assert records_for(engine, "referrals", *may, "agency", "Housing").empty
    assert records_for(engine, "referrals", *may, "team", "North Team").empty
    assert rows(records_for(engine, "referrals", *may, "team", "Not recorded"), "referral_id") == [
        ("R4",),
        ("R6",),
    ]
    periods = [("month", date(2024, 5, 31)), ("month", date(2023, 5, 31)), ("year", date(2025, 3, 31))]
    assert_consistent(engine, {"referrals", "assessments"}, periods)


# Period May 2024 (ends Friday 31 May; 27 May is a bank holiday) and April 2024.
CP_PLANS = csv_bytes(
    "plan_id,child_id,start_date,initial_category,end_date,team",
    "P1,K1,2024-01-15,NEG,,Team A",
    "P2,K2,2024-02-01,NEG,,",
    # 8 working days old at the end of May: on a plan, not yet in the visits denominator.
    "P3,K3,2024-05-20,NEG,,Team A",
    # Ends on the May period end: not open at it (open at the end of April).
    "P4,K4,2023-11-01,NEG,2024-05-31,Team A",
    # K1's earlier plan: P1 is a second plan.
    "P5,K1,2023-06-01,NEG,2023-12-01,Team A",
    # Exactly 2 years; a day short of 2 years.
    "P6,K5,2022-05-31,NEG,2024-05-31,Team B",
    "P7,K6,2022-06-01,NEG,2024-05-31,Team B",
    # Next review due 31 Jan + 3 months = 30 April (clamped): in timescale at 30 April.
    "P8,K7,2024-01-31,NEG,,Team B",
    "P9,K8,2023-08-01,NEG,,Team B",
    "P10,K9,2023-08-01,NEG,,Team B",
    # K2's second open plan, in another team: K2 is in both teams' lists.
    "P11,K2,2024-03-01,NEG,,Team A",
)
CP_REVIEWS = csv_bytes(
    "review_id,child_id,plan_id,review_date",
    # No plan_id: K1's plan covering 29 Feb is P1; due 29 Aug.
    "RV1,K1,,2024-02-29",
    # 31 Oct + 6 months = 30 April (clamped): due on the April period end, in timescale.
    "RV2,K8,P9,2023-10-31",
    # 29 Oct + 6 months = 29 April: overdue at 30 April.
    "RV3,K9,P10,2023-10-29",
)
CP_VISITS = csv_bytes(
    "visit_id,child_id,visit_date,child_seen",
    # Exactly 10 working days before 31 May (16 May): seen in time.
    "V1,K1,2024-05-16,true",
    # 11 working days before; the later visit did not see the child.
    "V2,K2,2024-05-15,true",
    "V3,K2,2024-05-28,false",
)


def test_plan_records_at_the_boundaries(engine: Engine) -> None:
    load(engine, ("cp_plans.csv", CP_PLANS), ("cp_reviews.csv", CP_REVIEWS), ("cp_visits.csv", CP_VISITS))
    may = ("394", "month", date(2024, 5, 31))
    on_plan = records_for(engine, "cp_children_at_end", *may)
    # Longest on a plan first; K2 once, with its latest open plan (P11).
    # (P10 and P9 started the same day: plan_id as text breaks the tie, "P10" < "P9".)
    assert rows(on_plan, "plan_id") == [("P10",), ("P9",), ("P1",), ("P8",), ("P11",), ("P3",)]
    team_a = records_for(engine, "cp_children_at_end", *may, "team", "Team A")
    assert rows(team_a, "child", "plan_id") == [
        (child("K1"), "P1"),
        (child("K2"), "P11"),
        (child("K3"), "P3"),
    ]
    not_recorded = records_for(engine, "cp_children_at_end", *may, "team", "Not recorded")
    assert rows(not_recorded, "child", "plan_id") == [(child("K2"), "P2")]
    visits = records_for(engine, "cp_visits_10wd", *may)
    # Not seen first, never seen before seen long ago; K1 seen exactly 10 working days before.
    assert rows(visits, "plan_id", "latest_visit_date", "working_days_since_visit", "in_numerator") == [
        ("P10", None, None, False),
        ("P8", None, None, False),
        ("P9", None, None, False),
        ("P11", "2024-05-15", 11, False),
        ("P1", "2024-05-16", 10, True),
    ]
    ended = records_for(engine, "cp_ended_2y_plus", *may)
    assert rows(ended, "plan_id", "in_numerator") == [("P6", True), ("P7", False), ("P4", False)]
    april = ("394", "month", date(2024, 4, 30))
    reviews = records_for(engine, "cp_reviews_timely", *april)
    assert rows(reviews, "plan_id", "latest_review_date", "review_due_date", "in_numerator") == [
        ("P6", None, "2022-08-31", False),
        ("P7", None, "2022-09-01", False),
        ("P4", None, "2024-02-01", False),
        ("P10", "2023-10-29", "2024-04-29", False),
        ("P8", None, "2024-04-30", True),
        ("P9", "2023-10-31", "2024-04-30", True),
        ("P2", None, "2024-05-01", True),
        ("P11", None, "2024-06-01", True),
        ("P1", "2024-02-29", "2024-08-29", True),
    ]
    second = records_for(engine, "cp_second_or_subsequent", "394", "month", date(2024, 1, 31))
    assert rows(second, "plan_id", "previous_plan_start_date", "in_numerator") == [
        ("P1", "2023-06-01", True),
        ("P8", None, False),
    ]
    assert_consistent(
        engine,
        {"cp_plans", "cp_reviews", "cp_visits"},
        [
            ("month", date(2024, 5, 31)),
            ("month", date(2024, 4, 30)),
            ("month", date(2024, 1, 31)),
            ("quarter", date(2024, 6, 30)),
        ],
    )


CONTACTS = csv_bytes(
    "contact_id,child_id,contact_date,contact_source,outcome,decision_date,recorded_date,team",
    # Thursday 2 May 2024; 6 May is a bank holiday. Recorded 6 working days later: late.
    "K1,Q1,2024-05-02,6,nfa,2024-05-03,2024-05-13,Front Door",
    # Exactly 5 working days later: not late.
    "K2,Q2,2024-05-02,6,referral,2024-05-07,2024-05-10,",
    # Recorded before the event: a negative lag, not late; no decision_date.
    "K3,Q3,2024-05-02,6,pending,,2024-05-01,Front Door",
    # No recorded_date: not in the lag's denominator.
    "K4,Q4,2024-05-20,6,advice,2024-05-20,,Front Door",
)


def test_front_door_and_data_quality_records(engine: Engine) -> None:
    load(engine, ("contacts.csv", CONTACTS))
    assert load_bytes(engine, "contacts_extra.csv", BAD_ROWS, OPTS).rows_rejected == 2
    assert load_bytes(engine, "contacts_whole.csv", WHOLE_FILE, OPTS).status == "rejected"
    recompute(engine)
    may = ("394", "month", date(2024, 5, 31))
    timely = records_for(engine, "contact_decision_timely", *may)
    # 2 May (Thu) to 7 May (Tue) is 2 working days (6 May a holiday): late, first.
    assert rows(timely, "contact_id", "working_days", "in_numerator") == [
        ("K2", 2, False),
        ("K1", 1, True),
        ("K4", 0, True),
    ]
    conversion = records_for(engine, "contact_conversion", *may)
    assert rows(conversion, "contact_id", "in_numerator") == [
        ("K2", True),
        ("K1", False),
        ("XC1", False),
        ("K4", False),
    ]
    lag = records_for(engine, "dq_recording_lag_5wd", *may, "kind", "contacts")
    assert rows(lag, "record_id", "working_days", "in_numerator") == [
        ("K1", 6, True),
        ("K2", 5, False),
        ("K3", -1, False),
    ]
    team = records_for(engine, "dq_completeness", *may, "column", "contacts.team")
    assert rows(team, "record_id", "in_numerator") == [
        ("K2", False),
        ("XC1", False),
        ("K1", True),
        ("K3", True),
        ("K4", True),
    ]
    with engine.connect() as conn:
        loaded_at = conn.execute(select(func.max(loads.c.finished_at))).scalar_one()
    month = period_for("month", uk_time(loaded_at).date()).end
    rejected = records_for(engine, "dq_rejected_rows", "394", "month", month, "kind", "contacts")
    assert rows(rejected, "file_name", "row_number", "column", "rows") == [
        ("contacts_whole.csv", None, None, 2),
        ("contacts_extra.csv", 2, "contact_date", 1),
        ("contacts_extra.csv", 3, "child_id", 1),
    ]
    assert "outcome" in rejected["reason"].iloc[0]
    other = records_for(engine, "dq_rejected_rows", "390", "month", month, "kind", "contacts")
    assert rows(other, "file_name", "rows") == [("contacts_whole.csv", 1)]
    assert_consistent(engine, {"contacts"}, [("month", date(2024, 5, 31)), ("month", month)])


# --- Errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no_such_kpi", "month", date(2024, 5, 31), "all", "all"), "unknown indicator id"),
        (("contacts", "week", date(2024, 5, 31), "all", "all"), "unknown grain"),
        (("contacts", "month", date(2024, 5, 30), "all", "all"), "not the end of a month period"),
        (("contacts", "quarter", date(2024, 5, 31), "all", "all"), "no quarter period ends"),
        (("cp_rate_at_end", "month", date(2024, 5, 31), "team", "Team A"), "has no breakdown 'team'"),
        (("contacts", "month", date(2024, 5, 31), "kind", "contacts"), "has no breakdown 'kind'"),
        (("dq_completeness", "month", date(2024, 5, 31), "all", "all"), "has no breakdown 'all'"),
        (("dq_completeness", "month", date(2024, 5, 31), "column", "contacts.nothing"), "not a group"),
        (("contacts", "month", date(2024, 5, 31), "all", "North"), "one group 'all'"),
        (("contacts", "month", date(2024, 5, 31), "team", "all"), "name a group"),
    ],
)
def test_unknown_requests_are_refused_with_a_clear_message(
    sqlite_engine: Engine, args: tuple[str, str, date, str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        records_for(sqlite_engine, args[0], "394", *args[1:])
    with pytest.raises(ValueError, match="unknown indicator id"):
        describe_records("no_such_kpi")


def test_every_indicator_declares_its_records() -> None:
    for indicator in ROW_RECORDS:
        columns = indicator.records.columns
        # A percentage lists its denominator with in_numerator (the rejected rows are only
        # the numerator: the denominator is every row read); the median its working days.
        percentage = indicator.type == "percentage" and indicator.id != "dq_rejected_rows"
        # a "number" (FTE, caseload) flags the records that add to its numerator too
        assert ("in_numerator" in columns) == (percentage or indicator.type == "number"), indicator.id
        assert indicator.type != "median" or "working_days" in columns
        assert "child_id" not in columns
        assert {"team", "locality"} <= set(columns) or indicator.id == "dq_rejected_rows"
        assert describe_records(indicator.id).endswith("."), indicator.id


def test_a_timestamp_period_end_is_taken_as_its_day(sqlite_engine: Engine) -> None:
    frame = records_for(sqlite_engine, "contacts", "394", "month", pd.Timestamp("2024-05-31"))
    assert frame.empty and frame.columns.tolist() == list(REGISTRY["contacts"].records.columns)
