"""The scorecard view as a CSV file or an Excel workbook.

Two versions: "for sharing" (the default) is the period's results after disclosure
control (``metrics.disclosure``: small numbers, the cells that would give them away,
and the status, direction and SPC of every hidden value are ``c``); "operational" is
unsuppressed. Either way the audience is the first row of the file (CSV) or of the
first sheet (Excel), and part of the file name. Every text cell is escaped against
formula injection; numbers stay numbers.

Readings:

- The period's commentary goes in a "Commentary" column (the "Note" column keeps the
  stored reason a value is missing). In a file for sharing, the commentary of a row
  whose value is hidden is withheld: it is written about the hidden number and may
  repeat it.
- Excel stores a percentage as a fraction (35.9% is 0.359) with the format ``0.0%``;
  counts are ``#,##0``; rates, medians, numbers (FTE, cases per FTE) and targets of them
  ``0.0``. A numerator or denominator is ``#,##0`` when whole and ``#,##0.0`` when not
  (an FTE: 33.5 stays 33.5, never 34), as on screen (``scorecard.formatting.format_figure``);
  the CSV has them rounded to one decimal the same way. The CSV keeps the numbers as
  shown on screen (35.9 beside the unit "%"), as spreadsheet users read it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import xlsxwriter

from metrics.benchmarks import Benchmarks, england, when_label
from metrics.disclosure import SHARING as _SHARING
from metrics.disclosure import audience_line
from metrics.registry import Indicator, Registry
from metrics.suppression import suppress_frame
from scorecard.components.coverage import coverage_text
from scorecard.components.spc import assurance_text, variation_text
from scorecard.components.status import status_text
from scorecard.components.tables import csv_with_audience
from scorecard.formatting import (
    SUPPRESSED,
    direction_words,
    figure_decimals,
    grain_label,
    is_missing,
    la_name,
    period_label,
    round_half_up,
)
from scorecard.safe_export import xlsx_text
from scorecard.state import Filters

SHARING = _SHARING
OPERATIONAL = "operational"
WITHHELD = "Withheld: the value is suppressed"
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
    "Commentary",
    "Actions",
)
_NUMERIC = ("Value", "Numerator", "Denominator", "Target", "England benchmark")


@dataclass(frozen=True)
class Export:
    """A file ready to download."""

    filename: str
    content: bytes
    mime: str


@dataclass(frozen=True)
class ExportContext:
    """What a file says about itself beyond the numbers (the Notes sheet)."""

    threshold: int = 5
    produced_by: str = "not signed in"
    sources: Sequence[str] = ()
    coverage: str = ""
    comments: Mapping[str, str] = field(default_factory=dict)
    actions: Mapping[str, str] = field(default_factory=dict)
    # Why some England figures are left out (measured on another day: metrics.benchmarks).
    benchmark_note: str = ""


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
    """Stored results with small numbers suppressed row by row (primary rule only).

    Files for sharing use :func:`metrics.disclosure.shared_view` instead, which also
    hides what would give a small number away; this stays for callers with one row."""
    return suppress_frame(frame, threshold=threshold, registry=registry)


def _described(row: Mapping[str, Any], key: str, words: Any) -> str:
    """The words for a describing column, or "c" when disclosure control hid it."""
    return SUPPRESSED if row.get(key) == SUPPRESSED else str(words)


def _row(
    ind: Indicator,
    stage: str,
    row: Mapping[str, Any],
    filters: Filters,
    benchmarks: Benchmarks,
    context: ExportContext,
) -> dict[str, Any]:
    breakdown, group = filters.breakdown
    bench = england(benchmarks, ind, filters.grain, filters.period_end)
    note = row.get("note")
    hidden = row.get("value") == SUPPRESSED
    comment = context.comments.get(ind.id)
    if comment and hidden:
        comment = WITHHELD
    action = context.actions.get(ind.id)
    if action and hidden:
        action = WITHHELD
    return {
        "Stage": stage,
        "Indicator": ind.title,
        "Indicator id": ind.id,
        "Local authority": f"{la_name(filters.la)} ({filters.la})",
        "Period type": grain_label(filters.grain),
        "Period": period_label(filters.grain, filters.period_end) if filters.period_end else "",
        "Breakdown": breakdown,
        "Group": group,
        "Value": _plain_number(row.get("value"), None if ind.type == "count" else 1),
        "Unit": ind.unit,
        "Numerator": _plain_number(row.get("numerator"), 1),  # whole stays whole; an FTE to 1 dp
        "Denominator": _plain_number(row.get("denominator"), 1),
        "Target": _plain_number(row.get("target"), 1),
        "Status": _described(row, "status", status_text(row.get("status"))),
        "Direction of travel": _described(
            row, "direction", direction_words(row.get("direction"), ind.polarity)[1]
        ),
        "SPC variation": _described(row, "variation", variation_text(row.get("variation"))),
        "SPC assurance": _described(row, "assurance", assurance_text(row.get("assurance"))),
        "England benchmark": _plain_number(bench.value, 1) if bench else None,
        "Benchmark year": when_label(bench, ind) if bench else None,
        "Benchmark source": bench.source if bench else None,
        "Note": None if is_missing(note) else str(note),
        "Coverage": _coverage(row, filters),
        "Commentary": comment or None,
        "Actions": action or None,
    }


def export_frame(
    results: pd.DataFrame,
    registry: Registry,
    benchmarks: Benchmarks,
    filters: Filters,
    context: ExportContext | None = None,
) -> pd.DataFrame:
    """One row per indicator of the view, in registry order, with words for every code."""
    context = context or ExportContext()
    by_id: dict[str, Mapping[str, Any]] = {
        str(row["kpi_id"]): {str(k): v for k, v in row.items()} for row in results.to_dict("records")
    }
    rows = [
        _row(ind, stage.title, by_id[ind.id], filters, benchmarks, context)
        for stage, indicators in registry.by_stage()
        for ind in indicators
        if ind.id in by_id
    ]
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


def _coverage(row: Mapping[str, Any], filters: Filters) -> str:
    """The coverage words of a result ("full" when the period is wholly covered)."""
    words = coverage_text({**{str(k): x for k, x in row.items()}, "grain": filters.grain}, None)
    return words or "full"


def filename(filters: Filters, version: str, suffix: str, stem: str = "scorecard") -> str:
    """``scorecard_LA394_month_2025-03_sharing.csv``: the audience is in every file name."""
    period = filters.period_end.strftime("%Y-%m") if filters.period_end else "latest"
    _, group = filters.breakdown
    area = "" if group == "all" else "_" + "".join(ch if ch.isalnum() else "-" for ch in group)
    return f"{stem}_LA{filters.la}_{filters.grain}_{period}{area}_{version}.{suffix}"


_filename = filename


def to_csv(frame: pd.DataFrame, filters: Filters, version: str, threshold: int = 5) -> Export:
    return Export(
        _filename(filters, version, "csv"), csv_with_audience(frame, version, threshold), "text/csv"
    )


def _about(filters: Filters, version: str, now: datetime, context: ExportContext) -> list[str]:
    if version == SHARING:
        note = (
            f"For sharing: counts from 1 to {context.threshold} are shown as '{SUPPRESSED}', "
            "as are rates and percentages built on them, the cells that would reveal them, "
            "and their status, direction and SPC."
        )
    else:
        note = "Operational: small numbers are NOT suppressed. Do not share outside the organisation."
    _, group = filters.breakdown
    period = period_label(filters.grain, filters.period_end) if filters.period_end else ""
    return [
        audience_line(version, context.threshold),
        f"Partnership scorecard: local authority {filters.la}; {grain_label(filters.grain)}: {period}; "
        f"{'whole LA' if group == 'all' else group}",
        note,
        f"Exported {now:%d %B %Y %H:%M} by {context.produced_by}",
    ]


def number_format(kind: str, column: str, value: float = 0.0) -> str:
    """The Excel number format of a cell of ``column`` for an indicator type (a numerator
    or denominator: by its ``value``, one decimal where it is not whole).

    >>> number_format("percentage", "Value"), number_format("count", "Value")
    ('0.0%', '#,##0')
    >>> number_format("median", "Numerator"), number_format("median", "Denominator")
    ('0.0', '#,##0')
    >>> number_format("number", "Numerator", 33.5), number_format("number", "Numerator", 34.0)
    ('#,##0.0', '#,##0')
    >>> number_format("number", "Value", 34.0)
    '0.0'
    """
    if column == "Denominator" or (column == "Numerator" and kind != "median"):
        return "#,##0" if figure_decimals(value) == 0 else "#,##0.0"
    if kind == "percentage":
        return "0.0%"
    if kind == "count":
        return "#,##0"
    return "0.0"


def _scaled(kind: str, column: str, value: float) -> float:
    """Percentages are stored as fractions, so Excel's 0.0% shows them as on screen."""
    if kind == "percentage" and column in ("Value", "Target", "England benchmark"):
        return value / 100.0
    return value


def to_xlsx(
    frame: pd.DataFrame,
    registry: Registry,
    filters: Filters,
    version: str,
    now: datetime | None = None,
    context: ExportContext | None = None,
) -> Export:
    """A workbook: the scorecard sheet (numbers as numbers, in their formats), the
    definitions and the notes."""
    now = now or datetime.now()
    context = context or ExportContext()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    formats = _Formats(book)
    sheet = book.add_worksheet("Scorecard")
    about = _about(filters, version, now, context)
    sheet.write_string(0, 0, xlsx_text(about[0]), formats.banner)
    for i, line in enumerate(about[1:], start=1):
        sheet.write_string(i, 0, xlsx_text(line), formats.bold if i == 2 else None)
    top = len(about) + 1
    for col, name in enumerate(frame.columns):
        sheet.write_string(top, col, xlsx_text(name), formats.head)
    types = {ind.id: ind.type for ind in registry}
    for r, record in enumerate(frame.to_dict("records"), start=top + 1):
        kind = types.get(str(record.get("Indicator id")), "count")
        for col, name in enumerate(frame.columns):
            value = record[name]
            if is_missing(value):
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                pattern = number_format(kind, name, float(value))
                sheet.write_number(r, col, _scaled(kind, name, float(value)), formats.number(pattern))
            else:
                sheet.write_string(
                    r, col, xlsx_text(value), formats.right if name in _NUMERIC else formats.wrap
                )
    widths = {
        "Stage": 22,
        "Indicator": 44,
        "Indicator id": 24,
        "Note": 30,
        "Benchmark source": 36,
        "Commentary": 50,
        "Actions": 50,
        "Direction of travel": 20,
        "SPC variation": 26,
        "SPC assurance": 26,
    }
    for col, name in enumerate(frame.columns):
        sheet.set_column(col, col, widths.get(name, 12))
    sheet.freeze_panes(top + 1, 2)
    sheet.autofilter(top, 0, top + max(len(frame), 1), len(frame.columns) - 1)
    _definitions_sheet(book, registry, formats.head)
    _notes_sheet(book, about, version, context, formats)
    book.close()
    return Export(
        _filename(filters, version, "xlsx"),
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


class _Formats:
    """The workbook's cell formats, made once per workbook."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self.bold = book.add_format({"bold": True})
        self.banner = book.add_format({"bold": True, "font_size": 13, "font_color": "#B00020"})
        self.head = book.add_format(
            {"bold": True, "bg_color": "#12436D", "font_color": "#FFFFFF", "text_wrap": True, "valign": "top"}
        )
        self.right = book.add_format({"align": "right"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self._numbers: dict[str, Any] = {}

    def number(self, pattern: str) -> Any:
        if pattern not in self._numbers:
            self._numbers[pattern] = self._book.add_format({"num_format": pattern})
        return self._numbers[pattern]


def _definitions_sheet(book: Any, registry: Registry, head: Any) -> None:
    sheet = book.add_worksheet("Definitions")
    columns = (
        "Indicator id",
        "Indicator",
        "Type",
        "Unit",
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
            ind.unit,
            polarity[ind.polarity],
            ind.definition,
            ind.numerator,
            ind.denominator,
        )
        for col, value in enumerate(values):
            if value:
                sheet.write_string(r, col, xlsx_text(value))
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 44)
    sheet.set_column(2, 4, 14)
    sheet.set_column(5, 7, 60)


def _notes_sheet(
    book: Any, about: list[str], version: str, context: ExportContext, formats: _Formats
) -> None:
    sheet = book.add_worksheet("Notes")
    rule = (
        f"Counts from 1 to {context.threshold}, and percentages and rates whose numerator or "
        f"denominator is from 1 to {context.threshold}, are shown as '{SUPPRESSED}'. So are the "
        "cells that would let a reader work them out (another group of the same breakdown, the "
        "same number published elsewhere) and the status, direction and SPC of a hidden value. "
        "0 is shown as 0. The rules: docs/disclosure.md."
        if version == SHARING
        else "None: this is the operational version. Do not share it outside the organisation."
    )
    rows: list[tuple[str, str]] = [
        ("Audience", about[0]),
        ("View", about[1]),
        ("Produced", about[3]),
        ("Suppression", rule),
        ("Coverage", context.coverage or "See the Data quality page for each partner's coverage."),
        ("Percentages", "Stored as fractions and formatted as percentages (0.0%)."),
    ]
    if context.benchmark_note:
        rows.append(("England figures", context.benchmark_note))
    rows += [("Source", source) for source in context.sources] or [("Source", "No loads recorded.")]
    for r, (label, text) in enumerate(rows):
        sheet.write_string(r, 0, xlsx_text(label), formats.bold)
        sheet.write_string(r, 1, xlsx_text(text), formats.wrap)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 110)
