"""The Dash app: ``create_app(settings)`` builds it, ``serve`` runs it.

Nothing happens at import time. ``create_app`` opens the store, reads the registry and
the benchmarks once, and puts them in the app's context for the pages' callbacks.
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
from scorecard.components.shell import SHELL_ID, shell
from scorecard.context import AppContext, get_context, install
from scorecard.errors import handle_callback_error
from scorecard.pagekit import ROUTED
from scorecard.settings import Settings
from store.engine import open_store

PACKAGE_DIR = Path(__file__).resolve().parent

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


def _forget_stale_callbacks() -> None:
    """Drop page callbacks registered by an earlier app in this process that never served.

    Dash imports the pages afresh for every app and each import registers its callbacks
    in Dash's global list, which the app takes on its first request; without this a
    second app in the same process (tests) would receive every callback twice.
    """
    from dash import _callback

    _callback.GLOBAL_CALLBACK_LIST.clear()
    _callback.GLOBAL_CALLBACK_MAP.clear()


def create_app(settings: Settings, engine: Engine | None = None) -> dash.Dash:
    """Build the dashboard for the store in ``settings`` (or the engine given)."""
    engine = engine or open_store(settings.database_url)
    registry = load_registry()
    context = AppContext(
        settings=settings,
        engine=engine,
        registry=registry,
        benchmarks=load_benchmarks(settings.benchmarks_file, registry),
    )
    _forget_stale_callbacks()
    app = dash.Dash(
        "scorecard",
        use_pages=True,
        pages_folder=str(PACKAGE_DIR / "pages"),
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
