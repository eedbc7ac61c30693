"""Actions: what the clinics agreed to do, filtered by owner, status and overdue (the
indicator page's panel, where an action is raised, is scorecard/components/actions_panel.py).

The filters are the page's URL query (``?owner=J.%20Lead&status=open&overdue=1``), read
by :func:`layout` and written back as they change by the same browser-side sync as the
other pages' filters (``pagekit.register_url_sync``, ``URL_KEYS``), so a link or a
reload shows the same list. An update (status, owner, due date, note) adds a version,
so the history is kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html

from scorecard.actions import (
    STATUSES,
    Action,
    ActionError,
    action_records,
    actions_csv,
    list_actions,
    update_action,
)
from scorecard.audit import audit_request
from scorecard.components.actions_panel import author, name_field, visible_actions, write_refused
from scorecard.components.tables import frame_table
from scorecard.context import get_context
from scorecard.pagekit import register_url_sync

PREFIX = "actions"
URL_KEYS = ("owner", "status", "overdue")
"""The filters kept in the URL query, in the order of their controls (``actions-<key>``)."""
PANEL = "indicator-actions"
COLUMNS = {
    "action_id": "No.",
    "kpi_id": "Indicator",
    "la_code": "LA",
    "period_end": "Period",
    "team": "Team",
    "agency": "Agency",
    "action": "Action",
    "owner": "Owner",
    "due_date": "Due",
    "status": "Status",
    "overdue": "Overdue",
    "last_note": "Latest note",
}


def actions_table(actions: list[Action], today: date, caption: str) -> Any:
    """The actions as an accessible table, titles of indicators in words."""
    if not actions:
        return html.P("No actions match.", className="text-muted")
    registry = get_context().registry
    frame = pd.DataFrame(action_records(actions, today))[list(COLUMNS)]
    frame["kpi_id"] = [registry[k].title if k in registry else k for k in frame["kpi_id"]]
    return frame_table(frame.rename(columns=COLUMNS), caption=caption, numeric=("No.",))


def _filters_form(owner: str, status: str, overdue: bool) -> html.Div:
    return html.Div(
        [
            dbc.Label("Owner", html_for=f"{PREFIX}-owner"),
            dbc.Input(id=f"{PREFIX}-owner", value=owner, type="text", debounce=True, className="mb-2"),
            dbc.Label("Status", html_for=f"{PREFIX}-status"),
            dbc.Select(
                id=f"{PREFIX}-status",
                options=[{"label": "Any", "value": ""}] + [{"label": s, "value": s} for s in STATUSES],
                value=status,
                className="mb-2",
            ),
            dbc.Checkbox(id=f"{PREFIX}-overdue", label="Only overdue", value=overdue, className="mb-2"),
            dcc.Store(id=f"{PREFIX}-url-keys", data=list(URL_KEYS)),
            html.Span(id=f"{PREFIX}-url-sync", hidden=True),
        ],
        className="sc-filters",
    )


def _update_form(hidden: bool = False) -> html.Section:
    return html.Section(
        [
            html.H2("Update an action", className="h4"),
            dbc.Label("Action number", html_for=f"{PREFIX}-update-id"),
            dbc.Input(id=f"{PREFIX}-update-id", type="number", min=1, className="mb-2"),
            dbc.Label("New status", html_for=f"{PREFIX}-update-status"),
            dbc.Select(
                id=f"{PREFIX}-update-status",
                options=[{"label": s, "value": s} for s in STATUSES],
                value="done",
                className="mb-2",
            ),
            dbc.Label("Note (what was done, or why it was dropped)", html_for=f"{PREFIX}-update-note"),
            dbc.Textarea(id=f"{PREFIX}-update-note", rows=2, maxLength=2000, className="mb-2"),
            *name_field(f"{PREFIX}-update-author"),
            dbc.Button("Update", id=f"{PREFIX}-update-save", color="primary"),
            html.Div(id=f"{PREFIX}-update-message", role="status", className="mt-2"),
        ],
        className="mt-4 sc-no-print",
        hidden=hidden,
    )


def query_filters(owner: str = "", status: str = "", overdue: str = "") -> tuple[str, str, bool]:
    """The filters a URL query gives (an unknown status is no filter).

    >>> query_filters("J. Lead", "open", "1"), query_filters(status="late", overdue="false")
    (('J. Lead', 'open', True), ('', '', False))
    """
    return owner.strip(), status if status in STATUSES else "", overdue.lower() in ("1", "true", "yes")


def layout(owner: str = "", status: str = "", overdue: str = "", **_query: Any) -> html.Div:
    owner, status, only_overdue = query_filters(owner, status, overdue)
    return html.Div(
        [
            html.H1("Actions"),
            html.P(
                "What the performance clinics agreed to do about an indicator, who owns it and by "
                "when. Raise an action on the indicator's page.",
                className="sc-lede",
            ),
            _filters_form(owner, status, only_overdue),
            html.Div(id=f"{PREFIX}-list"),
            html.A("Download these actions (CSV)", id=f"{PREFIX}-csv", className="sc-download"),
            # kept in the layout (the callback reads it) but hidden from those who may not write
            _update_form(hidden=write_refused() is not None),
        ]
    )


def get_action_visible(engine: Any, action_id: int) -> Action | None:
    """The action if it exists and names no LA or one the signed-in user may see."""
    found = visible_actions(list_actions(engine, action_ids=[action_id]))
    return found[0] if found else None


def show_actions(
    owner: str | None,
    status: str | None,
    overdue: bool | None,
    _save: int | None,
    action_id: Any,
    new_status: str | None,
    note: str | None,
    typed: str | None,
) -> tuple[Any, str, str, Any]:
    """The actions for the filters; on "Update", a new version of one action first."""
    from urllib.parse import quote

    app = get_context()
    today = date.today()
    message: Any = ""
    if ctx.triggered_id == f"{PREFIX}-update-save" and (refused := write_refused()) is not None:
        message = refused
    elif ctx.triggered_id == f"{PREFIX}-update-save":
        try:
            if not action_id:
                raise ActionError("Enter the number of the action to update.")
            if get_action_visible(app.engine, int(action_id)) is None:
                raise ActionError(f"There is no action {int(action_id)} you may see.")
            updated = update_action(app.engine, int(action_id), author(typed), status=new_status, note=note)
            audit_request(
                app.engine,
                "comment",
                f"{updated.scope.kpi_id}: action {updated.action_id} updated",
                updated.scope.la_code,
            )
            message = dbc.Alert(f"Action {updated.action_id} is now {updated.status}.", color="success")
        except ActionError as exc:
            message = dbc.Alert(str(exc), color="danger")
    found = visible_actions(
        list_actions(
            app.engine, owner=owner or None, status=status or None, overdue_on=today if overdue else None
        )
    )
    href = "data:text/csv;charset=utf-8," + quote("\ufeff" + actions_csv(found, today))
    return actions_table(found, today, "Clinic actions"), href, f"actions_{today:%Y-%m-%d}.csv", message


def register(app: dash.Dash) -> None:
    """Add the page and its callbacks to ``app`` (called by ``create_app``)."""
    dash.register_page(
        __name__,
        layout=layout,
        path="/actions",
        name="Actions",
        title="Actions – Partnership scorecard",
        order=6,
    )
    app.callback(
        Output(f"{PREFIX}-list", "children"),
        Output(f"{PREFIX}-csv", "href"),
        Output(f"{PREFIX}-csv", "download"),
        Output(f"{PREFIX}-update-message", "children"),
        Input(f"{PREFIX}-owner", "value"),
        Input(f"{PREFIX}-status", "value"),
        Input(f"{PREFIX}-overdue", "value"),
        Input(f"{PREFIX}-update-save", "n_clicks"),
        State(f"{PREFIX}-update-id", "value"),
        State(f"{PREFIX}-update-status", "value"),
        State(f"{PREFIX}-update-note", "value"),
        State(f"{PREFIX}-update-author", "value"),
    )(show_actions)
    register_url_sync(app, PREFIX, URL_KEYS)
