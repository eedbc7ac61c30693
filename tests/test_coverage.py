"""Coverage: what each LA's data window lets the scorecard show as performance.

Every expected value here is worked out by hand from the window and the period.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from loaders.pipeline import LoadOptions, load_bytes
from metrics.coverage import coverage_label, indicator_windows, kind_starts, period_coverage
from metrics.periods import period_for
from metrics.recompute import recompute
from scorecard.cli import main
from scorecard.components.coverage import coverage_text
from scorecard.state import offered_periods
from store.schema import kpi_results, kpi_spc
from tests.conftest import TEST_KEY
from tests.test_loader_rules import csv_bytes

OPTS = LoadOptions(key=TEST_KEY, default_la="394")
WINDOW = pd.DataFrame(
    {
        "la_code": ["394"],
        "window_start": pd.to_datetime(["2023-04-03"]),
        "window_end": pd.to_datetime(["2026-03-30"]),
    }
)


def _rows(kpi: str, grain: str, *end_months: str) -> pd.DataFrame:
    periods = [period_for(grain, date.fromisoformat(m + "-01")) for m in end_months]  # type: ignore[arg-type]
    return pd.DataFrame(
        {
            "la_code": "394",
            "kpi_id": kpi,
            "period_start": pd.to_datetime([p.start for p in periods]),
            "period_end": pd.to_datetime([p.end for p in periods]),
        }
    )


def test_months_before_and_after_the_window_have_no_coverage() -> None:
    out = period_coverage(_rows("contacts", "month", "2023-03", "2023-04", "2026-03", "2026-04"), WINDOW)
    # The window starts on 3 April 2023 (April counts) and ends on 30 March 2026 (March counts).
    assert out["coverage"].tolist() == ["none", "full", "full", "none"]
    assert out["months_covered"].tolist() == [0, 1, 1, 0]


def test_periods_partly_inside_the_window_are_partial_with_their_months() -> None:
    # Q4 2022-23 (Jan-Mar 2023): none; 12 months to Oct 2023 (Nov 2022-Oct 2023): Apr-Oct = 7.
    # Financial year 2023-24: all 12 months inside.
    quarter = period_coverage(_rows("contacts", "quarter", "2023-03", "2023-06"), WINDOW)
    r12 = period_coverage(_rows("contacts", "r12", "2023-10", "2024-03"), WINDOW)
    year = period_coverage(_rows("contacts", "year", "2024-03"), WINDOW)
    assert quarter["coverage"].tolist() == ["none", "full"]
    assert r12["coverage"].tolist() == ["partial", "full"] and r12["months_covered"].tolist() == [7, 12]
    assert year["coverage"].tolist() == ["full"]
    assert coverage_label("partial", 7, 12) == "partial: 7 of 12 months"


def test_look_back_indicators_wait_for_the_look_back_to_be_covered() -> None:
    # Re-referrals look back 12 months from the period's first month: April 2024 is the first
    # month with a full year (April 2023 - March 2024) of data before it.
    rerefs = period_coverage(_rows("rereferrals_12m", "month", "2023-04", "2024-03", "2024-04"), WINDOW)
    assert rerefs["coverage"].tolist() == ["lookback_incomplete", "lookback_incomplete", "full"]
    # The financial year 2023-24 starts on the window's first month: the look-back is missing.
    year = period_coverage(_rows("rereferrals_12m", "year", "2024-03", "2025-03"), WINDOW)
    assert year["coverage"].tolist() == ["lookback_incomplete", "full"]
    # Plans lasting 2 years look back 24 months.
    plans = period_coverage(_rows("cp_ended_2y_plus", "month", "2025-03", "2025-04"), WINDOW)
    assert plans["coverage"].tolist() == ["lookback_incomplete", "full"]


def test_none_beats_partial_beats_look_back() -> None:
    # 12 months to Jun 2023 is partial (Apr-Jun: 3 of 12) and its look-back is missing too.
    out = period_coverage(_rows("rereferrals_12m", "r12", "2023-06", "2023-03"), WINDOW)
    assert out["coverage"].tolist() == ["partial", "none"]


def test_an_la_without_a_window_has_no_coverage() -> None:
    rows = _rows("contacts", "month", "2024-04").assign(la_code="999")
    assert period_coverage(rows, WINDOW)["coverage"].tolist() == ["none"]


def test_a_kind_that_starts_later_starts_its_indicators_later() -> None:
    tables = {
        "early_help": pd.DataFrame({"la_code": ["394"], "start_date": pd.to_datetime(["2024-01-15"])}),
        "cp_plans": pd.DataFrame({"la_code": ["394"], "start_date": pd.to_datetime(["2019-06-01"])}),
    }
    starts = kind_starts(tables, {"early_help": "start_date", "cp_plans": "start_date"})
    sources = {"eh_started": "early_help", "cp_plans_started": "cp_plans", "dq_rejected_rows": "loads"}
    windows = indicator_windows(WINDOW, starts, sources).set_index("kpi_id")["window_start"]
    assert windows["eh_started"] == pd.Timestamp("2024-01-15")
    assert windows["cp_plans_started"] == pd.Timestamp("2023-04-03")  # plans already open: the LA's start
    assert windows["dq_rejected_rows"] == pd.Timestamp("2023-04-03")


def test_pickers_offer_periods_with_data_and_default_to_the_latest_complete() -> None:
    from metrics.periods import periods_ending

    window = (date(2023, 4, 3), date(2026, 2, 14))
    r12 = sorted(periods_ending("r12", date(2020, 2, 1), date(2026, 11, 1)), reverse=True)
    offered, default = offered_periods(r12, window, within_window=True)
    # Nothing after February 2026 (the last month of data); partial ones at the start stay.
    assert offered[0].end == date(2026, 2, 28) and offered[-1].end == date(2023, 4, 30)
    assert default is not None and default.end == date(2026, 2, 28)
    years = sorted(periods_ending("year", date(2020, 3, 1), date(2026, 11, 1)), reverse=True)
    offered, default = offered_periods(years, window, within_window=True)
    # 2025-26 runs past February 2026: not offered; 2024-25 is the latest complete year.
    assert [p.end for p in offered] == [date(2025, 3, 31), date(2024, 3, 31)]
    assert default is not None and default.end == date(2025, 3, 31)
    quarters = sorted(periods_ending("quarter", date(2023, 3, 1), date(2023, 12, 1)), reverse=True)
    offered, default = offered_periods(quarters, (date(2023, 5, 10), date(2023, 12, 20)), True)
    # Q1 2023-24 (Apr-Jun) is partial (May, June); Q3 is the latest complete quarter.
    assert [p.end for p in offered] == [date(2023, 12, 31), date(2023, 9, 30), date(2023, 6, 30)]
    assert default is not None and default.end == date(2023, 12, 31)


def test_pages_say_before_the_data_starts_and_partial() -> None:
    window = (date(2023, 4, 3), date(2026, 3, 30))
    assert coverage_text({"coverage": "none", "period_end": date(2022, 1, 31)}, window) == (
        "before the data starts"
    )
    assert (
        coverage_text({"coverage": "none", "period_end": date(2027, 1, 31)}, window) == "after the data ends"
    )
    assert coverage_text({"coverage": "partial", "months_covered": 3, "grain": "year"}, window) == (
        "partial: 3 of 12 months"
    )
    assert (
        coverage_text({"coverage": "lookback_incomplete", "grain": "month"}, window) == "look-back incomplete"
    )
    assert coverage_text({"coverage": "full", "grain": "month"}, window) == ""


# --- On a real store -------------------------------------------------------------------

# Contacts from April 2023; referrals of one child every month from April 2023 to March 2025,
# so every referral from the second on is a re-referral within 12 months.
CONTACTS = csv_bytes(
    "contact_id,child_id,contact_date,contact_source,outcome",
    *(f"K{i},C{i},{2023 + (i + 3) // 12}-{(i + 3) % 12 + 1:02d}-10,6,referral" for i in range(24)),
)
REFERRALS = csv_bytes(
    "referral_id,child_id,referral_date,referral_source,referral_nfa",
    *(f"R{i},C1,{2023 + (i + 3) // 12}-{(i + 3) % 12 + 1:02d}-12,6,false" for i in range(24)),
)
# A plan started before the extracts begin: months before April 2023 must not show 0 of 1.
CP_PLANS = csv_bytes("plan_id,child_id,start_date,initial_category", "CP1,C9,2021-01-04,NEG")


@pytest.fixture
def store(engine: Engine) -> Engine:
    for name, content in (
        ("contacts.csv", CONTACTS),
        ("referrals.csv", REFERRALS),
        ("cp_plans.csv", CP_PLANS),
    ):
        assert load_bytes(engine, name, content, OPTS).status == "loaded"
    recompute(engine)
    return engine


def _stored(engine: Engine, kpi: str, grain: str, period_end: str) -> dict[str, object]:
    r = kpi_results.c
    with engine.connect() as conn:
        row = conn.execute(
            select(kpi_results).where(
                r.kpi_id == kpi,
                r.grain == grain,
                r.period_end == date.fromisoformat(period_end),
                r.breakdown == "all",
            )
        ).one()
    return dict(row._mapping)


def test_recompute_stores_coverage_and_withholds_status_and_spc(store: Engine) -> None:
    before = _stored(store, "cp_visits_10wd", "month", "2022-06-30")
    assert before["coverage"] == "none" and before["status"] == "none" and before["spc"] is None
    # Re-referrals: April 2023 has no year to look back on; April 2024 does.
    first = _stored(store, "rereferrals_12m", "month", "2023-04-30")
    assert first["coverage"] == "lookback_incomplete" and first["status"] == "none"
    assert first["spc"] is None and first["direction"] is None
    later = _stored(store, "rereferrals_12m", "month", "2024-04-30")
    assert later["coverage"] == "full" and later["value"] == 100
    assert later["status"] != "none"  # the shipped target applies
    partial = _stored(store, "contacts", "r12", "2023-10-31")
    assert (partial["coverage"], partial["months_covered"], partial["status"]) == ("partial", 7, "none")
    assert partial["direction"] is None and partial["value"] == 7  # the value itself is kept
    whole = _stored(store, "contacts", "r12", "2024-03-31")
    assert whole["coverage"] == "full" and whole["value"] == 12


def test_spc_series_with_few_each_month_say_so(store: Engine) -> None:
    s = kpi_spc.c
    with store.connect() as conn:
        row = conn.execute(select(kpi_spc).where(s.kpi_id == "rereferrals_12m", s.breakdown == "all")).one()
    # One referral a month: every denominator is 1, under 10.
    assert row.too_few is True and row.variation is None and row.assurance is None
    with store.connect() as conn:
        contacts = conn.execute(select(kpi_spc).where(s.kpi_id == "contacts", s.breakdown == "all")).one()
    assert contacts.too_few is False  # a count has no denominator to be small


def test_kpis_export_adds_coverage_after_the_first_ten(
    store: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(store.url.render_as_string(hide_password=False))
    assert main(["kpis", "--db", url, "--grain", "r12", "--from", "2023-10", "--to", "2023-10"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    head = rows[0]
    assert head[:10] == [
        "kpi_id", "la_code", "grain", "period_start", "period_end",
        "breakdown", "group", "numerator", "denominator", "value",
    ]  # fmt: skip
    assert head[10:] == ["target", "status", "direction", "spc", "note", "coverage"]
    contacts = next(r for r in rows[1:] if r[0] == "contacts" and r[5] == "all")
    assert contacts[9] == "7" and contacts[-1] == "partial"


def test_a_store_with_no_events_has_no_window_and_no_coverage() -> None:
    # Every row of the only file was rejected: there are load counts but no events.
    windows = pd.DataFrame({"la_code": pd.Series([], dtype=object), "window_start": [], "window_end": []})
    out = period_coverage(_rows("dq_rejected_rows", "month", "2024-04"), windows)
    assert out["coverage"].tolist() == ["none"]


def test_recompute_when_every_row_was_rejected(sqlite_engine: Engine) -> None:
    content = csv_bytes(
        "contact_id,child_id,contact_date,contact_source,outcome", "K1,C1,1980-04-01,6,referral"
    )
    assert load_bytes(sqlite_engine, "contacts.csv", content, OPTS).rows_rejected == 1
    assert recompute(sqlite_engine).results > 0  # data quality only; no window, so coverage none
    with sqlite_engine.connect() as conn:
        assert set(conn.execute(select(kpi_results.c.coverage)).scalars()) == {"none"}
