"""The dashboard's doors into layers that are still being built, each in one place.

``metrics.records`` (the records behind a number) and ``metrics.recompute`` are
imported when first used; when a layer is not there yet the adapter raises
:class:`NotAvailableYetError` with a plain message and the page shows a "not available yet"
state instead of failing. The benchmark helpers sit here too, so pages ask one place
for "the England figure".

Example::

    >>> direction_words("no_change", "up")
    ('▶', 'No change')
    >>> direction_words(None, "up")
    ('', 'No earlier period to compare')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from metrics.benchmarks import Benchmark, Benchmarks
from metrics.registry import Indicator
from metrics.status import direction_label

__all__ = [
    "Benchmark",
    "Benchmarks",
    "NotAvailableYetError",
    "direction_words",
    "england",
    "recompute",
    "records_description",
    "records_for",
]


class NotAvailableYetError(RuntimeError):
    """A layer the dashboard relies on is not in this build yet."""


def _optional(module: str, name: str) -> Any | None:
    """``module.name`` if it can be imported, else None."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def direction_words(direction: Any, polarity: str) -> tuple[str, str]:
    """(arrow, words) for a stored direction of travel; never colour alone."""
    if not isinstance(direction, str) or not direction:
        return ("", "No earlier period to compare")
    try:
        return direction_label(direction, polarity)  # type: ignore[arg-type]
    except ValueError:
        return ("", direction.replace("_", " ").capitalize())


def comparable(ind: Indicator, grain: str | None) -> bool:
    """Whether published figures compare with this indicator's value at this grain.

    Published counts are totals for a whole year ending 31 March: beside a local count
    they mean something only for a financial year. Percentages, rates and medians
    compare at any grain.
    """
    return ind.type != "count" or grain == "year"


def england(benchmarks: Benchmarks, ind: Indicator, grain: str | None) -> Benchmark | None:
    """The latest England figure with the indicator's definition, where it compares (see ``comparable``)."""
    if not comparable(ind, grain):
        return None
    for bench in benchmarks.for_indicator(ind.id):
        if bench.area_type == "national":
            return bench
    return None


def records_for(
    engine: Engine,
    kpi_id: str,
    la_code: str,
    grain: str,
    period_end: date,
    breakdown: str,
    group_name: str,
) -> pd.DataFrame:
    """The records behind an indicator's numerator (pseudonymised child keys only)."""
    found: Callable[..., pd.DataFrame] | None = _optional("metrics.records", "records_for")
    if found is None:
        raise NotAvailableYetError("The list of records behind a number is not available in this build yet.")
    return found(engine, kpi_id, la_code, grain, period_end, breakdown, group_name)


def records_description(kpi_id: str) -> str | None:
    """What the records behind an indicator are (``metrics.records``), or None."""
    describe: Callable[[str], str] | None = _optional("metrics.records", "describe_records")
    if describe is None:
        return None
    try:
        return describe(kpi_id)
    except (KeyError, ValueError):
        return None


def recompute(engine: Engine, targets_file: Path | None) -> Any:
    """Recompute and store every indicator (after a load)."""
    found = _optional("metrics.recompute", "recompute")
    if found is None:
        raise NotAvailableYetError("Recomputing the indicators is not available in this build yet.")
    return found(engine, targets_file=targets_file)
