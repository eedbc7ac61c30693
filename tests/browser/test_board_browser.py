"""The board and the upload page per role, in a real browser.

The store is the dashboard tests' with small numbers written in (tests/test_security_partner.py
``small_numbers_app``: Police's contacts 3 and Health's 4 by source agency in March 2025, hidden
for sharing). The board opens an indicator page from the scorecard and sees "c" where the
shared cube hides a number, no monthly series, no records and no forms; a partner's upload
page offers only its agency's kinds; a manager's shows the load history and no upload form.
Any console error (a Content-Security-Policy violation is one) fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import needs_chromium, serve_app, sign_in
from tests.browser.test_dashboard_browser import (
    AXE,
    PENDING_SCRIPT,
    TIMEOUT,
    Watch,
    _axe,
    _loaded,
    _settled,
    expect_text,
)
from tests.dash_fixtures import build_store
from tests.test_security_partner import small_numbers_app

pytestmark = pytest.mark.browser

MARCH = "?la=394&grain=month&period=2025-03"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    needs_chromium()
    url = f"sqlite:///{tmp_path_factory.mktemp('board') / 'scorecard.db'}"
    build_store(url).dispose()
    small_numbers_app(url)  # writes the small numbers into the store
    with serve_app(url) as served:
        yield served


@pytest.fixture
def tab(browser: Any, server: dict[str, Any]) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.add_init_script(PENDING_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    watch = Watch(server["base"])
    watch.attach(page)
    yield page, watch
    context.close()
    assert not watch.errors, "\n".join(watch.errors)
    assert not watch.external, watch.external


def _open(page: Any, url: str) -> None:
    page.goto(url)
    _loaded(page)


def _accessible(page: Any, name: str) -> None:
    """No serious or critical axe-core finding (make test installs axe-core in .tools)."""
    if AXE.exists():
        _axe(page, name)


def test_the_board_opens_an_indicator_page_from_the_scorecard(tab: Any, server: dict[str, Any]) -> None:
    page, _ = tab
    sign_in(page, server["base"], server["db"], "board")
    _open(page, server["base"] + "/" + MARCH)
    page.locator("a.sc-ind-title", has_text="Contacts").first.click()
    page.wait_for_url(server["base"] + "/indicator/contacts*")
    _settled(page)
    assert page.locator("h1").first.inner_text().startswith("Contacts")
    assert page.locator("#indicator-no-series").is_visible()
    assert page.locator("#indicator-spc").count() == 0
    # the breakdown by agency as shared: Police's 3 and Health's 4 are "c"
    section = page.locator("#indicator-by-agency")
    section.locator("summary", has_text="Show as table").click()
    expect_text(section.locator("table"), "Police")  # a Markdown table, drawn late
    rows = {
        r.locator("td").first.inner_text(): r.locator("td").nth(1).inner_text()
        for r in section.locator("tbody tr").all()
    }
    assert rows.get("Police") == "c" and rows.get("Health") == "c", rows
    links = [a.inner_text() for a in section.locator("a.sc-download").all()]
    assert links == ["Download for sharing (CSV, small numbers suppressed)"], links
    # no records, no commentary or action forms, no target form
    for hidden in (
        "#indicator-records-show",
        "#indicator-records-download",
        "#indicator-comment-save",
        "#indicator-actions-save",
        "#indicator-target-save",
    ):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator("#indicator-commentary-heading").is_visible()
    assert page.locator("#indicator-actions-heading").is_visible()
    _accessible(page, "board-indicator")


def test_a_partner_is_offered_only_its_agencys_kinds(tab: Any, server: dict[str, Any]) -> None:
    page, _ = tab
    sign_in(page, server["base"], server["db"], "partner", next_path="/loads")
    _settled(page)
    # dbc.Select's own empty placeholder option comes first
    options = [o for o in page.locator("#loads-kind option").all_inner_texts() if o]
    assert options == ["Work it out from the file", "Partner measures"], options
    assert page.locator("#loads-upload").is_visible()
    assert page.locator("#loads-partner").input_value() == "Police"
    template = [o for o in page.locator("#loads-template-agency option").all_inner_texts() if o]
    assert template == ["Police"], template
    assert not page.locator("#loads-retract").is_visible()
    _accessible(page, "partner-loads")


def test_a_manager_sees_the_load_history_and_no_upload_form(tab: Any, server: dict[str, Any]) -> None:
    page, _ = tab
    sign_in(page, server["base"], server["db"], "manager", next_path="/loads")
    _settled(page)
    assert "may see the loads but not upload" in page.locator(".sc-lede").inner_text()
    for hidden in ("#loads-upload", "#loads-kind", "#loads-confirm", "#loads-template", "#loads-retract"):
        assert not page.locator(hidden).is_visible(), hidden
    expect_text(page.locator("#loads-history"), "contacts.csv")  # a Markdown table, drawn late
    _accessible(page, "manager-loads")
