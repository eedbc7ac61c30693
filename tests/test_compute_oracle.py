"""Every grain against an independent, row-by-row reading of the definitions.

Hypothesis draws small random extracts; each indicator is then recomputed here the
slow, obvious way — Python loops over ``datetime.date`` per period, calendar months
added by hand, working days from ``numpy.busday_count`` per pair — and compared with
``compute_indicators`` for every period of every grain (month, quarter, year,
rolling 12 months). The two share nothing but the bank-holiday table.
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.calendar import bank_holidays
from metrics.periods import GRAINS, periods_overlapping
from metrics.snapshot_builder import build_snapshot, compute

HOLIDAYS = bank_holidays()
FIRST, LAST = date(2023, 1, 1), date(2025, 6, 30)
CHILDREN = ["C1", "C2", "C3", "C4"]
LOCALITIES = [None, "North", "South", " "]
SETTINGS = settings(max_examples=25)

Row = dict[str, Any]


def add_months(d: date, n: int) -> date:
    years, month0 = divmod(d.month - 1 + n, 12)
    year = d.year + years
    return date(year, month0 + 1, min(d.day, calendar.monthrange(year, month0 + 1)[1]))


def wd(a: date, b: date) -> int:
    return int(np.busday_count(np.datetime64(a), np.datetime64(b), holidays=HOLIDAYS))


def label(value: str | None) -> str:
    return value.strip() if value and value.strip() else "Not recorded"


def opt_date(lo: int, hi: int) -> st.SearchStrategy[int | None]:
    return st.one_of(st.none(), st.integers(lo, hi))


def _rows(make: Callable[..., Row], n: int, **fields: st.SearchStrategy[Any]) -> Any:
    return st.lists(st.fixed_dictionaries(fields).map(lambda f: make(**f)), max_size=n)


def _day(offset: int) -> date:
    return FIRST + timedelta(days=offset)


SPAN = (LAST - FIRST).days


def _referral(child: str, day: int, nfa: bool, loc: str | None) -> Row:
    return {"child_id": child, "referral_date": _day(day), "referral_nfa": nfa, "locality": loc}


def _assessment(child: str, day: int, length: int | None, ref: int | None) -> Row:
    start = _day(day)
    return {
        "child_id": child,
        "start_date": start,
        "ref": ref,
        "authorisation_date": None if length is None else start + timedelta(days=length),
    }


def _plan(child: str, day: int, length: int | None, team: str | None) -> Row:
    start = _day(day)
    return {
        "child_id": child,
        "start_date": start,
        "team": team,
        "end_date": None if length is None else start + timedelta(days=length),
    }


def _visit(child: str, day: int, seen: bool | None) -> Row:
    return {"child_id": child, "visit_date": _day(day), "child_seen": seen}


def _review(child: str, day: int, plan: int | None) -> Row:
    return {"child_id": child, "review_date": _day(day), "plan": plan}


# Dates at the edges the definitions turn on (leap days, 12 months apart, month ends),
# as well as anywhere in the span.
EDGES = [
    date(2023, 2, 28),
    date(2023, 3, 1),
    date(2023, 5, 31),
    date(2024, 2, 28),
    date(2024, 2, 29),
    date(2024, 3, 1),
    date(2024, 3, 31),
    date(2024, 5, 16),
    date(2024, 5, 31),
    date(2024, 6, 30),
    date(2024, 12, 24),
    date(2025, 2, 28),
    date(2025, 3, 1),
    date(2025, 5, 31),
]
children = st.sampled_from(CHILDREN)
days = st.one_of(st.integers(0, SPAN), st.sampled_from([(d - FIRST).days for d in EDGES]))
links = st.sampled_from([None, None, -1, 0, 1, 2, 3])
data = st.fixed_dictionaries(
    {
        "referrals": _rows(
            _referral, 14, child=children, day=days, nfa=st.booleans(), loc=st.sampled_from(LOCALITIES)
        ),
        "assessments": _rows(_assessment, 8, child=children, day=days, length=opt_date(0, 150), ref=links),
        "cp_plans": _rows(
            _plan, 6, child=children, day=days, length=opt_date(0, 500), team=st.sampled_from(LOCALITIES)
        ),
        "cp_visits": _rows(_visit, 10, child=children, day=days, seen=st.sampled_from([True, False, None])),
        "cp_reviews": _rows(_review, 6, child=children, day=days, plan=links),
        "early_help": _rows(
            _plan, 8, child=children, day=days, length=opt_date(0, 400), team=st.sampled_from(LOCALITIES)
        ),
    }
)


def build(d: dict[str, list[Row]]) -> tuple[Any, dict[str, list[Row]]]:
    """The snapshot, and the rows as the oracle sees them (ids filled in, links resolved)."""
    refs = [dict(r, referral_id=f"R{i * 7 % 11}-{i}") for i, r in enumerate(d["referrals"])]
    assessments = []
    for i, a in enumerate(d["assessments"]):
        ref = a.pop("ref")
        # None: blank; -1: an id that matches nothing; k: the k-th referral's id.
        rid = None if ref is None else ("NOPE" if ref < 0 or ref >= len(refs) else refs[ref]["referral_id"])
        assessments.append(dict(a, assessment_id=f"A{i}", referral_id=rid))
    plans = [dict(p, plan_id=f"P{i}") for i, p in enumerate(d["cp_plans"])]
    reviews = []
    for i, r in enumerate(d["cp_reviews"]):
        plan = r.pop("plan")
        pid = None if plan is None else ("GONE" if plan < 0 or plan >= len(plans) else plans[plan]["plan_id"])
        reviews.append(dict(r, review_id=f"V{i}", plan_id=pid))
    visits = [dict(v, visit_id=f"V{i}") for i, v in enumerate(d["cp_visits"])]
    eh = [dict(e, episode_id=f"E{i}") for i, e in enumerate(d["early_help"])]
    rows = {
        "referrals": refs,
        "assessments": assessments,
        "cp_plans": plans,
        "cp_reviews": reviews,
        "cp_visits": visits,
        "early_help": eh,
    }

    def iso(r: Row) -> Row:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()}

    extracts: dict[str, Any] = {k: [iso(r) for r in v] for k, v in rows.items()}
    snap = build_snapshot(**extracts)
    return snap, rows


def kept_referrals(refs: list[Row]) -> tuple[list[Row], dict[str, Row]]:
    """Kept referrals and, for every referral id, its kept referral."""
    best: dict[tuple[str, date], Row] = {}
    for r in refs:
        key = (r["child_id"], r["referral_date"])
        if key not in best or r["referral_id"] < best[key]["referral_id"]:
            best[key] = r
    kept_of = {r["referral_id"]: best[(r["child_id"], r["referral_date"])] for r in refs}
    return list(best.values()), kept_of


def linked_referral(a: Row, kept: list[Row], kept_of: dict[str, Row]) -> Row | None:
    rid = a["referral_id"]
    if rid is None:
        earlier = [
            r for r in kept if r["child_id"] == a["child_id"] and r["referral_date"] <= a["start_date"]
        ]
        return max(earlier, key=lambda r: r["referral_date"]) if earlier else None
    return kept_of.get(rid)


def open_at(r: Row, end: date) -> bool:
    return r["start_date"] <= end and (r["end_date"] is None or r["end_date"] > end)


def linked_plan(v: Row, plans: list[Row]) -> Row | None:
    named = [p for p in plans if p["plan_id"] == v["plan_id"]]
    if named:
        return named[0]
    covering = [
        p
        for p in plans
        if p["child_id"] == v["child_id"]
        and p["start_date"] <= v["review_date"]
        and (p["end_date"] is None or p["end_date"] >= v["review_date"])
    ]
    covering.sort(key=lambda p: (-p["start_date"].toordinal(), p["plan_id"]))
    return covering[0] if covering else None


def oracle(rows: dict[str, list[Row]], start: date, end: date) -> dict[str, tuple[Any, Any]]:
    """(numerator, denominator) of each indicator for LA-wide period [start, end]."""

    def within(d: date | None) -> bool:
        return d is not None and start <= d <= end

    kept, kept_of = kept_referrals(rows["referrals"])
    in_period = [r for r in kept if within(r["referral_date"])]
    rerefs = [
        r
        for r in in_period
        if any(
            o["child_id"] == r["child_id"]
            and add_months(r["referral_date"], -12) <= o["referral_date"] < r["referral_date"]
            for o in kept
        )
    ]
    links = [linked_referral(a, kept, kept_of) for a in rows["assessments"]]
    assessed = [r for r in in_period if any(link is r for link in links)]
    done = [a for a in rows["assessments"] if within(a["authorisation_date"])]
    durations = [wd(a["start_date"], a["authorisation_date"]) for a in done]
    late_open = [
        a
        for a in rows["assessments"]
        if a["start_date"] <= end
        and (a["authorisation_date"] is None or a["authorisation_date"] > end)
        and wd(a["start_date"], end) > 45
    ]
    plans = rows["cp_plans"]
    on_plan = {p["child_id"] for p in plans if open_at(p, end)}
    old = {p["child_id"] for p in plans if open_at(p, end) and wd(p["start_date"], end) >= 10}
    seen = {
        c
        for c in old
        if any(
            v["child_id"] == c
            and v["child_seen"] is not False
            and v["visit_date"] <= end
            and wd(v["visit_date"], end) <= 10
            for v in rows["cp_visits"]
        )
    }
    open_plans = [p for p in plans if open_at(p, end)]
    timely = 0
    for p in open_plans:
        mine = [
            v["review_date"]
            for v in rows["cp_reviews"]
            if linked_plan(v, plans) is p and v["review_date"] <= end
        ]
        due = add_months(max(mine), 6) if mine else add_months(p["start_date"], 3)
        timely += due >= end
    eh = rows["early_help"]
    reach = {
        e["child_id"]
        for e in eh
        if e["start_date"] <= end and (e["end_date"] is None or e["end_date"] >= start)
    }
    started = [e for e in eh if within(e["start_date"])]
    repeats = [
        e
        for e in started
        if any(
            o["child_id"] == e["child_id"]
            and o["end_date"] is not None
            and add_months(e["start_date"], -12) <= o["end_date"] < e["start_date"]
            for o in eh
        )
    ]
    return {
        "referrals": (len(in_period), None),
        "rereferrals_12m": (len(rerefs), len(in_period)),
        "referrals_nfa": (sum(r["referral_nfa"] for r in in_period), len(in_period)),
        "referral_to_assessment": (len(assessed), len(in_period)),
        "assessments_45wd": (sum(d <= 45 for d in durations), len(durations)),
        "assessment_median_wd": (statistics.median(durations) if durations else None, len(durations)),
        "assessments_open_over_45wd": (len(late_open), None),
        "cp_children_at_end": (len(on_plan), None),
        "cp_visits_10wd": (len(seen), len(old)),
        "cp_reviews_timely": (timely, len(open_plans)),
        "eh_reach": (len(reach), None),
        "eh_repeat_12m": (len(repeats), len(started)),
    }


def _periods(rows: dict[str, list[Row]]) -> list[tuple[str, date, date]]:
    mains = {
        "referrals": "referral_date",
        "assessments": "start_date",
        "cp_plans": "start_date",
        "cp_visits": "visit_date",
        "cp_reviews": "review_date",
        "early_help": "start_date",
    }
    dates = [r[col] for kind, col in mains.items() for r in rows[kind]]
    if not dates:
        return []
    return [(g, p.start, p.end) for g in GRAINS for p in periods_overlapping(g, min(dates), max(dates))]


def _blank(x: object) -> object:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else x


@given(data)
@SETTINGS
def test_every_grain_matches_the_row_by_row_reading(d: dict[str, list[Row]]) -> None:
    snap, rows = build(d)
    ids = list(oracle(rows, FIRST, FIRST))
    out = compute(snap, *ids)
    out = out[out["breakdown"] == "all"]
    periods = _periods(rows)
    got_periods = {
        (g, s.date(), e.date())
        for g, s, e in zip(out["grain"], out["period_start"], out["period_end"], strict=True)
    }
    assert got_periods == set(periods)
    got = {
        (k, g, e.date()): (_blank(n), _blank(d))
        for k, g, e, n, d in zip(
            out["kpi_id"],
            out["grain"],
            out["period_end"],
            out["numerator"],
            out["denominator"],
            strict=True,
        )
    }
    kinds = {
        "referrals": "referrals",
        "rereferrals_12m": "referrals",
        "referrals_nfa": "referrals",
        "referral_to_assessment": "referrals",
        "assessments_45wd": "assessments",
        "assessment_median_wd": "assessments",
        "assessments_open_over_45wd": "assessments",
        "cp_children_at_end": "cp_plans",
        "cp_visits_10wd": "cp_plans",
        "cp_reviews_timely": "cp_plans",
        "eh_reach": "early_help",
        "eh_repeat_12m": "early_help",
    }
    for grain, start, end in periods:
        expected = oracle(rows, start, end)
        for kpi_id, (num, den) in expected.items():
            if not rows[kinds[kpi_id]]:
                continue  # no rows of the source: a blank row (tested elsewhere)
            got_num, got_den = got[(kpi_id, grain, end)]
            if kpi_id == "eh_reach":
                got_den = None  # a rate: the denominator is the population
            assert (got_num, got_den) == (num, den), (kpi_id, grain, str(end))
