"""Every page's view functions and callbacks, called directly against a store of results."""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from datetime import date
from typing import Any
from urllib.parse import unquote

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from scorecard.app import create_app
from scorecard.state import Filters
from store.schema import comments, loads, record_views
from tests import dash_fixtures
from tests.dash_fixtures import (
    MAIN_LA,
    SECOND_LA,
    call_with_trigger,
    page,
    settings_for,
    signed_in_client,
    signed_in_request,
    text_of,
)

# The shared fixtures, used by name below.
dash_store_url = dash_fixtures.dash_store_url
dash_app = dash_fixtures.dash_app
app_ctx = dash_fixtures.app_ctx

END = date(2025, 3, 31)
ISO_END = END.isoformat()
FILTERS = (MAIN_LA, "month", ISO_END, "all", "all")


def _json(component: Any) -> str:
    import json

    import plotly

    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)


def _no_nan(text: str) -> None:
    assert not re.search(r"\bnan\b|NaN|\+nan", text), "a missing value is shown as nan"


# --- The app ---------------------------------------------------------------------------


def test_index_is_en_gb_and_uses_only_local_assets(dash_app: Any) -> None:
    client = signed_in_client(dash_app)
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en-GB">' in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "/assets/bootstrap.min.css" in html and "/assets/scorecard.css" in html
    css = client.get("/assets/bootstrap.min.css").get_data(as_text=True)
    assert "Bootstrap" in css[:200] and "Licensed under MIT" in css[:300]
    assert "//cdn" not in css and "@import" not in css


def test_every_page_is_registered_at_its_path(dash_app: Any) -> None:
    import dash

    paths = {p["path_template"] or p["path"] for p in dash.page_registry.values()}
    assert {
        "/",
        "/journey",
        "/indicator/<kpi_id>",
        "/partners",
        "/early-help",
        "/data-quality",
        "/loads",
    } <= paths
    client = signed_in_client(dash_app)
    for path in (
        "/",
        "/journey",
        "/indicator/referrals",
        "/partners",
        "/early-help",
        "/data-quality",
        "/loads",
    ):
        assert client.get(path).status_code == 200


def test_a_second_app_in_the_same_process_has_each_callback_once(dash_store_url: str) -> None:
    create_app(settings_for(dash_store_url))
    app = create_app(settings_for(dash_store_url))
    deps = signed_in_client(app).get("/_dash-dependencies").get_json()
    outputs = [d["output"] for d in deps]
    assert len(outputs) == len(set(outputs))
    assert any(o.startswith("scorecard-content") for o in outputs)


def test_callback_errors_show_a_message_not_a_traceback(app_ctx: Any) -> None:
    from scorecard.errors import ALERT_ID, handle_callback_error

    def failing() -> dict[str, Any]:
        from dash._callback_context import context_value

        try:
            raise ZeroDivisionError("secret internals: child 12345")
        except ZeroDivisionError as err:
            handle_callback_error(err)
        return dict(context_value.get().updated_props)

    props = call_with_trigger(failing, "x.n_clicks")[ALERT_ID]
    shown = text_of(props["children"])
    assert props["is_open"] is True
    assert "Something went wrong" in shown and "reference" in shown
    assert "12345" not in shown and "Traceback" not in shown


# --- Scorecard ----------------------------------------------------------------------------


def test_scorecard_shows_every_indicator_by_stage(app_ctx: Any) -> None:
    view = page("scorecard").show_scorecard(*FILTERS)
    text = text_of(view)
    _no_nan(text)
    for stage, indicators in app_ctx.registry.by_stage():
        if stage.id == "data_quality":
            continue
        assert stage.title in text
        for ind in indicators:
            assert ind.title in text
    assert "within tolerance" in text.lower() or "on target" in text.lower()
    assert "2024-25 [1]" in text  # England benchmark year with its numbered source
    assert "DfE Children in need 2025" in text
    hrefs = [html.unescape(h) for h in re.findall(r'href=\\"(/indicator/[^"\\]+)\\"', _json(view))]
    assert "/indicator/referrals?la=394&grain=month&period=2025-03" in hrefs
    # one link per indicator shown: every declared one outside data quality
    assert len(hrefs) == len([i for i in app_ctx.registry if i.stage != "data_quality"])


def test_scorecard_links_carry_the_view_and_notes_replace_missing_values(app_ctx: Any) -> None:
    filters = Filters(la=SECOND_LA, grain="quarter", period_end=END, locality="North")
    view = page("scorecard").scorecard_view(app_ctx, filters)
    text = text_of(view)
    _no_nan(text)
    assert "n/a: no early help episodes loaded for this LA" in text
    assert "Not broken down by locality" in text  # rates have no locality rows
    as_json = html.unescape(_json(view))
    assert "/indicator/contacts?la=391&grain=quarter&period=2025-03&locality=North" in as_json


def test_changing_the_grain_keeps_a_nearby_period(app_ctx: Any) -> None:
    update = page("scorecard").update_filter_options
    out = call_with_trigger(update, "scorecard-grain.value", MAIN_LA, "quarter", "2025-02-28", "all", "all")
    period_options, period_value, locality_options, _, team_options, _ = out
    assert period_value == "2024-12-31"  # the latest quarter ending on or before Feb 2025
    assert period_options[0]["label"] == "Q4 2024-25"
    assert {o["value"] for o in locality_options} >= {"all", "North", "Not recorded"}
    assert any(o["value"] == "@Duty team" for o in team_options)


def test_choosing_a_team_clears_the_locality(app_ctx: Any) -> None:
    update = page("scorecard").update_filter_options
    out = call_with_trigger(
        update, "scorecard-team.value", MAIN_LA, "month", ISO_END, "North", "Assessment 1"
    )
    assert out[3] == "all" and out[5] == "Assessment 1"
    out = call_with_trigger(
        update, "scorecard-locality.value", MAIN_LA, "month", ISO_END, "North", "Assessment 1"
    )
    assert out[3] == "North" and out[5] == "all"


def test_the_url_reproduces_the_view_and_bad_links_say_so(app_ctx: Any) -> None:
    layout = page("scorecard").layout(la=SECOND_LA, grain="year", period="2024-03", team="Assessment 2")
    values = {c.id: c.value for c in _controls(layout)}
    assert values == {
        "scorecard-la": SECOND_LA,
        "scorecard-grain": "year",
        "scorecard-period": "2024-03-31",
        "scorecard-locality": "all",
        "scorecard-team": "Assessment 2",
    }
    bad = page("scorecard").layout(la="999", grain="fortnight", period="1999-01")
    text = text_of(bad)
    assert "no results for LA 999" in text and "Unknown grain" in text and "1999-01" in text


def _controls(component: Any) -> list[Any]:
    found = []

    def walk(node: Any) -> None:
        if getattr(node, "id", None) and type(node).__name__ == "Select":
            found.append(node)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(component)
    return found


def _download(view_callback: Any, prop: str, version: str, *filters: Any) -> tuple[str, bytes]:
    data, _message = call_with_trigger(view_callback, prop, 1, 1, None, None, version, *filters)
    assert data["base64"] is True
    return data["filename"], base64.b64decode(data["content"])


def test_csv_export_is_suppressed_for_sharing_and_escaped(app_ctx: Any) -> None:
    download = page("scorecard").download_view
    team = (MAIN_LA, "month", ISO_END, "all", "@Duty team")
    name, content = _download(download, "scorecard-export-csv.n_clicks", "sharing", *team)
    assert name == "scorecard_LA394_month_2025-03_-Duty-team_sharing.csv"
    audience, _, body = content.decode("utf-8-sig").partition("\n")
    assert audience.startswith("FOR SHARING")
    rows = list(csv.DictReader(io.StringIO(body)))
    # one row per indicator declared with a team breakdown (the rates have none)
    assert len(rows) == len([i for i in app_ctx.registry if "team" in i.breakdowns])
    assert {r["Group"] for r in rows} == {"'@Duty team"}
    small = [r for r in rows if r["Value"] == "c"]
    assert small, "a group this small must have suppressed cells"
    assert all(r["Numerator"] in ("c", "") for r in small)
    _, operational = _download(download, "scorecard-export-csv.n_clicks", "operational", *team)
    audience, _, body = operational.decode("utf-8-sig").partition("\n")
    assert audience.startswith("OPERATIONAL - NOT FOR SHARING")
    op_rows = list(csv.DictReader(io.StringIO(body)))
    assert not any(r["Value"] == "c" for r in op_rows)
    contacts = next(r for r in op_rows if r["Indicator id"] == "contacts")
    assert contacts["Value"].isdigit() and contacts["Status"] == "No target"


def test_excel_export_has_numbers_as_numbers_and_no_formulas(app_ctx: Any) -> None:
    download = page("scorecard").download_view
    team = (MAIN_LA, "month", ISO_END, "all", "@Duty team")
    name, content = _download(download, "scorecard-export-xlsx.n_clicks", "operational", *team)
    assert name.endswith("_operational.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["Scorecard"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    assert "NOT suppressed" in str(sheet["A3"].value)
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Stage")
    first = next(r for r in sheet.iter_rows(min_row=7, values_only=True) if r[2] == "contacts")
    row = dict(zip(header, first, strict=True))
    assert isinstance(row["Value"], (int, float)) and row["Group"] == "'@Duty team"
    assert "Definitions" in book.sheetnames
    _, shared = _download(download, "scorecard-export-xlsx.n_clicks", "sharing", *team)
    values = [
        c.value for row in openpyxl.load_workbook(io.BytesIO(shared))["Scorecard"].iter_rows() for c in row
    ]
    assert "c" in values


# --- Indicator page ------------------------------------------------------------------


def test_indicator_page_has_spc_breakdowns_benchmarks_and_definition(app_ctx: Any) -> None:
    indicator = page("indicator")
    view = indicator.show_indicator(*FILTERS, "assessments_45wd")
    text = text_of(view)
    _no_nan(text)
    assert "Assessments completed within 45 working days:" in text  # the SPC title states the message
    assert "by locality, Mar 2025" in text and "by team, Mar 2025" in text
    assert "England 2024-25: 85.7%" in text
    assert "control limits" in text
    layout = indicator.layout(kpi_id="assessments_45wd", la=MAIN_LA)
    assert "Of the assessments completed in the period" in text_of(layout)
    agency = text_of(indicator.show_indicator(*FILTERS, "contacts"))
    assert "by agency, Mar 2025" in agency


def test_unknown_indicator_says_so(app_ctx: Any) -> None:
    assert "Indicator not found" in text_of(page("indicator").layout(kpi_id="no_such_thing"))
    assert page("indicator").page_title("referrals") == "Referrals – Partnership scorecard"


def test_commentary_is_added_edited_and_kept(app_ctx: Any) -> None:
    save = page("indicator").show_or_save_comment
    prop = "indicator-comment-save.n_clicks"
    shown, body, message = call_with_trigger(save, prop, 1, *FILTERS, "", "referrals")
    assert "Write the commentary" in text_of(message)
    shown, body, message = call_with_trigger(save, prop, 1, *FILTERS, "Spike after half term.", "referrals")
    # the author is the signed-in user (app_ctx signs in as test-admin), not a typed name
    assert "saved by test-admin" in text_of(message) and body == "Spike after half term."
    shown, body, message = call_with_trigger(
        save, prop, 2, *FILTERS, "Spike after half term; MASH short-staffed.", "referrals"
    )
    text = text_of(shown)
    assert "MASH short-staffed" in text and "test-admin" in text and "Earlier versions (1)" in text
    with app_ctx.engine.connect() as conn:
        rows = conn.execute(
            select(comments.c.body, comments.c.supersedes).order_by(comments.c.comment_id)
        ).fetchall()
    assert rows[-1].supersedes is not None and len(rows) == 2
    other, body, _ = call_with_trigger(
        save,
        "indicator-period.value",
        None,
        MAIN_LA,
        "month",
        "2025-02-28",
        "all",
        "all",
        None,
        "referrals",
    )
    assert "No commentary for Feb 2025 yet" in text_of(other) and body == ""


def test_records_are_shown_downloaded_and_logged(app_ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    indicator = page("indicator")
    frame = pd.DataFrame(
        {
            "child_key": ["k1a2", "k9z8"],
            "child_id": ["RAW1", "RAW2"],
            "referral_id": ["R1", "=R2"],
            "referral_date": [date(2025, 3, 3), date(2025, 3, 9)],
            "team": ["Assessment 1", None],
            "locality": ["North", "South"],
        }
    )
    monkeypatch.setattr(indicator, "records_for", lambda *args, **kwargs: frame)
    shown = call_with_trigger(
        indicator.show_records, "indicator-records-show.n_clicks", 1, *FILTERS, "rereferrals_12m"
    )
    text = text_of(shown)
    assert "k1a2" in text and "RAW1" not in text and "2 records" in text
    data, _ = call_with_trigger(
        indicator.download_records,
        "indicator-records-download.n_clicks",
        1,
        *FILTERS,
        "rereferrals_12m",
    )
    content = base64.b64decode(data["content"]).decode("utf-8-sig")
    assert "RAW1" not in content and "'=R2" in content and "Child (pseudonym)" in content
    with app_ctx.engine.connect() as conn:
        actions = conn.execute(
            select(record_views.c.action, record_views.c.rows, record_views.c.kpi_id)
        ).fetchall()
    assert ("view", 2, "rereferrals_12m") in actions and (
        "download",
        2,
        "rereferrals_12m",
    ) in actions
    hidden = call_with_trigger(
        indicator.show_records, "indicator-period.value", None, *FILTERS, "rereferrals_12m"
    )
    assert hidden is None


def test_a_fault_in_the_records_layer_surfaces_as_an_error(
    app_ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real bug (here an AttributeError) is an error for the callback's handler, never
    quietly shown as a feature "not available yet"."""
    indicator = page("indicator")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise AttributeError("module 'metrics.records' has no attribute 'records_for'")

    monkeypatch.setattr(indicator, "records_for", broken)
    with pytest.raises(AttributeError, match="records_for"):
        call_with_trigger(indicator.show_records, "indicator-records-show.n_clicks", 1, *FILTERS, "referrals")


# --- Journey, partners, early help ------------------------------------------------------


def test_journey_flow_has_counts_and_conversions(app_ctx: Any) -> None:
    text = text_of(page("journey").show_journey(MAIN_LA, "month", ISO_END))
    _no_nan(text)
    for label in (
        "Contacts",
        "Referrals",
        "Assessments completed",
        "Section 47 enquiries",
        "Initial conferences",
        "Child protection plans",
    ):
        assert label in text
    assert "of decided contacts became referrals" in text
    assert "no conversion indicator is defined" in text
    assert "Step-up:" in text and "Step-down:" in text
    assert "Conversion at each step, month by month" in text


def test_partners_by_source_and_lead_agency(app_ctx: Any) -> None:
    view = page("partners").show_partners(MAIN_LA, "quarter", ISO_END)
    text = text_of(view)
    _no_nan(text)
    assert "front door by source agency" in text and "Early help by lead agency" in text
    assert "Police" in text and "Voluntary & community" in text
    assert "numerators and denominators" in text
    links = _links(view)
    shared = [a for a in links if a.download.endswith("_sharing.csv")]
    operational = [a for a in links if a.download.endswith("_operational.csv")]
    assert shared and len(shared) == len(operational)  # every table and chart has both
    for link in shared:
        content = unquote(link.href.partition(",")[2]).lstrip("\ufeff")
        assert content.startswith("FOR SHARING")
    assert any(",c," in unquote(a.href) for a in shared)
    assert not any(",c," in unquote(a.href) for a in operational)


def _links(component: Any) -> list[Any]:
    found: list[Any] = []

    def walk(node: Any) -> None:
        if type(node).__name__ == "A" and getattr(node, "download", None):
            found.append(node)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    for part in component if isinstance(component, list) else [component]:
        walk(part)
    return found


def test_early_help_tiles_and_trends(app_ctx: Any) -> None:
    text = text_of(page("early_help").show_early_help(MAIN_LA, "year", ISO_END))
    _no_nan(text)
    for label in (
        "Reach per 10,000 children",
        "Episodes started",
        "Episodes closed",
        "Closed with outcomes achieved",
        "Stepped up to social care",
        "Stepped down from social care",
        "Repeat episodes",
        "Outcome-score change",
    ):
        assert label in text
    missing = text_of(page("early_help").show_early_help(SECOND_LA, "year", ISO_END))
    assert "no early help episodes loaded" in missing


def test_early_help_outcome_score_tile_never_shows_nan(app_ctx: Any) -> None:
    tile_for = page("early_help").score_change_tile
    assert "n/a" in text_of(tile_for(None))
    assert "0 closures" in text_of(tile_for({"closed": 0, "episodes": 0}))
    scores = {
        "closed": 5,
        "episodes": 4,
        "mean_change": 2.25,
        "improved": 3,
        "mean_start": 14.0,
        "mean_end": 16.25,
    }
    shown = text_of(tile_for(scores))
    assert "+2.3 points" in shown  # one decimal place, halves rounded up as published statistics are
    assert "4 closures with both scores" in shown and "3 improved" in shown
    _no_nan(shown)


# --- Data quality and loads ----------------------------------------------------------


def test_data_quality_per_load_partner_kind_and_column(app_ctx: Any) -> None:
    dq = page("data_quality")
    content, loads_part = dq.show_data_quality(MAIN_LA, "month", ISO_END)
    text = text_of(content) + text_of(loads_part)
    _no_nan(text)
    assert "Rows rejected at load by extract" in text and "Records entered more than 5 working days" in text
    assert "Optional fields completed" in text and "MASH" in text and "referrals_bad.csv" in text
    rejects = text_of(dq.show_rejects("1"))
    assert "Why rows were rejected" in rejects and "is not a date" in rejects
    data = dq.download_rejects(1, "1")
    content_csv = base64.b64decode(data["content"]).decode("utf-8-sig")
    assert "'=HYPERLINK" in content_csv


# Confirming a load recomputes, replacing the module store's results: the tests after
# these use their own stores or check only the markup.
GOOD = b"cin_plan_id,child_id,start_date\nA1,P1,2024-01-05\nA2,P2,2024-02-05\nA3,,2024-02-05\n"
BAD = b"cin_plan_id,start_date\nA1,2024-01-05\n"


def _upload(name: str, content: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(content).decode()


def _load_count(app_ctx: Any) -> int:
    with app_ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(loads)).scalar() or 0)


def test_a_bad_file_gets_a_clear_message_and_changes_nothing(app_ctx: Any) -> None:
    loads_page = page("loads")
    before = _load_count(app_ctx)
    preview, confirm_disabled, _, _, token = call_with_trigger(
        loads_page.preview_upload,
        "loads-upload.contents",
        [_upload("cin_plans.csv", BAD)],
        None,
        ["cin_plans.csv"],
        "auto",
        "",
        "",
    )
    text = text_of(preview)
    assert "Will not be loaded" in text and "child_id" in text and confirm_disabled is True
    result = call_with_trigger(loads_page.confirm_upload, "loads-confirm.n_clicks", 1, token)
    assert "nothing changed" in text_of(result[0])
    assert _load_count(app_ctx) == before


def test_the_preview_of_a_far_cell_workbook_is_a_message_not_an_abort(app_ctx: Any) -> None:
    from tests.hostile_files import far_cell_xlsx

    content = "data:application/octet-stream;base64," + base64.b64encode(far_cell_xlsx()).decode()
    preview, confirm_disabled, _, _, _token = call_with_trigger(
        page("loads").preview_upload,
        "loads-upload.contents",
        [content],
        None,
        ["contacts.xlsx"],
        "auto",
        "394",
        "",
    )
    text = text_of(preview)
    assert "Will not be loaded" in text and "XFD1048576" in text and confirm_disabled is True


def test_a_good_file_is_previewed_then_loaded(app_ctx: Any) -> None:
    loads_page = page("loads")
    before = _load_count(app_ctx)
    upload = ([_upload("cin_plans.csv", GOOD)], ["cin_plans.csv"])
    preview, confirm_disabled, _cancel, _, token = call_with_trigger(
        loads_page.preview_upload,
        "loads-upload.contents",
        upload[0],
        None,
        upload[1],
        "auto",
        "",
        "Children's social care",
    )
    text = text_of(preview)
    assert (
        "Ready to load" in text and "3 rows read, 2 to load, 1 rejected" in text and confirm_disabled is False
    )
    assert _load_count(app_ctx) == before  # a preview writes nothing
    result, _, _, _, history, _ = call_with_trigger(
        loads_page.confirm_upload, "loads-confirm.n_clicks", 1, token
    )
    assert "Loaded 1 file" in text_of(result)
    assert _load_count(app_ctx) == before + 1
    assert "cin_plans.csv" in text_of(history)
    again, disabled, _, _, _ = call_with_trigger(
        loads_page.preview_upload,
        "loads-upload.contents",
        upload[0],
        None,
        upload[1],
        "auto",
        "",
        "",
    )
    assert "already loaded" in text_of(again) and disabled is True
    # The analyst's retract button: the load goes and the history says so.
    load_id = _load_count(app_ctx)
    retracted, history = loads_page.retract_clicked(1, load_id)
    assert f"Retracted load {load_id} (cin_plans.csv)" in text_of(retracted)
    assert "retracted" in text_of(history)
    again, _ = loads_page.retract_clicked(1, load_id)
    assert "already been retracted" in text_of(again)


# --- The same pages on the real pipeline, and HTML never shown as text -----------------


def _markup_as_text(component: Any) -> list[str]:
    """Strings holding HTML tags outside a Markdown component: built HTML shown as text."""
    import json

    import plotly

    found: list[str] = []

    def walk(node: Any, in_markdown: bool) -> None:
        if isinstance(node, str):
            if not in_markdown and re.search(r"<(span|td|tr|table|div|p|svg)\b", node):
                found.append(node[:80])
        elif isinstance(node, list):
            for item in node:
                walk(item, in_markdown)
        elif isinstance(node, dict):
            markdown = in_markdown or node.get("type") == "Markdown"
            for key, value in node.items():
                if key in ("props", "children"):
                    walk(value, markdown)

    walk(json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)), False)
    return found


def _every_view(app_ctx: Any, la: str, end: str) -> dict[str, Any]:
    views = {
        "scorecard": page("scorecard").show_scorecard(la, "month", end, "all", "all"),
        "indicator": page("indicator").show_indicator(la, "month", end, "all", "all", "rereferrals_12m"),
        "journey": page("journey").show_journey(la, "quarter", end),
        "partners": page("partners").show_partners(la, "quarter", end),
        "early_help": page("early_help").show_early_help(la, "year", end),
        "data_quality": page("data_quality").show_data_quality(la, "month", end),
        "rejects": page("data_quality").show_rejects("all"),
    }
    for name, layout_page in (("layout_scorecard", "scorecard"), ("layout_journey", "journey")):
        views[name] = page(layout_page).layout(la=la, routed_by="app-shell")
    views["layout_indicator"] = page("indicator").layout(kpi_id="referrals", la=la, routed_by="app-shell")
    return views


def test_no_page_shows_html_as_text(app_ctx: Any) -> None:
    for name, view in _every_view(app_ctx, MAIN_LA, ISO_END).items():
        assert not _markup_as_text(view), f"{name} shows HTML as text: {_markup_as_text(view)}"


def test_every_page_renders_on_the_real_pipeline(tmp_path: Any) -> None:
    """The committed samples, loaded and recomputed: every page renders, no nan anywhere,
    and the pages default to the LA's reporting window."""
    from tests.dash_fixtures import pipeline_store

    url = f"sqlite:///{tmp_path / 'real.db'}"
    pipeline_store(url).dispose()
    app = create_app(settings_for(url))
    with signed_in_request(app):
        from metrics import results
        from scorecard.context import get_context
        from scorecard.state import resolve

        ctx = get_context()
        window = results.reporting_window(ctx.engine, MAIN_LA)
        assert window is not None
        resolved = resolve(ctx.engine, {"la": MAIN_LA})
        end = resolved.filters.period_end
        assert end is not None and end.replace(day=1) == window[1].replace(day=1)
        assert all(p.end >= window[0] for p in resolved.options.periods)
        views = _every_view(ctx, MAIN_LA, end.isoformat())
        for name, view in views.items():
            text = text_of(view)
            _no_nan(text)
            assert not _markup_as_text(view), name
        assert "Re-referrals within 12 months" in text_of(views["indicator"])
        args = (MAIN_LA, "month", end.isoformat(), "all", "all", "rereferrals_12m")
        shown = call_with_trigger(page("indicator").show_records, "indicator-records-show.n_clicks", 1, *args)
        text = text_of(shown)
        assert "counted in the numerator" in text and "Child (pseudonym)" in text
        data, _ = call_with_trigger(
            page("indicator").download_records, "indicator-records-download.n_clicks", 1, *args
        )
        header = base64.b64decode(data["content"]).decode("utf-8-sig").splitlines()[0]
        # Headers in words (metrics/data/wording.yaml), never the stored column names.
        assert header.startswith("Child (pseudonym),") and "In the numerator" in header
        assert "in_numerator" not in header and "child_key" not in header
        with ctx.engine.connect() as conn:
            logged = conn.execute(select(record_views.c.action)).scalars().all()
        assert sorted(logged) == ["download", "view"]


def test_a_store_loaded_with_another_key_is_a_clear_message(dash_store_url: str, tmp_path: Any) -> None:
    import shutil

    from scorecard.errors import UserFacingError

    copy = tmp_path / "copy.db"
    shutil.copy(dash_store_url.removeprefix("sqlite:///"), copy)
    app = create_app(settings_for(f"sqlite:///{copy}"))
    loads_page = page("loads")
    upload = ([_upload("cin_plans.csv", GOOD)], ["cin_plans.csv"])
    with signed_in_request(app):
        _preview_then_confirm(loads_page, *upload)
    other = create_app(settings_for(f"sqlite:///{copy}", secret_key="another-secret-key-0123456789"))
    more = ([_upload("cin_plans_2.csv", GOOD.replace(b"A1", b"Z1"))], ["cin_plans_2.csv"])
    with signed_in_request(other), pytest.raises(UserFacingError, match="different pseudonymisation key"):
        _preview_then_confirm(page("loads"), *more)


def _preview_then_confirm(loads_page: Any, contents: list[str], names: list[str]) -> Any:
    *_, token = call_with_trigger(
        loads_page.preview_upload, "loads-upload.contents", contents, None, names, "auto", "", ""
    )
    return call_with_trigger(loads_page.confirm_upload, "loads-confirm.n_clicks", 1, token)


def test_every_page_renders_on_both_backends(store_url: str) -> None:
    """The dashboard reads a PostgreSQL store exactly as it reads SQLite (``store_url`` is the
    suite's fixture: a SQLite file, then a PostgreSQL database when a server is there)."""
    from tests.dash_fixtures import fake_results_store

    fake_results_store(store_url, las=[MAIN_LA], first_month=date(2024, 4, 1)).dispose()
    app = create_app(settings_for(store_url))
    with signed_in_request(app):
        from scorecard.context import get_context

        views = _every_view(get_context(), MAIN_LA, ISO_END)
        for name, view in views.items():
            text = text_of(view)
            _no_nan(text)
            assert not _markup_as_text(view), name
        assert "Contacts received" in text_of(views["scorecard"])
        get_context().engine.dispose()


def test_upload_messages_name_the_page_controls_and_malformed_files_are_clear(app_ctx: Any) -> None:
    loads_page = page("loads")
    odd = ([_upload("mystery.csv", GOOD)], ["mystery.csv"])
    short = ([_upload("contacts.csv", b"contact_id,child_id,contact_date,contact_source,outcome\nK1,C1\n")],)
    preview, *_ = call_with_trigger(
        loads_page.preview_upload, "loads-upload.contents", odd[0], None, odd[1], "auto", "", ""
    )
    text = text_of(preview)
    assert 'choose it under "Extract kind" above' in text and "--kind" not in text
    preview, *_ = call_with_trigger(
        loads_page.preview_upload, "loads-upload.contents", short[0], None, ["contacts.csv"], "auto", "", ""
    )
    assert "the row has 2 fields but the header has 5" in text_of(preview)
