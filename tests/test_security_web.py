"""The web surface tried as an attacker would: every request over HTTP to the real app.

Each of issue 13's findings has a test here: the records download without a session,
the one-POST upload, the cross-origin comment, the missing headers, the unbounded
upload. Then sign-in itself (rate limits, idle expiry, sign-out, one-time links,
single sign-on), the roles and the LA scope, called directly, as an attacker would.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from scorecard.access import CALLBACK_PERMISSIONS, CALLBACK_PREFIXES, output_ids
from scorecard.app import create_app
from scorecard.context import CONTEXT_KEY
from store.local_authorities import la_name
from store.schema import audit_log, comments, loads, record_views, web_sessions
from store.times import utc_now
from tests import dash_fixtures
from tests.dash_fixtures import (
    MAIN_LA,
    SECOND_LA,
    TEST_PASSWORD,
    callback_headers,
    callback_post,
    make_user,
    settings_for,
    signed_in_client,
)

dash_store_url = dash_fixtures.dash_store_url
dash_app = dash_fixtures.dash_app

END = "2025-03-31"
RECORDS_OUTPUT = "indicator-records-file.data"
CONFIRM_OUTPUT = "loads-history.children"


def _key(app: Any, contains: str) -> str:
    """The callback's output string as the renderer sends it (with allow_duplicate hashes)."""
    if not app.callback_map:  # Dash registers the callbacks on its first request
        app.server.test_client().get("/signin")
    return next(k for k in app.callback_map if contains in k)


def _engine(app: Any) -> Any:
    return app.server.config[CONTEXT_KEY].engine


def _count(app: Any, table: Any, *where: Any) -> int:
    with _engine(app).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _filters(prefix: str, la: str = MAIN_LA) -> list[dict[str, Any]]:
    values = {"la": la, "grain": "month", "period": END, "locality": "all", "team": "all"}
    return [{"id": f"{prefix}-{k}", "property": "value", "value": v} for k, v in values.items()]


def _records_download(app: Any, client: Any, la: str = MAIN_LA, **kw: Any) -> Any:
    state = [*_filters("indicator", la), {"id": "indicator-kpi", "property": "data", "value": "referrals"}]
    inputs = [{"id": "indicator-records-download", "property": "n_clicks", "value": 1}]
    return callback_post(client, _key(app, RECORDS_OUTPUT), inputs, state, **kw)


def _comment_save(app: Any, client: Any, body: str, **kw: Any) -> Any:
    inputs = [
        {"id": "indicator-comment-save", "property": "n_clicks", "value": 1},
        *_filters("indicator"),
    ]
    state = [
        {"id": "indicator-comment-body", "property": "value", "value": body},
        {"id": "indicator-kpi", "property": "data", "value": "referrals"},
    ]
    return callback_post(client, _key(app, "indicator-comment-message"), inputs, state, **kw)


def _scorecard_content(app: Any, client: Any, la: str) -> Any:
    return callback_post(client, _key(app, "scorecard-content.children"), _filters("scorecard", la))


# --- Issue 13's findings ---------------------------------------------------------------------


def test_records_download_without_a_session_is_401_and_logs_nothing(dash_app: Any) -> None:
    before = _count(dash_app, record_views)
    response = _records_download(
        dash_app, dash_app.server.test_client(), headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 401
    assert "child_key" not in response.get_data(as_text=True)
    assert _count(dash_app, record_views) == before


def test_records_download_carries_the_signed_in_user(dash_app: Any) -> None:
    client = signed_in_client(dash_app, "manager")
    response = _records_download(dash_app, client)
    assert response.status_code == 200, response.get_data(as_text=True)
    with _engine(dash_app).connect() as conn:
        viewer = conn.execute(select(record_views.c.viewer).order_by(record_views.c.view_id.desc())).first()
        audited = conn.execute(
            select(audit_log.c.username, audit_log.c.la_code)
            .where(audit_log.c.action == "records.download")
            .order_by(audit_log.c.audit_id.desc())
        ).first()
    assert viewer is not None and viewer[0] == "test-manager"
    assert audited is not None and tuple(audited) == ("test-manager", MAIN_LA)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_one_post_load_is_refused(dash_app: Any) -> None:
    """The confirm callback takes only a token from this session's preview: a made-up one,
    or file contents sent straight to it, load nothing."""
    client = signed_in_client(dash_app, "analyst")
    before = _count(dash_app, loads)
    inputs = [{"id": "loads-confirm", "property": "n_clicks", "value": 1}]
    made_up = [{"id": "loads-token", "property": "data", "value": "guessed-token"}]
    response = callback_post(client, _key(dash_app, CONFIRM_OUTPUT), inputs, made_up)
    assert response.status_code == 200
    assert "check the preview first" in response.get_data(as_text=True)
    contents = [
        {"id": "loads-upload", "property": "contents", "value": ["data:text/csv;base64,YSxiCjEsMgo="]},
        {"id": "loads-upload", "property": "filename", "value": ["contacts.csv"]},
    ]
    response = callback_post(client, _key(dash_app, CONFIRM_OUTPUT), inputs, contents)
    assert response.status_code in (200, 400, 500)
    assert "Loaded" not in response.get_data(as_text=True)
    assert _count(dash_app, loads) == before


def test_a_preview_token_loads_only_in_the_session_that_made_it(dash_app: Any) -> None:
    app = dash_app.server.config[CONTEXT_KEY]
    token = app.previews.put("session:someone-else", [("x.csv", b"a,b\n")], {})
    client = signed_in_client(dash_app, "analyst")
    inputs = [{"id": "loads-confirm", "property": "n_clicks", "value": 1}]
    state = [{"id": "loads-token", "property": "data", "value": token}]
    response = callback_post(client, _key(dash_app, CONFIRM_OUTPUT), inputs, state)
    assert "check the preview first" in response.get_data(as_text=True)


def test_a_comment_from_another_origin_is_403(dash_app: Any) -> None:
    client = signed_in_client(dash_app, "analyst")
    before = _count(dash_app, comments)
    evil = callback_headers(client, origin="https://evil.example")
    response = _comment_save(dash_app, client, "posted from evil.example", headers=evil)
    assert response.status_code == 403
    no_token = {"Origin": "http://localhost", "Content-Type": "application/json"}
    assert _comment_save(dash_app, client, "no CSRF token", headers=no_token).status_code == 403
    no_origin = {"X-CSRFToken": evil["X-CSRFToken"], "Content-Type": "application/json"}
    assert _comment_save(dash_app, client, "no origin", headers=no_origin).status_code == 403
    assert _count(dash_app, comments) == before


def test_commentary_records_the_signed_in_user(dash_app: Any) -> None:
    client = signed_in_client(dash_app, "analyst")
    response = _comment_save(dash_app, client, "Rise after half term")
    assert response.status_code == 200
    assert "Commentary saved by test-analyst" in response.get_data(as_text=True)
    with _engine(dash_app).connect() as conn:
        author = conn.execute(select(comments.c.author).order_by(comments.c.comment_id.desc())).scalar()
    assert author == "test-analyst"
    assert _count(
        dash_app, audit_log, audit_log.c.action == "comment", audit_log.c.username == "test-analyst"
    )


def test_a_partner_reads_commentary_but_may_not_write_it(dash_app: Any) -> None:
    client = signed_in_client(dash_app, "partner")
    before = _count(dash_app, comments)
    response = _comment_save(dash_app, client, "a partner's note")
    assert "may read commentary but not write it" in response.get_data(as_text=True)
    assert _count(dash_app, comments) == before


# --- Headers on every kind of response -----------------------------------------------------


def _assert_headers(response: Any, data: bool = True) -> None:
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert "script-src 'self' 'sha256-" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    if data:
        assert h["Cache-Control"] == "no-store"


def test_security_headers_on_every_kind_of_response(dash_app: Any) -> None:
    anonymous = dash_app.server.test_client()
    _assert_headers(anonymous.get("/signin"))
    _assert_headers(anonymous.get("/"))  # the redirect to sign in
    _assert_headers(anonymous.get("/_dash-layout"))  # 401
    _assert_headers(anonymous.get("/assets/scorecard.css"), data=False)
    client = signed_in_client(dash_app, "admin")
    for path in ("/", "/indicator/referrals", "/_dash-layout", "/_dash-dependencies", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_headers(response)
    _assert_headers(_scorecard_content(dash_app, client, MAIN_LA))
    _assert_headers(_comment_save(dash_app, client, "x", headers={"Origin": "https://evil.example"}))  # 403
    _assert_headers(client.get("/_dash-component-suites/no/such.js"), data=False)


def test_the_csp_allows_dash_s_own_inline_scripts(dash_app: Any) -> None:
    import base64
    import hashlib
    import re

    client = signed_in_client(dash_app, "admin")
    response = client.get("/")
    page = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    inline = [s for s in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, re.S) if s.strip()]
    executable = [
        s
        for s, tag in zip(inline, re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page), strict=True)
        if "application/json" not in tag
    ]
    assert executable, "the index has Dash's renderer start-up script"
    for script in executable:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


# --- The upload limit ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_limit_app(dash_store_url: str) -> Any:
    return create_app(settings_for(dash_store_url, upload_max_mb=1))


def test_a_body_over_the_limit_is_413_before_it_is_read(small_limit_app: Any) -> None:
    client = signed_in_client(small_limit_app, "analyst")
    payload = b"x" * (2 * 1024 * 1024)
    headers = callback_headers(client)
    response = client.post("/_dash-update-component", data=payload, headers=headers)
    assert response.status_code == 413
    # the limit holds for anyone, signed in or not
    anonymous = small_limit_app.server.test_client()
    assert anonymous.post("/_dash-update-component", data=payload).status_code == 413


def test_the_upload_control_has_the_limit(small_limit_app: Any) -> None:
    from tests.dash_fixtures import as_user, page

    with small_limit_app.server.test_request_context("/"):
        as_user(make_user(_engine(small_limit_app), "analyst"))
        layout = page("loads").layout()
    found = json.dumps(layout, default=lambda c: c.to_plotly_json())
    assert '"max_size": 1048576' in found
    assert "Files of up to 1 MB each" in found


def test_a_file_over_the_limit_is_refused_at_preview(small_limit_app: Any) -> None:
    import base64

    client = signed_in_client(small_limit_app, "analyst")
    data = "data:text/csv;base64," + base64.b64encode(b"a" * (1024 * 1024 + 10)).decode()
    inputs = [
        {"id": "loads-upload", "property": "contents", "value": [data]},
        {"id": "loads-cancel", "property": "n_clicks", "value": None},
    ]
    state = [
        {"id": "loads-upload", "property": "filename", "value": ["big.csv"]},
        {"id": "loads-kind", "property": "value", "value": "auto"},
        {"id": "loads-la", "property": "value", "value": MAIN_LA},
        {"id": "loads-partner", "property": "value", "value": ""},
    ]
    response = callback_post(client, _key(small_limit_app, "loads-token.data.."), inputs, state)
    assert "the limit is 1 MB" in response.get_data(as_text=True)


# --- Sign-in ----------------------------------------------------------------------------------


def test_pages_redirect_to_sign_in_and_dash_routes_are_401(dash_app: Any) -> None:
    client = dash_app.server.test_client()
    response = client.get("/journey?la=394")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin?next=/journey")
    for path in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash"):
        assert client.get(path).status_code == 401, path
    assert client.get("/assets/scorecard.css").status_code == 200


def _sign_in(client: Any, username: str, password: str) -> Any:
    client.get("/signin")
    token = client.get_cookie("_csrf_token").value
    return client.post(
        "/signin",
        data={"username": username, "password": password, "csrf_token": token},
        headers={"Origin": "http://localhost"},
    )


def test_sign_in_is_rate_limited_per_account(dash_app: Any) -> None:
    make_user(_engine(dash_app), "analyst", username="limited-user")
    client = dash_app.server.test_client()
    for _ in range(5):
        assert _sign_in(client, "limited-user", "not the password").status_code == 401
    refused = _sign_in(client, "limited-user", TEST_PASSWORD)
    assert refused.status_code == 429 and "Too many failed attempts" in refused.get_data(as_text=True)
    assert (
        _count(
            dash_app, audit_log, audit_log.c.action == "signin.failed", audit_log.c.username == "limited-user"
        )
        == 6
    )


def test_sign_in_needs_the_form_token_and_origin(dash_app: Any) -> None:
    make_user(_engine(dash_app), "analyst")
    client = dash_app.server.test_client()
    form = {"username": "test-analyst", "password": TEST_PASSWORD, "csrf_token": "forged"}
    client.get("/signin")
    assert client.post("/signin", data=form, headers={"Origin": "http://localhost"}).status_code == 403
    form["csrf_token"] = client.get_cookie("_csrf_token").value
    assert client.post("/signin", data=form, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/signin", data=form, headers={"Origin": "http://localhost"}).status_code == 302


def test_cookies_are_httponly_samesite_and_secure_under_https(dash_app: Any) -> None:
    make_user(_engine(dash_app), "analyst")
    client = dash_app.server.test_client()
    client.get("/signin", base_url="https://localhost")
    token = client.get_cookie("_csrf_token", domain="localhost").value
    response = client.post(
        "/signin",
        base_url="https://localhost",
        data={"username": "test-analyst", "password": TEST_PASSWORD, "csrf_token": token},
        headers={"Origin": "https://localhost"},
    )
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("scorecard_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Secure" in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith("_csrf_token="))
    assert "Secure" in csrf_cookie and "HttpOnly" not in csrf_cookie  # the renderer reads it
    assert response.headers.get("Strict-Transport-Security")


def test_a_session_ends_after_30_idle_minutes(dash_app: Any) -> None:
    client = signed_in_client(dash_app, "manager")
    assert client.get("/_dash-layout").status_code == 200
    with _engine(dash_app).begin() as conn:
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.ended_at.is_(None))
            .values(last_seen=utc_now() - timedelta(minutes=31))
        )
    assert client.get("/_dash-layout").status_code == 401


def test_sign_out_ends_the_session_on_the_server(dash_app: Any) -> None:
    client = signed_in_client(dash_app, "analyst", username="leaver")
    stolen = client.get_cookie("scorecard_session").value
    response = client.post(
        "/signout",
        data={"csrf_token": client.get_cookie("_csrf_token").value},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 302
    replay = dash_app.server.test_client()
    replay.set_cookie("scorecard_session", stolen)
    assert replay.get("/_dash-layout").status_code == 401
    assert _count(dash_app, audit_log, audit_log.c.action == "signout", audit_log.c.username == "leaver") == 1


def test_disabling_an_account_ends_its_sessions(dash_app: Any) -> None:
    from scorecard import accounts

    client = signed_in_client(dash_app, "manager", username="to-disable")
    accounts.set_active(_engine(dash_app), "to-disable", False)
    assert client.get("/_dash-layout").status_code == 401


def test_the_one_time_link_signs_in_the_first_administrator_once(tmp_path: Any) -> None:
    from scorecard.app import first_run_link

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app(settings_for(url))
    link = first_run_link(_engine(app), "127.0.0.1", 8050)
    assert link is not None and link.startswith("http://127.0.0.1:8050/signin/token?token=")
    path = link.removeprefix("http://127.0.0.1:8050")
    client = app.server.test_client()
    assert client.get(path).status_code == 302
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Signed in as admin (admin)" in layout
    assert app.server.test_client().get(path).status_code == 401  # used
    assert first_run_link(_engine(app), "127.0.0.1", 8050) is None  # somebody can sign in now


def test_single_sign_on_is_off_by_default(dash_app: Any) -> None:
    make_user(_engine(dash_app), "admin")
    client = dash_app.server.test_client()
    assert client.get("/_dash-layout", headers={"X-Forwarded-Email": "test-admin"}).status_code == 401


def test_single_sign_on_trusts_the_header_only_from_the_proxy(dash_store_url: str) -> None:
    app = create_app(settings_for(dash_store_url, sso_header="X-Forwarded-Email", trusted_proxies="10.0.0.5"))
    make_user(_engine(app), "manager", username="sam@example.gov.uk")
    from_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    header = {"X-Forwarded-Email": "sam@example.gov.uk"}
    client = app.server.test_client()
    response = client.get("/_dash-layout", headers=header, environ_base=from_proxy)
    assert response.status_code == 200 and "Signed in as sam@example.gov.uk" in response.get_data(
        as_text=True
    )
    other = app.server.test_client()
    assert (
        other.get("/_dash-layout", headers=header, environ_base={"REMOTE_ADDR": "10.0.0.6"}).status_code
        == 401
    )
    unknown = {"X-Forwarded-Email": "nobody@example.gov.uk"}
    refused = other.get("/_dash-layout", headers=unknown, environ_base=from_proxy)
    assert refused.status_code == 403
    assert "nobody@example.gov.uk has no account" in refused.get_data(as_text=True)


@pytest.mark.parametrize("signout_url", [None, "/oidc/callback?logout=https%3A%2F%2Fsc.example%2F"])
def test_signing_out_of_a_single_sign_on_session_goes_on_to_the_proxys_logout(
    dash_store_url: str, signout_url: str | None
) -> None:
    """With SCORECARD_SSO_SIGNOUT_URL, "Sign out" of a proxy's session ends on a page that
    moves on to the proxy's logout (a redirect would break the CSP's form-action); without
    it, or for a password session, the sign-in form as before."""
    app = create_app(
        settings_for(
            dash_store_url,
            sso_header="X-Forwarded-Email",
            trusted_proxies="10.0.0.5",
            sso_signout_url=signout_url,
        )
    )
    make_user(_engine(app), "analyst", username="out@example.gov.uk")
    client = app.server.test_client()
    proxy = {
        "headers": {"X-Forwarded-Email": "out@example.gov.uk"},
        "environ_base": {"REMOTE_ADDR": "10.0.0.5"},
    }
    assert client.get("/_dash-layout", **proxy).status_code == 200
    token = client.get_cookie("_csrf_token").value
    headers = {**proxy["headers"], "Origin": "http://localhost"}
    response = client.post(
        "/signout", data={"csrf_token": token}, headers=headers, environ_base=proxy["environ_base"]
    )
    if signout_url is None:
        assert (response.status_code, response.location) == (302, "/signin")
    else:
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert f'<meta http-equiv="refresh" content="0; url={signout_url.replace("&", "&amp;")}">' in page
    password = signed_in_client(app, "analyst", username="local-user")
    response = password.post(
        "/signout",
        data={"csrf_token": password.get_cookie("_csrf_token").value},
        headers={"Origin": "http://localhost"},
    )
    assert (response.status_code, response.location) == (302, "/signin")


def test_single_sign_on_refuses_an_unknown_or_disabled_name_with_a_page(dash_store_url: str) -> None:
    """The proxy vouches for a name the store does not know (or has disabled): a 403 page
    that says so, one audit row per browser session, and no account is made."""
    from scorecard import accounts
    from scorecard.audit import read_audit

    app = create_app(settings_for(dash_store_url, sso_header="X-Forwarded-Email", trusted_proxies="10.0.0.5"))
    engine = _engine(app)
    make_user(engine, "manager", username="left@example.gov.uk")
    accounts.set_active(engine, "left@example.gov.uk", False)
    client = app.server.test_client()
    from_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    cases = [("new@example.gov.uk", "has no account"), ("left@example.gov.uk", "has a disabled account")]
    for name, why in cases:
        header = {"X-Forwarded-Email": name}
        for _ in range(2):
            page = client.get("/journey", headers=header, environ_base=from_proxy)
            assert page.status_code == 403 and page.mimetype == "text/html"
            assert f"{name} {why} in the partnership scorecard" in page.get_data(as_text=True)
        assert accounts.get_user(engine, username="new@example.gov.uk") is None
    names = [name for name, _ in cases]
    rows = reversed(read_audit(engine))
    failed = [r for r in rows if r["username"] in names and r["action"] == "signin.failed"]
    assert [(r["username"], r["detail"]) for r in failed] == [
        ("new@example.gov.uk", "single sign-on: has no account"),
        ("left@example.gov.uk", "single sign-on: has a disabled account"),
    ]


# --- Roles and LA scope, called directly ---------------------------------------------------------


@pytest.mark.parametrize("role", ["board"])
def test_roles_without_records_get_403_from_the_records_callbacks(dash_app: Any, role: str) -> None:
    client = signed_in_client(dash_app, role)
    assert _records_download(dash_app, client).status_code == 403


@pytest.mark.parametrize(
    ("role", "output", "allowed"),
    [
        ("board", "partners-content.children", False),
        ("board", "journey-content.children", True),  # its version for sharing
        ("board", "data-quality-rejects.children", False),
        ("manager", "loads-token.data..", False),
        ("partner", "admin-users-message.children", False),
        ("analyst", "admin-audit-table.children", False),
        ("manager", "data-quality-rejects.children", True),
    ],
)
def test_callbacks_check_the_role(dash_app: Any, role: str, output: str, allowed: bool) -> None:
    client = signed_in_client(dash_app, role)
    key = _key(dash_app, output)
    response = client.post(
        "/_dash-update-component",
        data=json.dumps({"output": key, "outputs": [], "inputs": [], "state": []}),
        headers=callback_headers(client),
    )
    assert (response.status_code == 403) is not allowed, response.get_data(as_text=True)


def test_another_la_is_never_shown(dash_app: Any) -> None:
    """A manager granted LA 394 asks for LA 391: the page shows 394, never 391."""
    client = signed_in_client(dash_app, "manager", las=[MAIN_LA], username="manager-394")
    text = _scorecard_content(dash_app, client, SECOND_LA).get_data(as_text=True)
    assert la_name(MAIN_LA) in text and la_name(SECOND_LA) not in text
    _records_download(dash_app, client, la=SECOND_LA)
    with _engine(dash_app).connect() as conn:
        last = conn.execute(
            select(record_views.c.la_code, record_views.c.viewer).order_by(record_views.c.view_id.desc())
        ).first()
    assert last is not None and tuple(last) == (MAIN_LA, "manager-394")


def test_a_user_with_no_las_sees_no_results(dash_app: Any) -> None:
    client = signed_in_client(dash_app, "manager", las=[], username="manager-none")
    text = _scorecard_content(dash_app, client, MAIN_LA).get_data(as_text=True)
    assert "No results yet" in text and la_name(MAIN_LA) not in text


def test_the_board_sees_the_scorecard_suppressed_and_no_other_page(dash_app: Any) -> None:
    from tests.dash_fixtures import as_user, page, text_of

    with dash_app.server.test_request_context("/"):
        as_user(make_user(_engine(dash_app), "board"))
        from dash import page_registry

        by_path = {p["path"]: p for p in page_registry.values()}
        for path in ("/partners", "/data-quality", "/loads", "/admin/users"):
            assert "Not available" in text_of(by_path[path]["layout"](routed_by="app-shell")), path
        shown = text_of(by_path["/"]["layout"](routed_by="app-shell"))
        assert "Operational (unsuppressed" not in shown
        frame, sparks, _ = page("scorecard").view_data(
            dash_app.server.config[CONTEXT_KEY],
            page("scorecard").Filters(la=MAIN_LA, period_end=datetime(2025, 3, 31).date()),
        )
    assert sparks == {}
    assert set(frame["value"].map(type)) <= {int, float, str}


def test_every_callback_output_is_in_the_authorisation_map(dash_app: Any) -> None:
    """A new callback's outputs must be placed in scorecard.access on purpose: listed, under
    a page prefix, or one of these known aggregate ("view") outputs."""
    view = ("scorecard-", "_pages_", "app-error")
    unplaced = sorted(
        {
            i
            for key in dash_app.callback_map
            for i in output_ids(key)
            if i not in CALLBACK_PERMISSIONS
            and not i.startswith(tuple(CALLBACK_PREFIXES))
            and not i.startswith(view)
        }
    )
    assert not unplaced, f"callback outputs missing from scorecard.access: {unplaced}"


def test_the_validation_layout_sent_to_every_browser_carries_no_data(dash_store_url: str) -> None:
    """Dash puts every page's layout in each index page's config (to check callbacks):
    it is built as nobody, so no account, load or LA result is in it."""
    app = create_app(settings_for(dash_store_url))
    make_user(_engine(app), "analyst", username="someone-secret")
    client = signed_in_client(app, "admin")
    html = client.get("/").get_data(as_text=True)
    config = html.split('id="_dash-config" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "validation_layout" in config
    for secret in ("someone-secret", "test-admin", "contacts.csv", "referrals_bad.csv"):
        assert secret not in config, secret


def test_an_upload_for_an_la_not_granted_is_refused(dash_app: Any) -> None:
    """A load replaces an LA's records: staff of one LA may not load another's."""
    import base64

    from scorecard.errors import UserFacingError
    from tests.dash_fixtures import call_with_trigger, page, signed_in_request

    good = b"cin_plan_id,child_id,start_date\nA1,P1,2024-01-05\n"
    upload = ["data:text/csv;base64," + base64.b64encode(good).decode()]
    with (
        signed_in_request(dash_app, "analyst", las=[MAIN_LA], username="analyst-394"),
        pytest.raises(UserFacingError, match=f"rows for LA {SECOND_LA}, which your account is not granted"),
    ):
        call_with_trigger(
            page("loads").preview_upload,
            "loads-upload.contents",
            upload,
            None,
            ["cin_plans.csv"],
            "auto",
            SECOND_LA,
            "",
        )
