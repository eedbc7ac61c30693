"""What every browser test shares: the served app, the browser, and signing in.

``serve_app(url)`` serves the dashboard on the store at ``url`` from a thread on a free
loopback port (a context manager yielding ``{"base": ..., "db": url}``); a test module's
``server`` fixture builds its store and calls it. ``browser`` (module-scoped) is Debian's
chromium driven by Playwright; it skips when chromium is not installed.

Every page needs a signed-in user.

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

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from store.engine import open_store
from tests.dash_fixtures import TEST_PASSWORD, make_user, settings_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def needs_chromium() -> None:
    """Skip the test when Debian's chromium is missing."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed (make test installs it: scripts/ensure-system-deps.sh)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(url: str, **settings: Any) -> Iterator[dict[str, Any]]:
    """The dashboard on the store at ``url`` (``settings`` as for ``settings_for``), served
    from a thread on a free loopback port until the block ends."""
    from scorecard.app import create_app

    app = create_app(settings_for(url, **settings))
    port = free_port()
    httpd = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": f"http://127.0.0.1:{port}", "db": url}
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, one per test module."""
    needs_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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
