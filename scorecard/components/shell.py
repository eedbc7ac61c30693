"""The frame around every page: skip link, header and navigation, the error alert, footer."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from metrics.results import RunInfo
from scorecard.components.markup import props
from scorecard.errors import ALERT_ID
from store.times import uk_time

SHELL_ID = "app-shell"
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Scorecard"),
    ("/journey", "Child's journey"),
    ("/partners", "Partners"),
    ("/early-help", "Early help"),
    ("/data-quality", "Data quality"),
    ("/loads", "Data loads"),
    ("/actions", "Actions"),
)


def navigation() -> html.Nav:
    links = [
        dbc.NavItem(dbc.NavLink(label, href=path, active="exact", className="sc-nav-link"))
        for path, label in NAV
    ]
    return html.Nav(dbc.Nav(links, className="sc-nav"), **props(aria_label="Main"))


def freshness(run: RunInfo | None) -> str:
    if run is None:
        return "No indicators have been computed yet."
    return f"Indicators last computed {uk_time(run.finished_at):%d %B %Y at %H:%M} (run {run.run_id})."


def shell(run: RunInfo | None) -> html.Div:
    """The page frame; the current page goes in ``dash.page_container``."""
    main: list[Any] = [
        dbc.Alert(id=ALERT_ID, is_open=False, color="danger", dismissable=True, className="mt-3"),
        dash.page_container,
    ]
    return html.Div(
        id=SHELL_ID,
        children=[
            html.A("Skip to main content", href="#main", className="visually-hidden-focusable sc-skip"),
            html.Header(
                dbc.Container(
                    [
                        html.A("Partnership scorecard", href="/", className="sc-service-name"),
                        html.Span("The child's journey in numbers", className="sc-strapline"),
                        navigation(),
                    ],
                    fluid="xl",
                ),
                className="sc-header",
            ),
            dbc.Container(html.Main(main, id="main", tabIndex="-1"), fluid="xl", className="sc-main"),
            html.Footer(
                dbc.Container(
                    [
                        html.P(freshness(run), className="mb-1"),
                        html.P(
                            "Official sensitive: these pages show figures about children. "
                            "Exports for "
                            "sharing suppress small numbers; operational views do not.",
                            className="mb-0",
                        ),
                    ],
                    fluid="xl",
                ),
                className="sc-footer",
            ),
        ],
    )
