"""The workforce and partner-measure indicators against a row-by-row reading of kpis.md
(hypothesis).

Random small extracts; each indicator recomputed here with Python loops over
``datetime.date`` for every period ``compute_indicators`` reports (breakdown ``all``)
and compared with it. Two vacancies snapshots fix the period axis (workforce start
dates do not stretch it).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.snapshot_builder import build_snapshot, compute

FIRST = date(2023, 1, 1)
AXIS = [
    {"month": "2023-01-01", "team": "A", "vacant_fte": 0},
    {"month": "2024-12-01", "team": "A", "vacant_fte": 0},
]
WORKERS = ["w1", "w2", "w3", "w4"]


def _day(n: int) -> str:
    return (date(2022, 6, 1) + timedelta(days=n)).isoformat()


spell = st.fixed_dictionaries(
    {
        "worker_id": st.sampled_from(WORKERS),
        "role": st.sampled_from(["sw", "senior_sw", "other"]),
        "agency": st.booleans(),
        "fte": st.sampled_from([0.5, 0.8, 1.0]),
        "start": st.integers(0, 900),
        "length": st.one_of(st.none(), st.integers(0, 500)),
        "leaving": st.sampled_from([True, False, None]),
    }
)
caseload = st.fixed_dictionaries(
    {"month": st.integers(0, 23), "worker_id": st.sampled_from(WORKERS), "cases": st.integers(0, 20)}
)


def _spells(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(raw):
        end = None if r["length"] is None else _day(r["start"] + r["length"])
        out.append(
            {
                "spell_id": f"s{i}",
                "worker_id": r["worker_id"],
                "role": r["role"],
                "agency": r["agency"],
                "fte": r["fte"],
                "start_date": _day(r["start"]),
                "end_date": end,
                "leaving": r["leaving"] if end else None,
                "team": "A",
            }
        )
    return out


def _month_start(n: int) -> date:
    return date(FIRST.year + (FIRST.month - 1 + n) // 12, (FIRST.month - 1 + n) % 12 + 1, 1)


def _in_post(s: dict[str, Any], d: date) -> bool:
    start = date.fromisoformat(s["start_date"])
    end = None if s["end_date"] is None else date.fromisoformat(s["end_date"])
    return s["role"] != "other" and start <= d and (end is None or end >= d)


def _twelve_months_first(e: date) -> date:
    year = e.year - 1
    return date(year, e.month, min(e.day, calendar.monthrange(year, e.month)[1])) + timedelta(days=1)


def oracle(
    spells: list[dict[str, Any]], cases: list[dict[str, Any]], e: date
) -> dict[str, tuple[float, Any]]:
    posted = [s for s in spells if _in_post(s, e)]
    direct = sum(s["fte"] for s in posted if not s["agency"])
    agency = sum(s["fte"] for s in posted if s["agency"])
    first = _twelve_months_first(e)
    left = sum(
        s["fte"]
        for s in spells
        if s["role"] != "other"
        and not s["agency"]
        and s["leaving"] is True
        and s["end_date"] is not None
        and first <= date.fromisoformat(s["end_date"]) <= e
    )
    month = e.replace(day=1)
    holding = {c["worker_id"]: c["cases"] for c in cases if c["month"] == month and c["cases"] >= 1}
    holders = [s for s in posted if s["worker_id"] in holding]
    held = sum(holding[w] for w in {s["worker_id"] for s in holders})
    return {
        "sw_in_post_fte": (direct, None),
        "sw_agency_rate": (agency, agency + direct),
        "sw_turnover_12m": (left, direct),
        "sw_caseload": (held, sum(s["fte"] for s in holders)),
    }


@given(st.lists(spell, min_size=1, max_size=12), st.lists(caseload, max_size=20))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_workforce_matches_the_row_by_row_reading(
    raw: list[dict[str, Any]], raw_cases: list[dict[str, Any]]
) -> None:
    spells = _spells(raw)
    # One snapshot row per (month, worker): the last drawn wins, as a later load would.
    by_key = {(c["month"], c["worker_id"]): c for c in raw_cases}
    cases = [{**c, "month": _month_start(c["month"])} for c in by_key.values()]
    rows = [{**c, "month": c["month"].isoformat()} for c in cases]
    ids = ("sw_in_post_fte", "sw_agency_rate", "sw_turnover_12m", "sw_caseload")
    snap = build_snapshot(
        workforce=spells, vacancies=AXIS, caseloads=rows or [{"month": "2023-01-01", "cases": 0}]
    )
    out = compute(snap, *ids)
    out = out[out["breakdown"] == "all"]
    assert len(out) > 0
    for kpi_id, grain, end, n, d in zip(
        out["kpi_id"], out["grain"], out["period_end"], out["numerator"], out["denominator"], strict=True
    ):
        num, den = oracle(spells, cases, end.date())[kpi_id]
        where = (kpi_id, grain, end.date())
        assert n == pytest.approx(num, abs=1e-9), where
        assert (None if pd.isna(d) else d) == (None if den is None else pytest.approx(den, abs=1e-9)), where


figure = st.fixed_dictionaries(
    {"month": st.integers(0, 23), "numerator": st.integers(0, 10), "extra": st.integers(1, 10)}
)


@given(st.lists(figure, min_size=1, max_size=24))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_monthly_percent_measure_rolls_up_like_the_row_by_row_reading(raw: list[dict[str, Any]]) -> None:
    measure = "strategy_police_attendance"  # the shipped example: percent, monthly
    by_month = {f["month"]: f for f in raw}
    figures = {_month_start(m): (f["numerator"], f["numerator"] + f["extra"]) for m, f in by_month.items()}
    rows = [
        {
            "measure_id": measure,
            "period_start": s.isoformat(),
            "period_end": s.isoformat(),
            "numerator": n,
            "denominator": d,
        }
        for s, (n, d) in figures.items()
    ]
    out = compute(build_snapshot(partner_measures=rows), f"pm_{measure}")
    assert len(out) > 0
    for start, end, n, d in zip(
        out["period_start"], out["period_end"], out["numerator"], out["denominator"], strict=True
    ):
        months = []
        m = start.date()
        while m <= end.date():
            months.append(m)
            m = (m + timedelta(days=32)).replace(day=1)
        if all(m in figures for m in months):
            assert (n, d) == (sum(figures[m][0] for m in months), sum(figures[m][1] for m in months))
        else:
            assert pd.isna(n) and pd.isna(d)
