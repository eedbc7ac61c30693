"""Each role in a real browser: what it sees, what it cannot reach, and no CSP errors.

One app is served from a thread (``serve_app`` and ``browser`` in conftest.py). Every role signs in
through the sign-in form, opens every page and is shown either the page or "Not
available"; the navigation offers only its pages. Any console error (a Content-Security-
Policy violation is one) fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import needs_chromium, serve_app, sign_in
from tests.browser.test_dashboard_browser import (
    PENDING_SCRIPT,
    TIMEOUT,
    Watch,
    _loaded,
    _settled,
    expect_some_text,
)
from tests.dash_fixtures import build_store

pytestmark = pytest.mark.browser

PAGES = {
    "/": "Scorecard",
    "/journey": "Child's journey",
    "/indicator/referrals": "Referrals",
    "/partners": "Partners",
    "/early-help": "Early help",
    "/workforce": "Workforce",
    "/quality": "Quality assurance",
    "/data-quality": "Data quality",
    "/loads": "Data loads",
    "/admin/users": "Users and roles",
    "/admin/audit": "Audit log",
    "/actions": "Actions",
}
# Journey, Early help, Workforce and Quality: their version for sharing (scorecard/access.py)
SHARED_PAGES = {"/journey", "/early-help", "/workforce", "/quality"}
REACHES = {
    # the board: the scorecard, the indicator pages and the four above, as shared
    "board": {"/", "/indicator/referrals"} | SHARED_PAGES,
    "partner": set(PAGES) - {"/admin/users", "/admin/audit"},
    "manager": set(PAGES) - {"/admin/users", "/admin/audit"},
    "analyst": set(PAGES) - {"/admin/users", "/admin/audit"},
    "admin": set(PAGES),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    needs_chromium()
    url = f"sqlite:///{tmp_path_factory.mktemp('roles') / 'scorecard.db'}"
    build_store(url).dispose()
    with serve_app(url) as served:
        yield served


def _tab(browser: Any, base: str) -> tuple[Any, Any, Watch]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.add_init_script(PENDING_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    watch = Watch(base)
    watch.attach(page)
    return context, page, watch


def test_a_page_without_sign_in_goes_to_the_sign_in_form(server: dict[str, Any], browser: Any) -> None:
    context, page, watch = _tab(browser, server["base"])
    page.goto(server["base"] + "/journey")
    assert page.url.startswith(server["base"] + "/signin?next=/journey")
    assert page.locator("h1").inner_text() == "Sign in"
    page.fill("#username", "nobody")
    page.fill("#password", "not a password at all")
    page.click("button[type=submit]")
    assert "do not match an account" in page.locator(".alert").inner_text()
    context.close()
    # the refused sign-in is answered 401 on purpose; the browser logs that status
    errors = [e for e in watch.errors if "status of 401" not in e]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("role", ["board", "partner", "manager", "analyst", "admin"])
def test_each_role_sees_its_pages_and_no_others(server: dict[str, Any], browser: Any, role: str) -> None:
    context, page, watch = _tab(browser, server["base"])
    sign_in(page, server["base"], server["db"], role)
    _loaded(page)
    assert f"Signed in as test-{role} ({role})" in page.locator("#signed-in-as").inner_text()
    nav = {a.get_attribute("href") for a in page.locator("nav .sc-nav-link").all()}
    assert nav == {p for p in REACHES[role] if p != "/indicator/referrals"} | {"/"}
    for path, heading in PAGES.items():
        page.goto(server["base"] + path)
        _loaded(page)
        shown = page.locator("h1").first.inner_text()
        if path in REACHES[role]:
            assert shown != "Not available" and heading.split()[0] in shown, (role, path, shown)
        else:
            assert shown == "Not available", (role, path, shown)
    if role == "board":
        page.goto(server["base"] + "/")
        _loaded(page)
        assert page.get_by_text("Operational (unsuppressed").count() == 0
    if role in ("manager", "analyst", "admin"):
        page.goto(server["base"] + "/indicator/referrals")
        _loaded(page)
        page.click("#indicator-records-show")
        _settled(page)
        expect_some_text(page.locator("#indicator-records"))
    page.click("#sign-out")
    page.wait_for_url(server["base"] + "/signin")
    page.goto(server["base"] + "/")
    assert page.url.startswith(server["base"] + "/signin")
    context.close()
    assert not watch.errors, "\n".join(watch.errors)
    assert not watch.external, watch.external
