"""The partners' own measures (the ``pm_*`` indicators of the measures file) by owning agency.

The owner of each measure is declared in the measures file (``store.measures``); its
indicator is ``pm_<id>``, tagged ``partner_measures`` in the registry. The scorecard
shows them under one sub-heading per owning agency, and the Partners page beside each
agency's front-door figures. An agency's label is the one of the multi-agency views
(``store.codes.AGENCY_LABELS``), so "Schools & education" owns the schools' measures
and is the same group as the contacts from schools.

Example::

    >>> from store.measures import default_measures
    >>> measure_owners(default_measures())["pm_strategy_police_attendance"]
    'Police'
    >>> list(owned_by_agency(default_measures()))
    ['Health', 'Police', 'Schools & education']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.registry import Registry
from scorecard.components.indicators import fraction_text
from scorecard.components.status import status_text
from scorecard.formatting import format_target, format_value, is_missing
from store.codes import AGENCY_LABELS
from store.measures import Measure, MeasureCatalogue


def agency_label(code: str) -> str:
    return AGENCY_LABELS.get(code, code)


def measure_owners(measures: MeasureCatalogue) -> dict[str, str]:
    """Each partner measure's owning agency, as its label, by indicator id (``pm_<id>``)."""
    return {m.kpi_id: agency_label(m.owner) for m in measures.measures}


def owned_by_agency(measures: MeasureCatalogue) -> dict[str, tuple[Measure, ...]]:
    """The declared measures by owning agency's label, agencies in the file's order."""
    out: dict[str, tuple[Measure, ...]] = {}
    for m in measures.measures:
        out.setdefault(agency_label(m.owner), measures.owned_by(m.owner))
    return out


def measures_table(registry: Registry, rows: dict[str, dict[str, Any]], kpi_ids: list[str]) -> pd.DataFrame:
    """One row per measure with a stored result: value, its parts, target and status."""
    table: dict[str, list[str]] = {
        "Measure": [],
        "Value": [],
        "Numerator and denominator": [],
        "Target": [],
        "Status": [],
    }
    for kpi_id in kpi_ids:
        row = rows.get(kpi_id)
        if row is None or kpi_id not in registry:
            continue
        ind = registry[kpi_id]
        table["Measure"].append(ind.title)
        table["Value"].append(format_value(row.get("value"), ind.type, row.get("note")))
        table["Numerator and denominator"].append(fraction_text(row, ind))
        target = row.get("target")
        table["Target"].append("" if is_missing(target) else format_target(target, ind.type))
        table["Status"].append(status_text(row.get("status")))
    return pd.DataFrame(table)
