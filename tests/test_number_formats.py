"""FTE figures keep their decimal everywhere they are shown: a number-type value
(``sw_in_post_fte`` 33.5, ``sw_caseload`` 16.2) and the FTE numerators and denominators of
the workforce percentages and of the caseload, in the chart tables and bar labels, the
fractions of the scorecard and pack, the CSV and the Excel file (where ``#,##0`` used to
show 33.5 as 34). Whole figures (counts) stay without decimals.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd

from metrics.benchmarks import load_benchmarks
from metrics.registry import load_registry
from scorecard import exports
from scorecard.components.charts import _group_table, bar_labels, group_bars
from scorecard.formatting import format_fraction, format_value
from scorecard.state import Filters
from tests.dash_fixtures import text_of

REGISTRY = load_registry()
FILTERS = Filters(la="394", grain="month", period_end=date(2025, 3, 31))


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # 33.5 FTE directly employed in post: a sum of FTE, no denominator.
            {"kpi_id": "sw_in_post_fte", "numerator": 33.5, "denominator": None, "value": 33.5,
             "target": None, "status": "none", "direction": None, "note": None},
            # 3.5 agency FTE of 37.0: 9.46 %.
            {"kpi_id": "sw_agency_rate", "numerator": 3.5, "denominator": 37.0, "value": 9.459459,
             "target": 15.0, "status": "green", "direction": None, "note": None},
            # 340 cases over 21.25 case-holding FTE (shown 21.3): 16.0 per FTE.
            {"kpi_id": "sw_caseload", "numerator": 340.0, "denominator": 21.25, "value": 16.0,
             "target": 16.0, "status": "green", "direction": None, "note": None},
            {"kpi_id": "referrals", "numerator": 1234.0, "denominator": None, "value": 1234.0,
             "target": None, "status": "none", "direction": None, "note": None},
        ]
    )  # fmt: skip


def _table() -> pd.DataFrame:
    return exports.export_frame(_results(), REGISTRY, load_benchmarks(None, REGISTRY), FILTERS)


def test_fractions_and_values_keep_the_fte_decimal() -> None:
    assert format_value(33.5, "number") == "33.5"
    assert format_value(34.0, "number") == "34.0"
    assert format_fraction("percentage", 3.5, 37.0) == "3.5 of 37"
    assert format_fraction("number", 340.0, 21.25) == "340 ÷ 21.3"
    assert format_fraction("percentage", 40.0, 160.0) == "40 of 160"  # counts stay whole


def test_the_csv_keeps_an_fte_and_rounds_it_as_shown() -> None:
    rows = _table().set_index("Indicator id")
    assert rows.loc["sw_in_post_fte", "Numerator"] == 33.5
    assert rows.loc["sw_in_post_fte", "Value"] == 33.5
    assert rows.loc["sw_agency_rate", "Numerator"] == 3.5
    assert rows.loc["sw_caseload", "Denominator"] == 21.3
    assert rows.loc["referrals", "Numerator"] == 1234
    text = exports.to_csv(_table(), FILTERS, "operational", 5).content.decode("utf-8-sig")
    assert ",33.5,FTE,33.5," in text


def _cells() -> dict[str, dict[str, openpyxl.cell.Cell]]:
    export = exports.to_xlsx(_table(), REGISTRY, FILTERS, exports.OPERATIONAL)
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content))["Scorecard"].iter_rows())
    top = next(i for i, r in enumerate(rows) if r[0].value == "Stage")
    header = [c.value for c in rows[top]]
    return {str(r[2].value): dict(zip(header, r, strict=True)) for r in rows[top + 1 :]}


def test_excel_shows_an_fte_with_its_decimal_and_counts_whole() -> None:
    cells = _cells()
    fte = cells["sw_in_post_fte"]
    assert (fte["Numerator"].value, fte["Numerator"].number_format) == (33.5, "#,##0.0")
    assert (fte["Value"].value, fte["Value"].number_format) == (33.5, "0.0")
    agency = cells["sw_agency_rate"]
    assert (agency["Numerator"].value, agency["Numerator"].number_format) == (3.5, "#,##0.0")
    assert (agency["Denominator"].value, agency["Denominator"].number_format) == (37, "#,##0")
    caseload = cells["sw_caseload"]
    assert (caseload["Numerator"].number_format, caseload["Denominator"].number_format) == (
        "#,##0",
        "#,##0.0",
    )
    assert cells["referrals"]["Numerator"].number_format == "#,##0"


def _by_team() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group_name": ["Team A", "Team B"],
            "value": [33.5, 12.0],
            "numerator": [33.5, 12.0],
            "denominator": [None, None],
            "note": [None, None],
        }
    )


def test_chart_tables_and_bar_labels_keep_the_fte_decimal() -> None:
    ind = REGISTRY["sw_in_post_fte"]
    rows = _by_team()
    table = _group_table(rows, ind, "Team", str)
    assert list(table["Value"]) == ["33.5", "12.0"]
    assert list(table["Numerator"]) == ["33.5", "12"]
    agency = REGISTRY["sw_agency_rate"]
    rows = pd.DataFrame(
        {"group_name": ["A"], "value": [9.459459], "numerator": [3.5], "denominator": [37.0], "note": [None]}
    )
    assert bar_labels(rows, [9.459459], agency) == ["9.5% (3.5 of 37)"]
    section = group_bars("s", "FTE by team", _by_team(), ind, "Team", "f.csv")
    assert "33.5" in text_of(section)
