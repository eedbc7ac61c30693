"""The scorecard view as a CSV file or an Excel workbook.

Two versions: "for sharing" (the default) passes the stored results through the one
small-number suppression function of ``metrics.suppression`` before anything is
written; "operational" is unsuppressed and says so in the file. Every text cell is
escaped against formula injection; numbers stay numbers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import xlsxwriter

from metrics.benchmarks import Benchmarks, england, year_label
from metrics.registry import Registry
from metrics.suppression import suppress_frame
from scorecard.components.coverage import coverage_text
from scorecard.components.spc import assurance_text, variation_text
from scorecard.components.status import status_text
from scorecard.formatting import (
    SUPPRESSED,
    direction_words,
    grain_label,
    is_missing,
    la_name,
    period_label,
    round_half_up,
)
from scorecard.safe_export import csv_bytes, xlsx_text
from scorecard.state import Filters

SHARING = "sharing"
OPERATIONAL = "operational"
EXPORT_COLUMNS: tuple[str, ...] = (
    "Stage",
    "Indicator",
    "Indicator id",
    "Local authority",
    "Period type",
    "Period",
    "Breakdown",
    "Group",
    "Value",
    "Unit",
    "Numerator",
    "Denominator",
    "Target",
    "Status",
    "Direction of travel",
    "SPC variation",
    "SPC assurance",
    "England benchmark",
    "Benchmark year",
    "Benchmark source",
    "Note",
    "Coverage",
)
_NUMERIC = ("Value", "Numerator", "Denominator", "Target", "England benchmark")


@dataclass(frozen=True)
class Export:
    """A file ready to download."""

    filename: str
    content: bytes
    mime: str


def _plain_number(value: Any, decimals: int | None = None) -> Any:
    """A cell for the file: a whole number as an int, others rounded as shown on screen."""
    if isinstance(value, str):
        return value or None  # "c" after suppression; "" is a blank
    if is_missing(value):
        return None
    number = float(value)
    if decimals is not None:
        number = round_half_up(number, decimals)
    return int(number) if number.is_integer() else number


def suppress(frame: pd.DataFrame, threshold: int, registry: Registry) -> pd.DataFrame:
    """Stored results with small numbers suppressed, by the one suppression function."""
    return suppress_frame(frame, threshold=threshold, registry=registry)


def export_frame(
    results: pd.DataFrame,
    registry: Registry,
    benchmarks: Benchmarks,
    filters: Filters,
) -> pd.DataFrame:
    """One row per indicator of the view, in registry order, with words for every code."""
    by_id = {row["kpi_id"]: row for row in results.to_dict("records")}
    breakdown, group = filters.breakdown
    period = period_label(filters.grain, filters.period_end) if filters.period_end else ""
    rows: list[dict[str, Any]] = []
    for stage, indicators in registry.by_stage():
        for ind in indicators:
            row = by_id.get(ind.id)
            if row is None:
                continue
            bench = england(benchmarks, ind, filters.grain)
            note = row.get("note")
            rows.append(
                {
                    "Stage": stage.title,
                    "Indicator": ind.title,
                    "Indicator id": ind.id,
                    "Local authority": f"{la_name(filters.la)} ({filters.la})",
                    "Period type": grain_label(filters.grain),
                    "Period": period,
                    "Breakdown": breakdown,
                    "Group": group,
                    "Value": _plain_number(row.get("value"), None if ind.type == "count" else 1),
                    "Unit": ind.unit,
                    "Numerator": _plain_number(row.get("numerator"), None if ind.type != "median" else 1),
                    "Denominator": _plain_number(row.get("denominator")),
                    "Target": _plain_number(row.get("target"), 1),
                    "Status": status_text(row.get("status")),
                    "Direction of travel": direction_words(row.get("direction"), ind.polarity)[1],
                    "SPC variation": variation_text(row.get("variation")),
                    "SPC assurance": assurance_text(row.get("assurance")),
                    "England benchmark": _plain_number(bench.value, 1) if bench else None,
                    "Benchmark year": year_label(bench.year_ending) if bench else None,
                    "Benchmark source": bench.source if bench else None,
                    "Note": None if is_missing(note) else str(note),
                    "Coverage": _coverage(row, filters),
                }
            )
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


def _coverage(row: dict[Any, Any], filters: Filters) -> str:
    """The coverage words of a result ("full" when the period is wholly covered)."""
    words = coverage_text({**{str(k): x for k, x in row.items()}, "grain": filters.grain}, None)
    return words or "full"


def _filename(filters: Filters, version: str, suffix: str) -> str:
    period = filters.period_end.strftime("%Y-%m") if filters.period_end else "latest"
    _, group = filters.breakdown
    area = "" if group == "all" else "_" + "".join(ch if ch.isalnum() else "-" for ch in group)
    return f"scorecard_LA{filters.la}_{filters.grain}_{period}{area}_{version}.{suffix}"


def to_csv(frame: pd.DataFrame, filters: Filters, version: str) -> Export:
    return Export(_filename(filters, version, "csv"), csv_bytes(frame), "text/csv")


def _about(filters: Filters, version: str, now: datetime) -> list[str]:
    if version == SHARING:
        note = (
            f"For sharing: counts from 1 to the threshold are shown as '{SUPPRESSED}', "
            "as are rates and percentages built on them."
        )
    else:
        note = "Operational: small numbers are NOT suppressed. Do not share outside the organisation."
    _, group = filters.breakdown
    period = period_label(filters.grain, filters.period_end) if filters.period_end else ""
    return [
        "Partnership scorecard",
        f"Local authority {filters.la}; {grain_label(filters.grain)}: {period}; "
        f"{'whole LA' if group == 'all' else group}",
        note,
        f"Exported {now:%d %B %Y %H:%M}",
    ]


def to_xlsx(
    frame: pd.DataFrame,
    registry: Registry,
    filters: Filters,
    version: str,
    now: datetime | None = None,
) -> Export:
    """A workbook: the scorecard sheet (numbers as numbers) and the definitions."""
    now = now or datetime.now()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#12436D", "font_color": "#FFFFFF", "text_wrap": True})
    numbers = {
        "Numerator": book.add_format({"num_format": "#,##0.##"}),
        "Denominator": book.add_format({"num_format": "#,##0.##"}),
    }
    decimal = book.add_format({"num_format": "#,##0.0"})
    right = book.add_format({"align": "right"})
    sheet = book.add_worksheet("Scorecard")
    about = _about(filters, version, now)
    sheet.write_string(0, 0, xlsx_text(about[0]), title)
    for i, line in enumerate(about[1:], start=1):
        sheet.write_string(i, 0, xlsx_text(line), bold if i == 2 else None)
    top = len(about) + 1
    for col, name in enumerate(frame.columns):
        sheet.write_string(top, col, xlsx_text(name), head)
    for r, record in enumerate(frame.itertuples(index=False), start=top + 1):
        for col, (name, value) in enumerate(zip(frame.columns, record, strict=True)):
            if is_missing(value):
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, col, float(value), numbers.get(name, decimal))
            else:
                sheet.write_string(r, col, xlsx_text(value), right if name in _NUMERIC else None)
    widths = {"Stage": 22, "Indicator": 48, "Indicator id": 24, "Note": 40, "Benchmark source": 40}
    for col, name in enumerate(frame.columns):
        sheet.set_column(col, col, widths.get(name, 14))
    sheet.freeze_panes(top + 1, 2)
    sheet.autofilter(top, 0, top + max(len(frame), 1), len(frame.columns) - 1)
    _definitions_sheet(book, registry, head)
    book.close()
    return Export(
        _filename(filters, version, "xlsx"),
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _definitions_sheet(book: Any, registry: Registry, head: Any) -> None:
    sheet = book.add_worksheet("Definitions")
    columns = (
        "Indicator id",
        "Indicator",
        "Type",
        "Polarity",
        "Definition",
        "Numerator",
        "Denominator",
    )
    for col, name in enumerate(columns):
        sheet.write_string(0, col, xlsx_text(name), head)
    polarity = {"up": "Higher is better", "down": "Lower is better", "neutral": "Context only"}
    for r, ind in enumerate(registry, start=1):
        values = (
            ind.id,
            ind.title,
            ind.type,
            polarity[ind.polarity],
            ind.definition,
            ind.numerator,
            ind.denominator,
        )
        for col, value in enumerate(values):
            if value:
                sheet.write_string(r, col, xlsx_text(value))
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 48)
    sheet.set_column(4, 6, 60)
