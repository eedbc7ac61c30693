"""The read-only queries the dashboard makes on stored results and load records."""

from __future__ import annotations

from datetime import date

import pandas as pd

from metrics import results
from metrics.registry import load_registry
from store.engine import open_store
from tests import dash_fixtures
from tests.dash_fixtures import MAIN_LA, SECOND_LA, build_store, fake_results_store

dash_store_url = dash_fixtures.dash_store_url  # the shared fixture, used by name below

END = date(2025, 3, 31)


def test_empty_store_gives_empty_answers() -> None:
    engine = open_store("sqlite:///:memory:")
    assert results.la_codes(engine) == []
    assert results.latest_run(engine) is None
    assert results.periods(engine, "394", "month") == []
    assert results.period_results(engine, "394", "month", END).empty
    assert results.load_history(engine).empty
    assert results.rejected_count(engine) == 0


def test_las_periods_and_groups(dash_store_url: str) -> None:
    engine = open_store(dash_store_url)
    assert results.la_codes(engine) == sorted([MAIN_LA, SECOND_LA])
    quarters = results.periods(engine, MAIN_LA, "quarter")
    assert quarters[0].end == END and quarters[0].label == "Q4 2024-25"
    assert [p.end for p in quarters] == sorted((p.end for p in quarters), reverse=True)
    assert "Not recorded" in results.groups(engine, MAIN_LA, "locality", "month", END)
    run = results.latest_run(engine)
    assert run is not None and run.run_id == 1


def test_period_results_join_the_spc_summary(dash_store_url: str) -> None:
    engine = open_store(dash_store_url)
    frame = results.period_results(engine, MAIN_LA, "month", END)
    assert frame["kpi_id"].is_unique
    assert {
        "value",
        "numerator",
        "note",
        "status",
        "direction",
        "variation",
        "assurance",
        "upper_limit",
    } <= set(frame.columns)
    row = frame.set_index("kpi_id").loc["assessments_45wd"]
    assert row["lower_limit"] < row["mean"] < row["upper_limit"]
    assert frame["value"].dtype == "float64"
    only = results.period_results(engine, MAIN_LA, "month", END, "team", "Assessment 1", ["assessments_45wd"])
    assert list(only["kpi_id"]) == ["assessments_45wd"]


def test_missing_values_keep_their_note(dash_store_url: str) -> None:
    engine = open_store(dash_store_url)
    frame = results.period_results(engine, SECOND_LA, "month", END, kpi_ids=["eh_started"])
    row = frame.iloc[0]
    assert pd.isna(row["value"]) and row["note"].startswith("n/a")


def test_series_monthly_values_and_breakdowns(dash_store_url: str) -> None:
    engine = open_store(dash_store_url)
    series = results.series(engine, MAIN_LA, "referrals", "month")
    assert len(series) == 36 and list(series["period_end"]) == sorted(series["period_end"])
    months = results.monthly_values(
        engine, MAIN_LA, "all", "all", date(2024, 4, 1), END, ["referrals", "contacts"]
    )
    assert set(months["kpi_id"]) == {"referrals", "contacts"} and len(months) == 24
    agencies = results.breakdown_results(engine, MAIN_LA, "year", END, "agency", ["contacts"])
    assert "Police" in set(agencies["group_name"])
    spc = results.spc_summary(engine, MAIN_LA, "referrals")
    assert spc is not None and spc["points"] == 36


def test_load_records_rejects_and_partners(dash_store_url: str) -> None:
    engine = open_store(dash_store_url)
    history = results.load_history(engine, limit=3)
    assert list(history["load_id"]) == sorted(history["load_id"], reverse=True)
    rejects = results.rejected_rows(engine, load_id=1)
    assert (rejects["load_id"] == 1).all()
    assert rejects["value"].iloc[0] == '=HYPERLINK("x")'  # stored as text, escaped only on export
    assert results.rejected_count(engine, load_id=1) == len(rejects)
    whole = results.rejected_rows(engine, load_id=int(history["load_id"].iloc[0]))
    assert whole["row_number"].isna().all()
    partners = results.load_counts_by_partner(engine, MAIN_LA)
    assert {"MASH", "Early help service"} <= set(partners["partner"])
    reasons = results.reject_reasons(engine)
    assert reasons["rows"].sum() == results.rejected_count(engine)


def test_build_store_is_repeatable(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = build_store(url)
    assert results.la_codes(engine) == sorted([MAIN_LA, SECOND_LA])


def test_queries_on_both_backends(store_url: str) -> None:
    """The same answers from SQLite and PostgreSQL (the loose index scans included)."""
    engine = fake_results_store(store_url, las=["394", "390"], first_month=date(2024, 4, 1))
    try:
        assert results.la_codes(engine) == ["390", "394"]
        assert [p.end for p in results.periods(engine, "394", "year")] == [END]
        # the fake store has one "all" row per indicator declared with that breakdown
        declared = [i for i in load_registry() if "all" in i.breakdowns]
        assert len(results.period_results(engine, "394", "month", END)) == len(declared)
        assert "Assessment 1" in results.groups(engine, "394", "team", "month", END)
        assert results.rejected_count(engine, load_id=1) >= 1
        assert not results.load_counts_by_partner(engine).empty
        assert results.latest_run(engine) is not None
    finally:
        engine.dispose()
