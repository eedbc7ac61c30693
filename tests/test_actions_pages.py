"""Actions and commentary on the pages: the Actions page's filters and updates, the
indicator page's panel, the scorecard row's markers and the Excel/CSV columns."""

from __future__ import annotations

import csv
import importlib
import io
from datetime import date, timedelta
from typing import Any

from scorecard.actions import ActionScope, list_actions, raise_action
from scorecard.commentary import CommentKey, save_comment
from tests import dash_fixtures
from tests.dash_fixtures import LAST_MONTH, MAIN_LA, call_with_trigger, page, text_of

dash_store_url = dash_fixtures.dash_store_url
dash_app = dash_fixtures.dash_app
app_ctx = dash_fixtures.app_ctx
PERIOD = date(LAST_MONTH.year, LAST_MONTH.month, 31)
ISO_END = PERIOD.isoformat()


def _panel() -> Any:
    return importlib.import_module("scorecard.components.actions_panel")


def test_raise_on_the_indicator_page_then_update_on_the_actions_page(app_ctx: Any) -> None:
    due = (date.today() - timedelta(days=1)).isoformat()  # already overdue
    args = (MAIN_LA, "month", ISO_END, "Audit 20 re-referrals", "J. Lead", due, "Duty team", "A. Chair")
    shown, message = call_with_trigger(
        _panel().show_or_raise_action, "indicator-actions-save.n_clicks", 1, *args, "rereferrals_12m"
    )
    assert "raised for J. Lead" in text_of(message)
    assert "Audit 20 re-referrals" in text_of(shown) and "OVERDUE" in text_of(shown)
    action = next(a for a in list_actions(app_ctx.engine) if a.body == "Audit 20 re-referrals")
    assert action.scope == ActionScope("rereferrals_12m", MAIN_LA, "month", PERIOD, "Duty team", None)
    assert action.created_by == "test-admin"  # the signed-in user, not the typed name

    actions = page("actions")
    table, href, name, _ = call_with_trigger(
        actions.show_actions, "actions-overdue.value", "J. Lead", "open", True, None, None, "done", None, None
    )
    assert "Re-referrals within 12 months" in text_of(table) and name.endswith(".csv")
    assert "Audit%2020%20re-referrals" in href
    _, _, _, done = call_with_trigger(
        actions.show_actions,
        "actions-update-save.n_clicks",
        "J. Lead",
        "",
        False,
        1,
        action.action_id,
        "done",
        "Audit done",
        "J. Lead",
    )
    assert f"Action {action.action_id} is now done" in text_of(done)
    table, *_ = call_with_trigger(
        actions.show_actions, "actions-overdue.value", "J. Lead", "open", True, None, None, "done", None, None
    )
    assert "Audit 20 re-referrals" not in text_of(table)
    refused = call_with_trigger(
        actions.show_actions, "actions-update-save.n_clicks", "", "", False, 1, None, "done", "", "X"
    )[3]
    assert "Enter the number" in text_of(refused)
    assert "Owner" in text_of(actions.layout(owner="J. Lead", overdue="1"))


def test_scorecard_row_shows_commentary_and_action_markers_and_exports_carry_them(app_ctx: Any) -> None:
    key = CommentKey(MAIN_LA, "contacts", "month", PERIOD)
    save_comment(app_ctx.engine, key, "Police contacts up after the new MASH form", "A. Manager")
    raise_action(
        app_ctx.engine,
        ActionScope("contacts", MAIN_LA),
        "Review MASH form with police",
        "P. Inspector",
        date.today() + timedelta(days=30),
        "A. Chair",
    )
    scorecard = page("scorecard")
    view = scorecard.show_scorecard(MAIN_LA, "month", ISO_END, "all", "all")
    text = text_of(view)
    assert "Commentary" in text and "Police contacts up after the new MASH form" in text
    assert "1 open action" in text
    data, _ = call_with_trigger(
        scorecard.download_view,
        "scorecard-export-csv.n_clicks",
        1,
        1,
        None,
        None,
        "operational",
        MAIN_LA,
        "month",
        ISO_END,
        "all",
        "all",
    )
    import base64

    body = base64.b64decode(data["content"]).decode("utf-8-sig").partition("\n")[2]
    contacts = next(r for r in csv.DictReader(io.StringIO(body)) if r["Indicator id"] == "contacts")
    assert contacts["Commentary"] == "Police contacts up after the new MASH form"
    assert contacts["Actions"].startswith("Review MASH form with police (P. Inspector")


def _by_id(component: Any, wanted: str) -> Any:
    """The component with id ``wanted`` inside a layout tree."""
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _by_id(child, wanted)
            if found is not None:
                return found
    return None


def _sync_url(script: str, values: list[Any], keys: list[str]) -> str:
    """Run the browser-side ``scorecard.syncUrl`` (scorecard/assets/scorecard.js) in Node
    with the values Dash would pass it; the URL it writes with ``replaceState``."""
    import json
    import shutil
    import subprocess

    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js runs the page's own script (apt: nodejs)"
    harness = (
        "var written = null; global.window = {location: {pathname: '/actions', search: ''},"
        " history: {state: null, replaceState: function (s, t, url) { written = url; }}};"
        " global.document = {addEventListener: function () {}, querySelectorAll: function () { return []; },"
        " documentElement: {}};"
        " global.MutationObserver = function () { this.observe = function () {}; };"
        f"{script}\n"
        f"window.dash_clientside.scorecard.syncUrl.apply(null, {json.dumps([*values, keys])});"
        " console.log(written);"
    )
    done = subprocess.run([node, "-e", harness], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


def test_the_actions_filters_are_written_to_and_read_from_the_url(dash_app: Any, app_ctx: Any) -> None:
    from pathlib import Path
    from urllib.parse import parse_qsl, urlsplit

    actions = page("actions")
    # The registered sync: the three filter controls in URL_KEYS order, and the keys the layout keeps.
    sync = dash_app.callback_map["actions-url-sync.title"]
    assert [i["id"] for i in sync["inputs"]] == [f"actions-{k}" for k in actions.URL_KEYS]
    assert [s["id"] for s in sync["state"]] == ["actions-url-keys"]
    assert _by_id(actions.layout(), "actions-url-keys").data == list(actions.URL_KEYS)
    script = (Path(actions.__file__).parents[1] / "assets" / "scorecard.js").read_text("utf-8")
    keys = list(actions.URL_KEYS)
    for values, query in (
        (["J. Lead", "open", True], {"owner": "J. Lead", "status": "open", "overdue": "1"}),
        (["", "", False], {}),
        (["", "done", False], {"status": "done"}),
    ):
        url = _sync_url(script, values, keys)
        written = dict(parse_qsl(urlsplit(url).query)) if url != "null" else {}
        assert written == query, url
        # Read back: the page built from that URL shows the same filters.
        view = actions.layout(**written)
        shown = [_by_id(view, f"actions-{k}").value for k in keys]
        assert shown == values
