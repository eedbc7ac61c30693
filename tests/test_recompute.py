"""Recompute and ``scorecard kpis`` on a tiny store whose every number is worked out by hand."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from loaders.pipeline import LoadOptions, load_bytes
from metrics.recompute import add_assessment, recompute
from metrics.registry import load_registry
from metrics.targets import load_targets
from scorecard.cli import main
from store.schema import kpi_results, kpi_runs, kpi_spc, la_windows
from tests.conftest import TEST_KEY
from tests.test_loader_rules import csv_bytes

OPTS = LoadOptions(key=TEST_KEY, default_la="394")

# Assessments completed: two in January 2024 (one long, one of 1 working day), one in February.
ASSESSMENTS = csv_bytes(
    "assessment_id,child_id,start_date,authorisation_date",
    "A1,P1,2023-09-01,2024-01-10",
    "A2,P2,2024-01-02,2024-01-03",
    "A3,P3,2024-02-01,2024-02-29",
)
# The long one, counted independently of the project's calendar: weekdays in
# [2023-09-01, 2024-01-10) less the bank holidays 25 and 26 December 2023 and 1 January 2024.
A1_WORKING_DAYS = int(
    np.busday_count("2023-09-01", "2024-01-10", holidays=["2023-12-25", "2023-12-26", "2024-01-01"])
)
CP_PLANS = csv_bytes("plan_id,child_id,start_date,initial_category", "CP1,P1,2023-10-02,NEG")
POPULATION = csv_bytes("la_code,year,population_0_17", "394,2023,10000", "394,2024,12000")


def load(engine: Engine, *files: tuple[str, bytes]) -> None:
    for name, content in files:
        assert load_bytes(engine, name, content, OPTS).status == "loaded"


@pytest.fixture
def tiny(engine: Engine) -> Engine:
    load(engine, ("assessments.csv", ASSESSMENTS), ("cp_plans.csv", CP_PLANS), ("population.csv", POPULATION))
    recompute(engine)
    return engine


def result(
    engine: Engine, kpi: str, period_end: str, grain: str = "month", group: str = "all"
) -> dict[str, object]:
    r = kpi_results.c
    with engine.connect() as conn:
        row = conn.execute(
            select(kpi_results).where(
                r.kpi_id == kpi,
                r.grain == grain,
                r.period_end == np.datetime64(period_end).astype(object),
                r.group_name == group,
            )
        ).one()
    return dict(row._mapping)


def test_a1_is_longer_than_45_working_days() -> None:
    assert A1_WORKING_DAYS > 45  # the fixture relies on it


def test_results_carry_target_status_and_direction(tiny: Engine) -> None:
    jan = result(tiny, "assessments_45wd", "2024-01-31")
    feb = result(tiny, "assessments_45wd", "2024-02-29")
    dec = result(tiny, "assessments_45wd", "2023-12-31")
    # January: A2 within 45 working days, A1 not: 1 of 2 = 50 %; the shipped target is 85 %
    # with a tolerance of 5 points, so 50 % is red. December had no completions: no value.
    assert (jan["numerator"], jan["denominator"], jan["value"], jan["target"]) == (1, 2, 50, 85)
    assert jan["status"] == "red" and jan["direction"] is None
    assert (dec["numerator"], dec["denominator"], dec["value"], dec["status"]) == (0, 0, None, "none")
    assert dec["note"]
    # February: A3 within (20 working days): 100 %, green, and better than January.
    assert (feb["value"], feb["status"], feb["direction"]) == (100, "green", "improving")


def test_medians_counts_and_rates_are_encoded_as_kpis_md_says(tiny: Engine) -> None:
    median = result(tiny, "assessment_median_wd", "2024-01-31")
    # Median of an even count: the mean of the two middle values (1 and A1's duration).
    assert (median["numerator"], median["denominator"], median["value"]) == (
        (1 + A1_WORKING_DAYS) / 2,
        2,
        (1 + A1_WORKING_DAYS) / 2,
    )
    count = result(tiny, "assessments_completed", "2024-01-31")
    assert (count["numerator"], count["denominator"], count["value"]) == (2, None, 2)
    rate = result(tiny, "cp_rate_at_end", "2024-01-31")
    # One child on a plan at 31 January 2024; the population is the 2023 estimate (30 June
    # 2023 is the latest mid-year on or before the period end): 1 × 10,000 / 10,000.
    assert (rate["numerator"], rate["denominator"], rate["value"]) == (1, 10000, 1)


def test_a_recompute_replaces_the_results_whole_and_records_a_run(tiny: Engine) -> None:
    with tiny.connect() as conn:
        before = conn.execute(select(func.count()).select_from(kpi_results)).scalar_one()
    recompute(tiny)
    with tiny.connect() as conn:
        after = conn.execute(select(func.count()).select_from(kpi_results)).scalar_one()
        runs = conn.execute(select(kpi_runs.c.latest_load_id, kpi_runs.c.results)).all()
    assert after == before > 0
    assert [tuple(r) for r in runs] == [(3, before), (3, before)]


def test_monthly_spc_is_stored_inside_the_las_reporting_window(engine: Engine) -> None:
    # Contacts: ten a month from April 2023 to April 2024 (13 months), then 30 in May 2024.
    rows = []
    months = [f"2023-{m:02d}" for m in range(4, 13)] + [f"2024-{m:02d}" for m in range(1, 5)]
    for month in months:
        rows += [f"{month}-{d:02d},6,nfa" for d in range(1, 11)]
    rows += [f"2024-05-{d:02d},6,nfa" for d in range(1, 31)]
    lines = [f"C{i},P{i},{r}" for i, r in enumerate(rows)]
    plans = csv_bytes("plan_id,child_id,start_date,initial_category", "CP1,P1,2021-01-04,NEG")
    load(
        engine,
        ("contacts.csv", csv_bytes("contact_id,child_id,contact_date,contact_source,outcome", *lines)),
        ("cp_plans.csv", plans),
    )
    recompute(engine)
    with engine.connect() as conn:
        window = conn.execute(select(la_windows)).one()
        spc = conn.execute(
            select(kpi_spc).where(kpi_spc.c.kpi_id == "contacts", kpi_spc.c.breakdown == "all")
        ).one()
    # The plan started in 2021 pushes the periods back, but the window starts at the first contact.
    assert (str(window.window_start), str(window.basis)) == ("2023-04-01", "first contact")
    # 14 monthly points: mean (13 × 10 + 30) / 14; moving ranges twelve 0s and one 20, so the
    # average moving range is 20/13 and the upper limit mean + 2.66 × 20/13 ≈ 15.5: May is above it.
    assert spc.points == 14
    assert spc.mean == pytest.approx((13 * 10 + 30) / 14)
    assert spc.upper_limit == pytest.approx((13 * 10 + 30) / 14 + 2.66 * 20 / 13)
    assert spc.variation == "neutral_high"  # contacts have no good direction
    before_window = result(engine, "contacts", "2022-06-30")
    assert (before_window["value"], before_window["spc"]) == (0, None)  # kept, but not charted
    assert result(engine, "contacts", "2024-05-31")["spc"] == "neutral"


def run_kpis(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["kpis", *args])
    return status, capsys.readouterr().out


def test_kpis_csv_columns_and_encoding(
    tiny: Engine, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = run_kpis(capsys, "--db", store_url, "--from", "2024-01", "--to", "2024-01")
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0
    assert rows[0][:10] == [
        "kpi_id",
        "la_code",
        "grain",
        "period_start",
        "period_end",
        "breakdown",
        "group",
        "numerator",
        "denominator",
        "value",
    ]
    by_id = {r[0]: r for r in rows[1:] if r[5] == "all"}
    assert by_id["assessments_completed"][:10] == [
        "assessments_completed",
        "394",
        "month",
        "2024-01-01",
        "2024-01-31",
        "all",
        "all",
        "2",
        "",
        "2",
    ]
    assert by_id["assessments_45wd"][7:10] == ["1", "2", "50"]
    assert by_id["cp_rate_at_end"][7:10] == ["1", "10000", "1"]
    assert {r[4] for r in rows[1:]} == {"2024-01-31"}  # only periods ending in the month range
    assert "dq_completeness" in {r[0] for r in rows[1:]}  # data quality comes with --by all


def test_kpis_periods_whose_end_month_is_in_range_and_json(
    tiny: Engine, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = run_kpis(
        capsys,
        "--db",
        store_url,
        "--grain",
        "quarter",
        "--from",
        "2023-12",
        "--to",
        "2024-03",
        "--format",
        "json",
    )
    got = json.loads(out)
    assert status == 0
    # Quarters ending December 2023 and March 2024 (the second beyond the data: still reported).
    assert sorted({(r["period_start"], r["period_end"]) for r in got}) == [
        ("2023-10-01", "2023-12-31"),
        ("2024-01-01", "2024-03-31"),
    ]
    completed = {r["period_end"]: r for r in got if r["kpi_id"] == "assessments_completed"}
    assert completed["2024-03-31"]["value"] == 3 and completed["2024-03-31"]["denominator"] is None


def test_kpis_recomputes_when_results_are_older_than_the_latest_load(
    tiny: Engine, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    more = csv_bytes("assessment_id,child_id,start_date,authorisation_date", "A4,P4,2024-01-15,2024-01-16")
    load(tiny, ("assessments_more.csv", more))
    main(["kpis", "--db", store_url, "--from", "2024-01", "--to", "2024-01"])
    captured = capsys.readouterr()
    assert "recomputing first" in captured.err
    row = next(
        r for r in csv.reader(io.StringIO(captured.out)) if r[0] == "assessments_completed" and r[5] == "all"
    )
    assert row[9] == "3"


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2024-13"],
        ["--from", "2024-05", "--to", "2024-01"],
        ["--grain", "week"],
        ["--by", "worker"],
    ],
)
def test_kpis_bad_usage_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["kpis", "--db", f"sqlite:///{tmp_path / 'x.db'}", *args]))
    assert exc.value.code == 2


def test_directions_do_not_depend_on_the_rows_coming_in_series_order() -> None:
    """``add_assessment`` keeps the rows in their order when each series already lies in
    one run with its periods in order (as ``compute_indicators`` makes them), and sorts
    them otherwise: the directions of travel must be the same either way."""
    registry = load_registry()
    months = ["2024-01-31", "2024-02-29", "2024-03-31"]
    values = {"all": [50.0, 60.0, 55.0], "T1": [80.0, 70.0, 90.0]}
    rows = [
        (
            "394",
            "assessments_45wd",
            "month",
            np.datetime64(month),
            "team" if group != "all" else "all",
            group,
            v,
        )
        for group, series in values.items()
        for month, v in zip(months, series, strict=True)
    ]
    columns = ["la_code", "kpi_id", "grain", "period_end", "breakdown", "group_name", "value"]
    in_order = pd.DataFrame(rows, columns=columns)
    # A higher share within 45 working days is better: up is improving.
    expected = {
        ("all", "2024-01-31"): None,
        ("all", "2024-02-29"): "improving",
        ("all", "2024-03-31"): "worsening",
        ("T1", "2024-01-31"): None,
        ("T1", "2024-02-29"): "worsening",
        ("T1", "2024-03-31"): "improving",
    }
    for frame in (in_order, in_order.iloc[[3, 0, 5, 1, 4, 2]], in_order.iloc[[2, 1, 0, 3, 4, 5]]):
        out = add_assessment(frame, registry, load_targets(None, registry))
        found = {
            (g, str(p)[:10]): (None if pd.isna(d) else d)
            for g, p, d in zip(out["group_name"], out["period_end"], out["direction"], strict=True)
        }
        assert found == expected
