"""The filters bar: labelled native selects (keyboard and screen-reader friendly).

Control ids are ``<page>-<key>``: ``scorecard-la``, ``scorecard-period`` ...

Example::

    >>> from scorecard.state import FilterOptions, Filters
    >>> options = FilterOptions(las=["394"])
    >>> bar = filters_bar("demo", Filters(la="394"), options, include=("la", "grain"))
    >>> [c.children[1].id for c in bar.children[0].children]
    ['demo-la', 'demo-grain']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from metrics.periods import GRAIN_LABELS, GRAINS, Period
from scorecard.components.markup import props
from scorecard.formatting import la_name
from scorecard.state import ALL, FILTER_KEYS, FilterOptions, Filters, control_values

LABELS: dict[str, str] = {
    "la": "Local authority",
    "grain": "Period type",
    "period": "Period",
    "locality": "Locality",
    "team": "Team",
}


def la_options(las: Sequence[str]) -> list[dict[str, str]]:
    return [{"label": f"{la_name(code)} ({code})", "value": code} for code in las]


def grain_options() -> list[dict[str, str]]:
    return [{"label": GRAIN_LABELS[g], "value": g} for g in GRAINS]


def period_options(periods: Sequence[Period]) -> list[dict[str, str]]:
    return [{"label": p.label, "value": p.end.isoformat()} for p in periods]


def group_options(groups: Sequence[str], all_label: str) -> list[dict[str, str]]:
    return [{"label": all_label, "value": ALL}, *({"label": g, "value": g} for g in groups)]


def options_for(key: str, options: FilterOptions) -> list[dict[str, str]]:
    """The choices of one control."""
    if key == "la":
        return la_options(options.las)
    if key == "grain":
        return grain_options()
    if key == "period":
        return period_options(options.periods)
    if key == "locality":
        return group_options(options.localities, "All localities")
    return group_options(options.teams, "All teams")


def _control(prefix: str, key: str, value: Any, choices: list[dict[str, str]]) -> dbc.Col:
    control_id = f"{prefix}-{key}"
    return dbc.Col(
        [
            dbc.Label(LABELS[key], html_for=control_id, className="form-label"),
            dbc.Select(id=control_id, options=choices, value=value, className="form-select"),
        ],
        xs=12,
        sm=6,
        lg=True,
        className="mb-2",
    )


def filters_bar(
    prefix: str,
    filters: Filters,
    options: FilterOptions,
    include: Sequence[str] = FILTER_KEYS,
) -> html.Div:
    """The page's filter controls, and the keys that go into its URL (a hidden store)."""
    values = control_values(filters)
    row = dbc.Row(
        [_control(prefix, key, values[key], options_for(key, options)) for key in include],
        className="g-2 align-items-end",
    )
    children: list[Any] = [row]
    if "locality" in include and "team" in include:
        children.append(
            html.P(
                "Results are broken down by locality or by team, one at a time.",
                className="form-text mt-0",
            )
        )
    children.append(dcc.Store(id=f"{prefix}-url-keys", data=list(include)))
    children.append(html.Span(id=f"{prefix}-url-sync", hidden=True))
    return html.Div(children, className="sc-filters", role="group", **props(aria_label="Filters"))


def notices(messages: Sequence[str]) -> html.Div | None:
    """Messages about filters that were changed (an unknown LA in a link, for example)."""
    if not messages:
        return None
    return dbc.Alert([html.P(m, className="mb-0") for m in messages], color="info", className="py-2")
