"""The indicator page's actions: the list with each action's history, and a form to
raise one against the indicator for the LA and period shown."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html

from scorecard.actions import ActionScope, action_history, is_overdue, list_actions, raise_action
from scorecard.audit import audit_request, current_viewer
from scorecard.context import get_context
from scorecard.websecurity import scope_las, signed_in_user

PANEL = "indicator-actions"


def author(typed: str | None) -> str | None:
    """Who is acting: the signed-in user when sign-in exists, else the name typed.

    The one hook for sign-in: ``current_viewer`` (scorecard/audit.py) returns the
    signed-in user once the web server or the app signs people in."""
    return current_viewer() or typed


def write_refused() -> Any | None:
    """A refusal when the signed-in user may read actions but not write them (partners
    and the board, SECURITY.md); None when they may. Checked on the server in the
    callback, whatever the page showed."""
    user = signed_in_user()
    if user is not None and user.can("comment"):
        return None
    return dbc.Alert("Your role may read actions but not raise or change them.", color="danger")


def visible_actions(actions: list[Any]) -> list[Any]:
    """The actions naming no LA or an LA the signed-in user may see."""
    shown = set(scope_las(sorted({a.scope.la_code for a in actions if a.scope.la_code})))
    return [a for a in actions if a.scope.la_code is None or a.scope.la_code in shown]


def name_field(component_id: str) -> list[Any]:
    """ "Your name", remembered in the browser (until sign-in gives the name)."""
    return [
        dbc.Label("Your name", html_for=component_id),
        dbc.Input(
            id=component_id,
            type="text",
            maxLength=200,
            persistence=True,
            persistence_type="local",
            className="mb-2",
        ),
    ]


def actions_panel(writable: bool = True) -> html.Section:
    """The indicator page's actions: the list, and a form to raise one (hidden when
    ``writable`` is false: its components stay, for the callback, which checks again)."""
    return html.Section(
        [
            html.H2("Actions", id=f"{PANEL}-heading"),
            html.Div(id=f"{PANEL}-list"),
            html.Details(
                [
                    html.Summary("Raise an action"),
                    dbc.Label("What will be done", html_for=f"{PANEL}-body"),
                    dbc.Textarea(id=f"{PANEL}-body", rows=2, maxLength=2000, className="mb-2"),
                    dbc.Label("Owner", html_for=f"{PANEL}-owner"),
                    dbc.Input(id=f"{PANEL}-owner", type="text", maxLength=200, className="mb-2"),
                    dbc.Label("Due date", html_for=f"{PANEL}-due"),
                    dbc.Input(id=f"{PANEL}-due", type="date", className="mb-2"),
                    dbc.Label("Team or agency (optional)", html_for=f"{PANEL}-group"),
                    dbc.Input(id=f"{PANEL}-group", type="text", maxLength=200, className="mb-2"),
                    *name_field(f"{PANEL}-author"),
                    dbc.Button("Raise action", id=f"{PANEL}-save", color="primary"),
                ],
                className="sc-no-print",
                id=f"{PANEL}-form",
                hidden=not writable,
            ),
            html.Div(id=f"{PANEL}-message", role="status", className="mt-2"),
        ],
        className="mt-3",
    )


def panel_view(kpi_id: str, la_code: str | None, today: date) -> Any:
    """The indicator's actions for the LA, each with its history on demand."""
    app = get_context()
    found = visible_actions(list_actions(app.engine, kpi_id=kpi_id, la_code=la_code))
    if not found:
        return html.P("No actions for this indicator yet.", className="text-muted")
    items = []
    for action in found:
        late = " OVERDUE" if is_overdue(action, today) else ""
        history = action_history(app.engine, action.action_id)
        items.append(
            html.Li(
                [
                    html.Strong(f"#{action.action_id} {action.body}"),
                    html.Span(
                        f" – {action.owner}, due {action.due_date:%d %B %Y}, {action.status}{late}",
                        className="sc-action-meta",
                    ),
                    html.Details(
                        [
                            html.Summary(f"History ({len(history)})"),
                            html.Ol(
                                [
                                    html.Li(
                                        f"{v.created_at:%d %b %Y %H:%M} {v.author}: {v.status}, "
                                        f"{v.owner}, due {v.due_date:%d %b %Y}"
                                        + (f" – {v.note}" if v.note else "")
                                    )
                                    for v in history
                                ],
                                reversed=True,
                            ),
                        ]
                    ),
                ]
            )
        )
    return html.Ul(items, className="sc-actions")


def show_or_raise_action(
    _save: int | None,
    la_code: str | None,
    grain: str | None,
    period: str | None,
    body: str | None,
    owner: str | None,
    due: str | None,
    group: str | None,
    typed: str | None,
    kpi_id: str,
) -> tuple[Any, Any]:
    """The indicator's actions; on "Raise action", record one for the LA and period shown."""
    app = get_context()
    message: Any = ""
    if ctx.triggered_id == f"{PANEL}-save" and (refused := write_refused()) is not None:
        message = refused
    elif ctx.triggered_id == f"{PANEL}-save":
        try:
            due_date = date.fromisoformat(due) if due else None
            period_end = date.fromisoformat(period) if period else None
            scope = ActionScope(
                kpi_id, la_code or None, grain or None, period_end, team=(group or "").strip() or None
            )
            saved = raise_action(app.engine, scope, body, owner, due_date, author(typed))
            audit_request(app.engine, "comment", f"{kpi_id}: action {saved.action_id} raised", la_code)
            message = dbc.Alert(f"Action {saved.action_id} raised for {saved.owner}.", color="success")
        except ValueError as exc:  # ActionError, or a malformed date
            message = dbc.Alert(str(exc), color="danger")
    return panel_view(kpi_id, la_code, date.today()), message


def register_panel(app: dash.Dash) -> None:
    """Add the panel's callback to ``app`` (the indicator page's ``register`` calls it)."""
    app.callback(
        Output(f"{PANEL}-list", "children"),
        Output(f"{PANEL}-message", "children"),
        Input(f"{PANEL}-save", "n_clicks"),
        Input("indicator-la", "value"),
        State("indicator-grain", "value"),
        State("indicator-period", "value"),
        State(f"{PANEL}-body", "value"),
        State(f"{PANEL}-owner", "value"),
        State(f"{PANEL}-due", "value"),
        State(f"{PANEL}-group", "value"),
        State(f"{PANEL}-author", "value"),
        State("indicator-kpi", "data"),
    )(show_or_raise_action)
