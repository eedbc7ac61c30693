"""The Dash app: ``create_app(settings)`` builds it, ``serve`` runs it.

Nothing happens at import time. ``create_app`` opens the store, reads the registry
(checking every indicator has its code, ``metrics.wiring``) and the benchmarks once,
puts them in the app's context for the pages' callbacks, and registers the pages of
``PAGES``, in that order, each through its ``register(app)``: the page and its
callbacks belong to that app only.
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components  # noqa: F401  (registers the components' scripts)
from dash import State
from sqlalchemy import Engine

from loaders.pseudonym import resolve_key
from metrics import results
from metrics.benchmarks import load_benchmarks
from metrics.registry import load_registry
from metrics.wiring import check_wiring
from scorecard.components.shell import SHELL_ID, shell
from scorecard.context import AppContext, get_context, install
from scorecard.errors import handle_callback_error
from scorecard.pagekit import ROUTED
from scorecard.pages import (
    actions,
    admin_audit,
    admin_users,
    data_quality,
    early_help,
    indicator,
    journey,
    loads,
    partners,
    quality,
    workforce,
)
from scorecard.pages import scorecard as scorecard_page
from scorecard.settings import Settings
from scorecard.websecurity import csrf_token, install_security, signed_in_user
from store.engine import open_store

PACKAGE_DIR = Path(__file__).resolve().parent

# Every page of the dashboard; the navigation order is each page's ``order``.
PAGES = (
    scorecard_page,
    journey,
    indicator,
    partners,
    early_help,
    workforce,
    quality,
    data_quality,
    loads,
    actions,
    admin_users,
    admin_audit,
)

INDEX_STRING = """<!DOCTYPE html>
<html lang="en-GB">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        PRELOADS
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


# dcc.Markdown (every table) loads these chunks on first use, one after the other;
# preloading them with the main bundles saves a round trip on the first page.
PRELOADED_CHUNKS = ("async-markdown.js", "async-highlight.js")


def _index_string(prefix: str) -> str:
    links = "".join(
        f'<link rel="preload" as="script" href="{prefix}_dash-component-suites/dash/dcc/{chunk}">'
        for chunk in PRELOADED_CHUNKS
    )
    return INDEX_STRING.replace("PRELOADS", links)


def _layout() -> dash.html.Div:
    return shell(results.latest_run(get_context().engine), signed_in_user(), csrf_token())


def create_app(settings: Settings, engine: Engine | None = None) -> dash.Dash:
    """Build the dashboard for the store in ``settings`` (or the engine given)."""
    engine = engine or open_store(settings.database_url)
    measures = settings.measures()
    registry = load_registry(measures)  # the pm_* ids come from SCORECARD_MEASURES_FILE
    check_wiring(registry)
    context = AppContext(
        settings=settings,
        engine=engine,
        registry=registry,
        benchmarks=load_benchmarks(settings.benchmarks_file, registry),
        measures=measures,
    )
    app = dash.Dash(
        "scorecard",
        use_pages=True,
        pages_folder="",  # the pages are registered below, from PAGES, not found in a folder
        assets_folder=str(PACKAGE_DIR / "assets"),
        serve_locally=True,
        title="Partnership scorecard",
        update_title=None,  # type: ignore[arg-type]  # Dash: None leaves the title alone
        index_string=_index_string("/"),
        routing_callback_inputs={ROUTED: State(SHELL_ID, "id")},
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        on_error=handle_callback_error,
        suppress_callback_exceptions=False,
    )
    install(app.server, context)
    for page in PAGES:
        page.register(app)
    # after the pages: the guard wraps each registered page's layout with its permission
    install_security(app, context, resolve_key(settings.secret_key, settings.secret_key_file))
    with app.server.app_context():  # Dash calls the layout once to check it
        app.layout = _layout
    return app


def first_run_link(engine: Engine, host: str, port: int) -> str | None:
    """The one-time sign-in link for the first administrator, when nobody can sign in yet."""
    from scorecard.accounts import first_admin_link_token, needs_first_link

    if not needs_first_link(engine):
        return None
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{shown_host}:{port}/signin/token?token={first_admin_link_token(engine)}"


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8050, threads: int = 8) -> None:
    """Create the store if needed, load the samples on first run, and serve the dashboard
    with waitress (a production WSGI server; why: docs/deployment.md)."""
    import waitress

    from scorecard.bootstrap import ensure_sample_data
    from scorecard.websecurity import body_limit

    engine = open_store(settings.database_url)
    ensure_sample_data(engine, settings, say=lambda message: print(message, flush=True))
    app = create_app(settings, engine=engine)
    print(f"The partnership scorecard is at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    link = first_run_link(engine, host, port)
    if link:
        print("No one can sign in yet. Open this one-time link to sign in as the first administrator:")
        print(link, flush=True)
    waitress.serve(
        app.server,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=body_limit(settings.upload_max_bytes),
        trusted_proxy=None,  # X-Forwarded-* are honoured by the app, from SCORECARD_TRUSTED_PROXIES only
        ident="scorecard",
    )
