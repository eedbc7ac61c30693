"""The Journey, Early help, Workforce and Quality pages for the board and partners: their
version for sharing, called over HTTP as the renderer (or an attacker) would.

The module's store (fake results) gets small numbers for one month of LA 394, so what is
disclosed for sharing differs from what is stored. For each page the board and a police
partner must get only the disclosed numbers ("c" wherever ``metrics.disclosure`` hides a
cell, none of the small stored numbers), their downloads for sharing, and no monthly
series; a partner sees its own agency's audits as stored; a manager still gets the
operational page.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date
from typing import Any
from urllib.parse import unquote

import pandas as pd
import pytest
from sqlalchemy import delete, func, insert, select, update

from metrics.disclosure import SHARING, shared_view
from scorecard.context import CONTEXT_KEY
from store.schema import eh_outcome_scores, kpi_results
from tests import dash_fixtures
from tests.dash_fixtures import MAIN_LA, callback_post, signed_in_client
from tests.test_security_partner import _filters, _key, _walk

END = "2025-03-31"
dash_store_url = dash_fixtures.dash_store_url
SUPPRESSED_ROLES = ("board", "partner")

# (kpi_id, breakdown, group) -> (numerator, denominator, value) written into the month.
SMALL: dict[tuple[str, str, str], tuple[float, float | None, float]] = {
    ("cp_plans_started", "all", "all"): (3.0, None, 3.0),
    ("icpc_to_plan", "all", "all"): (2.0, 3.0, 200 / 3),
    ("eh_started", "all", "all"): (4.0, None, 4.0),
    ("eh_outcomes_achieved", "all", "all"): (2.0, 3.0, 200 / 3),
    ("sw_in_post_fte", "team", "Assessment 1"): (3.5, None, 3.5),
    ("sw_agency_rate", "team", "Assessment 2"): (1.0, 4.0, 25.0),
    ("audits_completed", "agency", "Police"): (3.0, None, 3.0),
    ("audits_completed", "agency", "Health"): (4.0, None, 4.0),
    ("audits_good_or_better", "theme", "Neglect"): (2.0, 3.0, 200 / 3),
}
SCORES = {"closed": 3, "episodes": 3, "mean_start": 20.0, "mean_end": 24.5, "mean_change": 4.5, "improved": 2}


def write_small_numbers(engine: Any) -> None:
    """Write :data:`SMALL` and :data:`SCORES` into March 2025 of LA 394 (the browser tests'
    store uses them too)."""
    r = kpi_results.c
    where = (r.la_code == MAIN_LA, r.grain == "month", r.period_end == END)
    with engine.begin() as conn:
        for (kpi_id, breakdown, group), (num, den, value) in SMALL.items():
            found = conn.execute(
                update(kpi_results)
                .where(*where, r.kpi_id == kpi_id, r.breakdown == breakdown, r.group_name == group)
                .values(numerator=num, denominator=den, value=value, note=None)
            )
            assert found.rowcount == 1, (kpi_id, breakdown, group)
        # The audits by agency add up to the LA's audits (the fake store's groups do not), so
        # differencing them is a real attack.
        agencies = (*where, r.kpi_id == "audits_completed", r.breakdown == "agency")
        total = conn.execute(select(func.sum(r.value)).where(*agencies)).scalar()
        conn.execute(
            update(kpi_results)
            .where(*where, r.kpi_id == "audits_completed", r.breakdown == "all")
            .values(numerator=total, value=total)
        )
        s = eh_outcome_scores.c
        conn.execute(delete(eh_outcome_scores).where(s.la_code == MAIN_LA, s.grain == "month"))
        march = {"period_start": date(2025, 3, 1), "period_end": date(2025, 3, 31)}
        conn.execute(insert(eh_outcome_scores).values(la_code=MAIN_LA, grain="month", **march, **SCORES))


@pytest.fixture(scope="module")
def small_app(dash_store_url: str) -> Any:
    """The dashboard on the module's store, with the small numbers above written in."""
    from scorecard.app import create_app

    app = create_app(dash_fixtures.settings_for(dash_store_url))
    write_small_numbers(_engine(app))
    return app


def _engine(app: Any) -> Any:
    return app.server.config[CONTEXT_KEY].engine


def _client(app: Any, role: str) -> Any:
    return signed_in_client(app, role)


def _content(app: Any, client: Any, prefix: str) -> Any:
    output = f"{prefix}-content.children"
    response = callback_post(client, _key(app, output), _filters(prefix, app, output))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _strings(response: Any) -> list[str]:
    return [
        v
        for n in _walk(json.loads(response.get_data(as_text=True)))
        for v in n.values()
        if isinstance(v, str)
    ]


def _text(response: Any) -> str:
    return " ".join(_strings(response))


def _shows(text: str, figure: str) -> bool:
    """True when ``figure`` ("2 of 3") is in ``text`` as a whole (not inside "322 of 367")."""
    return re.search(rf"(?<![\d,.]){re.escape(figure)}(?![\d,])", text) is not None


def _csv_files(response: Any) -> dict[str, list[list[str]]]:
    """Every CSV download link in a callback's response: file name -> rows (a group name
    kept formula-safe with a leading quote is read without it)."""
    files = {}
    for node in _walk(json.loads(response.get_data(as_text=True))):
        if str(node.get("href", "")).startswith("data:text/csv") and "download" in node:
            rows = csv.reader(io.StringIO(unquote(node["href"].split(",", 1)[1])))
            files[node["download"]] = [[c.removeprefix("'") for c in row] for row in rows]
    return files


def _table(response: Any, caption: str) -> list[list[str]]:
    """The rows (header first) of the HTML table with this caption in the response."""
    for markup in map(html.unescape, _strings(response)):
        if f"<caption>{caption}</caption>" in markup:
            table = markup.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
            return [
                [re.sub("<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
                for row in re.findall(r"<tr>(.*?)</tr>", table)
            ]
    raise AssertionError(f"no table captioned {caption!r}")


def _cube(app: Any, kpi_ids: list[str]) -> Any:
    context = app.server.config[CONTEXT_KEY]
    return shared_view(
        _engine(app), MAIN_LA, "month", date(2025, 3, 31), SHARING, 5, context.registry, kpi_ids
    )


def _hidden(registry: Any, cube: Any, breakdown: str) -> set[tuple[str, str]]:
    """(indicator title, group) of each row of a breakdown whose value the disclosed cube
    hides (its value or its numerator is "c", as in metrics.disclosure)."""
    rows = cube[cube["breakdown"] == breakdown]
    hidden = (rows["value"] == "c") | (rows["numerator"] == "c")
    return {
        (registry[k].title, g)
        for k, g in zip(rows["kpi_id"][hidden], rows["group_name"][hidden], strict=True)
    }


def _only_sharing(files: dict[str, list[list[str]]]) -> None:
    """Every file is the version for sharing, and says so in its name and first row."""
    for name, rows in files.items():
        assert name.endswith("_sharing.csv"), name
        assert rows[0][0].lstrip("\ufeff").startswith("FOR SHARING"), (name, rows[0])


# --- The pages open to "view", the numbers disclosed in the callbacks -------------------------


@pytest.mark.parametrize("prefix", ["journey", "early-help", "workforce", "quality"])
@pytest.mark.parametrize("role", SUPPRESSED_ROLES)
def test_the_board_and_partners_get_the_version_for_sharing(small_app: Any, role: str, prefix: str) -> None:
    response = _content(small_app, _client(small_app, role), prefix)
    files = _csv_files(response)
    _only_sharing(files)
    body = response.get_data(as_text=True)
    assert "OPERATIONAL" not in body and "(CSV, operational)" not in body
    if prefix != "quality":  # the others' monthly series are left out, saying why
        assert f"{prefix}-no-series" in body and "Month-by-month series are not shown" in body
        assert "month by month" not in body


@pytest.mark.parametrize("prefix", ["journey", "early-help", "workforce", "quality"])
def test_a_manager_still_gets_the_operational_page(small_app: Any, prefix: str) -> None:
    response = _content(small_app, _client(small_app, "manager"), prefix)
    body = response.get_data(as_text=True)
    assert "(CSV, operational)" in body and f"{prefix}-no-series" not in body
    assert all(name.endswith("_operational.csv") for name in _csv_files(response))


def test_journey_numbers_for_sharing(small_app: Any) -> None:
    manager = _text(_content(small_app, _client(small_app, "manager"), "journey"))
    assert "3 child protection plans started" in manager
    assert _shows(manager, "66.7%") and _shows(manager, "2 of 3")
    assert "Conversion at each step, month by month" in manager
    for role in SUPPRESSED_ROLES:
        response = _content(small_app, _client(small_app, role), "journey")
        text = _text(response)
        assert "c child protection plans started" in text, role
        assert not _shows(text, "66.7%") and not _shows(text, "2 of 3"), role
        (rows,) = _csv_files(response).values()
        by_title = {r[0]: r[1:] for r in rows[2:]}
        assert by_title["Child protection plans started"][0] == "c"
        assert by_title["Initial conferences that resulted in a plan"] == ["c", "c", "c"]


def test_early_help_numbers_for_sharing(small_app: Any) -> None:
    manager = _text(_content(small_app, _client(small_app, "manager"), "early-help"))
    assert "+4.5 points" in manager and _shows(manager, "66.7%")
    for role in SUPPRESSED_ROLES:
        text = _text(_content(small_app, _client(small_app, role), "early-help"))
        assert "+4.5 points" not in text and not _shows(text, "66.7%") and not _shows(text, "2 of 3"), role
        assert "mean change over c closures with both scores" in text
        assert "4 early help episodes started" not in text and "c early help episodes started" in text


def _cells_by_group(rows: list[list[str]]) -> dict[tuple[str, str], str]:
    """(column, group) -> cell of a table whose first column names the group."""
    header, *body = rows
    return {(column, row[0]): cell for row in body for column, cell in zip(header[1:], row[1:], strict=True)}


def test_workforce_by_team_hides_what_the_disclosed_cube_hides(small_app: Any) -> None:
    registry = small_app.server.config[CONTEXT_KEY].registry
    ids = [i.id for i in registry.tagged("workforce")]
    cube = _cube(small_app, ids)
    hidden = _hidden(registry, cube, "team")
    assert (registry["sw_in_post_fte"].title, "Assessment 1") in hidden
    assert (registry["sw_agency_rate"].title, "Assessment 2") in hidden
    manager = _content(small_app, _client(small_app, "manager"), "workforce")
    assert _shows(_text(manager), "3.5")
    for role in SUPPRESSED_ROLES:
        response = _content(small_app, _client(small_app, role), "workforce")
        (rows,) = [rows for name, rows in _csv_files(response).items() if "by_team" in name]
        cells = _cells_by_group(rows[1:])
        screen = _cells_by_group(_table(response, "Workforce by team, furthest from target first, Mar 2025"))
        for (title, team), cell in cells.items():
            if title == "Furthest from target":
                continue
            expected_hidden = (title, team) in hidden
            assert (cell == "c") is expected_hidden, (role, title, team, cell)
            assert screen[(title, team)] == cell, (role, title, team)
        text = _text(response)
        assert not _shows(text, "3.5") and not _shows(text, "25.0%"), role


def test_quality_by_agency_hides_what_the_cube_hides_and_shows_a_partner_its_own_row(small_app: Any) -> None:
    registry = small_app.server.config[CONTEXT_KEY].registry
    caption = "Case file audits by lead auditor's agency, Mar 2025"
    completed = registry["audits_completed"].title
    manager = _table(_content(small_app, _client(small_app, "manager"), "quality"), caption)
    assert _cells_by_group(manager)[(completed, "Police")] == "3"
    assert _cells_by_group(manager)[(completed, "Health")] == "4"
    cube = _cube(small_app, [i.id for i in registry.tagged("quality_assurance")])
    hidden = _hidden(registry, cube, "agency")
    assert {(completed, "Police"), (completed, "Health")} <= hidden
    for role in SUPPRESSED_ROLES:
        response = _content(small_app, _client(small_app, role), "quality")
        screen = _cells_by_group(_table(response, caption))
        (rows,) = [rows for name, rows in _csv_files(response).items() if name.startswith("audits_by_agency")]
        shared = _cells_by_group(rows[1:])
        for (title, group), cell in shared.items():
            if title in {
                registry[k].title
                for k in (
                    "audits_completed",
                    "audits_good_or_better",
                    "audits_inadequate",
                    "audits_multi_agency",
                )
            }:
                if role == "board":  # exactly the cells everyone's version hides
                    assert (cell == "c") is ((title, group) in hidden), (role, title, group, cell)
                elif (title, group) in hidden:  # a partner's: those and what its own rows give away
                    assert cell == "c", (role, title, group, cell)
        own = role == "partner"  # a police partner: its own agency's row as stored, on screen
        assert screen[(completed, "Police")] == ("3" if own else "c"), role
        assert screen[(completed, "Health")] == "c", role
        assert shared[(completed, "Police")] == "c", role  # the file is for sharing
        theme = _cells_by_group(_table(response, "Case file audits by theme, Mar 2025"))
        assert theme[(registry["audits_good_or_better"].title, "Neglect")] == "c", role
        assert not _shows(_text(response), "2 of 3"), role  # Neglect's stored 2 of 3


def test_the_nav_offers_the_four_pages_to_the_board_and_partners(small_app: Any) -> None:
    for role in SUPPRESSED_ROLES:
        layout = json.loads(_client(small_app, role).get("/_dash-layout").get_data(as_text=True))
        links = {n["props"]["href"] for n in _walk(layout) if n.get("type") == "NavLink"}
        assert {"/journey", "/early-help", "/workforce", "/quality"} <= links, role


def test_every_agencys_audits_row_is_one_of_its_own_groups() -> None:
    """Quality's audits by the lead auditor's agency name the council "Children's social
    care" (store.codes.AGENCY_LABELS): a partner's own row there must be one of its groups."""
    from scorecard.agencies import default_agencies
    from store.codes import AGENCY_LABELS

    for agency in default_agencies().agencies:
        assert AGENCY_LABELS[agency.code] in agency.groups, agency.code


# --- A partner knows its own rows: what it is shown must not give the others away ----------


def _cell_text(row: dict[str, Any], part: str) -> str:
    """A cell of a page's rows as text: "c" when hidden, "" when it has no value."""
    v = row[part]
    if v == "c" or (part == "value" and row.get("note") == "c"):
        return "c"
    return "" if v is None or pd.isna(v) else str(v)


def _published(frames: list[Any]) -> list[dict[str, str]]:
    """What a user learns from several views of the same rows: a number shown in any of
    them is known, otherwise "c" where one hides it."""
    cells: dict[tuple[str, str, str], dict[str, str]] = {}
    for frame in frames:
        for row in frame.to_dict("records"):
            key = (row["kpi_id"], row["breakdown"], row["group_name"])
            found = cells.setdefault(key, {"kpi_id": key[0], "breakdown": key[1], "group": key[2]})
            for part in ("numerator", "denominator", "value"):
                text, before = _cell_text(row, part), found.get(part, "")
                if before in ("", "c") and text not in ("", "c"):
                    found[part] = text
                elif before == "" and text == "c":
                    found[part] = "c"
    return list(cells.values())


def test_what_a_partner_sees_of_the_audits_gives_no_hidden_cell_away(small_app: Any) -> None:
    """Police is shown its own 3 audits; the screen and the file together must not let it
    work out Health's 4 from the LA total (the reading in scorecard.sharing.PeriodView)."""
    from metrics import results
    from scorecard.pagekit import period_view
    from scorecard.sharing import marked_rows
    from scorecard.state import Filters
    from tests.attacker import attack
    from tests.dash_fixtures import signed_in_request

    ids = ("audits_completed",)
    with signed_in_request(small_app, "partner") as app:
        view = period_view(app, Filters(la=MAIN_LA, grain="month", period_end=date(2025, 3, 31)), ids)
        stored = pd.concat(
            [
                results.period_results(app.engine, MAIN_LA, "month", date(2025, 3, 31), kpi_ids=ids),
                results.breakdown_results(app.engine, MAIN_LA, "month", date(2025, 3, 31), "agency", ids),
            ],
            ignore_index=True,
        )
        screen, file = view.seen(stored), view.shared(stored)
        everyones = view._disclosed(frozenset())  # the board's version of the period
        naive = marked_rows(stored, everyones, view.own_groups())
    assert screen.set_index("group_name").loc["Police", "value"] == 3  # its own row, as stored
    assert file.set_index("group_name").loc["Police", "note"] == "c"  # not in a file
    assert attack(_published([screen, file])) == []
    # the naive reading (own rows as stored beside everyone's version) gives Health away
    leaked = attack(_published([naive]))
    assert any(r.cell[2] == "Health" and r.value == 4 for r in leaked), leaked


def test_the_partners_and_indicator_pages_disclose_knowing_a_partners_own_rows(small_app: Any) -> None:
    """``as_seen_by`` (the Partners and indicator pages' breakdown by agency) shows Police
    its own 3 audits; that screen beside its download for sharing must not give Health's 4
    away. Everyone's version as the file (what those pages offered before) does."""
    from metrics import results
    from scorecard.sharing import PeriodView, as_seen_by, partner_rows
    from scorecard.websecurity import signed_in_user
    from tests.attacker import attack
    from tests.dash_fixtures import signed_in_request

    ids = ("audits_completed",)
    key = (MAIN_LA, "month", date(2025, 3, 31))
    with signed_in_request(small_app, "partner") as app:
        stored = pd.concat(
            [
                results.period_results(app.engine, *key, kpi_ids=ids),
                results.breakdown_results(app.engine, *key, "agency", ids),
            ],
            ignore_index=True,
        )
        threshold, user = app.settings.suppression_threshold, signed_in_user()
        screen = as_seen_by(user, app.engine, app.registry, threshold, stored, key)
        view = PeriodView(user, app.engine, app.registry, threshold, key, ids)
        file = partner_rows(stored, view.file_cube(), frozenset())
        everyones = as_seen_by(None, app.engine, app.registry, threshold, stored, key)
    assert screen.set_index("group_name").loc["Police", "value"] == 3
    assert file.set_index("group_name").loc["Police", "note"] == "c"
    assert attack(_published([screen, file])) == []
    leaked = attack(_published([screen, everyones]))
    assert any(r.cell[2] == "Health" and r.value == 4 for r in leaked), leaked


@pytest.mark.parametrize("role", SUPPRESSED_ROLES)
def test_the_scorecard_page_hides_what_the_files_for_sharing_hide(small_app: Any, role: str) -> None:
    """The board's scorecard page used primary suppression only: cells hidden by the
    secondary rules (so that a small number cannot be worked out) were shown on screen
    while the export hid them. Now the page shows the export's disclosure."""
    from metrics import results
    from scorecard import exports
    from scorecard.pages.scorecard import view_data
    from scorecard.state import Filters
    from tests.dash_fixtures import signed_in_request

    key = (MAIN_LA, "month", date(2025, 3, 31))
    with signed_in_request(small_app, role) as app:
        frame, sparks, _ = view_data(app, Filters(la=MAIN_LA, grain="month", period_end=key[2]))
        stored = results.period_results(app.engine, *key, "all", "all")
        primary = exports.suppress(stored, app.settings.suppression_threshold, app.registry)
    cube = shared_view(_engine(small_app), *key, SHARING, 5, small_app.server.config[CONTEXT_KEY].registry)
    everyone = cube[(cube["breakdown"] == "all") & (cube["group_name"] == "all")]
    hidden = set(everyone[everyone["value"] == "c"]["kpi_id"])
    primary_only = set(primary[primary["value"] == "c"]["kpi_id"])
    assert hidden - primary_only, "the fixture should have a cell only the secondary rules hide"
    assert set(frame[frame["value"] == "c"]["kpi_id"]) == hidden
    assert sparks == {}
