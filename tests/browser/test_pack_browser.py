"""The board pack and summary buttons in a real browser, and the scorecard printed on A4.

Uses the served app and the browser of tests/browser/test_dashboard_browser.py.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.test_dashboard_browser import Watch, _open, server, tab

pytestmark = pytest.mark.browser
__all__ = ["server", "tab"]  # the fixtures, used by name (``browser`` is conftest.py's)


def _download(page: Any, button: str) -> tuple[str, bytes]:
    with page.expect_download(timeout=180_000) as info:
        page.click(button)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_pack_and_summary_buttons_download_pdfs(tab: tuple[Any, Watch], server: dict[str, Any]) -> None:
    page, _ = tab
    _open(page, server["base"], "/")
    name, content = _download(page, "#scorecard-export-pack")
    assert name.startswith("board_pack_LA394_") and name.endswith("_board.pdf")
    pack = PdfReader(io.BytesIO(content))
    assert len(pack.pages) >= 5 and "board (for sharing)" in pack.pages[1].extract_text()
    page.check("text=Operational (unsuppressed, not for sharing)")
    name, content = _download(page, "#scorecard-export-summary")
    assert name.startswith("ce_summary_LA394_") and name.endswith("_clinic.pdf")
    summary = PdfReader(io.BytesIO(content))
    assert len(summary.pages) == 1 and "Chief executive summary" in summary.pages[0].extract_text()


def test_scorecard_prints_on_a4_without_navigation_or_filters(
    tab: tuple[Any, Watch], server: dict[str, Any]
) -> None:
    page, _ = tab
    _open(page, server["base"], "/")
    page.emulate_media(media="print")
    assert not page.locator(".sc-filters").is_visible()
    assert not page.locator(".sc-export").is_visible()
    assert not page.locator(".sc-header nav").is_visible()
    printed = PdfReader(io.BytesIO(page.pdf(format="A4", landscape=True, print_background=True)))
    text = " ".join(p.extract_text() for p in printed.pages)
    assert "SPC variation" in text and "England" in text  # the last columns are on the page
    assert "Data loads" not in text and "Download CSV" not in text
    width = page.evaluate("() => document.querySelector('#scorecard-table').scrollWidth")
    fits = page.evaluate("() => document.querySelector('#scorecard-table').parentElement.clientWidth")
    assert width <= fits + 1


def test_actions_filters_live_in_the_url(tab: tuple[Any, Watch], server: dict[str, Any]) -> None:
    page, _ = tab
    _open(page, server["base"], "/actions?status=open&overdue=1")
    assert page.locator("#actions-status").input_value() == "open"
    assert page.locator("#actions-overdue").is_checked()
    page.select_option("#actions-status", "done")
    page.uncheck("#actions-overdue")
    page.fill("#actions-owner", "J. Lead")
    page.press("#actions-owner", "Enter")
    page.wait_for_function("() => window.location.search.includes('owner=')", timeout=30_000)
    query = page.evaluate("() => window.location.search")
    assert "status=done" in query and "owner=J.+Lead" in query and "overdue" not in query
    page.reload()
    assert page.locator("#actions-status").input_value() == "done"
    assert page.locator("#actions-owner").input_value() == "J. Lead"
    assert not page.locator("#actions-overdue").is_checked()
