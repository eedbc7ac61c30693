"""The board on the indicator page, and each role's own view of the loads and data-quality
pages, called over HTTP as the renderer (or an attacker) would: with a board session, a
partner's, a manager's, a user of another LA, and none.

The module's store is the partner tests' (tests/test_security_partner.py ``small_app``:
Police's contacts 3 and Health's 4 by source agency, the LA's ``icpc_15wd`` 2 of 3, all
hidden for sharing), with two more small numbers: contacts rows rejected at load, 3 of
300, and a load of Police's with its counts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from scorecard.formatting import la_name
from store.schema import clinic_action_versions, comments, kpi_results, load_counts, loads
from tests import dash_fixtures
from tests.dash_fixtures import (
    MAIN_LA,
    SECOND_LA,
    callback_headers,
    callback_post,
    page,
    signed_in_client,
    signed_in_request,
    text_of,
)
from tests.test_security_partner import (
    END,
    _csv_files,
    _engine,
    _filters,
    _indicator,
    _key,
    _message,
    _row,
    _section_text,
    small_numbers_app,
)

dash_store_url = dash_fixtures.dash_store_url
AGENCY_FILE = "contacts_LA394_month_2025-03_by_agency"


@pytest.fixture(scope="module")
def small_app(dash_store_url: str) -> Any:
    """The partner tests' store, plus contacts rows rejected at load (3 of 300) and the
    counts of Police's load (the fixture's rejected referrals file)."""
    app = small_numbers_app(dash_store_url)
    r = kpi_results.c
    with _engine(app).begin() as conn:
        conn.execute(
            update(kpi_results)
            .where(
                r.la_code == MAIN_LA,
                r.grain == "month",
                r.period_end == END,
                r.kpi_id == "dq_rejected_rows",
                r.breakdown == "kind",
                r.group_name == "contacts",
            )
            .values(value=1.0, numerator=3.0, denominator=300.0, note=None)
        )
        police_load = conn.execute(select(loads.c.load_id).where(loads.c.partner == "Police")).scalar_one()
        conn.execute(delete(load_counts).where(load_counts.c.load_id == police_load))
        conn.execute(
            insert(load_counts),
            [
                {
                    "load_id": police_load,
                    "kind": "referrals",
                    "la_code": MAIN_LA,
                    "rows_read": 40,
                    "rows_loaded": 0,
                    "rows_rejected": 40,
                }
            ],
        )
    return app


def _first_lines(files: dict[str, list[list[str]]]) -> dict[str, str]:
    """Each file's first row (who it is for), without the byte-order mark."""
    return {name: rows[0][0].lstrip("\ufeff") for name, rows in files.items()}


def _output_text(response: Any, component_id: str) -> str:
    """Every string a callback's response puts into the component ``component_id``."""
    body = json.loads(response.get_data(as_text=True))
    return _message_of(body["response"][component_id])


def _message_of(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        return " ".join(_message_of(v) for v in node.values())
    if isinstance(node, list):
        return " ".join(_message_of(v) for v in node)
    return ""


def _post(app: Any, client: Any, output: str, inputs: list[dict[str, Any]], state: Any = None) -> Any:
    return callback_post(client, _key(app, output), inputs, state)


# --- The board on the indicator page ------------------------------------------------------------


def test_the_indicator_page_and_its_content_are_open_to_the_board(small_app: Any) -> None:
    from scorecard.access import page_permission, permissions_for_outputs

    assert page_permission("/indicator/contacts") == "view"
    assert permissions_for_outputs(_key(small_app, "indicator-content.children")) == {"view"}
    response = _indicator(small_app, signed_in_client(small_app, "board"), "contacts")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_board_sees_the_breakdowns_as_shared_and_no_series(small_app: Any) -> None:
    response = _indicator(small_app, signed_in_client(small_app, "board"), "contacts")
    files = _csv_files(response)
    # one download per breakdown, for sharing, saying so; no operational file at all
    assert files and all(name.endswith("_sharing.csv") for name in files), sorted(files)
    assert all(line.startswith("FOR SHARING:") for line in _first_lines(files).values())
    assert _row(files, f"{AGENCY_FILE}_sharing", "Police")[1] == "c"
    assert _row(files, f"{AGENCY_FILE}_sharing", "Health")[1] == "c"
    text = response.get_data(as_text=True)
    assert "indicator-no-series" in text and "indicator-spc" not in text
    # the breakdown's table on the page shows "c" where the stored number is small
    assert ">c</td>" in _section_text(response, "indicator-by-agency")


def test_the_board_sees_the_la_total_as_shared(small_app: Any) -> None:
    """icpc_15wd is 2 of 3 for the LA: hidden from the board as from partners."""
    response = _indicator(small_app, signed_in_client(small_app, "board"), "icpc_15wd")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "66.7%" not in text and "2 of 3" not in text
    assert 'class="sc-big">c</div>' in _message(response)  # the headline value: "c"
    manager = _indicator(small_app, signed_in_client(small_app, "manager"), "icpc_15wd")
    assert "66.7%" in manager.get_data(as_text=True)


def _records(app: Any, client: Any, output: str, la: str = MAIN_LA) -> Any:
    trigger = (
        "indicator-records-show" if output == "indicator-records.children" else "indicator-records-download"
    )
    inputs = [{"id": trigger, "property": "n_clicks", "value": 1}]
    values = [
        {**f, "value": la} if f["id"] == "indicator-la" else f for f in _filters("indicator", app, output)
    ]
    state = [{"id": "indicator-kpi", "property": "data", "value": "referrals"}]
    if output == "indicator-records.children":
        return _post(app, client, output, [*inputs, *values], state)
    return _post(app, client, output, inputs, [*values, *state])


@pytest.mark.parametrize("output", ["indicator-records.children", "indicator-records-file.data"])
def test_the_board_gets_no_records_over_http(small_app: Any, output: str) -> None:
    assert _records(small_app, signed_in_client(small_app, "board"), output).status_code == 403
    manager = _records(small_app, signed_in_client(small_app, "manager"), output)
    assert manager.status_code == 200, manager.get_data(as_text=True)


def _comment(app: Any, client: Any, body: str | None, save: bool) -> Any:
    """Show the commentary (a change of filters) or save it (the button)."""
    inputs = [
        {"id": "indicator-comment-save", "property": "n_clicks", "value": 1 if save else None},
        *_filters("indicator", app, "indicator-comments.children"),
    ]
    state = [
        {"id": "indicator-comment-body", "property": "value", "value": body},
        {"id": "indicator-kpi", "property": "data", "value": "contacts"},
    ]
    output = _key(app, "indicator-comments.children")
    return _post_on(client, output, inputs, state, "indicator-comment-save" if save else "indicator-la")


def _post_on(
    client: Any, output: str, inputs: list[dict[str, Any]], state: list[dict[str, Any]], changed: str
) -> Any:
    """POST a callback as the renderer does when the input ``changed`` (an id) fired it."""
    parts = [o.rsplit(".", 1) for o in output[2:-2].split("...")]
    fired = next(i for i in inputs if i["id"] == changed)
    request = {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in parts],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{changed}.{fired['property']}"],
    }
    return client.post("/_dash-update-component", data=json.dumps(request), headers=callback_headers(client))


def _stored_comments(app: Any) -> list[str]:
    with _engine(app).connect() as conn:
        return [str(b) for b in conn.execute(select(comments.c.body)).scalars()]


def test_the_board_reads_commentary_and_may_not_write_it(small_app: Any) -> None:
    manager = _comment(
        small_app, signed_in_client(small_app, "manager"), "Contacts fell after half term.", True
    )
    assert "Commentary saved by test-manager" in _message(manager)
    board = signed_in_client(small_app, "board")
    read = _comment(small_app, board, None, False)
    assert read.status_code == 200 and "Contacts fell after half term." in _message(read)
    assert "may read commentary" not in _message(read)  # reading is not refused
    refused = _comment(small_app, board, "The board's own words.", True)
    assert "may read commentary but not write it" in _message(refused)
    assert "The board's own words." not in _stored_comments(small_app)


def _action(app: Any, client: Any, body: str | None, save: bool) -> Any:
    inputs = [
        {"id": "indicator-actions-save", "property": "n_clicks", "value": 1 if save else None},
        {"id": "indicator-la", "property": "value", "value": MAIN_LA},
    ]
    state = [
        {"id": "indicator-grain", "property": "value", "value": "month"},
        {"id": "indicator-period", "property": "value", "value": END},
        {"id": "indicator-actions-body", "property": "value", "value": body},
        {"id": "indicator-actions-owner", "property": "value", "value": "Head of service"},
        {"id": "indicator-actions-due", "property": "value", "value": "2026-12-31"},
        {"id": "indicator-actions-group", "property": "value", "value": None},
        {"id": "indicator-actions-author", "property": "value", "value": None},
        {"id": "indicator-kpi", "property": "data", "value": "contacts"},
    ]
    output = _key(app, "indicator-actions-list.children")
    return _post_on(client, output, inputs, state, "indicator-actions-save" if save else "indicator-la")


def test_the_board_reads_actions_and_may_not_raise_one(small_app: Any) -> None:
    raised = _action(
        small_app, signed_in_client(small_app, "manager"), "Audit the front door's contacts.", True
    )
    assert "raised for Head of service" in _message(raised)
    board = signed_in_client(small_app, "board")
    read = _action(small_app, board, None, False)
    assert read.status_code == 200 and "Audit the front door's contacts." in _message(read)
    assert "may read actions" not in _message(read)  # reading is not refused
    refused = _action(small_app, board, "The board's action.", True)
    assert "may read actions but not raise or change them" in _message(refused)
    with _engine(small_app).connect() as conn:
        bodies = [str(b) for b in conn.execute(select(clinic_action_versions.c.body)).scalars()]
    assert "The board's action." not in bodies


def test_a_board_member_of_one_la_never_sees_another(small_app: Any) -> None:
    client = signed_in_client(small_app, "board", las=[MAIN_LA], username="board-394")
    state = [{"id": "indicator-kpi", "property": "data", "value": "contacts"}]
    output = "indicator-content.children"
    values = [
        {**f, "value": SECOND_LA} if f["id"] == "indicator-la" else f
        for f in _filters("indicator", small_app, output)
    ]
    text = _post(small_app, client, output, values, state).get_data(as_text=True)
    assert la_name(MAIN_LA) in text and la_name(SECOND_LA) not in text
    assert _records(small_app, client, "indicator-records-file.data", SECOND_LA).status_code == 403


@pytest.mark.parametrize(
    "output",
    [
        "indicator-content.children",
        "indicator-comments.children",
        "indicator-actions-list.children",
        "indicator-records-file.data",
    ],
)
def test_no_session_gets_401_from_the_indicator_callbacks(small_app: Any, output: str) -> None:
    client = small_app.server.test_client()
    client.get("/signin")  # a CSRF cookie, but no session
    response = client.post(
        "/_dash-update-component",
        data=json.dumps({"output": _key(small_app, output), "outputs": [], "inputs": [], "state": []}),
        headers=callback_headers(client),
    )
    assert response.status_code == 401


def _component(tree: Any, component_id: str) -> Any:
    if getattr(tree, "id", None) == component_id:
        return tree
    children = getattr(tree, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, str):
            found = _component(child, component_id)
            if found is not None:
                return found
    return None


@pytest.mark.parametrize(
    ("role", "hidden"),
    [
        ("board", {"indicator-records-section", "indicator-comment-form", "indicator-actions-form"}),
        ("partner", {"indicator-comment-form", "indicator-actions-form"}),
        ("manager", set()),
    ],
)
def test_the_indicator_page_hides_the_forms_a_role_may_not_use(
    small_app: Any, role: str, hidden: set[str]
) -> None:
    with signed_in_request(small_app, role):
        shown = page("indicator").layout("contacts", la=MAIN_LA, routed_by="app-shell")
    assert "Not available" not in text_of(shown)
    for component_id in ("indicator-records-section", "indicator-comment-form", "indicator-actions-form"):
        component = _component(shown, component_id)
        assert component is not None, component_id
        assert bool(getattr(component, "hidden", False)) is (component_id in hidden), (role, component_id)


def test_the_boards_scorecard_rows_lead_to_the_indicator_pages(small_app: Any) -> None:
    from datetime import date

    with signed_in_request(small_app, "board") as app:
        scorecard = page("scorecard")
        content = text_of(
            scorecard.scorecard_view(app, scorecard.Filters(la=MAIN_LA, period_end=date(2025, 3, 31)))
        )
        markup = json.dumps(
            scorecard.scorecard_view(app, scorecard.Filters(la=MAIN_LA, period_end=date(2025, 3, 31))),
            default=lambda o: o.to_plotly_json(),
        )
    assert "Contacts" in content
    assert 'href=\\"/indicator/contacts?' in markup
    # an open action's marker leads to the indicator page's actions (the board cannot open /actions)
    assert "/actions?status=open" not in markup and "#indicator-actions-heading" in markup


# --- Partners: the banner of their operational files --------------------------------------------


def test_a_partners_operational_files_say_which_rows_are_unsuppressed(small_app: Any) -> None:
    from tests.test_security_partner import _partners

    police = _csv_files(_partners(small_app, signed_in_client(small_app, "partner")))
    lines = _first_lines(police)
    operational = [name for name in police if name.endswith("_operational.csv")]
    assert operational
    for name in operational:
        assert lines[name].startswith("OPERATIONAL - NOT FOR SHARING: Police's own rows are as stored"), name
        assert "every other cell is as shared" in lines[name]
    manager = _first_lines(_csv_files(_partners(small_app, signed_in_client(small_app, "manager"))))
    assert all(
        "small numbers are NOT suppressed" in line for n, line in manager.items() if "_operational" in n
    )
    indicator = _first_lines(
        _csv_files(_indicator(small_app, signed_in_client(small_app, "partner"), "contacts"))
    )
    assert indicator[f"{AGENCY_FILE}_operational.csv"].startswith(
        "OPERATIONAL - NOT FOR SHARING: Police's own rows are as stored"
    )
    # by locality and team nothing is its own: the one download is for sharing
    others = {name: line for name, line in indicator.items() if "_by_agency" not in name}
    assert {
        "contacts_LA394_month_2025-03_by_locality_sharing.csv",
        "contacts_LA394_month_2025-03_by_team_sharing.csv",
    } <= set(others)
    assert all(n.endswith("_sharing.csv") and line.startswith("FOR SHARING:") for n, line in others.items())


# --- Data quality: a partner's own loads ------------------------------------------------------------


def _data_quality(app: Any, client: Any) -> Any:
    return callback_post(
        client, _key(app, "data-quality-loads.children"), _filters("data-quality", app, "data-quality-loads")
    )


def test_a_partner_sees_the_counts_by_partner_of_its_own_loads_only(small_app: Any) -> None:
    manager = _output_text(
        _data_quality(small_app, signed_in_client(small_app, "manager")), "data-quality-loads"
    )
    assert "MASH" in manager and "Police" in manager
    police = _output_text(
        _data_quality(small_app, signed_in_client(small_app, "partner")), "data-quality-loads"
    )
    assert "Police" in police
    for other in ("MASH", "Early help service", "Children's social care"):
        assert other not in police, other


def test_a_partner_sees_the_data_quality_indicators_as_shared(small_app: Any) -> None:
    """Contacts rows rejected at load, 3 of 300: a count of other agencies' loads too."""
    name = "dq_rejected_rows_LA394_month_2025-03"
    manager = _csv_files(_data_quality(small_app, signed_in_client(small_app, "manager")))
    assert _row(manager, f"{name}_operational", "Contacts")[1] == "1.0%"
    police = _csv_files(_data_quality(small_app, signed_in_client(small_app, "partner")))
    assert _row(police, f"{name}_sharing", "Contacts")[1] == "c"
    assert not [n for n in police if n.endswith("_operational.csv") and n.startswith("dq_")]
    assert all(
        line.startswith("FOR SHARING:")
        for n, line in _first_lines(police).items()
        if n.startswith(("dq_", "completeness"))
    )


# --- The upload page per role -------------------------------------------------------------------------


def _loads_page(app: Any, role: str, **user: Any) -> Any:
    with signed_in_request(app, role, **user):
        return page("loads").layout(routed_by="app-shell")


def _kinds(layout: Any) -> list[str]:
    return [o["value"] for o in _component(layout, "loads-kind").options]


def test_a_partner_is_offered_only_its_agencys_kinds(small_app: Any) -> None:
    from store.extracts import KIND_ORDER

    police = _loads_page(small_app, "partner")
    assert _kinds(police) == ["auto", "partner_measures"]
    assert not _component(police, "loads-upload-form").hidden
    assert (
        _component(police, "loads-partner").value == "Police" and _component(police, "loads-partner").disabled
    )
    (template,) = [o["value"] for o in _component(police, "loads-template-agency").options]
    assert template == "police"
    early = _loads_page(small_app, "partner", agency="Early help", username="partner-eh")
    assert _kinds(early) == ["auto", *[k for k in KIND_ORDER if k in ("early_help", "partner_measures")]]
    council = _loads_page(small_app, "partner", agency="Children's social care", username="partner-csc")
    assert _kinds(council) == ["auto", *KIND_ORDER]
    assert _kinds(_loads_page(small_app, "analyst")) == ["auto", *KIND_ORDER]


def test_a_manager_sees_the_load_history_and_no_upload_form(small_app: Any) -> None:
    manager = _loads_page(small_app, "manager")
    assert _component(manager, "loads-upload-form").hidden
    assert _component(manager, "loads-retract-section").hidden
    assert _component(manager, "loads-template-section") is None
    assert "contacts.csv" in text_of(_component(manager, "loads-history"))
    analyst = _loads_page(small_app, "analyst")
    assert not _component(analyst, "loads-upload-form").hidden
    assert not _component(analyst, "loads-retract-section").hidden
    # the server's check is unchanged: the manager's preview is refused
    client = signed_in_client(small_app, "manager")
    response = callback_post(
        client,
        _key(small_app, "loads-token.data"),
        [
            {"id": "loads-upload", "property": "contents", "value": ["data:text/csv;base64,eA=="]},
            {"id": "loads-cancel", "property": "n_clicks", "value": None},
        ],
        [
            {"id": "loads-upload", "property": "filename", "value": ["x.csv"]},
            {"id": "loads-kind", "property": "value", "value": "auto"},
            {"id": "loads-la", "property": "value", "value": MAIN_LA},
            {"id": "loads-partner", "property": "value", "value": ""},
        ],
    )
    assert response.status_code == 403
