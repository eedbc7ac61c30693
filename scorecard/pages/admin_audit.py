"""The audit log (administrators only): who did what, when and from where, newest first.

The same rows as ``scorecard audit``, filtered by user and start date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, html

from metrics.wording import plural
from scorecard.audit import read_audit
from scorecard.components.tables import download_link, frame_table
from scorecard.context import AppContext, get_context
from scorecard.pagekit import routed
from scorecard.websecurity import signed_in_user
from store.times import uk_day_start, uk_time

PREFIX = "admin-audit"
SHOWN = 500
COLUMNS = {
    "at": "When",
    "username": "User",
    "action": "Action",
    "la_code": "LA",
    "detail": "What",
    "address": "From",
}


def audit_view(app: AppContext, username: str | None, since: str | None) -> Any:
    """The latest rows of the log for the filters, with a CSV of them."""
    user = signed_in_user()
    if user is None or not user.can("admin"):
        return html.P("Only an administrator may read the audit log.")
    start = uk_day_start(date.fromisoformat(since)) if since else None
    rows = read_audit(app.engine, (username or "").strip() or None, start, limit=SHOWN)
    if not rows:
        return html.P("No audit rows match.")
    frame = pd.DataFrame(rows)[list(COLUMNS)].rename(columns=COLUMNS)
    frame["When"] = [f"{uk_time(t):%Y-%m-%d %H:%M:%S}" for t in frame["When"]]
    frame = frame.fillna("")
    return [
        frame_table(frame, caption=f"The latest {plural(len(frame), 'row')}, newest first"),
        download_link(frame, "audit_log.csv", "Download these rows (CSV)"),
    ]


def layout(**query: Any) -> html.Div:
    app = get_context()
    return html.Div(
        [
            html.H1("Audit log"),
            html.P(
                "Every sign-in, record view and download, export, upload, load, commentary and "
                "user change. The log is append-only.",
                className="sc-lede",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("User", html_for=f"{PREFIX}-user"),
                            dbc.Input(id=f"{PREFIX}-user", type="text", debounce=True),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("From (date)", html_for=f"{PREFIX}-since"),
                            dbc.Input(id=f"{PREFIX}-since", type="date"),
                        ],
                        md=4,
                    ),
                ],
                className="g-2 mb-3",
            ),
            html.Div(audit_view(app, None, None) if routed(query) else None, id=f"{PREFIX}-table"),
        ]
    )


def filter_audit(username: str | None, since: str | None) -> Any:
    return audit_view(get_context(), username, since)


def register(app: dash.Dash) -> None:
    """Add the page and its callback to ``app`` (called by ``create_app``)."""
    dash.register_page(
        __name__,
        layout=layout,
        path="/admin/audit",
        name="Audit log",
        title="Audit log – Partnership scorecard",
        order=8,
    )
    app.callback(
        Output(f"{PREFIX}-table", "children"),
        Input(f"{PREFIX}-user", "value"),
        Input(f"{PREFIX}-since", "value"),
        prevent_initial_call=True,
    )(filter_audit)
