"""The partners' own measures as registry declarations: one indicator ``pm_<id>`` each.

kpis.md ("Partner measures"): each measure declared in the partnership's measures file
(``store.measures``; the file ``SCORECARD_MEASURES_FILE`` names, default the shipped
example) is an indicator whose id is ``pm_`` and its ``id``. Its declaration is written
here from the measure, as a mapping of the same keys as an entry of
``metrics/data/indicators.yaml``, and validated by the same ``Indicator`` model when
``metrics.registry.load_registry(measures)`` builds the registry: a generated
declaration gets no easier checks than a written one.

Readings:

- type from the unit: ``percent`` → percentage, ``rate_per_10k`` → rate (per 10,000 of
  the partner's own denominator, not the LA's population), ``count`` → count, ``days`` →
  number (a duration in days, encoded like a count); polarity ``none`` → neutral.
- source ``partner_measures``, breakdown ``all`` only, stage ``partner_measures``, every
  grain: a period where the measure has no value (a ``days`` measure at a coarser grain,
  a quarterly measure at a month or at a period not ending on a quarter end, a rolled-up
  period with a month or quarter missing) is reported with no value and a note saying
  why, like any other blank value, rather than left out.
- tags ``{partner_measures: place}`` in the order of the file, and ``owner`` the owning
  agency (the sub-heading of the scorecard's "Partners' measures" section).
- the records behind a figure are the figures the partner sent for the months (or
  quarters) of the period.
- the file's ``target`` and ``tolerance`` go in the declaration's ``partner`` part, where
  ``metrics.targets`` reads them as the measure's own target; an entry for ``pm_<id>``
  in the targets file, and a target set in the app or with ``scorecard targets set``,
  override them (in that order).

Example::

    >>> from store.measures import default_measures
    >>> decl = declarations(default_measures())
    >>> [(d["id"], d["type"], d["owner"]) for d in decl][:2]
    [('pm_icpc_health_reports', 'percentage', 'health'), ('pm_new_birth_visits_14d', 'percentage', 'health')]
    >>> decl[0]["partner"]["grain"], decl[0]["partner"]["target"]   # the file's own target
    ('month', 90.0)
"""

from __future__ import annotations

from typing import Any

from store.codes import AGENCY_LABELS
from store.measures import Measure as PartnerMeasure
from store.measures import MeasureCatalogue

STAGE = "partner_measures"  # declared in indicators.yaml's stages

_TYPES = {"percent": "percentage", "rate_per_10k": "rate", "count": "count", "days": "number"}
_UNITS = {"percent": "%", "rate_per_10k": "per 10,000", "count": "count", "days": "days"}
_POLARITY = {"up": "up", "down": "down", "none": "neutral"}
RECORD_COLUMNS = ("measure_id", "period_start", "period_end", "numerator", "denominator", "value", "note")


def declaration(measure: PartnerMeasure, place: int) -> dict[str, Any]:
    """The registry entry of one measure (keys as in indicators.yaml)."""
    owner = AGENCY_LABELS.get(measure.owner, measure.owner)
    ratio = measure.unit in ("percent", "rate_per_10k")
    grain = "quarter" if measure.grain == "quarter" else "month"
    entry: dict[str, Any] = {
        "id": measure.kpi_id,
        "title": measure.title,
        "stage": STAGE,
        "type": _TYPES[measure.unit],
        "polarity": _POLARITY[measure.polarity],
        "unit": _UNITS[measure.unit],
        "source": "partner_measures",
        "breakdowns": ["all"],
        "definition": f"{measure.definition} (Reported by {owner}, by {grain}.)",
        "tags": {"partner_measures": place},
        "owner": measure.owner,
        "partner": {
            "measure_id": measure.id,
            "unit": measure.unit,
            "grain": measure.grain,
            "target": measure.target,
            "tolerance": measure.tolerance,
        },
        "records": {
            "columns": list(RECORD_COLUMNS),
            "description": f"The figures {owner} reported for each {grain} of the period.",
            "order": ["period_start"],
            "ids": ["period_start"],
        },
    }
    if ratio:
        entry["numerator"] = f"the numerators {owner} reported, summed over the period"
        entry["denominator"] = f"the denominators {owner} reported, summed over the period"
    if measure.unit == "percent":
        entry["nothing_qualifies"] = "nothing in the denominator"
    return entry


def declarations(catalogue: MeasureCatalogue) -> list[dict[str, Any]]:
    """The registry entries of every declared measure, in the file's order."""
    return [declaration(m, place) for place, m in enumerate(catalogue.measures, start=1)]
