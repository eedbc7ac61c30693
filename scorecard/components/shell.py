"""The frame around every page: skip link, header and navigation, the error alert, footer."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from metrics.results import RunInfo
from scorecard.access import User, page_permission
from scorecard.components.markup import props
from scorecard.errors import ALERT_ID
from store.times import uk_time

SHELL_ID = "app-shell"
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Scorecard"),
    ("/journey", "Child's journey"),
    ("/partners", "Partners"),
    ("/early-help", "Early help"),
    ("/workforce", "Workforce"),
    ("/quality", "Quality assurance"),
    ("/data-quality", "Data quality"),
    ("/loads", "Data loads"),
    ("/actions", "Actions"),
    ("/admin/users", "Users"),
    ("/admin/audit", "Audit log"),
)


def navigation(user: User | None = None) -> html.Nav:
    """The links of the pages the user may open (the server checks again on every request)."""
    links = [
        dbc.NavItem(dbc.NavLink(label, href=path, active="exact", className="sc-nav-link"))
        for path, label in NAV
        if user is None or user.can(page_permission(path))
    ]
    return html.Nav(dbc.Nav(links, className="sc-nav"), **props(aria_label="Main"))


def account_bar(user: User | None, csrf_token: str | None) -> html.Div | None:
    """Who is signed in, with the sign-out button (a form POST carrying the CSRF token)."""
    if user is None:
        return None
    return html.Div(
        html.Form(
            [
                html.Span(f"Signed in as {user.username} ({user.role})", className="me-2", id="signed-in-as"),
                dcc.Input(type="hidden", name="csrf_token", value=csrf_token or "", id="signout-csrf"),
                html.Button(
                    "Sign out", type="submit", className="btn btn-sm btn-outline-light", id="sign-out"
                ),
            ],
            action="/signout",
            method="POST",
            className="d-inline",
        ),
        className="sc-account",
    )


def freshness(run: RunInfo | None) -> str:
    if run is None:
        return "No indicators have been computed yet."
    return f"Indicators last computed {uk_time(run.finished_at):%d %B %Y at %H:%M} (run {run.run_id})."


def shell(run: RunInfo | None, user: User | None = None, csrf_token: str | None = None) -> html.Div:
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
                        account_bar(user, csrf_token),
                        navigation(user),
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
