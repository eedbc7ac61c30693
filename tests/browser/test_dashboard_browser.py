"""The dashboard in a real browser: Debian's chromium driven by Playwright.

One app is served in-process (a thread running the Flask server) on a free port
against a temporary SQLite store. Every page is opened; every filter is changed (the
URL must follow, and reloading it must reproduce the view); an indicator is opened and
a comment added and edited; each export is downloaded and checked; a good and a bad
file are uploaded. Any browser console error, page error, Dash error, error alert or
request to anywhere but the app fails the test. axe-core runs on every page, and a
screenshot of each page is saved to test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from store.engine import open_store
from store.schema import comments, loads
from tests.browser.conftest import needs_chromium, serve_app, sign_in
from tests.dash_fixtures import MAIN_LA, build_store

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
PAGES = {
    "scorecard": "/",
    "journey": "/journey",
    "indicator": "/indicator/assessments_45wd",
    "partners": "/partners",
    "early-help": "/early-help",
    "workforce": "/workforce",
    "quality": "/quality",
    "data-quality": "/data-quality",
    "loads": "/loads",
}
# The suite shares 2 cores with PostgreSQL and a second worker: a callback under load can
# take over 15 s (the 2026-12-02 run timed out five waits at load average 11).
TIMEOUT = 30_000
# Counts the app's requests in flight (Dash calls its callbacks with fetch), so a test can
# wait until every callback a change set off has answered. A dcc.Markdown (every table
# here) is drawn later still, when its lazily loaded code has run, with no request and no
# change to the page before: at 5-8 times Chromium's CPU throttling the scorecard's table
# came 3 s after this wait ended, and a MutationObserver's "nothing changed for 300 ms"
# did not close that gap either (tried, stop 25). So a test waits for the text it reads
# in a table (``expect_text``), as Playwright's own checks do.
PENDING_SCRIPT = """
(() => {
  let pending = 0;
  let last = Date.now();
  const original = window.fetch;
  window.fetch = function (...args) {
    pending += 1;
    last = Date.now();
    return original.apply(this, args).finally(() => {
      setTimeout(() => { pending -= 1; last = Date.now(); }, 0);
    });
  };
  window.__scorecardIdle = (quietMs) => pending === 0 && Date.now() - last >= quietMs;
})();
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The dashboard on a fresh store, served from a thread."""
    needs_chromium()
    if not AXE.exists():
        pytest.skip(
            "axe-core is not installed in .tools (make test installs it: scripts/ensure-system-deps.sh)"
        )
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'scorecard.db'}"
    build_store(url).dispose()
    with serve_app(url) as served:
        yield served


class Watch:
    """Everything the browser reports that must not happen."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.external: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.base) or url.startswith(("data:", "blob:"))):
            self.external.append(url)


@pytest.fixture
def tab(server: dict[str, Any], browser: Any) -> Iterator[tuple[Any, Watch]]:
    """A fresh browser tab; after the test, no errors and no request off the machine."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="en-GB"
    )
    context.add_init_script(PENDING_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    watch = Watch(server["base"])
    watch.attach(page)
    sign_in(page, server["base"], server["db"], "admin")
    yield page, watch
    context.close()
    assert not watch.errors, "\n".join(watch.errors)
    assert not watch.external, f"requests left the app: {watch.external}"


def _open(page: Any, base: str, path: str) -> None:
    page.goto(base + path)
    _loaded(page)


def _check_no_dash_error(page: Any) -> None:
    assert page.locator(".dash-fe-error__title, ._dash-error, .dash-debug-alert").count() == 0
    alert = page.locator("#app-error")
    assert alert.count() == 0 or not alert.is_visible(), alert.inner_text()


def _settled(page: Any) -> None:
    """Wait until Dash has answered every callback: no request in flight for 300 ms, no spinner."""
    page.wait_for_timeout(150)  # let the callbacks an action sets off start
    _idle(page)


def _loaded(page: Any) -> None:
    """Wait until a page just opened has settled: Playwright's ``networkidle`` (no request
    for 500 ms), then ``_settled``'s checks without its first 150 ms, since nothing was
    clicked that could still be about to start a callback (0.15 s a page, some 400
    pages a run)."""
    page.wait_for_load_state("networkidle")
    _idle(page)


# True when the page has arrived and settled: a Dash page's own layout has come (by a
# callback after the app's layout and dependencies, which on CI's slower machine answered
# in the second after them: "no request for 500 ms" can hold before it), no callback in
# flight for 300 ms and none is drawing. Pages that are not Dash's (sign-in) have no
# ``#react-entry-point``, which Dash's first HTML has. One function, so one round trip.
IDLE = """() =>
  (!document.getElementById('react-entry-point')
   || document.querySelector('#_pages_content > *') !== null)
  && window.__scorecardIdle && window.__scorecardIdle(300)
  && !document.querySelector('[data-dash-is-loading="true"]')
"""


def _idle(page: Any) -> None:
    page.wait_for_function(IDLE, polling=50)
    _check_no_dash_error(page)


def _axe(page: Any, name: str) -> None:
    # Evaluated through DevTools, which the page's Content-Security-Policy does not govern
    # (an injected <script> tag would be blocked, as it should be).
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    bad = [v for v in found if v.get("impact") in ("serious", "critical")]
    detail = json.dumps(
        [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad],
        indent=1,
    )
    assert not bad, f"axe-core found serious or critical violations on {name}: {detail}"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# --- Every page ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_passes_axe_and_is_screenshotted(
    tab: tuple[Any, Watch], server: dict[str, Any], name: str
) -> None:
    page, _ = tab
    _open(page, server["base"], PAGES[name] + ("?la=394" if name != "loads" else ""))
    _settled(page)
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert page.locator("h1").count() == 1
    assert page.title().endswith("Partnership scorecard")
    for control in page.locator("select, input:not([type=hidden]), textarea").all():
        control_id = control.get_attribute("id")
        has_label = control_id and page.locator(f"label[for='{control_id}']").count() == 1
        named = control.evaluate("el => !!el.labels?.length || !!el.getAttribute('aria-label')")
        assert has_label or named, f"control {control_id} on {name} has no label"
    for graph in page.locator(".js-plotly-plot").all():
        wrapper = graph.locator("xpath=ancestor::div[@role='img'][1]")
        assert wrapper.count() == 1 and wrapper.get_attribute("aria-label")
    _axe(page, name)
    _shot(page, name)


# --- Filters and the URL -----------------------------------------------------------


def _select(page: Any, control: str, value: str) -> None:
    page.select_option(f"#{control}", value)
    _settled(page)


def test_each_filter_changes_the_view_and_the_url_reproduces_it(
    tab: tuple[Any, Watch], server: dict[str, Any]
) -> None:
    page, _ = tab
    _open(page, server["base"], "/")
    _settled(page)
    summary = page.locator("#scorecard-summary")
    expect_text(summary, "Mar 2025")

    _select(page, "scorecard-la", "394")
    page.wait_for_url(re.compile(r"la=394"))
    expect_text(summary, "Sunderland")

    _select(page, "scorecard-grain", "quarter")
    page.wait_for_url(re.compile(r"grain=quarter"))
    expect_text(summary, "Q4 2024-25")

    _select(page, "scorecard-period", "2024-12-31")
    page.wait_for_url(re.compile(r"period=2024-12"))
    expect_text(summary, "Q3 2024-25")

    _select(page, "scorecard-locality", "North")
    page.wait_for_url(re.compile(r"locality=North"))
    expect_text(summary, "locality North")

    _select(page, "scorecard-team", "Assessment 1")
    page.wait_for_url(re.compile(r"team=Assessment\+1"))
    expect_text(summary, "team Assessment 1")
    assert "locality=" not in page.url  # one breakdown at a time
    assert page.locator("#scorecard-locality").input_value() == "all"

    shown = summary.inner_text()
    expect_text(page.locator("#scorecard-table"), "Contacts")
    table = page.locator("#scorecard-table").inner_text()
    link = page.url
    page.goto(link)
    _settled(page)
    assert page.locator("#scorecard-summary").inner_text() == shown
    # the table is a dcc.Markdown, drawn a moment after its callback has answered
    from playwright.sync_api import expect

    expect(page.locator("#scorecard-table")).to_have_text(table, use_inner_text=True, timeout=TIMEOUT)
    values = {
        k: page.locator(f"#scorecard-{k}").input_value()
        for k in ("la", "grain", "period", "locality", "team")
    }
    assert values == {
        "la": "394",
        "grain": "quarter",
        "period": "2024-12-31",
        "locality": "all",
        "team": "Assessment 1",
    }
    assert "nan" not in table.lower().replace("n/a", "")


def expect_text(locator: Any, text: str | re.Pattern[str]) -> None:
    from playwright.sync_api import expect

    expect(locator).to_contain_text(text, timeout=TIMEOUT)


def expect_count(locator: Any, count: int) -> None:
    """Wait until ``locator`` matches ``count`` elements (a table or chart drawn late)."""
    from playwright.sync_api import expect

    expect(locator).to_have_count(count, timeout=TIMEOUT)


def expect_some_text(locator: Any) -> None:
    """Wait until ``locator`` shows something besides white space."""
    expect_text(locator, re.compile(r"\S"))


def test_other_pages_keep_their_filters_in_the_url(tab: tuple[Any, Watch], server: dict[str, Any]) -> None:
    page, _ = tab
    for prefix, path in (
        ("journey", "/journey"),
        ("partners", "/partners"),
        ("early-help", "/early-help"),
        ("data-quality", "/data-quality"),
    ):
        _open(page, server["base"], path)
        _settled(page)
        _select(page, f"{prefix}-grain", "year")
        page.wait_for_url(re.compile(r"grain=year"))
        _select(page, f"{prefix}-la", "391")
        page.wait_for_url(re.compile(r"la=391"))
        expect_text(page.locator(f"#{prefix}-content"), "2024-25")
        page.reload()
        _settled(page)
        assert page.locator(f"#{prefix}-grain").input_value() == "year"
        assert page.locator(f"#{prefix}-la").input_value() == "391"


# --- Indicator, commentary ---------------------------------------------------------


def test_open_an_indicator_and_add_then_edit_a_comment(
    tab: tuple[Any, Watch], server: dict[str, Any]
) -> None:
    page, _ = tab
    _open(page, server["base"], "/?la=394")
    _settled(page)
    page.get_by_role("link", name="Re-referrals within 12 months").click()
    page.wait_for_url(re.compile(r"/indicator/rereferrals_12m\?la=394"))
    _settled(page)
    expect_text(page.locator("h1"), "Re-referrals within 12 months")
    # Plotly's bundle loads after the callbacks have answered: wait for the chart to be drawn.
    page.locator("#indicator-spc-graph .js-plotly-plot, #indicator-spc-graph.js-plotly-plot").first.wait_for()
    assert (
        page.locator("#indicator-spc-graph .js-plotly-plot, #indicator-spc-graph.js-plotly-plot").count() >= 1
    )
    expect_text(page.locator("#indicator-content"), "by locality")
    expect_text(page.locator("#indicator-comments"), "No commentary for Mar 2025 yet")
    page.get_by_text("Show as table").first.click()
    assert page.locator("#indicator-spc table").count() == 1

    page.fill("#indicator-comment-body", "Rise after the schools' half term; checking with the MASH.")
    page.click("#indicator-comment-save")
    expect_text(page.locator("#indicator-comment-message"), "Commentary saved by test-admin")
    expect_text(page.locator("#indicator-comments"), "Rise after the schools' half term")

    page.fill("#indicator-comment-body", "Rise after half term: 14 re-referrals from one family group.")
    page.click("#indicator-comment-save")
    expect_text(page.locator("#indicator-comments"), "one family group")
    expect_text(page.locator("#indicator-comments"), "Earlier versions (1)")
    engine = open_store(server["db"])
    with engine.connect() as conn:
        stored = (
            conn.execute(select(comments.c.author).where(comments.c.kpi_id == "rereferrals_12m"))
            .scalars()
            .all()
        )
    engine.dispose()
    assert stored == ["test-admin", "test-admin"]  # the signed-in user, not a typed name
    page.reload()
    _settled(page)
    expect_text(page.locator("#indicator-comments"), "one family group")
    _shot(page, "indicator-with-comment")


# --- Exports ----------------------------------------------------------------------------


def _download(page: Any, button: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(button)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_each_export_downloads_suppressed_and_escaped(tab: tuple[Any, Watch], server: dict[str, Any]) -> None:
    page, _ = tab
    _open(page, server["base"], f"/?la={MAIN_LA}&grain=month&period=2025-03&team=%40Duty+team")
    _settled(page)
    name, content = _download(page, "#scorecard-export-csv")
    assert name == "scorecard_LA394_month_2025-03_-Duty-team_sharing.csv"
    audience, _, body = content.decode("utf-8-sig").partition("\n")
    assert audience.startswith("FOR SHARING")
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert rows and all(r["Group"] == "'@Duty team" for r in rows)
    assert any(r["Value"] == "c" for r in rows)

    name, content = _download(page, "#scorecard-export-xlsx")
    assert name.endswith("_sharing.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Scorecard"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    assert any(c.value == "'@Duty team" for c in cells)

    page.get_by_label("Operational (unsuppressed, not for sharing)").check()
    name, content = _download(page, "#scorecard-export-csv")
    assert name.endswith("_operational.csv")
    audience, _, body = content.decode("utf-8-sig").partition("\n")
    assert audience.startswith("OPERATIONAL - NOT FOR SHARING")
    assert not any(r["Value"] == "c" for r in csv.DictReader(io.StringIO(body, newline="")))

    _open(page, server["base"], "/data-quality?la=394")
    _settled(page)
    page.select_option("#data-quality-load", "1")
    _settled(page)
    name, content = _download(page, "#data-quality-rejects-download")
    assert name == "rejected_rows_load_1.csv" and b"'=HYPERLINK" in content

    _open(page, server["base"], "/partners?la=394")
    _settled(page)
    page.get_by_text("Show as table").first.click()
    name, content = _download(page, "#partners-contacts a.sc-download")
    assert name.startswith("contacts_by_agency") and b"Police" in content


def test_the_navigation_link_to_the_page_shown_resets_its_filters(
    tab: tuple[Any, Watch], server: dict[str, Any]
) -> None:
    page, _ = tab
    _open(page, server["base"], "/")  # the router last saw no query
    _select(page, "scorecard-grain", "year")
    expect_text(page.locator("#scorecard-summary"), "2024-25")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scorecard").click()
    page.wait_for_url(re.compile(r"/$"))
    _settled(page)
    assert page.locator("#scorecard-grain").input_value() == "month"
    expect_text(page.locator("#scorecard-summary"), "Mar 2025")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    page.wait_for_url(re.compile(r"/partners"))
    _settled(page)
    expect_text(page.locator("h1"), "Partners")


# --- Uploads (last: confirming a load recomputes, which replaces the store's results) ---

GOOD = (
    b"cin_plan_id,child_id,start_date,team\n"
    b"B1,Q1,2024-01-05,Assessment 1\nB2,Q2,2024-02-05,\nB3,Q3,2024-02-31,\n"
)
BAD = b"cin_plan_id,start_date\nB1,2024-01-05\n"


def _loads(db: str) -> int:
    engine = open_store(db)
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(loads)).scalar() or 0)
    engine.dispose()
    return count


def _upload(page: Any, name: str, content: bytes) -> None:
    page.set_input_files(
        "#loads-upload input[type=file]",
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}],
    )
    _settled(page)


def test_upload_a_bad_file_then_a_good_one(tab: tuple[Any, Watch], server: dict[str, Any]) -> None:
    page, _ = tab
    before = _loads(server["db"])
    _open(page, server["base"], "/loads")
    _settled(page)

    _upload(page, "cin_plans.csv", BAD)
    preview = page.locator("#loads-preview")
    expect_text(preview, "Will not be loaded")
    expect_text(preview, "child_id")
    assert page.locator("#loads-confirm").is_disabled()
    _shot(page, "loads-bad-file")
    assert _loads(server["db"]) == before

    page.click("#loads-cancel")
    _settled(page)
    expect_text(page.locator("#loads-result"), "nothing was loaded")

    _upload(page, "cin_plans_march.csv", GOOD)
    expect_text(preview, "Ready to load")
    expect_text(preview, "3 rows read, 2 to load, 1 rejected")
    expect_text(preview, "start_date")
    assert _loads(server["db"]) == before
    page.click("#loads-confirm")
    _settled(page)
    expect_text(page.locator("#loads-result"), "Loaded 1 file")
    expect_text(page.locator("#loads-history"), "cin_plans_march.csv")
    assert _loads(server["db"]) == before + 1
    _shot(page, "loads-after-upload")
