"""Headline figures as tiles: a label, the value in large type, and what it is made of.

Example::

    >>> tile("Starts", "1,234", "episodes started").children[1].children
    '1,234'
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html


def tile(label: str, value: str, detail: str = "", extra: Any = None) -> html.Div:
    """One headline figure."""
    return html.Div(
        [
            html.H3(label, className="h6 mb-1"),
            html.P(value, className="sc-big mb-0"),
            html.P(detail, className="sc-note mb-0") if detail else None,
            extra,
        ],
        className="sc-tile",
    )


def tile_row(tiles: list[html.Div]) -> dbc.Row:
    return dbc.Row([dbc.Col(t, xs=12, sm=6, lg=3, className="mb-3") for t in tiles], className="g-3")
