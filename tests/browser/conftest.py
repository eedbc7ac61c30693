"""Signing in from a browser test: every page needs a signed-in user.

``sign_in(page, base_url, db_url, role)`` creates the account ``test-<role>`` in the
served store (tests.dash_fixtures.make_user: both test LAs; a partner's agency is
"Police") and signs in through the real /signin form, leaving the page on ``next``::

    from tests.browser.conftest import sign_in

    def test_something(tab, server):
        page, watch = tab            # the dashboard tests' tab is already signed in as admin
        sign_in(page, server["base"], server["db"], "manager")   # or as another role

The session cookie stays with the browser context, so sign in once per context.
"""

from __future__ import annotations

from typing import Any

from store.engine import open_store
from tests.dash_fixtures import TEST_PASSWORD, make_user


def sign_in(
    page: Any, base_url: str, db_url: str, role: str = "admin", next_path: str = "/", **options: Any
) -> None:
    """Sign ``page`` in as ``test-<role>`` through the sign-in form; lands on ``next_path``."""
    engine = open_store(db_url)
    try:
        user = make_user(engine, role, **options)
    finally:
        engine.dispose()
    page.goto(f"{base_url}/signin?next={next_path}")
    page.fill("#username", user.username)
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}*")
