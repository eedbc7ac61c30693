"""What every page and callback needs, built once by ``create_app`` and never mutated.

The context lives in the Flask app's config, so a callback reaches it through the
request it serves; nothing is kept in module-level variables.

Example::

    >>> from flask import Flask
    >>> server = Flask(__name__)
    >>> install(server, "anything")  # create_app installs an AppContext
    >>> with server.app_context():
    ...     get_context()
    'anything'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine

from metrics.benchmarks import Benchmarks
from metrics.registry import Registry
from scorecard.settings import Settings
from scorecard.store_cache import StoreCache
from scorecard.uploads import PreviewStore
from store.measures import MeasureCatalogue, default_measures

CONTEXT_KEY = "SCORECARD_CONTEXT"


@dataclass(frozen=True)
class AppContext:
    """The settings, the store, the registry and the benchmarks of one running app, and
    the uploads waiting between preview and load and the answers of costly queries kept
    until the store changes (``scorecard.store_cache``): the two things that change."""

    settings: Settings
    engine: Engine
    registry: Registry
    benchmarks: Benchmarks
    previews: PreviewStore = field(default_factory=PreviewStore, compare=False, repr=False)
    # The partnership's own measures (SCORECARD_MEASURES_FILE), validated at start-up.
    measures: MeasureCatalogue = field(default_factory=default_measures)
    cache: StoreCache = field(default_factory=StoreCache, compare=False, repr=False)


def install(server: Flask, context: Any) -> None:
    """Attach the context to the Flask server (once, at start-up)."""
    server.config[CONTEXT_KEY] = context


def get_context() -> AppContext:
    """The context of the app serving the current request."""
    context: AppContext = current_app.config[CONTEXT_KEY]
    return context
