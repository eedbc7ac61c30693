"""The child's journey as a flow: steps with counts, arrows with the conversion between them.

The numbers are stored indicator results; a step with no conversion indicator in the
registry says so rather than dividing one count by another.

The steps, the conversions between them and the early help lane are the indicators
tagged ``journey_step``, ``journey_edge`` and ``journey_early_help`` in
``metrics/data/indicators.yaml``, with the words of their ``journey:`` entry.

Example::

    >>> from metrics.registry import load_registry
    >>> steps = journey_steps(load_registry())
    >>> [s.label for s in steps][:3]
    ['Contacts', 'Referrals', 'Assessments completed']
    >>> journey_edges(load_registry())[2].kpi_id is None   # assessment to S47: none defined
    True
    >>> conversion = {"value": 30.0, "numerator": 300.0, "denominator": 1000.0, "note": None}
    >>> rows = {"contacts": {"value": 1200.0}, "contact_conversion": conversion}
    >>> step_count(steps[0], rows)
    1200.0
    >>> conversion_text("contact_conversion", rows)
    ('30.0%', '300 of 1,000')

For sharing (``scorecard.sharing.PeriodView``) a hidden value comes as missing with the
note "c", a hidden numerator or denominator as "c"; they are shown as "c"::

    >>> shared = {"contacts": {"value": float("nan"), "note": "c"},
    ...           "contact_conversion": {"value": float("nan"), "numerator": "c",
    ...                                  "denominator": 1000.0, "note": "c"}}
    >>> step_count(steps[0], shared), conversion_text("contact_conversion", shared)
    ('c', ('c', 'c of 1,000'))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import html

from metrics.registry import Indicator, Registry
from metrics.wording import plural, plural_of
from scorecard.components.markup import props
from scorecard.formatting import SUPPRESSED, format_number, format_value, is_missing


@dataclass(frozen=True)
class Step:
    """A stage of the journey: its label and where its count comes from."""

    label: str
    kpi_id: str
    part: str = "value"  # "value", or "denominator" when the count is another indicator's denominator
    note: str = ""


@dataclass(frozen=True)
class Edge:
    """The conversion between two steps: an indicator, or None when the registry has none."""

    kpi_id: str | None
    words: str


NO_EDGE = "no conversion indicator is defined for this step"


def journey_steps(registry: Registry) -> tuple[Step, ...]:
    """The steps of the journey, in order (indicators tagged ``journey_step``)."""
    steps = []
    for ind in registry.tagged("journey_step"):
        assert ind.journey is not None  # the registry requires it with the tag
        steps.append(Step(ind.journey.label, ind.id, ind.journey.part, ind.journey.note))
    return tuple(steps)


def journey_edges(registry: Registry) -> tuple[Edge, ...]:
    """The conversion after each step but the last: its indicator (``journey_edge``), or none."""
    after = {ind.tags["journey_edge"]: ind for ind in registry.tagged("journey_edge")}
    places = [ind.tags["journey_step"] for ind in registry.tagged("journey_step")]
    edges = []
    for place in places[:-1]:
        ind = after.get(place)
        label = ind.journey.label if ind is not None and ind.journey is not None else NO_EDGE
        edges.append(Edge(ind.id if ind is not None else None, label))
    return tuple(edges)


def trend_kpis(registry: Registry) -> tuple[str, ...]:
    """The conversion indicators, in journey order (the trend chart's series)."""
    return tuple(e.kpi_id for e in journey_edges(registry) if e.kpi_id)


def early_help_kpis(registry: Registry) -> tuple[str, ...]:
    """The early help lane beside the journey (``journey_early_help``)."""
    return tuple(ind.id for ind in registry.tagged("journey_early_help"))


def journey_kpis(registry: Registry) -> list[str]:
    steps = {s.kpi_id for s in journey_steps(registry)}
    return sorted(steps | set(trend_kpis(registry)) | set(early_help_kpis(registry)))


def step_count(step: Step, rows: dict[str, dict[str, Any]]) -> float | str | None:
    """The step's count, "c" when it is hidden for sharing, or None when there is none."""
    row = rows.get(step.kpi_id)
    if row is None:
        return None
    found: Any = row.get(step.part)
    if found == SUPPRESSED or (step.part == "value" and is_missing(found) and row.get("note") == SUPPRESSED):
        return SUPPRESSED
    return None if is_missing(found) else float(found)


def conversion_text(kpi_id: str | None, rows: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """The conversion as text and its fraction ("30.7%", "341 of 1,112")."""
    if kpi_id is None:
        return "–", ""
    row = rows.get(kpi_id)
    if row is None:
        return "n/a", "no result stored"
    text = format_value(row.get("value"), "percentage", row.get("note"))
    if is_missing(row.get("value")) and text != SUPPRESSED:
        return "n/a", text
    return text, f"{format_number(row.get('numerator'))} of {format_number(row.get('denominator'))}"


def flow(registry: Registry, rows: dict[str, dict[str, Any]]) -> html.Ol:
    """The main flow as an ordered list: steps with counts, arrows with conversions."""
    items: list[Any] = []
    edges = journey_edges(registry)
    for i, step in enumerate(journey_steps(registry)):
        count = step_count(step, rows)
        items.append(
            html.Li(
                [
                    html.Span(step.label, className="fw-bold d-block"),
                    html.Span(format_number(count) if count is not None else "n/a", className="sc-big"),
                    html.Span(step.note, className="sc-note d-block") if step.note else None,
                ],
                className="sc-flow-step",
            )
        )
        if i < len(edges):
            edge = edges[i]
            rate, fraction = conversion_text(edge.kpi_id, rows)
            items.append(
                html.Li(
                    [
                        html.Span("→", className="sc-edge-arrow", **props(aria_hidden="true")),
                        html.Span(rate, className="sc-edge-rate"),
                        html.Span(edge.words, className="sc-note"),
                        html.Span(fraction, className="sc-note"),
                    ],
                    className="sc-flow-edge",
                )
            )
    return html.Ol(items, className="sc-flow", **props(aria_label="The child's journey, step by step"))


def lane_line(ind: Indicator, row: dict[str, Any] | None) -> str:
    """One line of the early help lane: "Step-up: 12.5% of ... (3 episodes)", "(1 episode)".

    >>> from metrics.registry import load_registry
    >>> lane_line(load_registry()["eh_stepped_up"], {"value": 100.0, "numerator": 1.0})[-11:]
    '(1 episode)'
    """
    assert ind.journey is not None  # the registry requires it with the tag
    words = ind.journey
    value = format_value(row.get("value"), ind.type, row.get("note")) if row else "n/a"
    line = f"{words.label}: {value}" + (f" {words.note}" if words.note else "")
    if words.counted:
        counted: Any = row.get("numerator") if row else None
        if counted == SUPPRESSED:
            line += f" ({SUPPRESSED} {plural_of(words.counted)})"
        elif not is_missing(counted):
            line += f" ({plural(float(counted), words.counted)})"
        else:
            line += f" (n/a {plural_of(words.counted)})"
    return line


def early_help_lane(registry: Registry, rows: dict[str, dict[str, Any]]) -> html.Div:
    """Early help beside the statutory journey (the indicators tagged ``journey_early_help``)."""
    return html.Div(
        [
            html.H3("Early help, beside the journey"),
            html.Ul([html.Li(lane_line(i, rows.get(i.id))) for i in registry.tagged("journey_early_help")]),
        ],
        className="sc-eh-lane",
    )


def journey_table(registry: Registry, rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Every number on the diagram, for the table alternative and its download."""
    records = []
    steps = [s.kpi_id for s in journey_steps(registry)]
    for kpi_id in steps + list(trend_kpis(registry)) + list(early_help_kpis(registry)):
        row = rows.get(kpi_id)
        ind = registry[kpi_id]
        records.append(
            {
                "Indicator": ind.title,
                "Value": format_value(row.get("value"), ind.type, row.get("note")) if row else "n/a",
                "Numerator": format_number(row.get("numerator"))
                if row and not is_missing(row.get("numerator"))
                else "",
                "Denominator": format_number(row.get("denominator"))
                if row and not is_missing(row.get("denominator"))
                else "",
            }
        )
    return pd.DataFrame(records).drop_duplicates("Indicator")
