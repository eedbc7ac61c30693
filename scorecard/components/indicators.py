"""Pieces about one indicator, as HTML: its value (or the note saying why there is none),
its fraction, its polarity in words and its England benchmark with year and source.

Example::

    >>> polarity_text("down")
    'Lower is better'
    >>> value_text(None, "percentage", "n/a: no referrals in the period")
    'n/a: no referrals in the period'
"""

from __future__ import annotations

from typing import Any

from metrics.benchmarks import Benchmark, when_label
from metrics.registry import Indicator
from scorecard.components.markup import tag, text
from scorecard.formatting import format_fraction, format_value, is_missing

POLARITY_TEXT = {"up": "Higher is better", "down": "Lower is better", "neutral": "Context only"}


def polarity_text(polarity: str) -> str:
    return POLARITY_TEXT.get(polarity, polarity)


def value_text(value: Any, kind: str, note: Any = None) -> str:
    return format_value(value, kind, note)


def value_cell(row: dict[str, Any], ind: Indicator) -> str:
    """The value in bold, or the stored note (why there is none) in muted text."""
    value = row.get("value")
    if is_missing(value) and not isinstance(value, str):
        return tag("span", text(format_value(None, ind.type, row.get("note"))), class_="sc-note")
    return tag("span", text(format_value(value, ind.type)), class_="sc-value")


def fraction_text(row: dict[str, Any] | None, ind: Indicator) -> str:
    if row is None:
        return ""
    return format_fraction(ind.type, row.get("numerator"), row.get("denominator"))


def benchmark_text(bench: Benchmark | None, ind: Indicator) -> str:
    if bench is None or bench.value is None:
        return ""
    return format_value(bench.value, ind.type)


def benchmark_cell(bench: Benchmark | None, ind: Indicator, source_number: int | None = None) -> str:
    """The England figure with its year and a numbered reference to its source."""
    if bench is None or bench.value is None:
        return tag("span", "–", class_="sc-note", aria_hidden="true") + tag(
            "span", "No published England figure with the same definition", class_="visually-hidden"
        )
    ref = f" [{source_number}]" if source_number is not None else ""
    return tag("span", text(benchmark_text(bench, ind)), class_="sc-bench") + tag(
        "span", text(f"{when_label(bench, ind)}{ref}"), class_="sc-source"
    )


def source_list(sources: list[str]) -> str:
    """The numbered sources that benchmark cells refer to."""
    if not sources:
        return ""
    items = "".join(tag("li", text(s)) for s in sources)
    return tag(
        "div",
        tag("h3", "Sources of the England figures", class_="h6 mt-2"),
        tag("ol", items, class_="small"),
        class_="sc-sources",
    )
