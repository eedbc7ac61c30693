"""Section 47 and initial conference indicators, hand-computed from kpis.md.

May 2024: 6 and 27 May are bank holidays. Working days from Wed 1 May:
1-3 (3), 7-10 (4), 13-17 (5), 20-21 (2) → 14 to Wed 22 May, 15 to Thu 23, 16 to Fri 24.
From Mon 20 May to Mon 10 June: 20-24 (5), 28-31 (4), 3-7 June (5) → 14.
"""

from __future__ import annotations

from metrics.snapshot_builder import build_snapshot, compute, nums, result

S47 = build_snapshot(
    s47=[
        {"strategy_date": "2024-05-01", "icpc_date": "2024-05-22", "icpc_outcome_plan": True, "team": "A"},
        {"strategy_date": "2024-05-01", "icpc_date": "2024-05-23", "icpc_outcome_plan": False, "team": "A"},
        {"strategy_date": "2024-05-01", "icpc_date": "2024-05-24", "icpc_outcome_plan": None, "team": "B"},
        {"strategy_date": "2024-05-20", "icpc_date": "2024-06-10", "icpc_outcome_plan": True},
        {"strategy_date": "2024-05-02", "icpc_not_required": True},
        # Started on the last working day of June, no conference yet.
        {"strategy_date": "2024-06-28"},
    ]
)


def test_s47_started_and_led_to_icpc() -> None:
    out = compute(S47, "s47_started", "s47_to_icpc")
    assert result(out, "s47_started", "2024-05-31")["value"] == 5
    # Started in May: 5; with an ICPC (whenever): 4 → 80 %.
    assert nums(result(out, "s47_to_icpc", "2024-05-31")) == (4, 5, 80.0)
    # June: one started, no ICPC yet → 0 of 1.
    assert nums(result(out, "s47_to_icpc", "2024-06-30")) == (0, 1, 0.0)


def test_icpc_within_15_working_days_exactly_15_and_16() -> None:
    out = compute(S47, "icpc_15wd")
    # ICPCs in May: 14 (yes), 15 (yes, exactly), 16 (no) → 2 of 3.
    assert nums(result(out, "icpc_15wd", "2024-05-31")) == (2, 3, 200 / 3)
    # June: the 10 June conference (14 working days, across the 27 May holiday) → 1 of 1.
    assert nums(result(out, "icpc_15wd", "2024-06-30")) == (1, 1, 100.0)
    # Team B: only the 16-day one.
    assert nums(result(out, "icpc_15wd", "2024-05-31", breakdown="team", group="B")) == (0, 1, 0.0)


def test_icpc_to_plan_over_conferences_with_an_outcome() -> None:
    out = compute(S47, "icpc_to_plan")
    # May: outcomes True, False, blank → recorded 2, plan 1 → 50 %.
    assert nums(result(out, "icpc_to_plan", "2024-05-31")) == (1, 2, 50.0)
    # Quarter Apr-Jun: add June's True → 2 of 3.
    assert nums(result(out, "icpc_to_plan", "2024-06-30", grain="quarter")) == (2, 3, 200 / 3)


def test_s47_rate_per_10000() -> None:
    snap = build_snapshot(
        s47=[{"strategy_date": "2024-07-01"}, {"strategy_date": "2024-07-31"}],
        population=[{"year": 2024, "population_0_17": 25_000}],
    )
    out = compute(snap, "s47_rate")
    # July 2024 ends after 30 June 2024: the 2024 estimate. 2 × 10,000 / 25,000 = 0.8.
    assert nums(result(out, "s47_rate", "2024-07-31")) == (2, 25_000, 0.8)
