"""The child's journey as a flow: steps with counts, arrows with the conversion between them.

The numbers are stored indicator results; a step with no conversion indicator in the
registry says so rather than dividing one count by another.

Example::

    >>> conversion = {"value": 30.0, "numerator": 300.0, "denominator": 1000.0, "note": None}
    >>> rows = {"contacts": {"value": 1200.0}, "contact_conversion": conversion}
    >>> step_count(STEPS[0], rows)
    1200.0
    >>> conversion_text("contact_conversion", rows)
    ('30.0%', '300 of 1,000')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import html

from metrics.registry import Registry
from scorecard.components.markup import props
from scorecard.formatting import format_number, format_value, is_missing


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


STEPS: tuple[Step, ...] = (
    Step("Contacts", "contacts"),
    Step("Referrals", "referrals"),
    Step("Assessments completed", "assessments_completed"),
    Step("Section 47 enquiries", "s47_started"),
    Step("Initial conferences", "icpc_15wd", "denominator", "conferences held in the period"),
    Step("Child protection plans", "cp_plans_started", note="plans started"),
)
EDGES: tuple[Edge, ...] = (
    Edge("contact_conversion", "of decided contacts became referrals"),
    Edge("referral_to_assessment", "of referrals led to an assessment"),
    Edge(None, "no conversion indicator is defined for this step"),
    Edge("s47_to_icpc", "of enquiries led to a conference"),
    Edge("icpc_to_plan", "of conferences resulted in a plan"),
)
EARLY_HELP = ("eh_started", "eh_reach", "eh_stepped_up", "step_down_to_eh")
TREND_KPIS = tuple(e.kpi_id for e in EDGES if e.kpi_id)


def journey_kpis() -> list[str]:
    return sorted({s.kpi_id for s in STEPS} | set(TREND_KPIS) | set(EARLY_HELP))


def step_count(step: Step, rows: dict[str, dict[str, Any]]) -> float | None:
    row = rows.get(step.kpi_id)
    if row is None or is_missing(row.get(step.part)):
        return None
    return float(row[step.part])


def conversion_text(kpi_id: str | None, rows: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """The conversion as text and its fraction ("30.7%", "341 of 1,112")."""
    if kpi_id is None:
        return "–", ""
    row = rows.get(kpi_id)
    if row is None:
        return "n/a", "no result stored"
    text = format_value(row.get("value"), "percentage", row.get("note"))
    if is_missing(row.get("value")):
        return "n/a", text
    return text, f"{format_number(row.get('numerator'))} of {format_number(row.get('denominator'))}"


def flow(rows: dict[str, dict[str, Any]]) -> html.Ol:
    """The main flow as an ordered list: steps with counts, arrows with conversions."""
    items: list[Any] = []
    for i, step in enumerate(STEPS):
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
        if i < len(EDGES):
            edge = EDGES[i]
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


def early_help_lane(rows: dict[str, dict[str, Any]]) -> html.Div:
    """Early help beside the statutory journey: starts, reach, step-up and step-down."""

    def value(kpi: str, kind: str) -> str:
        row = rows.get(kpi)
        return format_value(row.get("value"), kind, row.get("note")) if row else "n/a"

    def count(kpi: str) -> str:
        row = rows.get(kpi)
        return format_number(row.get("numerator")) if row and not is_missing(row.get("numerator")) else "n/a"

    return html.Div(
        [
            html.H3("Early help, beside the journey"),
            html.Ul(
                [
                    html.Li(f"Episodes started: {value('eh_started', 'count')}"),
                    html.Li(
                        f"Children supported per 10,000: {value('eh_reach', 'rate')} "
                        f"({count('eh_reach')} children)"
                    ),
                    html.Li(
                        f"Step-up: {value('eh_stepped_up', 'percentage')} of early help episodes "
                        "that closed were stepped up to children's social care "
                        f"({count('eh_stepped_up')} episodes)"
                    ),
                    html.Li(
                        f"Step-down: {value('step_down_to_eh', 'percentage')} of social care "
                        "closures were "
                        f"stepped down to early help ({count('step_down_to_eh')} closures)"
                    ),
                ]
            ),
        ],
        className="sc-eh-lane",
    )


def journey_table(registry: Registry, rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Every number on the diagram, for the table alternative and its download."""
    records = []
    for kpi_id in [s.kpi_id for s in STEPS] + list(TREND_KPIS) + list(EARLY_HELP):
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
