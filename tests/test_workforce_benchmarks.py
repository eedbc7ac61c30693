"""The DfE workforce benchmarks are shown only where the definition is the same: beside a
period ending 30 September (the DfE's census day), on the scorecard, the indicator page,
the Workforce page, the exports and the pack; elsewhere the page says so once.

The rule (metrics/benchmarks.py): an indicator with ``benchmark_measured`` ("at 30
September", "year to 30 September") gets the latest figure published for a 30 September
on or before its period end, and only at a period ending 30 September (a September
month, a July-September quarter, a rolling 12 months to September; never a financial
year). The shipped figures are England 2023: agency 17.8 %, turnover 15.9 %, vacancies
18.9 %, caseload 16.0.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pandas as pd
import pytest
from pydantic import ValidationError

from metrics.benchmarks import (
    Benchmarks,
    england,
    load_benchmarks,
    on_measured_day,
    shown_beside,
    timing_note,
    when_label,
)
from metrics.registry import Registry, load_registry, parse_registry
from scorecard import exports
from scorecard.state import Filters
from tests import dash_fixtures
from tests.dash_fixtures import MAIN_LA, page, text_of

dash_store_url = dash_fixtures.dash_store_url
dash_app = dash_fixtures.dash_app
app_ctx = dash_fixtures.app_ctx

REGISTRY = load_registry()
BENCHMARKS = load_benchmarks(None, REGISTRY)
WORKFORCE = ("sw_agency_rate", "sw_turnover_12m", "sw_vacancy_rate", "sw_caseload")
SEPTEMBER = date(2024, 9, 30)  # a period end inside the dashboard fixtures' data
MARCH = date(2025, 3, 31)
NOTE = "The DfE measures the workforce at 30 September"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return REGISTRY


@pytest.fixture(scope="module")
def benchmarks() -> Benchmarks:
    return BENCHMARKS


# --- The rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grain", "end", "shown"),
    [
        ("month", date(2025, 9, 30), True),
        ("quarter", date(2025, 9, 30), True),  # July to September: at its end
        ("rolling_12m", date(2024, 9, 30), True),
        ("month", date(2023, 9, 30), True),  # the figure's own day
        ("month", date(2025, 8, 31), False),
        ("month", date(2025, 10, 31), False),
        ("quarter", date(2025, 12, 31), False),
        ("year", date(2025, 3, 31), False),  # a financial year never ends on 30 September
        ("month", date(2022, 9, 30), False),  # before the first published figure (2023)
    ],
)
def test_workforce_benchmarks_only_at_30_september(
    registry: Registry, benchmarks: Benchmarks, grain: str, end: date, shown: bool
) -> None:
    for kpi in WORKFORCE:
        bench = england(benchmarks, registry[kpi], grain, end)
        assert (bench is not None) == shown, (kpi, grain, end)
        regions = [b.area_name for b in shown_beside(benchmarks, registry[kpi], grain, end)]
        assert regions == (["England", "North East"] if shown else [])


def test_the_figures_and_their_labels(registry: Registry, benchmarks: Benchmarks) -> None:
    got = {k: england(benchmarks, registry[k], "month", SEPTEMBER) for k in WORKFORCE}
    assert {k: b.value for k, b in got.items() if b} == {
        "sw_agency_rate": 17.8,
        "sw_turnover_12m": 15.9,
        "sw_vacancy_rate": 18.9,
        "sw_caseload": 16.0,
    }
    labels = {k: when_label(b, registry[k]) for k, b in got.items() if b}
    assert labels["sw_agency_rate"] == "at 30 September 2023"
    assert labels["sw_turnover_12m"] == "year to 30 September 2023"  # leavers over the year
    assert labels["sw_caseload"] == "at 30 September 2023"


def test_a_timestamp_period_end_is_its_day(registry: Registry, benchmarks: Benchmarks) -> None:
    assert england(benchmarks, registry["sw_caseload"], "month", pd.Timestamp("2024-09-30")) is not None
    assert on_measured_day(registry["sw_caseload"], None) is False


def test_children_in_need_benchmarks_are_unchanged(registry: Registry, benchmarks: Benchmarks) -> None:
    # Measured over a year to 31 March and compared at any grain (percentages), as before.
    for end in (date(2025, 8, 31), date(2025, 9, 30), MARCH):
        bench = england(benchmarks, registry["rereferrals_12m"], "month", end)
        assert bench is not None and bench.value == 22.6
        assert when_label(bench, registry["rereferrals_12m"]) == "2024-25"
    assert england(benchmarks, registry["referrals"], "month", MARCH) is None  # a count: year only


def test_the_note_is_given_once_and_only_when_a_figure_is_left_out(
    registry: Registry, benchmarks: Benchmarks
) -> None:
    note = timing_note(registry, benchmarks, MARCH)
    assert note is not None and note.startswith(NOTE) and note.count("30 September") == 3
    assert timing_note(registry, benchmarks, SEPTEMBER) is None
    assert timing_note([registry["rereferrals_12m"]], benchmarks, MARCH) is None


@pytest.mark.parametrize(
    "words", ["on 30 September", "at 31 February", "at 30 Septober", "year to September"]
)
def test_a_bad_measured_day_is_refused(words: str) -> None:
    from importlib import resources

    text = resources.files("metrics").joinpath("data", "indicators.yaml").read_text("utf-8")
    bad = text.replace("benchmark_measured: at 30 September", f"benchmark_measured: {words}", 1)
    with pytest.raises(ValidationError, match="benchmark_measured"):
        parse_registry(bad)


# --- On the pages, in the files and the pack ----------------------------------------------


def _period(end: date) -> tuple[str, str, str]:
    return (MAIN_LA, "month", end.isoformat())


def test_the_scorecard_shows_england_beside_a_september_only(app_ctx: Any) -> None:
    scorecard = page("scorecard")
    september = text_of(scorecard.show_scorecard(*_period(SEPTEMBER), "all", "all"))
    assert "at 30 September 2023" in september
    assert NOTE not in september
    march = text_of(scorecard.show_scorecard(*_period(MARCH), "all", "all"))
    assert "at 30 September 2023" not in march
    assert march.count(NOTE) == 1
    assert "2024-25" in march  # the Children in need figures stay


def test_the_workforce_page_tiles_and_note(app_ctx: Any) -> None:
    workforce = page("workforce")
    september = text_of(workforce.show_workforce(*_period(SEPTEMBER)))
    assert "England 17.8% at 30 September 2023" in september
    assert "England 15.9% year to 30 September 2023" in september
    assert "England 16.0 at 30 September 2023" in september
    assert NOTE not in september and "the same definitions as ours" in september
    march = text_of(workforce.show_workforce(*_period(MARCH)))
    assert "England 17.8%" not in march
    assert march.count(NOTE) == 1
    assert "No England figure for this period" in march


def test_the_indicator_page_headline(app_ctx: Any) -> None:
    indicator = page("indicator")
    filters = Filters(la=MAIN_LA, grain="month", period_end=SEPTEMBER)
    september = text_of(indicator.indicator_view(app_ctx, "sw_agency_rate", filters))
    assert "England at 30 September 2023: 17.8%" in september
    assert "North East at 30 September 2023: 9.9%" in september
    march = text_of(indicator.indicator_view(app_ctx, "sw_agency_rate", Filters(MAIN_LA, "month", MARCH)))
    assert "17.8%" not in march and NOTE in march


def _export(end: date) -> tuple[pd.DataFrame, openpyxl.Workbook]:
    results = pd.DataFrame(
        [
            {"kpi_id": "sw_agency_rate", "numerator": 3.5, "denominator": 20.5, "value": 17.07,
             "target": 15.0, "status": "red", "direction": None, "note": None},
        ]
    )  # fmt: skip
    filters = Filters(la=MAIN_LA, grain="month", period_end=end)
    note = timing_note(REGISTRY, BENCHMARKS, end) or ""
    context = exports.ExportContext(benchmark_note=note)
    table = exports.export_frame(results, REGISTRY, BENCHMARKS, filters, context)
    book = exports.to_xlsx(table, REGISTRY, filters, exports.OPERATIONAL, context=context)
    return table, openpyxl.load_workbook(io.BytesIO(book.content))


def test_the_exports_carry_the_benchmark_only_for_september() -> None:
    table, book = _export(SEPTEMBER)
    row = table.iloc[0]
    assert (row["England benchmark"], row["Benchmark year"]) == (17.8, "at 30 September 2023")
    notes = [r[1] for r in book["Notes"].iter_rows(values_only=True) if r[0] == "England figures"]
    assert notes == []
    table, book = _export(MARCH)
    row = table.iloc[0]
    assert pd.isna(row["England benchmark"]) and pd.isna(row["Benchmark year"])
    notes = [r[1] for r in book["Notes"].iter_rows(values_only=True) if r[0] == "England figures"]
    assert len(notes) == 1 and notes[0].startswith(NOTE)


def test_the_pack_shows_the_benchmark_only_for_september(app_ctx: Any) -> None:
    from scorecard.pack.data import gather
    from scorecard.pack.html import pack_html
    from scorecard.pack.render import stylesheet

    september = gather(app_ctx.engine, REGISTRY, BENCHMARKS, MAIN_LA, "month", SEPTEMBER, "clinic", 5)
    assert september.benchmarks["sw_agency_rate"].value == 17.8
    assert september.benchmark_note == ""
    march = gather(app_ctx.engine, REGISTRY, BENCHMARKS, MAIN_LA, "month", MARCH, "clinic", 5)
    assert march.benchmarks["sw_agency_rate"] is None
    html = pack_html(march, REGISTRY, stylesheet())
    assert html.count(NOTE) == 1
    assert "at 30 September 2023" in pack_html(september, REGISTRY, stylesheet())
