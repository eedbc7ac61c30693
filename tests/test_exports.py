"""The scorecard's Excel and CSV files: audience, number formats, notes, commentary, safety."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pandas as pd

from metrics.benchmarks import load_benchmarks
from metrics.registry import load_registry
from scorecard import exports
from scorecard.state import Filters

REGISTRY = load_registry()
FILTERS = Filters(la="394", grain="month", period_end=date(2025, 3, 31))


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kpi_id": "referrals", "numerator": 1234.0, "denominator": None, "value": 1234.0,
             "target": None, "status": "none", "direction": "up", "note": None},
            {"kpi_id": "rereferrals_12m", "numerator": 40.0, "denominator": 160.0, "value": 25.0,
             "target": 22.0, "status": "amber", "direction": "worsening", "note": None},
            {"kpi_id": "assessment_median_wd", "numerator": 33.5, "denominator": 60.0, "value": 33.5,
             "target": 35.0, "status": "green", "direction": None, "note": None},
            {"kpi_id": "referrals_nfa", "numerator": "c", "denominator": 160, "value": "c",
             "target": None, "status": "c", "direction": "c", "note": None},
        ]
    )  # fmt: skip


def _book(version: str) -> openpyxl.Workbook:
    context = exports.ExportContext(
        threshold=5,
        produced_by="A. Analyst",
        sources=["Police: contacts, 2 load(s)"],
        coverage="LA 394: Apr 2024 to Mar 2025",
        comments={"rereferrals_12m": "=Rise after half term", "referrals_nfa": "3 children"},
        actions={"rereferrals_12m": "Audit re-referrals (J. Lead, due 30 Apr 2025, open)"},
    )
    benchmarks = load_benchmarks(None, REGISTRY)
    table = exports.export_frame(_results(), REGISTRY, benchmarks, FILTERS, context)
    export = exports.to_xlsx(table, REGISTRY, FILTERS, version, datetime(2025, 4, 2, 9, 30), context)
    assert export.filename == f"scorecard_LA394_month_2025-03_{version}.xlsx"
    return openpyxl.load_workbook(io.BytesIO(export.content))


def _row(sheet: openpyxl.worksheet.worksheet.Worksheet, kpi: str) -> dict[str, openpyxl.cell.Cell]:
    rows = list(sheet.iter_rows())
    top = next(i for i, r in enumerate(rows) if r[0].value == "Stage")
    header = [c.value for c in rows[top]]
    found = next(r for r in rows[top + 1 :] if r[2].value == kpi)
    return dict(zip(header, found, strict=True))


def test_percentages_are_fractions_in_percent_format_and_counts_whole() -> None:
    sheet = _book("sharing")["Scorecard"]
    rerefs = _row(sheet, "rereferrals_12m")
    assert rerefs["Value"].value == 0.25 and rerefs["Value"].number_format == "0.0%"
    assert rerefs["Target"].value == 0.22 and rerefs["Target"].number_format == "0.0%"
    assert rerefs["Numerator"].number_format == "#,##0"
    refs = _row(sheet, "referrals")
    assert refs["Value"].value == 1234 and refs["Value"].number_format == "#,##0"
    median = _row(sheet, "assessment_median_wd")
    assert median["Value"].value == 33.5 and median["Value"].number_format == "0.0"


def test_audience_first_row_frozen_header_and_sheets() -> None:
    book = _book("sharing")
    sheet = book["Scorecard"]
    assert str(sheet["A1"].value).startswith("FOR SHARING")
    assert sheet.freeze_panes == "C7"
    assert sheet.column_dimensions["B"].width > 30
    assert book.sheetnames == ["Scorecard", "Definitions", "Notes"]
    notes = {r[0]: r[1] for r in book["Notes"].iter_rows(values_only=True)}
    assert "A. Analyst" in notes["Produced"] and "02 April 2025" in notes["Produced"]
    assert "from 1 to 5" in notes["Suppression"] and "Apr 2024" in notes["Coverage"]
    assert notes["Source"].startswith("Police")
    operational = _book("operational")
    assert str(operational["Scorecard"]["A1"].value).startswith("OPERATIONAL - NOT FOR SHARING")


def test_commentary_and_actions_are_written_safely_and_withheld_beside_hidden_values() -> None:
    sheet = _book("sharing")["Scorecard"]
    rerefs = _row(sheet, "rereferrals_12m")
    assert rerefs["Commentary"].value == "'=Rise after half term" and rerefs["Commentary"].data_type == "s"
    assert rerefs["Actions"].value.startswith("Audit re-referrals")
    nfa = _row(sheet, "referrals_nfa")
    assert nfa["Commentary"].value == exports.WITHHELD
    assert [nfa[k].value for k in ("Value", "Numerator", "Status", "Direction of travel")] == ["c"] * 4
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)


def test_csv_first_row_is_the_audience() -> None:
    table = exports.export_frame(_results(), REGISTRY, load_benchmarks(None, REGISTRY), FILTERS)
    export = exports.to_csv(table, FILTERS, "operational", 5)
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("OPERATIONAL - NOT FOR SHARING") and lines[1].startswith("Stage,")
    assert export.filename.endswith("_operational.csv")
