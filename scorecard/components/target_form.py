"""The indicator page's target form: analysts and administrators change the target of the
indicator for the LA shown or, when granted every LA, for every LA.

Shown only to users with the ``targets`` permission, and checked again on the server in
the callback (``scorecard.target_changes.may_change``), whatever the page showed: the
change is stored, audited with its old and new values, and the indicators recomputed.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from metrics.recompute import recompute
from metrics.registry import Indicator
from metrics.targets import EVERY_LA
from scorecard.audit import client_address
from scorecard.context import get_context
from scorecard.target_changes import TargetChangeError, may_change, set_target
from scorecard.websecurity import signed_in_user

FORM = "indicator-target"


def target_form(ind: Indicator) -> html.Section:
    """The form, shown to a user who may change targets on an indicator that can have one
    (hidden otherwise: its callback's components stay in the page)."""
    user = signed_in_user()
    shown = user is not None and user.can("targets") and ind.polarity != "neutral"
    scopes = [{"label": "The LA shown", "value": "la"}]
    if user is not None and user.every_la:
        scopes.append({"label": "Every LA", "value": EVERY_LA})
    return html.Section(
        [
            html.H2("Change the target", id=f"{FORM}-heading"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("New target", html_for=f"{FORM}-value"),
                            dbc.Input(id=f"{FORM}-value", type="number", step="any"),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Tolerance (optional)", html_for=f"{FORM}-tolerance"),
                            dbc.Input(id=f"{FORM}-tolerance", type="number", step="any", min=0),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("For", html_for=f"{FORM}-scope"),
                            dbc.RadioItems(id=f"{FORM}-scope", options=scopes, value="la"),
                        ],
                        md=3,
                    ),
                ],
                className="mb-2",
            ),
            html.P(
                "The change is recorded in the audit log with the old and new values, and the "
                "indicators are recomputed.",
                className="form-text",
            ),
            dbc.Button("Save the target", id=f"{FORM}-save", color="secondary"),
            html.Div(id=f"{FORM}-message", role="status", className="mt-2"),
        ],
        className="mt-3",
        hidden=not shown,
    )


def save_target(
    _n: int | None, la: str | None, value: Any, tolerance: Any, scope: str | None, kpi_id: str | None
) -> Any:
    """Store the new target (refused for roles without ``targets`` and LAs not granted)."""
    app = get_context()
    user = signed_in_user()
    where = EVERY_LA if scope == EVERY_LA else (la or "")
    if not kpi_id or not may_change(user, where) or user is None:
        return dbc.Alert("Your account may not change this target.", color="danger")
    if value in (None, ""):
        return dbc.Alert("Give the new target (a number).", color="warning")
    try:
        change = set_target(
            app.engine,
            app.registry,
            app.settings.targets_file,
            kpi_id,
            float(value),
            None if tolerance in (None, "") else float(tolerance),
            where,
            user.username,
            client_address(),
        )
    except (TargetChangeError, ValueError) as exc:
        return dbc.Alert(str(exc), color="danger")
    recompute(app.engine, targets_file=app.settings.targets_file, registry=app.registry)
    return dbc.Alert(f"Saved: {change.describe()}. The indicators have been recomputed.", color="success")


def register_form(app: dash.Dash) -> None:
    """Add the form's callback to ``app`` (the indicator page's ``register`` calls it)."""
    app.callback(
        Output(f"{FORM}-message", "children"),
        Input(f"{FORM}-save", "n_clicks"),
        State("indicator-la", "value"),
        State(f"{FORM}-value", "value"),
        State(f"{FORM}-tolerance", "value"),
        State(f"{FORM}-scope", "value"),
        State("indicator-kpi", "data"),
        prevent_initial_call=True,
    )(save_target)
