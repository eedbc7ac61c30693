"""Layout in a real browser: phone width, wide tables, the navigation keeping the filters,
and axe at 1,440 and 390 px (issue 12)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import test_dashboard_browser as base
from tests.browser.conftest import sign_in
from tests.browser.test_dashboard_browser import (
    PAGES,
    PENDING_SCRIPT,
    TIMEOUT,
    Watch,
    _axe,
    _open,
    _select,
    _settled,
    expect_text,
)

# The same served app as the dashboard tests (a module-scoped fixture); ``browser`` is
# conftest.py's.
server = base.server

pytestmark = pytest.mark.browser


def _tab(server: dict[str, Any], browser: Any, width: int, height: int = 900) -> tuple[Any, Any, Watch]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    context.add_init_script(PENDING_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    watch = Watch(server["base"])
    watch.attach(page)
    sign_in(page, server["base"], server["db"], "admin")
    return context, page, watch


def _sideways_overflow(page: Any) -> int:
    return int(
        page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("width", [390, 1440])
def test_every_page_fits_the_width_and_passes_axe(server: dict[str, Any], browser: Any, width: int) -> None:
    context, page, watch = _tab(server, browser, width)
    try:
        for name, path in PAGES.items():
            _open(page, server["base"], path + ("?la=394" if name != "loads" else ""))
            assert _sideways_overflow(page) <= 1, f"{name} scrolls sideways at {width} px"
            # Every region that scrolls sideways can be reached by keyboard.
            unreachable = page.evaluate(
                """() => [...document.querySelectorAll('.table-responsive')]
                       .filter(el => el.scrollWidth > el.clientWidth && el.tabIndex < 0).length"""
            )
            assert unreachable == 0, f"{name}: a scrolling table is not keyboard-focusable"
            _axe(page, f"{name} at {width} px")
    finally:
        context.close()
    assert not watch.errors, "\n".join(watch.errors)


def test_the_scorecard_is_one_card_per_indicator_at_390_px(server: dict[str, Any], browser: Any) -> None:
    context, page, _ = _tab(server, browser, 390)
    try:
        _open(page, server["base"], "/?la=394")
        table = page.locator("#scorecard-table")
        assert table.evaluate("el => getComputedStyle(el).display") == "block"
        assert page.locator("#scorecard-table thead").is_hidden()
        row = page.locator("#scorecard-table tbody tr:not(.sc-stage)").first
        assert row.locator(".sc-ind-title").is_visible()
        assert (
            row.locator("td.sc-card-status").is_visible() and row.locator("td.sc-wide-only").first.is_hidden()
        )
        box = row.bounding_box()
        assert box is not None and box["width"] <= 390
    finally:
        context.close()


def test_nothing_is_cut_off_at_1280_px(server: dict[str, Any], browser: Any) -> None:
    context, page, _ = _tab(server, browser, 1280)
    try:
        for name, path in PAGES.items():
            _open(page, server["base"], path + ("?la=394" if name != "loads" else ""))
            cut = page.evaluate(
                """() => [...document.querySelectorAll('table')].filter(t => {
                       const box = t.getBoundingClientRect();
                       const region = t.closest('.table-responsive');
                       return box.right > document.documentElement.clientWidth + 1 &&
                              !(region && region.tabIndex >= 0);
                   }).length"""
            )
            assert cut == 0, f"a table on {name} runs off the page at 1,280 px"
    finally:
        context.close()


def test_the_navigation_keeps_the_la_grain_and_period(server: dict[str, Any], browser: Any) -> None:
    context, page, _ = _tab(server, browser, 1440)
    try:
        _open(page, server["base"], "/?la=394")
        _select(page, "scorecard-grain", "quarter")
        page.wait_for_url(re.compile(r"grain=quarter"))
        period = page.locator("#scorecard-period").input_value()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Child's journey").click()
        page.wait_for_url(re.compile(r"/journey\?.*grain=quarter"))
        _settled(page)
        assert page.locator("#journey-la").input_value() == "394"
        assert page.locator("#journey-grain").input_value() == "quarter"
        assert page.locator("#journey-period").input_value() == period
        # Through Data loads (no filters) and back, the choice is still kept.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Data loads").click()
        page.wait_for_url(re.compile(r"/loads"))
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
        page.wait_for_url(re.compile(r"/partners\?.*la=394"))
        _settled(page)
        assert page.locator("#partners-grain").input_value() == "quarter"
    finally:
        context.close()


def test_every_filtered_page_says_how_current_the_data_is(server: dict[str, Any], browser: Any) -> None:
    context, page, _ = _tab(server, browser, 1440)
    try:
        for name, path in PAGES.items():
            if name == "loads":
                continue
            _open(page, server["base"], path + "?la=394")
            expect_text(page.locator(".sc-window").first, "Data for Sunderland from")
    finally:
        context.close()
