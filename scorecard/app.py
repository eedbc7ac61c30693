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

from metrics import results
from metrics.benchmarks import load_benchmarks
from metrics.registry import load_registry
from metrics.wiring import check_wiring
from scorecard.components.shell import SHELL_ID, shell
from scorecard.context import AppContext, get_context, install
from scorecard.errors import handle_callback_error
from scorecard.pagekit import ROUTED
from scorecard.pages import data_quality, early_help, indicator, journey, loads, partners
from scorecard.pages import scorecard as scorecard_page
from scorecard.settings import Settings
from store.engine import open_store

PACKAGE_DIR = Path(__file__).resolve().parent

# Every page of the dashboard; the navigation order is each page's ``order``.
PAGES = (scorecard_page, journey, indicator, partners, early_help, data_quality, loads)

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
    return shell(results.latest_run(get_context().engine))


def create_app(settings: Settings, engine: Engine | None = None) -> dash.Dash:
    """Build the dashboard for the store in ``settings`` (or the engine given)."""
    engine = engine or open_store(settings.database_url)
    registry = load_registry()
    check_wiring(registry)
    context = AppContext(
        settings=settings,
        engine=engine,
        registry=registry,
        benchmarks=load_benchmarks(settings.benchmarks_file, registry),
        measures=settings.measures(),
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
    with app.server.app_context():  # Dash calls the layout once to check it
        app.layout = _layout
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8050, debug: bool = False) -> None:
    """Create the store if needed, load the samples on first run, and serve the dashboard."""
    from scorecard.bootstrap import ensure_sample_data

    engine = open_store(settings.database_url)
    ensure_sample_data(engine, settings, say=lambda message: print(message, flush=True))
    app = create_app(settings, engine=engine)
    print(f"The partnership scorecard is at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    app.run(host=host, port=port, debug=debug)
