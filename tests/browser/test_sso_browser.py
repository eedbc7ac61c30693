"""Single sign-on end to end: a real identity provider, a real reverse proxy, the app, a browser.

The example of docs/deployment.md, run as written: deploy/sso/idp/idp.mjs (panva's
oidc-provider, an OpenID Connect provider, under Node) knows three people; Apache with
mod_auth_openidc (deploy/sso/apache-standalone.conf including apache-sso.conf) signs
the browser in with it and passes the e-mail claim in ``X-Scorecard-User`` to the app,
which trusts that header from 127.0.0.1 only. Each server runs on a free loopback port.

- sam@example.gov.uk is an analyst in the store and chair@example.gov.uk a board member:
  each opens the proxy's address, is sent to the provider's sign-in form, submits the
  password, and is back on the scorecard signed in as that account with its role.
  "Sign out" ends the app's session, the proxy's and the provider's (SCORECARD_SSO_SIGNOUT_URL):
  the next page asks for the password again.
- alex@example.gov.uk is known to the provider but has no account in the store: a page
  that says so (403), and no account is made, even when the browser itself sends
  ``X-Scorecard-User`` naming somebody who has one.
- The same header sent straight to the app from an address that is not the proxy's
  (127.0.0.2) is ignored; from the proxy's address it would sign in, so the check has teeth.

Skips, saying what is missing, when apache2, mod_auth_openidc, node or the provider's npm
packages are absent: ``make test`` installs all of them (scripts/ensure-system-deps.sh and
``npm ci`` in deploy/sso/idp).
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from scorecard import accounts
from scorecard.audit import read_audit
from store.engine import open_store
from tests.browser.conftest import free_port, needs_chromium, serve_app
from tests.browser.test_dashboard_browser import (
    PENDING_SCRIPT,
    TIMEOUT,
    Watch,
    _loaded,
    _settled,
    expect_some_text,
)
from tests.dash_fixtures import MAIN_LA, build_store

pytestmark = pytest.mark.browser

SSO = Path(__file__).resolve().parents[2] / "deploy" / "sso"
IDP = SSO / "idp"
APACHE = Path("/usr/sbin/apache2")
OPENIDC = Path("/usr/lib/apache2/modules/mod_auth_openidc.so")
HEADER = "X-Scorecard-User"
PEOPLE = {  # the identity provider's users: e-mail and password
    "sam@example.gov.uk": "sam-idp-password-1",
    "chair@example.gov.uk": "chair-idp-password-2",
    "alex@example.gov.uk": "alex-idp-password-3",
}
ACCOUNTS = {"sam@example.gov.uk": "analyst", "chair@example.gov.uk": "board"}  # in the store
UNKNOWN = "alex@example.gov.uk"


def needs_sso_stack() -> None:
    """Skip, naming what is missing, unless the whole example can run."""
    missing = [
        what
        for what, there in [
            ("apache2 (Debian package apache2)", APACHE.exists()),
            ("mod_auth_openidc (Debian package libapache2-mod-auth-openidc)", OPENIDC.exists()),
            ("node (Debian package nodejs)", shutil.which("node") is not None),
            ("oidc-provider (npm ci --prefix deploy/sso/idp)", (IDP / "node_modules/oidc-provider").exists()),
        ]
        if not there
    ]
    if missing:
        pytest.skip(f"the single sign-on example needs {', '.join(missing)}; make test installs them")


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    name = Path(str(process.args[0])).name  # type: ignore[index]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port} in 30 s:\n{log.read_text()}")


def _start(args: list[str], env: dict[str, str], cwd: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    _wait_for_port(port, process, log)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The store, the app (trusting the header from 127.0.0.1), the provider and the proxy."""
    needs_chromium()
    needs_sso_stack()
    run = tmp_path_factory.mktemp("sso")
    url = f"sqlite:///{run / 'scorecard.db'}"
    engine = build_store(url)
    for name, role in ACCOUNTS.items():
        accounts.add_user(engine, name, role, None, None, [MAIN_LA])  # no password: single sign-on only
    engine.dispose()
    idp_port, proxy_port = free_port(), free_port()
    proxy = f"http://127.0.0.1:{proxy_port}"
    idp = f"http://127.0.0.1:{idp_port}"
    secret = os.urandom(16).hex()
    signout = "/oidc/callback?logout=" + quote(proxy + "/", safe="")  # mod_auth_openidc's logout
    with serve_app(url, sso_header=HEADER, trusted_proxies="127.0.0.1", sso_signout_url=signout) as app:
        provider = _start(
            ["node", "idp.mjs"],
            {
                "IDP_PORT": str(idp_port),
                "IDP_CLIENT_SECRET": secret,
                "IDP_REDIRECT_URI": f"{proxy}/oidc/callback",
                "IDP_USERS": ",".join(f"{k}:{v}" for k, v in PEOPLE.items()),
            },
            IDP,
            idp_port,
            run / "idp.log",
        )
        try:
            apache = _start(
                [str(APACHE), "-d", str(SSO), "-f", "apache-standalone.conf", "-DFOREGROUND"],
                {
                    "SSO_LISTEN": f"127.0.0.1:{proxy_port}",
                    "SSO_RUN_DIR": str(run),
                    "SSO_IDP_METADATA": f"{idp}/.well-known/openid-configuration",
                    "SSO_CLIENT_ID": "scorecard",
                    "SSO_CLIENT_SECRET": secret,
                    "SSO_PUBLIC_URL": proxy,
                    "SSO_PASSPHRASE": os.urandom(24).hex(),
                    "SSO_APP": app["base"],
                },
                SSO,
                proxy_port,
                run / "apache.log",
            )
            try:
                yield {"proxy": proxy, "idp": idp, "app": app["base"], "db": url, "run": run}
            finally:
                _stop(apache)
        finally:
            _stop(provider)


def _tab(browser: Any, headers: dict[str, str] | None = None) -> tuple[Any, Any, Watch]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="en-GB", extra_http_headers=headers or {}
    )
    context.add_init_script(PENDING_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    watch = Watch("http://127.0.0.1:")  # the proxy and the provider; nothing off the machine
    watch.attach(page)
    return context, page, watch


def _sign_on(page: Any, sso: dict[str, Any], email: str, path: str = "/") -> None:
    """Open the proxy's address, get sent to the provider's form, sign in there."""
    page.goto(sso["proxy"] + path)
    assert page.url.startswith(sso["idp"] + "/interaction/"), page.url
    assert page.locator("h1").inner_text() == "Example identity provider"
    page.fill("#email", email)
    page.fill("#password", PEOPLE[email])
    page.click("button[type=submit]")
    page.wait_for_url(sso["proxy"] + path + "*")


def _audit(sso: dict[str, Any], username: str) -> list[dict[str, Any]]:
    engine = open_store(sso["db"])
    try:
        return list(reversed(read_audit(engine, username=username)))
    finally:
        engine.dispose()


def test_the_analyst_signs_on_at_the_provider_and_lands_signed_in(sso: dict[str, Any], browser: Any) -> None:
    context, page, watch = _tab(browser)
    page.goto(sso["proxy"] + "/indicator/referrals")
    assert page.url.startswith(sso["idp"] + "/interaction/")
    page.fill("#email", "sam@example.gov.uk")
    page.fill("#password", "not sam's password")
    page.click("button[type=submit]")
    assert "do not match" in page.locator("[role=alert]").inner_text()  # the provider checks it
    _sign_on(page, sso, "sam@example.gov.uk", "/indicator/referrals")
    _loaded(page)
    assert page.locator("#signed-in-as").inner_text() == "Signed in as sam@example.gov.uk (analyst)"
    nav = {a.get_attribute("href") for a in page.locator("nav .sc-nav-link").all()}
    assert "/loads" in nav and "/admin/users" not in nav  # an analyst's pages, not an admin's
    page.click("#indicator-records-show")  # a callback POST through the proxy (CSRF, role, LA)
    _settled(page)
    expect_some_text(page.locator("#indicator-records"))
    signins = [r for r in _audit(sso, "sam@example.gov.uk") if r["action"] == "signin"]
    assert [(r["detail"], r["address"]) for r in signins] == [(f"single sign-on ({HEADER})", "127.0.0.1")]
    context.close()
    # the provider answers a wrong password 401 on purpose; the browser logs that status
    assert not [e for e in watch.errors if "status of 401" not in e], watch.errors
    assert not watch.external, watch.external


def test_a_board_member_gets_the_board_role_and_signs_out_everywhere(
    sso: dict[str, Any], browser: Any
) -> None:
    context, page, watch = _tab(browser)
    _sign_on(page, sso, "chair@example.gov.uk")
    _loaded(page)
    assert page.locator("#signed-in-as").inner_text() == "Signed in as chair@example.gov.uk (board)"
    nav = {a.get_attribute("href") for a in page.locator("nav .sc-nav-link").all()}
    # the board's pages: the scorecard and the four with a version for sharing
    assert nav == {"/", "/journey", "/early-help", "/workforce", "/quality"}
    page.goto(sso["proxy"] + "/loads")
    _loaded(page)
    assert page.locator("h1").first.inner_text() == "Not available"
    # Sign out: the app's session, then the proxy's and the provider's (its confirmation)
    page.click("#sign-out")
    page.wait_for_url(sso["idp"] + "/session/end*")
    page.click("#logout")
    page.wait_for_url(sso["idp"] + "/interaction/*")  # the next page needs the password again
    assert page.locator("#password").count() == 1
    assert [r["action"] for r in _audit(sso, "chair@example.gov.uk")] == ["signin", "signout"]
    context.close()
    assert not watch.errors, watch.errors
    assert not watch.external, watch.external


def test_an_identity_the_store_does_not_know_is_refused(sso: dict[str, Any], browser: Any) -> None:
    """alex signs on at the provider, and the browser also sends the header naming sam:
    the proxy replaces it with alex's claim, and the app refuses alex with a page."""
    context, page, watch = _tab(browser, headers={HEADER: "sam@example.gov.uk"})
    _sign_on(page, sso, UNKNOWN)
    refusal = page.locator("#sso-refused").inner_text()
    assert f"signed in at your organisation as {UNKNOWN}" in refusal
    assert f"{UNKNOWN} has no account in the partnership scorecard" in refusal
    assert page.locator("#signed-in-as").count() == 0
    page.goto(sso["proxy"] + "/journey")  # every page, not only the first
    assert page.locator("#sso-refused").count() == 1
    engine = open_store(sso["db"])
    try:
        assert accounts.get_user(engine, username=UNKNOWN) is None  # no account made
    finally:
        engine.dispose()
    failed = [(r["action"], r["detail"]) for r in _audit(sso, UNKNOWN)]
    assert failed == [("signin.failed", "single sign-on: has no account")]  # once per session
    context.close()
    assert not [e for e in watch.errors if "status of 403" not in e], watch.errors


def _get(port: int, path: str, source: str, headers: dict[str, str]) -> tuple[int, str, str]:
    """GET ``path`` from 127.0.0.1:``port``, sent from the loopback address ``source``:
    the status, the Location header and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Location", ""), response.read().decode()
    finally:
        connection.close()


def test_the_header_sent_straight_to_the_app_is_ignored(sso: dict[str, Any]) -> None:
    port = int(sso["app"].rsplit(":", 1)[1])
    header = {HEADER: "sam@example.gov.uk"}
    assert _get(port, "/_dash-layout", "127.0.0.2", header)[0] == 401
    status, location, _ = _get(port, "/journey", "127.0.0.2", header)
    assert (status, location) == (302, "/signin?next=/journey")
    # the same request from the proxy's address is believed: the check above is the address
    status, _, body = _get(port, "/_dash-layout", "127.0.0.1", header)
    assert status == 200 and "Signed in as sam@example.gov.uk (analyst)" in body


def test_a_forged_header_at_the_proxy_does_not_reach_the_app(sso: dict[str, Any]) -> None:
    """Without a sign-on the proxy sends a page request to the provider and answers any
    other request 401 itself (not the app's "Sign in first.")."""
    port = int(sso["proxy"].rsplit(":", 1)[1])
    forged = {HEADER: "sam@example.gov.uk"}
    status, location, _ = _get(port, "/journey", "127.0.0.1", {**forged, "Accept": "text/html"})
    assert status == 302 and location.startswith(sso["idp"] + "/auth?"), (status, location)
    status, _, body = _get(port, "/_dash-layout", "127.0.0.1", forged)
    assert status == 401 and "Sign in first" not in body and "sam@" not in body
