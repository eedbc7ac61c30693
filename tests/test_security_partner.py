"""A partner's scope, called over HTTP as the renderer (or an attacker) would: its own
agency's rows unsuppressed, every other number as shared; uploads of its agency's kinds
only; and target changes, audited, for analysts and administrators only.

The module's store (fake results) gets small numbers for one period of LA 394, so what is
suppressed for sharing differs from what is stored: Health's contacts (4) and Police's
contacts (3) by source agency, and the LA's ``icpc_15wd`` (2 of 3).
"""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import select, update

from scorecard.context import CONTEXT_KEY
from scorecard.errors import UserFacingError
from store.schema import audit_log, kpi_results, loads, target_overrides
from tests import dash_fixtures
from tests.dash_fixtures import (
    MAIN_LA,
    call_with_trigger,
    callback_post,
    make_user,
    page,
    signed_in_client,
    signed_in_request,
)

END = "2025-03-31"
dash_store_url = dash_fixtures.dash_store_url


@pytest.fixture(scope="module")
def small_app(dash_store_url: str) -> Any:
    """The dashboard on the module's store, with the small numbers above written in."""
    return small_numbers_app(dash_store_url)


def small_numbers_app(dash_store_url: str) -> Any:
    """The dashboard on the store at ``dash_store_url``, with the small numbers above
    written in (tests/test_security_board.py uses it too)."""
    from scorecard.app import create_app

    app = create_app(dash_fixtures.settings_for(dash_store_url))
    r = kpi_results.c
    where = (r.la_code == MAIN_LA, r.grain == "month", r.period_end == END)
    with _engine(app).begin() as conn:
        for group, n in (("Health", 4.0), ("Police", 3.0)):
            conn.execute(
                update(kpi_results)
                .where(*where, r.kpi_id == "contacts", r.breakdown == "agency", r.group_name == group)
                .values(value=n, numerator=n)
            )
        conn.execute(
            update(kpi_results)
            .where(*where, r.kpi_id == "icpc_15wd", r.breakdown == "all")
            .values(value=200 / 3, numerator=2.0, denominator=3.0)
        )
        # each agency's own measure: Police 2 of 3, Health 1 of 3
        for kpi_id, n in (("pm_strategy_police_attendance", 2.0), ("pm_icpc_health_reports", 1.0)):
            conn.execute(
                update(kpi_results)
                .where(*where, r.kpi_id == kpi_id, r.breakdown == "all")
                .values(value=100 * n / 3, numerator=n, denominator=3.0, note=None)
            )
    return app


def _engine(app: Any) -> Any:
    return app.server.config[CONTEXT_KEY].engine


def _key(app: Any, contains: str) -> str:
    if not app.callback_map:
        app.server.test_client().get("/signin")
    return next(k for k in app.callback_map if contains in k)


FILTERS = {"la": MAIN_LA, "grain": "month", "period": END, "locality": "all", "team": "all"}


def _filters(prefix: str, app: Any = None, output: str = "") -> list[dict[str, Any]]:
    """The filter values a page's callback takes (its inputs in the app's callback map)."""
    keys = list(FILTERS)
    if app is not None:
        found = app.callback_map[_key(app, output)]
        inputs = [*found["inputs"], *found.get("state", [])]
        keys = [
            i["id"].removeprefix(f"{prefix}-")
            for i in inputs
            if i["id"].removeprefix(f"{prefix}-") in FILTERS
        ]
    return [{"id": f"{prefix}-{k}", "property": "value", "value": FILTERS[k]} for k in keys]


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _csv_files(response: Any) -> dict[str, list[list[str]]]:
    """Every CSV download link in a callback's response: file name -> rows."""
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    files = {}
    for node in _walk(json.loads(body)):
        if str(node.get("href", "")).startswith("data:text/csv") and "download" in node:
            text = unquote(node["href"].split(",", 1)[1])
            files[node["download"]] = list(csv.reader(io.StringIO(text)))
    assert files, "no CSV download in the response"
    return files


def _message(response: Any) -> str:
    """Every string of a callback's response, joined."""
    found = [
        v
        for n in _walk(json.loads(response.get_data(as_text=True)))
        for v in n.values()
        if isinstance(v, str)
    ]
    return " ".join(found)


def _row(files: dict[str, list[list[str]]], name_part: str, group: str) -> list[str]:
    """The row of ``group`` in the one file whose name contains ``name_part``."""
    (rows,) = [rows for name, rows in files.items() if name_part in name]
    return next(r for r in rows if r and r[0] == group)


def _partners(app: Any, client: Any) -> Any:
    output = "partners-content.children"
    return callback_post(client, _key(app, output), _filters("partners", app, output))


def _indicator(app: Any, client: Any, kpi_id: str) -> Any:
    state = [{"id": "indicator-kpi", "property": "data", "value": kpi_id}]
    output = "indicator-content.children"
    return callback_post(client, _key(app, output), _filters("indicator", app, output), state)


# --- Own agency's rows ----------------------------------------------------------------------


def test_the_partners_page_shows_a_partner_its_own_rows_and_others_as_shared(small_app: Any) -> None:
    manager = _csv_files(_partners(small_app, signed_in_client(small_app, "manager")))
    operational = "front_door_by_agency_LA394_month_2025-03_operational"
    assert _row(manager, operational, "Health")[1] == "4"
    assert _row(manager, operational, "Police")[1] == "3"

    police = _csv_files(_partners(small_app, signed_in_client(small_app, "partner")))
    assert _row(police, operational, "Police")[1] == "3"  # its own row, unsuppressed
    assert _row(police, operational, "Health")[1] == "c"  # another agency's: as shared
    # the chart's download of contacts by agency too
    assert _row(police, "contacts_by_agency_LA394_month_2025-03_operational", "Health")[1] == "c"
    assert _row(police, "contacts_by_agency_LA394_month_2025-03_operational", "Police")[1] == "3"
    for rows in police.values():  # no file a partner gets has Health's stored 4
        assert all(r[1:2] != ["4"] for r in rows if r and r[0] == "Health")


def test_a_health_partner_sees_health_and_not_police(small_app: Any) -> None:
    client = signed_in_client(small_app, "partner", agency="Health", username="partner-health")
    files = _csv_files(_partners(small_app, client))
    operational = "front_door_by_agency_LA394_month_2025-03_operational"
    assert _row(files, operational, "Health")[1] == "4"
    assert _row(files, operational, "Police")[1] == "c"


def test_the_indicator_page_gives_a_partner_its_own_agency_breakdown_only(small_app: Any) -> None:
    response = _indicator(small_app, signed_in_client(small_app, "partner"), "contacts")
    files = _csv_files(response)
    assert _row(files, "contacts_LA394_month_2025-03_by_agency_operational", "Police")[1] == "3"
    assert _row(files, "contacts_LA394_month_2025-03_by_agency_operational", "Health")[1] == "c"
    body = response.get_data(as_text=True)
    assert "indicator-no-series" in body  # no unsuppressed monthly series
    manager = _indicator(small_app, signed_in_client(small_app, "manager"), "contacts")
    assert "indicator-no-series" not in manager.get_data(as_text=True)
    assert _row(_csv_files(manager), "contacts_LA394_month_2025-03_by_agency_operational", "Health")[1] == "4"


def test_a_partner_sees_the_la_total_as_shared(small_app: Any) -> None:
    """icpc_15wd is 2 of 3 for the LA: the manager sees 66.7%, the partner "c"."""
    manager = _indicator(small_app, signed_in_client(small_app, "manager"), "icpc_15wd")
    partner = _indicator(small_app, signed_in_client(small_app, "partner"), "icpc_15wd")
    assert "66.7%" in manager.get_data(as_text=True)
    text = partner.get_data(as_text=True)
    assert "66.7%" not in text and "2 of 3" not in text


def test_the_scorecard_and_its_exports_are_the_shared_version_for_a_partner(small_app: Any) -> None:
    from datetime import date

    with signed_in_request(small_app, "partner") as app:
        scorecard = page("scorecard")
        frame, sparks, _ = scorecard.view_data(
            app, scorecard.Filters(la=MAIN_LA, period_end=date(2025, 3, 31))
        )
    assert sparks == {}
    assert frame.set_index("kpi_id").loc["icpc_15wd", "value"] == "c"
    client = signed_in_client(small_app, "partner")
    inputs = [
        {"id": "scorecard-export-csv", "property": "n_clicks", "value": 1},
        {"id": "scorecard-export-xlsx", "property": "n_clicks", "value": None},
        {"id": "scorecard-export-pack", "property": "n_clicks", "value": None},
        {"id": "scorecard-export-summary", "property": "n_clicks", "value": None},
    ]
    state = [{"id": "scorecard-export-version", "property": "value", "value": "operational"}]
    key = _key(small_app, "scorecard-download")
    response = callback_post(
        client, key, inputs, [*state, *_filters("scorecard", small_app, "scorecard-download")]
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert "sharing" in json.loads(body)["response"]["scorecard-download"]["data"]["filename"]


def _section_text(response: Any, section_id: str) -> str:
    """Every string inside the component ``section_id`` of a callback's response."""
    (section,) = [n for n in _walk(json.loads(response.get_data(as_text=True))) if n.get("id") == section_id]
    return " ".join(v for n in _walk(section) for v in n.values() if isinstance(v, str))


def test_a_partner_sees_its_own_measures_and_the_others_as_shared(small_app: Any) -> None:
    manager = _partners(small_app, signed_in_client(small_app, "manager"))
    assert "66.7%" in _section_text(manager, "partners-own-police")
    assert "33.3%" in _section_text(manager, "partners-own-health")
    police = _partners(small_app, signed_in_client(small_app, "partner"))
    assert "66.7%" in _section_text(police, "partners-own-police")  # its own: as stored
    health = _section_text(police, "partners-own-health")  # another agency's: as shared
    assert "33.3%" not in health and "1 of 3" not in health


def test_a_partners_records_are_its_own_agencys_front_door_records() -> None:
    import pandas as pd

    frame = pd.DataFrame({"contact_source": ["6", "3A", "2A", "6"], "n": [1, 2, 3, 4]})
    assert page("indicator").agency_rows(frame, "Police")["n"].tolist() == [1, 4]
    assert page("indicator").agency_rows(frame, "schools")["n"].tolist() == [3]
    assert page("indicator").agency_rows(frame, "MASH").empty


# --- Uploads: own agency's kinds -------------------------------------------------------------


def _upload(name: str, body: bytes) -> list[str]:
    return ["data:text/csv;base64," + base64.b64encode(body).decode()]


CONTACTS = b"contact_id,child_id,contact_date,contact_source,outcome\nC1,P1,2024-01-05,6,nfa\n"
EARLY_HELP = b"episode_id,child_id,start_date,lead_agency\nE1,P1,2024-01-05,school\n"


def _preview(name: str, body: bytes, kind: str = "auto") -> Any:
    return call_with_trigger(
        page("loads").preview_upload,
        "loads-upload.contents",
        _upload(name, body),
        None,
        [name],
        kind,
        MAIN_LA,
        "",
    )


def _refusals(app: Any) -> list[str]:
    with _engine(app).connect() as conn:
        query = select(audit_log.c.detail).where(audit_log.c.action == "upload.refused")
        return [str(d) for d in conn.execute(query).scalars()]


def test_a_police_partner_may_not_upload_contacts(small_app: Any) -> None:
    before = len(_refusals(small_app))
    for kind in ("auto", "contacts"):  # found by its columns, or chosen on the form
        with (
            signed_in_request(small_app, "partner"),
            pytest.raises(UserFacingError, match="a contacts extract is not one Police supplies"),
        ):
            _preview("contacts.csv", CONTACTS, kind)
    assert len(_refusals(small_app)) == before + 2
    assert "agency Police" in _refusals(small_app)[-1]


def test_partners_upload_the_kinds_their_agency_supplies(small_app: Any) -> None:
    with signed_in_request(small_app, "partner", agency="Early help", username="partner-eh"):
        _token, *_ = _preview("early_help.csv", EARLY_HELP)
        with pytest.raises(UserFacingError, match="not one Early help supplies"):
            _preview("contacts.csv", CONTACTS)
    with signed_in_request(small_app, "partner", agency="Children's social care", username="partner-csc"):
        _preview("contacts.csv", CONTACTS)  # the council supplies every kind


def test_the_load_step_refuses_a_kind_the_partner_does_not_supply(small_app: Any) -> None:
    """A token made for a police partner's contacts file (as if its preview had let it through)
    loads nothing: the confirm callback checks the kind again."""
    with signed_in_request(small_app, "partner") as app:
        with _engine(small_app).connect() as conn:
            count = len(conn.execute(select(loads.c.load_id)).all())
        token = app.previews.put("sso:test-partner", [("contacts.csv", CONTACTS)], {"la": MAIN_LA})
        with pytest.raises(UserFacingError, match="not one Police supplies"):
            call_with_trigger(page("loads").confirm_upload, "loads-confirm.n_clicks", 1, token)
        with _engine(small_app).connect() as conn:
            assert len(conn.execute(select(loads.c.load_id)).all()) == count


def test_a_partner_account_must_name_a_declared_agency(small_app: Any) -> None:
    from scorecard.accounts import AccountError

    with pytest.raises(AccountError, match="Unknown agency 'MASH'"):
        make_user(_engine(small_app), "partner", agency="MASH", username="partner-mash")


# --- Target changes --------------------------------------------------------------------------


def _save_target(app: Any, client: Any, value: Any, scope: str = "la", la: str = MAIN_LA) -> Any:
    inputs = [{"id": "indicator-target-save", "property": "n_clicks", "value": 1}]
    state = [
        {"id": "indicator-la", "property": "value", "value": la},
        {"id": "indicator-target-value", "property": "value", "value": value},
        {"id": "indicator-target-tolerance", "property": "value", "value": None},
        {"id": "indicator-target-scope", "property": "value", "value": scope},
        {"id": "indicator-kpi", "property": "data", "value": "assessments_45wd"},
    ]
    return callback_post(client, _key(app, "indicator-target-message"), inputs, state)


@pytest.mark.parametrize("role", ["board", "partner", "manager"])
def test_roles_without_targets_may_not_change_one(small_app: Any, role: str) -> None:
    response = _save_target(small_app, signed_in_client(small_app, role), 50)
    assert response.status_code == 403
    with _engine(small_app).connect() as conn:
        assert conn.execute(select(target_overrides.c.kpi_id)).first() is None


def test_an_analyst_may_not_change_every_las_target_or_another_las(small_app: Any) -> None:
    client = signed_in_client(small_app, "analyst", las=[MAIN_LA], username="analyst-394")
    assert "may not change" in _message(_save_target(small_app, client, 50, scope="*"))
    assert "may not change" in _message(_save_target(small_app, client, 50, la="391"))
    with _engine(small_app).connect() as conn:
        assert conn.execute(select(target_overrides.c.kpi_id)).first() is None


def test_a_target_change_is_stored_and_audited_with_old_and_new_values(
    dash_store_url: str, tmp_path: Any
) -> None:
    """On a store of its own: the change recomputes, which replaces the fake results."""
    import shutil

    from scorecard.app import create_app

    path = tmp_path / "targets.db"
    shutil.copy(dash_store_url.removeprefix("sqlite:///"), path)
    app = create_app(dash_fixtures.settings_for(f"sqlite:///{path}"))
    client = signed_in_client(app, "analyst", las=[MAIN_LA], username="analyst-394")
    bad = _message(_save_target(app, client, 120))
    assert "not a percentage from 0 to 100" in bad
    text = _message(_save_target(app, client, 90))
    assert "assessments_45wd, LA 394: target 85 (tolerance 5) -> 90 (tolerance 5)" in text
    with _engine(app).connect() as conn:
        stored = conn.execute(select(target_overrides.c.la_code, target_overrides.c.target)).all()
        audited = conn.execute(
            select(audit_log.c.username, audit_log.c.detail, audit_log.c.la_code).where(
                audit_log.c.action == "target"
            )
        ).all()
    assert [tuple(r) for r in stored] == [(MAIN_LA, 90.0)]
    assert [tuple(r) for r in audited] == [
        ("analyst-394", "assessments_45wd, LA 394: target 85 (tolerance 5) -> 90 (tolerance 5)", MAIN_LA)
    ]


def test_every_declared_agency_name_is_one_the_loader_reads_as_its_owner_code() -> None:
    """A partner's uploads name its agency; the loader checks partner measures' owners with
    store.measures.agency_code, so each name must mean the same agency there."""
    from scorecard.agencies import default_agencies
    from store.measures import agency_code

    for agency in default_agencies().agencies:
        assert {agency_code(n) for n in (agency.code, *agency.names)} == {agency.code}, agency.code
