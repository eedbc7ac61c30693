"""The board and a partner open Journey, Early help, Workforce and Quality in a real browser:
each page is their version for sharing, shows "c" where the small numbers written into the
store are hidden, and raises no console error (a Content-Security-Policy violation is one).

The store is the dashboard tests' with the small numbers of
``tests/test_security_sharing_pages.py`` written into March 2025 of LA 394.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from store.engine import open_store
from tests.browser.conftest import needs_chromium, serve_app, sign_in
from tests.browser.test_dashboard_browser import AXE, TIMEOUT, _axe, _loaded, expect_text
from tests.browser.test_roles_browser import _tab
from tests.dash_fixtures import build_store
from tests.test_security_sharing_pages import write_small_numbers

pytestmark = pytest.mark.browser

QUERY = "?la=394&grain=month&period=2025-03"
SHARED_PAGES = ("/journey", "/early-help", "/workforce", "/quality")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    needs_chromium()
    url = f"sqlite:///{tmp_path_factory.mktemp('sharing') / 'scorecard.db'}"
    build_store(url).dispose()
    engine = open_store(url)
    try:
        write_small_numbers(engine)
    finally:
        engine.dispose()
    with serve_app(url) as served:
        yield served


def _open(page: Any, base: str, path: str) -> Any:
    page.goto(f"{base}{path}{QUERY}")
    _loaded(page)
    content = page.locator(f"#{path.strip('/')}-content")
    expect_text(content, "Mar 2025")
    return content


def _row_cells(content: Any, caption: str, group: str) -> list[str]:
    """The cells of ``group``'s row in the table captioned ``caption``."""
    table = content.locator("table", has=content.page.locator("caption", has_text=caption))
    row = table.locator("tbody tr", has=content.page.locator(f'th[scope=row]:text-is("{group}")'))
    row.first.wait_for(timeout=TIMEOUT)
    return [c.strip() for c in row.locator("td").all_inner_texts()]


@pytest.mark.parametrize("role", ["board", "partner"])
def test_the_board_and_a_partner_see_the_four_pages_for_sharing(
    server: dict[str, Any], browser: Any, role: str
) -> None:
    context, page, watch = _tab(browser, server["base"])
    sign_in(page, server["base"], server["db"], role)
    _loaded(page)
    nav = {a.get_attribute("href") for a in page.locator("nav .sc-nav-link").all()}
    assert set(SHARED_PAGES) <= nav, nav

    journey = _open(page, server["base"], "/journey")
    expect_text(journey, "c child protection plans started")
    expect_text(journey, "Month-by-month series are not shown in the version for sharing")
    assert page.locator("#journey-trend").count() == 0

    early_help = _open(page, server["base"], "/early-help")
    expect_text(early_help, "mean change over c closures with both scores")
    assert "+4.5 points" not in early_help.inner_text()

    workforce = _open(page, server["base"], "/workforce")
    caption = "Workforce by team, furthest from target first, Mar 2025"
    assert _row_cells(workforce, caption, "Assessment 1")[0] == "c"
    expect_text(workforce, "(CSV, for sharing)")
    assert "(CSV, operational)" not in workforce.inner_text()

    quality = _open(page, server["base"], "/quality")
    by_agency = "Case file audits by lead auditor's agency, Mar 2025"
    # a police partner sees its own agency's 3 audits as stored; the board sees "c"
    assert _row_cells(quality, by_agency, "Police")[0] == ("3" if role == "partner" else "c")
    assert _row_cells(quality, by_agency, "Health")[0] == "c"

    page.wait_for_timeout(200)
    context.close()
    assert not watch.errors, "\n".join(watch.errors)
    assert not watch.external, watch.external


def test_the_pages_for_sharing_pass_axe(server: dict[str, Any], browser: Any) -> None:
    if not AXE.exists():
        pytest.skip(
            "axe-core is not installed in .tools (make test installs it: scripts/ensure-system-deps.sh)"
        )
    context, page, watch = _tab(browser, server["base"])
    sign_in(page, server["base"], server["db"], "board")
    for path in SHARED_PAGES:
        _open(page, server["base"], path)
        _axe(page, f"{path} for the board")
    context.close()
    assert not watch.errors, "\n".join(watch.errors)
