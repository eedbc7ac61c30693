"""The web surface's guard: sign-in, sessions, CSRF, authorisation, headers and body limits.

``install_security(app, context)`` wires everything onto the Dash app's Flask server:

- **Sign-in** (Flask-Login): ``/signin`` (a local account's name and password),
  ``/signin/token?token=...`` (a one-time link), ``/signout`` (POST). A session is a
  random id in the signed session cookie whose hash is a row of ``web_sessions``; it
  ends on sign-out, after 30 idle minutes, or when the account is disabled or its role
  changes. Cookies are HttpOnly (except the CSRF cookie, which the Dash renderer must
  read), SameSite=Lax, and Secure when the request came over HTTPS.
- **Single sign-on** through a reverse proxy: only when ``sso_header`` and
  ``trusted_proxies`` are both set, and only for requests whose socket peer is one of
  those proxies; the header's value is an account name in the store (matched exactly).
  A name the proxy vouches for that is not an active account gets 403 and a page that
  says so (never an account made on the fly, never the password form). "Sign out" of
  such a session moves on to ``sso_signout_url`` (the proxy's logout) when it is set. The
  working example (Apache mod_auth_openidc and an OpenID Connect provider) is deploy/sso/.
- **The guard** (``before_request``, so it covers Dash's own routes): static code
  (``/assets``, the component suites) is public; every other route needs a signed-in
  user (pages redirect to the sign-in page, anything else gets 401). A callback POST
  needs the permissions of its outputs (``scorecard.access``), else 403.
- **CSRF**: every POST needs an ``Origin`` (or ``Referer``) of this host and a token:
  the ``X-CSRFToken`` header (Dash's renderer copies it from the ``_csrf_token``
  cookie) or the form's ``csrf_token`` field, equal to the token in the signed session.
- **Headers** on every response: a Content-Security-Policy built from
  ``app.csp_hashes()`` (no inline script runs unless Dash put it there), frame-ancestors
  'none' and X-Frame-Options DENY, nosniff, Referrer-Policy, and Cache-Control
  no-store on everything but the static code.
- **Body size**: a request whose Content-Length is over the limit gets 413 before its
  body is read; Flask's MAX_CONTENT_LENGTH stops a chunked body as it is read.

Readings taken where the spec leaves a choice:

- A POST with neither ``Origin`` nor ``Referer`` is refused: every browser sends one of
  them on a POST, so only a script would omit both.
- The session-signing key is derived (HMAC-SHA256) from the pseudonymisation key, so a
  deployment has one secret to keep and back up, and signing never reveals the key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import dash
from flask import Flask, Response, abort, g, has_request_context, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import AnonymousUserMixin, LoginManager, current_user
from markupsafe import escape
from werkzeug.middleware.proxy_fix import ProxyFix

from scorecard import accounts
from scorecard.access import User, page_permission, permissions_for_outputs
from scorecard.audit import record
from scorecard.context import AppContext, get_context

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
SESSION_COOKIE = "scorecard_session"
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
PUBLIC_PATHS = ("/signin", "/signin/token", "/_favicon.ico", "/favicon.ico")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CALLBACK_PATH = "/_dash-update-component"
# base64 turns 3 bytes into 4; the JSON around the file needs a little more.
BODY_MARGIN = 256 * 1024


def body_limit(upload_max_bytes: int) -> int:
    """The largest request body: one upload of the limit, base64-encoded, with its JSON.

    >>> body_limit(50 * 1024 * 1024)
    70167211
    """
    return -(-upload_max_bytes * 4 // 3) + BODY_MARGIN


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure) or super().get_cookie_secure(app)


def session_signing_key(pseudonym_key: bytes) -> bytes:
    return hmac.new(pseudonym_key, b"scorecard session cookies", hashlib.sha256).digest()


def _in_networks(address: str | None, networks: tuple[str, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


class TrustedProxy:
    """WSGI middleware: honour X-Forwarded-For/-Proto/-Host only from the trusted proxies.

    The socket peer is kept as ``scorecard.peer`` for the single sign-on check.
    """

    def __init__(self, app: Callable[..., Any], proxies: tuple[str, ...]) -> None:
        self.app = app
        self.proxies = proxies
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        peer = environ.get("REMOTE_ADDR")
        environ["scorecard.peer"] = peer
        if self.proxies and _in_networks(peer, self.proxies):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


# --- Who is signed in ----------------------------------------------------------------------


def signed_in_user() -> User | None:
    """The signed-in user of this request, or None (also outside a request)."""
    if not has_request_context() or current_user is None or not current_user.is_authenticated:
        return None
    user: User = current_user
    return user


def scope_las(las: list[str]) -> list[str]:
    """The LAs of ``las`` the signed-in user may see (all of them outside a web request,
    as for the command line; none for a request nobody is signed in to)."""
    if not has_request_context():
        return las
    user = signed_in_user()
    return user.visible_las(las) if user is not None else []


def suppressed_only() -> bool:
    """True when the signed-in user sees suppressed numbers only (the board)."""
    user = signed_in_user()
    return user is None or user.always_suppressed


def _load_user(_request: Any) -> User | None:
    app = get_context()
    sso = _sso_user(app)
    if sso is not None:
        return sso
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    user = accounts.session_user(app.engine, session_id)
    if user is None:
        session.clear()
    return user


def _sso_name(app: AppContext) -> str | None:
    """The account name the trusted proxy vouches for in this request, or None (single
    sign-on off, a request not from a trusted proxy, or no header)."""
    settings = app.settings
    if not settings.sso_header or not settings.trusted_proxies:
        return None
    if not _in_networks(request.environ.get("scorecard.peer"), settings.trusted_proxies):
        return None
    return (request.headers.get(settings.sso_header) or "").strip() or None


def _sso_user(app: AppContext) -> User | None:
    name = _sso_name(app)
    if name is None:
        return None
    user = accounts.get_user(app.engine, username=name)
    if user is None or not user.active:
        return None
    if session.get("sso") != name:  # the first request of this browser: one audit row
        session.clear()
        session["sso"] = name
        session.permanent = True
        record(app.engine, "signin", name, request.remote_addr, f"single sign-on ({app.settings.sso_header})")
    return user


# --- The guard -------------------------------------------------------------------------------


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token")
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(expected, str) or not given:
        return False
    return hmac.compare_digest(expected, given) and (cookie is None or hmac.compare_digest(expected, cookie))


def _deny(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _callback_permissions() -> frozenset[str]:
    body = request.get_json(silent=True) or {}
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str):
        abort(_deny(400, "A callback request names its outputs."))
    return permissions_for_outputs(output)


def _guard() -> Response | None:
    limit = get_context().settings.upload_max_bytes
    if request.content_length is not None and request.content_length > body_limit(limit):
        return _deny(413, f"The request is larger than the limit ({limit // (1024 * 1024)} MB of upload).")
    path = request.path
    user = None if _public(path) else signed_in_user()
    if user is None and not _public(path):
        refusal = _sso_refusal()
        if refusal is not None:
            return refusal
        if request.method == "GET" and not path.startswith("/_"):
            return redirect("/signin?next=" + _local_path(request.full_path))  # type: ignore[return-value]
        return _deny(401, "Sign in first.")
    if request.method not in SAFE_METHODS:
        if not _same_origin():
            return _deny(403, "Refused: the request did not come from this site (Origin).")
        if not _csrf_ok():
            return _deny(403, "Refused: the form or request has no valid CSRF token; reload the page.")
    if user is not None and path == CALLBACK_PATH:
        missing = [p for p in _callback_permissions() if not user.can(p)]
        if missing:
            return _deny(
                403, f"Refused: the {user.role} role may not do this ({', '.join(sorted(missing))})."
            )
    return None


def _local_path(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a URL) is followed after sign-in.

    >>> [_local_path(t) for t in ("/journey?la=394", "//evil.example", "/" + chr(9) + "/x", "https://x")]
    ['/journey?la=394', '/', '/', '/']
    """
    target = (target or "/").rstrip("?") or "/"
    unsafe = "\\" in target or any(ord(c) < 32 for c in target)
    if not target.startswith("/") or target.startswith("//") or unsafe:
        return "/"
    return target


# --- Headers -------------------------------------------------------------------------------


def content_security_policy(script_hashes: Sequence[str]) -> str:
    """The CSP: scripts only from this site or with one of Dash's own inline hashes.

    >>> content_security_policy(["'sha256-abc='"]).split("; ")[1]
    "script-src 'self' 'sha256-abc='"
    """
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            # plotly and React set style attributes; no inline style element carries data
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _headers(app: dash.Dash) -> Callable[[Response], Response]:
    cached: dict[str, str] = {}

    def add(response: Response) -> Response:
        if "csp" not in cached:  # Dash's inline scripts are known once it has served a request
            cached["csp"] = content_security_policy(app.csp_hashes())
        h = response.headers
        h["Content-Security-Policy"] = cached["csp"]
        h["X-Frame-Options"] = "DENY"
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            h["Strict-Transport-Security"] = "max-age=31536000"
        if not request.path.startswith(PUBLIC_PREFIXES):
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        _ensure_csrf_cookie(response)
        return response

    return add


def csrf_token() -> str | None:
    """This session's CSRF token (for forms), or None outside a request."""
    if not has_request_context():
        return None
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def session_owner() -> str:
    """Who owns what this request leaves on the server (a pending upload): the session."""
    session_id = session.get("sid")
    if isinstance(session_id, str):
        return "session:" + accounts.sha256(session_id)
    user = signed_in_user()
    return "sso:" + (user.username if user else "")


def _ensure_csrf_cookie(response: Response) -> None:
    """Give a signed-in browser (or the sign-in form) its CSRF token, in the session and a cookie."""
    if request.path.startswith(PUBLIC_PREFIXES) or getattr(g, "signed_out", False):
        return
    if signed_in_user() is None and request.path != "/signin":
        return
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE, token, samesite="Lax", secure=request.is_secure, httponly=False, path="/"
        )


# --- Sign-in pages -----------------------------------------------------------------------------

# The head of the pages served outside Dash (sign-in, single sign-on refusal); filled
# with str.replace, as the pages' own templates use str.format.
PAGE_HEAD = """<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>TITLE – Partnership scorecard</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"><link rel="stylesheet" href="/assets/scorecard.css">
</head>
<body><main class="container py-4" id="main" style="max-width: WIDTH">
"""

SIGNIN_PAGE = (
    PAGE_HEAD.replace("TITLE", "Sign in").replace("WIDTH", "28rem")
    + """<h1>Sign in</h1><p class="sc-lede">The partnership scorecard holds pseudonymised records about
children. Sign in with the account your administrator gave you.</p>
{message}
<form method="post" action="/signin">
<input type="hidden" name="csrf_token" value="{csrf}"><input type="hidden" name="next" value="{next}">
<div class="mb-3"><label class="form-label" for="username">User name</label>
<input class="form-control" id="username" name="username" autocomplete="username" required></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary" type="submit">Sign in</button>
</form></main></body></html>"""
)

REASONS = {
    "wrong": "That user name and password do not match an account. Try again.",
    "limited": "Too many failed attempts: wait 15 minutes, or ask an administrator to reset the password.",
    "disabled": "This account is disabled: ask an administrator.",
    "link": "That sign-in link is not valid: it has been used or has expired. Ask for a new one.",
    "expired": "You were signed out. Sign in again.",
}


def _signin_page(reason: str | None = None, status: int = 200) -> Response:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    message = (
        f'<div class="alert alert-danger" role="alert">{escape(REASONS[reason])}</div>' if reason else ""
    )
    target = _local_path(request.values.get("next"))
    body = SIGNIN_PAGE.format(message=message, csrf=escape(token), next=escape(target))
    return Response(body, status=status, mimetype="text/html")


def _begin(user: User, how: str) -> Response:
    app = get_context()
    session.clear()
    session["sid"] = accounts.start_session(app.engine, user, request.remote_addr)
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    record(app.engine, "signin", user.username, request.remote_addr, how)
    return redirect(_local_path(request.values.get("next")))  # type: ignore[return-value]


def _signin() -> Response:
    if request.method == "GET":
        return _signin_page()
    app = get_context()
    name = (request.form.get("username") or "").strip()
    result = accounts.check_password(
        app.engine, name, request.form.get("password") or "", request.remote_addr
    )
    if result.user is None:
        record(app.engine, "signin.failed", name[:200] or None, request.remote_addr, result.reason)
        return _signin_page(result.reason, status=429 if result.reason == "limited" else 401)
    return _begin(result.user, "password")


def _signin_token() -> Response:
    app = get_context()
    user = accounts.redeem_token(app.engine, request.args.get("token") or "")
    if user is None:
        record(app.engine, "signin.failed", None, request.remote_addr, "one-time link not valid")
        return _signin_page("link", status=401)
    return _begin(user, "one-time link")


def _signout() -> Response:
    app = get_context()
    user = signed_in_user()
    session_id = session.get("sid")
    if isinstance(session_id, str):
        accounts.end_session(app.engine, session_id)
    if user is not None:
        record(app.engine, "signout", user.username, request.remote_addr)
    signed_on = _sso_name(app) is not None
    session.clear()
    g.signed_out = True
    landing = app.settings.sso_signout_url if signed_on else None
    response = _signed_out_page(landing) if landing else redirect("/signin")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response  # type: ignore[return-value]


# Nothing fetched from the site (no stylesheet, no favicon): the page moves on at once to
# the proxy's logout, and a request that arrived after it would be refused by the proxy.
SIGNED_OUT_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={url}">
<title>Signed out – Partnership scorecard</title><link rel="icon" href="data:,">
</head>
<body><main id="main"><h1>Signed out of the scorecard</h1>
<p id="sso-signing-out">Now signing you out of your organisation's sign-on:
<a href="{url}">continue</a>.</p>
</main></body></html>"""


def _signed_out_page(url: str) -> Response:
    """After "Sign out" of a single sign-on session: on to the proxy's logout (``url``),
    else the proxy would sign the person on again at the next page.

    A page that moves on (meta refresh), not a redirect: the sign-out form's redirects are
    held to the CSP's ``form-action 'self'``, and the proxy's logout goes on to the
    identity provider, another origin.
    """
    return Response(SIGNED_OUT_PAGE.format(url=escape(url)), mimetype="text/html")


SSO_REFUSED_PAGE = (
    PAGE_HEAD.replace("TITLE", "No access").replace("WIDTH", "36rem")
    + """<h1>No access to the scorecard</h1>
<p class="alert alert-danger" role="alert" id="sso-refused">{message}</p>
</main></body></html>"""
)


def _sso_refusal() -> Response | None:
    """403 for a name the trusted proxy vouches for that is not an active account here.

    Single sign-on proves who someone is at the organisation, not that they may read the
    scorecard: that takes an account in the store (its role and LAs), so nobody gets an
    account by signing on. The refusal is audited once per browser session.
    """
    app = get_context()
    name = _sso_name(app)
    if name is None:
        return None
    account = accounts.get_user(app.engine, username=name)
    why = "has no account" if account is None else "has a disabled account"
    message = (
        f"You are signed in at your organisation as {name}, but {name} {why} in the "
        "partnership scorecard. Ask a scorecard administrator to give you access."
    )
    if session.get("sso_refused") != name:
        session.clear()
        session["sso_refused"] = name
        record(app.engine, "signin.failed", name[:200], request.remote_addr, f"single sign-on: {why}")
    if request.method == "GET" and not request.path.startswith("/_"):
        body = SSO_REFUSED_PAGE.format(message=escape(message))
        return Response(body, status=403, mimetype="text/html")
    return _deny(403, message)


# --- Pages: the layout each role may open --------------------------------------------------


def not_available(path: str) -> dash.html.Div:
    return dash.html.Div(
        [
            dash.html.H1("Not available"),
            dash.html.P(
                f"Your role does not give access to {path}. Ask an administrator if you need it.",
                id="not-available",
            ),
        ]
    )


@contextmanager
def _as_nobody() -> Iterator[None]:
    """Run as if nobody were signed in (no LAs, no loads, no accounts in what is built)."""
    saved = g.get("_login_user")
    g._login_user = AnonymousUserMixin()
    try:
        yield
    finally:
        g._login_user = saved


def _guard_layout(path: str, layout: Any) -> Any:
    permission = page_permission(path)

    def guarded(**kwargs: Any) -> Any:
        if not kwargs:
            # Dash's own call, once, for the validation layout that goes to every browser
            # in the page's config: the structure of every page, built as nobody, so it
            # carries no data. Visitors' calls always carry the router's arguments.
            with _as_nobody():
                return layout() if callable(layout) else layout
        user = signed_in_user()
        if user is None or not user.can(permission):
            return not_available(path)
        return layout(**kwargs) if callable(layout) else layout

    return guarded


def guard_pages() -> None:
    """Wrap every registered page's layout with its permission check."""
    for page in dash.page_registry.values():
        page["layout"] = _guard_layout(page.get("path_template") or page["path"], page["layout"])


# --- Installing ------------------------------------------------------------------------------


def install_security(app: dash.Dash, context: AppContext, pseudonym_key: bytes) -> None:
    """Put the guard, sign-in routes, headers and limits on the app's Flask server."""
    server = app.server
    server.secret_key = session_signing_key(pseudonym_key)
    server.session_interface = _SessionInterface()
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=accounts.IDLE,
        SESSION_REFRESH_EACH_REQUEST=True,
        MAX_CONTENT_LENGTH=body_limit(context.settings.upload_max_bytes),
        REMEMBER_COOKIE_DURATION=timedelta(0),
    )
    server.wsgi_app = TrustedProxy(server.wsgi_app, context.settings.trusted_proxies)
    manager = LoginManager()
    manager.request_loader(_load_user)
    manager.init_app(server)
    server.before_request(_guard)
    server.after_request(_headers(app))
    server.add_url_rule("/signin", "signin", _signin, methods=["GET", "POST"])
    server.add_url_rule("/signin/token", "signin_token", _signin_token, methods=["GET"])
    server.add_url_rule("/signout", "signout", _signout, methods=["POST"])
    guard_pages()
