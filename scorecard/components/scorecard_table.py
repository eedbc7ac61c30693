"""The scorecard table as HTML: every indicator, grouped by journey stage, one row each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from metrics.benchmarks import Benchmarks, england
from metrics.registry import Indicator, Registry
from scorecard.components.coverage import BEFORE, coverage_mark, coverage_text, too_few_text
from scorecard.components.indicators import (
    benchmark_cell,
    fraction_text,
    polarity_text,
    source_list,
    value_cell,
)
from scorecard.components.markup import link, tag, text
from scorecard.components.sparkline import sparkline
from scorecard.components.spc import assurance_icon, variation_icon
from scorecard.components.status import direction_html, status_badge
from scorecard.formatting import format_target, format_value, period_label

COLUMNS: tuple[tuple[str, bool], ...] = (
    ("Indicator", False),
    ("Value", True),
    ("Numerator and denominator", True),
    ("Target", True),
    ("Status", False),
    ("Direction of travel", False),
    ("Last 12 months", False),
    ("SPC variation and assurance", False),
    ("England", True),
)
SKIPPED_STAGES = ("data_quality",)


def spark_labels(months: Sequence[date], values: Sequence[float | None], kind: str) -> list[str]:
    """ "Apr 2024 28.9%" for each month of a sparkline."""
    return [
        f"{period_label('month', m)} {format_value(v, kind)}" for m, v in zip(months, values, strict=True)
    ]


def _number(sources: list[str], source: str) -> int:
    if source not in sources:
        sources.append(source)
    return sources.index(source) + 1


def indicator_row(
    ind: Indicator,
    row: dict[str, Any] | None,
    spark: Sequence[float | None],
    months: Sequence[date],
    benchmarks: Benchmarks,
    link_query: str,
    breakdown: str,
    sources: list[str],
    notes: str = "",
) -> str:
    """One indicator's row; a row stored for the breakdown, or a note that there is none.

    The England benchmark's source is added to ``sources`` and referred to by number;
    ``notes`` (markup: commentary and action markers) go under the title.
    """
    title = tag(
        "th",
        link(ind.title, f"/indicator/{ind.id}{link_query}", class_="sc-ind-title"),
        tag("span", text(polarity_text(ind.polarity)), class_="sc-note d-block"),
        notes,
        scope="row",
    )
    if row is None:
        note = f"Not broken down by {breakdown}" if breakdown != "all" else "No result stored"
        return tag(
            "tr",
            title,
            tag("td", tag("span", text(note), class_="sc-note"), colspan=len(COLUMNS) - 1),
        )
    bench = england(benchmarks, ind, row.get("grain"))
    number = _number(sources, bench.source) if bench is not None else None
    words = row.get("coverage_text")
    words = coverage_text(row, None) if words is None else words
    if (row.get("coverage") or "full") == "none":
        return tag(
            "tr",
            title,
            tag("td", tag("span", text(words or BEFORE), class_="sc-note"), colspan=len(COLUMNS) - 1),
        )
    few = too_few_text(row.get("too_few"))
    spc_cell = (
        tag("span", text(few), class_="sc-note")
        if few
        else variation_icon(row.get("variation")) + assurance_icon(row.get("assurance"))
    )
    cells = (
        tag("td", value_cell(row, ind), coverage_mark(words), class_="text-end sc-num"),
        tag("td", text(fraction_text(row, ind)), class_="text-end sc-num sc-note sc-wide-only"),
        tag("td", text(format_target(row.get("target"), ind.type)), class_="text-end sc-num sc-wide-only"),
        tag("td", status_badge(row.get("status")), class_="sc-card-status"),
        tag("td", direction_html(row.get("direction"), ind.polarity), class_="sc-card-direction"),
        tag("td", sparkline(spark, spark_labels(months, spark, ind.type), ind.title), class_="sc-wide-only"),
        tag("td", spc_cell, class_="sc-wide-only"),
        tag("td", benchmark_cell(bench, ind, number), class_="text-end sc-wide-only"),
    )
    return tag("tr", title, *cells)


def scorecard_table(
    registry: Registry,
    rows: dict[str, dict[str, Any]],
    sparks: dict[str, list[float | None]],
    months: Sequence[date],
    benchmarks: Benchmarks,
    link_query: str,
    breakdown: str,
    caption: str,
    notes: Mapping[str, str] | None = None,
) -> str:
    """The table, one body per journey stage headed by the stage's name, and the sources;
    ``notes`` are each indicator's markers (commentary, actions) by kpi_id."""
    notes = notes or {}
    head = tag(
        "thead",
        tag(
            "tr",
            *(
                tag("th", text(name), scope="col", class_="text-end" if num else None)
                for name, num in COLUMNS
            ),
        ),
    )
    bodies = []
    sources: list[str] = []
    for stage, indicators in registry.by_stage():
        if stage.id in SKIPPED_STAGES or not indicators:
            continue
        body = [
            tag(
                "tr",
                tag("th", text(stage.title), colspan=len(COLUMNS), scope="colgroup"),
                class_="sc-stage",
            )
        ]
        for ind in indicators:
            spark = sparks.get(ind.id, [None] * len(months))
            body.append(
                indicator_row(
                    ind,
                    rows.get(ind.id),
                    spark,
                    months,
                    benchmarks,
                    link_query,
                    breakdown,
                    sources,
                    notes.get(ind.id, ""),
                )
            )
        bodies.append(tag("tbody", *body))
    table = tag(
        "table",
        tag("caption", text(caption), class_="visually-hidden"),
        head,
        *bodies,
        class_="table table-sm sc-table sc-scorecard",
        id="scorecard-table",
    )
    return (
        tag("div", table, class_="table-responsive", tabindex="0", role="region", aria_label=caption)
        + source_list(sources)
    )
