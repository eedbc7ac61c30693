"""The scorecard table as HTML: every indicator, one row each, in sections.

The sections are the journey stages, then the sections selected by tag in
``metrics/data/indicators.yaml`` (:data:`TAG_SECTIONS`): "Workforce", "Quality
assurance" and "Partners' measures", the last with one sub-heading per owning agency
(the ``pm_*`` indicators of the measures file). An indicator with one of those tags is
shown in its tag's section only, never twice.

Example::

    >>> from metrics.registry import load_registry
    >>> [(h, [s for s, _ in subs]) for h, subs in table_sections(load_registry(), {})][-3:]
    [('Workforce', [None]), ('Quality assurance', [None]), ("Partners' measures", ['Other partners'])]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from metrics.benchmarks import Benchmarks, england
from metrics.registry import Indicator, Registry, Tag
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
# The sections after the journey stages: (tag, heading), in order.
TAG_SECTIONS: tuple[tuple[Tag, str], ...] = (
    ("workforce", "Workforce"),
    ("quality_assurance", "Quality assurance"),
    ("partner_measures", "Partners' measures"),
)
# The tag whose section has a sub-heading per owning agency.
BY_OWNER: Tag = "partner_measures"
NO_OWNER = "Other partners"

Section = tuple[str, list[tuple[str | None, list[Indicator]]]]


def table_sections(registry: Registry, owners: Mapping[str, str]) -> list[Section]:
    """The table's sections in order: (heading, [(sub-heading or None, indicators)]).

    ``owners`` names the owning agency of each partner measure by kpi_id (its label);
    sub-headings follow the order in which the agencies' first measures come.
    """
    tagged = {i.id for section, _ in TAG_SECTIONS for i in registry.tagged(section)}
    sections: list[Section] = [
        (stage.title, [(None, shown)])
        for stage, indicators in registry.by_stage()
        if stage.id not in SKIPPED_STAGES
        for shown in [[i for i in indicators if i.id not in tagged]]
        if shown
    ]
    for section, heading in TAG_SECTIONS:
        indicators = registry.tagged(section)
        if not indicators:
            continue
        if section != BY_OWNER:
            sections.append((heading, [(None, indicators)]))
            continue
        groups: dict[str, list[Indicator]] = {}
        for ind in indicators:
            groups.setdefault(owners.get(ind.id, NO_OWNER), []).append(ind)
        sections.append((heading, [(owner, inds) for owner, inds in groups.items()]))
    return sections


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
    bench = england(benchmarks, ind, row.get("grain"), row.get("period_end"))
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


def _heading_row(words: str, class_: str) -> str:
    return tag("tr", tag("th", text(words), colspan=len(COLUMNS), scope="colgroup"), class_=class_)


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
    owners: Mapping[str, str] | None = None,
) -> str:
    """The table, one body per section headed by its name (:func:`table_sections`), and
    the sources; ``notes`` are each indicator's markers (commentary, actions) by kpi_id,
    ``owners`` each partner measure's owning agency (its sub-heading)."""
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
    for heading, parts in table_sections(registry, owners or {}):
        body = [_heading_row(heading, "sc-stage")]
        for sub_heading, indicators in parts:
            if sub_heading is not None:
                body.append(_heading_row(sub_heading, "sc-substage"))
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
    return tag(
        "div", table, class_="table-responsive", tabindex="0", role="region", aria_label=caption
    ) + source_list(sources)
