"""Partners' measures ``pm_<id>``, hand-computed from kpis.md ("Partner measures").

Monthly figures roll up by summing numerators and denominators (percent, rate) or
values (count); days do not roll up; a quarterly measure has values only at periods
ending on a quarter end; a rolled-up period with a month (quarter) missing has none.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.compute import compute_indicators
from metrics.registry import load_registry
from metrics.snapshot_builder import build_snapshot, combine, compute, nums, result
from store.measures import parse_measures

MEASURES = parse_measures(
    """
measures:
  - {id: visits, title: Visits, owner: health, definition: d, unit: count, polarity: up, grain: month}
  - {id: wait, title: Wait, owner: police, definition: d, unit: days, polarity: down, grain: month}
  - {id: wait_q, title: Wait q, owner: police, definition: d, unit: days, polarity: down, grain: quarter}
  - {id: rate, title: Rate, owner: school, definition: d, unit: rate_per_10k, polarity: none, grain: month}
""",
    "test.yaml",
)


def _month(measure: str, start: str, end: str, **figures: float) -> dict[str, Any]:
    return {"measure_id": measure, "period_start": start, "period_end": end, **figures}


POLICE = "strategy_police_attendance"  # shipped example: percent, monthly
SCHOOLS = "icpc_school_attendance"  # shipped example: percent, quarterly
FIGURES = [
    # April-June 2024 complete; July and September, no August.
    _month(POLICE, "2024-04-01", "2024-04-30", numerator=9, denominator=10),
    _month(POLICE, "2024-05-01", "2024-05-31", numerator=18, denominator=20),
    _month(POLICE, "2024-06-01", "2024-06-30", numerator=3, denominator=10),
    _month(POLICE, "2024-07-01", "2024-07-31", numerator=5, denominator=5),
    _month(POLICE, "2024-09-01", "2024-09-30", numerator=1, denominator=4),
    # Schools' quarters: July 2024 to June 2025.
    _month(SCHOOLS, "2024-07-01", "2024-09-30", numerator=10, denominator=20),
    _month(SCHOOLS, "2024-10-01", "2024-12-31", numerator=15, denominator=20),
    _month(SCHOOLS, "2025-01-01", "2025-03-31", numerator=20, denominator=20),
    _month(SCHOOLS, "2025-04-01", "2025-06-30", numerator=5, denominator=20),
]
# The axis runs to the latest main date (period_start): a June 2025 figure takes it to June.
LAST = [_month("icpc_health_reports", "2025-06-01", "2025-06-30", numerator=1, denominator=1)]
OUT = compute(build_snapshot(partner_measures=FIGURES + LAST), f"pm_{POLICE}", f"pm_{SCHOOLS}")


def test_monthly_figures_roll_up_to_the_quarter_by_summing_numerators_and_denominators() -> None:
    assert nums(result(OUT, f"pm_{POLICE}", "2024-05-31")) == (18.0, 20.0, 90.0)
    # Apr-Jun 2024: (9 + 18 + 3) / (10 + 20 + 10) = 30 / 40, not the mean of 90, 90, 30.
    assert nums(result(OUT, f"pm_{POLICE}", "2024-06-30", grain="quarter")) == (30.0, 40.0, 75.0)


def test_a_quarter_with_a_missing_month_has_no_value() -> None:
    row = result(OUT, f"pm_{POLICE}", "2024-09-30", grain="quarter")
    assert nums(row) == (None, None, None)
    assert row["note"] == "not every month of the period has a figure (2 of 3)"
    august = result(OUT, f"pm_{POLICE}", "2024-08-31")
    assert nums(august) == (None, None, None)
    assert august["note"] == "not every month of the period has a figure (0 of 1)"
    # The rolling 12 months to June 2024 start in July 2023, before any figure.
    assert nums(result(OUT, f"pm_{POLICE}", "2024-06-30", grain="r12")) == (None, None, None)


def test_a_quarterly_measure_has_values_only_at_periods_ending_on_a_quarter_end() -> None:
    m = f"pm_{SCHOOLS}"
    assert nums(result(OUT, m, "2024-12-31", grain="quarter")) == (15.0, 20.0, 75.0)
    # Rolling 12 months to 30 June 2025: the four quarters, (10+15+20+5) / 80.
    assert nums(result(OUT, m, "2025-06-30", grain="r12")) == (50.0, 80.0, 62.5)
    # Financial year 2024-25 lacks April-June 2024: no value.
    assert nums(result(OUT, m, "2025-03-31", grain="year")) == (None, None, None)
    # Rolling 12 months to 31 May 2025 do not end on a quarter end; nor does a month.
    for period_end, grain in (("2025-05-31", "r12"), ("2024-09-30", "month")):
        row = result(OUT, m, period_end, grain=grain)
        assert nums(row) == (None, None, None)
        assert row["note"].startswith("a quarterly measure has values only for")


def _custom(figures: list[dict[str, Any]], *ids: str) -> pd.DataFrame:
    return compute_indicators(build_snapshot(partner_measures=figures), load_registry(MEASURES), kpi_ids=ids)


def test_counts_sum_their_values_and_days_do_not_roll_up() -> None:
    figures = [
        _month("visits", f"2024-0{m}-01", f"2024-0{m}-28", value=v) for m, v in ((1, 4), (2, 7), (3, 10))
    ] + [_month("wait", f"2024-0{m}-01", f"2024-0{m}-28", value=v) for m, v in ((1, 3.5), (2, 4.0), (3, 9.0))]
    out = _custom(figures, "pm_visits", "pm_wait")
    assert nums(result(out, "pm_visits", "2024-03-31", grain="quarter")) == (21.0, None, 21.0)
    assert nums(result(out, "pm_wait", "2024-02-29")) == (4.0, None, 4.0)
    quarter = result(out, "pm_wait", "2024-03-31", grain="quarter")
    assert nums(quarter) == (None, None, None)
    assert quarter["note"].startswith("a days measure does not add up over a quarter")


def test_a_quarterly_days_measure_has_its_value_at_the_quarter_only() -> None:
    figures = [_month("wait_q", "2024-01-01", "2024-03-31", value=12.5)]
    figures += [_month("visits", "2024-12-01", "2024-12-31", value=1)]  # stretches the axis
    out = _custom(figures, "pm_wait_q")
    assert nums(result(out, "pm_wait_q", "2024-03-31", grain="quarter")) == (12.5, None, 12.5)
    assert nums(result(out, "pm_wait_q", "2024-03-31", grain="month")) == (None, None, None)
    year = result(out, "pm_wait_q", "2024-12-31", grain="r12")
    assert nums(year) == (None, None, None)


def test_a_rate_per_10k_divides_by_the_partners_own_denominator() -> None:
    figures = [_month("rate", "2024-01-01", "2024-01-31", numerator=3, denominator=20000)]
    figures += [_month("rate", "2024-02-01", "2024-02-29", numerator=5, denominator=20000)]
    out = _custom(figures, "pm_rate")
    # No population loaded: the partner's denominator is used, 3 × 10,000 / 20,000.
    assert nums(result(out, "pm_rate", "2024-01-31")) == (3.0, 20000.0, 1.5)


def test_an_la_without_partner_figures_has_a_blank_row() -> None:
    other = build_snapshot(la_code="E09000002", referrals=[{"referral_date": "2024-05-02"}])
    out = compute(combine(build_snapshot(partner_measures=FIGURES), other), f"pm_{POLICE}")
    row = result(out, f"pm_{POLICE}", "2024-05-31", la_code="E09000002")
    assert nums(row) == (None, None, None)
    assert row["note"] == "no partner measures loaded for this LA"
    assert set(out["breakdown"]) == {"all"}


def test_the_registry_declares_every_measure_of_the_file_given() -> None:
    reg = load_registry(MEASURES)
    assert [i.id for i in reg.tagged("partner_measures")] == ["pm_visits", "pm_wait", "pm_wait_q", "pm_rate"]
    assert [(reg[k].type, reg[k].owner) for k in ("pm_visits", "pm_wait", "pm_rate")] == [
        ("count", "health"),
        ("number", "police"),
        ("rate", "school"),
    ]
    assert "pm_visits" not in load_registry()  # the shipped example has its own five
    assert len(load_registry().tagged("partner_measures")) == 5
