"""Users and roles (administrators only): the accounts, and one form to add or change one.

The same operations as ``scorecard users``; every change is written to the audit log.
The server checks the administrator's role on this page and on its callback
(``scorecard.access``); the navigation only hides the link.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from metrics.wording import plural
from scorecard import accounts
from scorecard.access import ROLE_TEXT, ROLES
from scorecard.audit import audit_request
from scorecard.components.tables import frame_table
from scorecard.context import AppContext, get_context
from scorecard.pagekit import routed
from scorecard.websecurity import signed_in_user
from store.times import uk_time

PREFIX = "admin-users"
ACTIONS = {
    "add": "Add the user",
    "set-role": "Change the role, agency and LAs",
    "reset-password": "Set a new password",
    "disable": "Disable the account",
    "enable": "Enable the account",
}


def users_view(app: AppContext) -> Any:
    rows = accounts.list_users(app.engine)
    if not rows:
        return html.P("There are no accounts yet.")
    table = pd.DataFrame(
        {
            "User": [r["username"] for r in rows],
            "Role": [r["role"] for r in rows],
            "Agency": [r["agency"] for r in rows],
            "LAs": [r["las"] for r in rows],
            "Active": ["yes" if r["active"] else "no" for r in rows],
            "Password": ["set" if r["password"] else "none" for r in rows],
            "Last sign-in": [
                f"{uk_time(r['last_sign_in']):%d %b %Y %H:%M}" if r["last_sign_in"] else "never" for r in rows
            ],
        }
    )
    return frame_table(table, caption=plural(len(rows), "account"))


def _field(label: str, component: Any, name: str) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=f"{PREFIX}-{name}"), component], md=4)


def layout(**query: Any) -> html.Div:
    app = get_context()
    return html.Div(
        [
            html.H1("Users and roles"),
            html.P(
                "Who may sign in, with which role and for which LAs. " + " ".join(ROLE_TEXT.values()) + ".",
                className="sc-lede",
            ),
            html.Div(users_view(app) if routed(query) else None, id=f"{PREFIX}-table"),
            html.H2("Add or change a user"),
            dbc.Row(
                [
                    _field(
                        "What to do",
                        dbc.Select(
                            id=f"{PREFIX}-action",
                            options=[{"label": v, "value": k} for k, v in ACTIONS.items()],
                            value="add",
                            className="form-select",
                        ),
                        "action",
                    ),
                    _field("User name", dbc.Input(id=f"{PREFIX}-name", type="text", maxLength=200), "name"),
                    _field(
                        "Role",
                        dbc.Select(
                            id=f"{PREFIX}-role",
                            options=[{"label": r, "value": r} for r in ROLES],
                            value="analyst",
                            className="form-select",
                        ),
                        "role",
                    ),
                    _field("Agency (partners)", dbc.Input(id=f"{PREFIX}-agency", type="text"), "agency"),
                    _field(
                        "LAs (comma separated; * for every LA)",
                        dbc.Input(id=f"{PREFIX}-las", type="text"),
                        "las",
                    ),
                    _field(
                        "Password (at least 12 characters)",
                        dbc.Input(id=f"{PREFIX}-password", type="password", autoComplete="new-password"),
                        "password",
                    ),
                ],
                className="g-2 mb-3",
            ),
            dbc.Button("Apply", id=f"{PREFIX}-apply", color="primary"),
            html.Div(id=f"{PREFIX}-message", role="status", className="mt-2"),
        ]
    )


def apply_change(
    app: AppContext,
    action: str,
    name: str,
    role: str | None,
    agency: str | None,
    las_text: str | None,
    password: str | None,
) -> str:
    """Do one change; returns what was done (raises AccountError with what to fix)."""
    name = (name or "").strip()
    if not name:
        raise accounts.AccountError("Enter the user name.")
    las = [la.strip() for la in (las_text or "").split(",") if la.strip()]
    if action == "add":
        user = accounts.add_user(app.engine, name, role or "", password or None, agency, las)
        return f"Added {user.username} ({user.role}; LAs {','.join(sorted(user.las)) or 'none'})."
    if action == "set-role":
        user = accounts.set_role(app.engine, name, role or "", agency, las if las_text else None)
        return f"{user.username} is now {user.role} (LAs {','.join(sorted(user.las)) or 'none'})."
    if action == "reset-password":
        accounts.reset_password(app.engine, name, password or "")
        return f"Set a new password for {name}; their sessions have ended."
    if action in ("disable", "enable"):
        accounts.set_active(app.engine, name, action == "enable")
        return f"{name} is {action}d."
    raise accounts.AccountError(f"Unknown action {action!r}.")


def change_user(
    _n: int | None,
    action: str,
    name: str | None,
    role: str | None,
    agency: str | None,
    las: str | None,
    password: str | None,
) -> tuple[Any, Any, str]:
    """Apply the form (administrators only) and show the accounts again."""
    app = get_context()
    user = signed_in_user()
    if user is None or not user.can("admin"):
        return dbc.Alert("Only an administrator may change users.", color="danger"), dash.no_update, ""
    try:
        done = apply_change(app, action, name or "", role, agency, las, password)
    except accounts.AccountError as exc:
        return dbc.Alert(str(exc), color="danger"), dash.no_update, ""
    audit_request(app.engine, "user", f"{action} {name}: {done}")
    return dbc.Alert(done, color="success"), users_view(app), ""


def register(app: dash.Dash) -> None:
    """Add the page and its callback to ``app`` (called by ``create_app``)."""
    dash.register_page(
        __name__,
        layout=layout,
        path="/admin/users",
        name="Users",
        title="Users – Partnership scorecard",
        order=7,
    )
    app.callback(
        Output(f"{PREFIX}-message", "children"),
        Output(f"{PREFIX}-table", "children"),
        Output(f"{PREFIX}-password", "value"),
        Input(f"{PREFIX}-apply", "n_clicks"),
        State(f"{PREFIX}-action", "value"),
        State(f"{PREFIX}-name", "value"),
        State(f"{PREFIX}-role", "value"),
        State(f"{PREFIX}-agency", "value"),
        State(f"{PREFIX}-las", "value"),
        State(f"{PREFIX}-password", "value"),
        prevent_initial_call=True,
    )(change_user)
