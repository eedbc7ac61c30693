"""Issue 10 in a real browser: the scorecard's new sections, the Workforce page with its
filters in the URL, the partner-measures template download, and a partner's upload of
a partner_measures file through the preview and confirm.

The axe checks of the new pages run with every other page's (``PAGES`` of
test_dashboard_browser.py, at 1,366 px, and test_layout_browser.py at 1,440 and 390 px).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from store.engine import open_store
from store.measures import default_measures, next_period
from store.schema import loads
from tests.browser import test_dashboard_browser as base
from tests.browser.conftest import sign_in
from tests.browser.test_dashboard_browser import (
    PENDING_SCRIPT,
    TIMEOUT,
    Watch,
    _download,
    _open,
    _settled,
    _upload,
    expect_count,
    expect_text,
)
from tests.dash_fixtures import TEAMS

server = base.server

pytestmark = pytest.mark.browser


@pytest.fixture
def as_role(server: dict[str, Any], browser: Any) -> Iterator[Any]:
    """Open a tab signed in as a role: ``page = as_role("partner")``; checked for errors."""
    opened: list[tuple[Any, Watch]] = []

    def open_as(role: str, width: int = 1366) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": 900}, accept_downloads=True, locale="en-GB"
        )
        context.add_init_script(PENDING_SCRIPT)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        watch = Watch(server["base"])
        watch.attach(page)
        sign_in(page, server["base"], server["db"], role)
        opened.append((context, watch))
        return page

    yield open_as
    for context, watch in opened:
        context.close()
        assert not watch.errors, "\n".join(watch.errors)
        assert not watch.external, f"requests left the app: {watch.external}"


def test_the_scorecard_shows_the_workforce_and_quality_sections(as_role: Any, server: dict[str, Any]) -> None:
    page = as_role("manager")
    _open(page, server["base"], "/?la=394&grain=month&period=2025-03")
    table = page.locator("#scorecard-table")
    expect_text(table, "Partners' measures")
    stages = [t.strip() for t in table.locator("tr.sc-stage th").all_inner_texts()]
    assert stages[-3:] == ["Workforce", "Quality assurance", "Partners' measures"]
    workforce = table.locator("tbody", has=page.locator("tr.sc-stage th", has_text="Workforce"))
    expect_text(workforce, "Agency social workers")
    expect_text(workforce, "Social worker turnover, 12 months")
    quality = table.locator("tbody", has=page.locator("tr.sc-stage th", has_text="Quality assurance"))
    expect_text(quality, "Audits graded good or outstanding")


def test_the_workforce_page_keeps_its_filters_in_the_url(as_role: Any, server: dict[str, Any]) -> None:
    page = as_role("manager")
    _open(page, server["base"], "/workforce?la=394&grain=month&period=2025-03")
    assert page.locator("h1").inner_text() == "Workforce"
    expect_text(page.locator("#workforce-content"), "The DfE measures the workforce at 30 September")
    expect_text(page.locator("#workforce-content"), "By team, furthest from target first, Mar 2025")
    # the table (a dcc.Markdown) and the chart (Plotly) are drawn after the callback answers
    team_rows = page.locator("#workforce-content table").first.locator("tbody th[scope=row]")
    expect_count(team_rows, len(TEAMS))
    assert sorted(team_rows.all_inner_texts()) == sorted(TEAMS)
    expect_count(page.locator("#workforce-sw-agency-rate .js-plotly-plot"), 1)
    page.select_option("#workforce-grain", "quarter")
    _settled(page)
    assert "grain=quarter" in page.url and "la=394" in page.url
    expect_text(page.locator("#workforce-content"), "By team, furthest from target first, Q4 2024-25")
    # The URL reproduces the view in a new visit.
    url = page.url
    _open(page, server["base"], url.removeprefix(server["base"]))
    assert page.locator("#workforce-grain").input_value() == "quarter"


def test_the_workforce_charts_end_at_the_data_and_september_shows_england(
    as_role: Any, server: dict[str, Any]
) -> None:
    page = as_role("manager")
    _open(page, server["base"], "/workforce?la=394&grain=month&period=2024-09")
    content = page.locator("#workforce-content")
    expect_text(content, "England 17.8% at 30 September 2023")
    expect_text(content, "the same definitions as ours for a period ending then")
    chart = page.locator("#workforce-sw-agency-rate .js-plotly-plot")
    chart.wait_for()
    # The drawn axis: the 24 months to September 2024, half a month either side, not
    # widened by the lines' end labels (which had run it months past the data).
    first, last = chart.evaluate("el => el._fullLayout.xaxis.range")
    assert first[:10] == "2022-10-16" and last[:10] == "2024-10-15"


def test_a_partner_downloads_its_template_and_uploads_its_figures(
    as_role: Any, server: dict[str, Any]
) -> None:
    page = as_role("partner")  # the test partner's agency is Police
    _open(page, server["base"], "/loads")
    assert page.locator("#loads-template-agency").is_disabled()
    name, content = _download(page, "#loads-template")
    start, end = next_period("month", date.today())
    assert name == f"partner_measures_template_police_{end:%Y-%m}.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [r["measure_id"] for r in rows] == [m.id for m in default_measures().owned_by("police")]
    assert rows[0]["period_start"] == start.isoformat() and rows[0]["numerator"] == ""
    expect_text(page.locator("#loads-template-message"), f"Downloaded {name}")

    # The template filled in, with one row of another agency's measure: it is rejected.
    upload = (
        b"measure_id,period_start,period_end,numerator,denominator,value,note\n"
        b"strategy_police_attendance,2025-02-01,2025-02-28,19,20,,\n"
        b"icpc_health_reports,2025-02-01,2025-02-28,8,10,,\n"
    )
    _upload(page, name, upload)  # the downloaded file, filled in
    preview = page.locator("#loads-preview")
    expect_text(preview, "Ready to load")
    expect_text(preview, "2 rows read, 1 to load, 1 rejected")
    page.click("#loads-confirm")
    _settled(page)
    expect_text(page.locator("#loads-result"), "Loaded 1 file")
    engine = open_store(server["db"])
    try:
        with engine.connect() as conn:
            last = conn.execute(select(loads).order_by(loads.c.load_id.desc())).mappings().first()
    finally:
        engine.dispose()
    assert last is not None and last["kind"] == "partner_measures" and last["partner"] == "Police"
