"""First run: an empty store is filled from the committed sample extracts.

``make run`` on a fresh machine creates ``data/scorecard.db``, loads ``data/samples``
(synthetic data made by ``scorecard generate``) and recomputes the indicators; a later
run finds loads in the store and does nothing.

Example::

    >>> from store.engine import open_store
    >>> ensure_sample_data(open_store("sqlite://"), Settings(samples_dir=Path("no/such/dir")))
    []
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, func, select

from loaders.pipeline import FileOutcome, LoadOptions, load_paths
from loaders.pseudonym import resolve_key
from scorecard.settings import Settings
from store.schema import loads

log = logging.getLogger(__name__)


def store_is_empty(engine: Engine) -> bool:
    """True when nothing has ever been loaded into the store."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(loads)).scalar_one()) == 0


def ensure_sample_data(engine: Engine, settings: Settings) -> list[FileOutcome]:
    """Load the samples and recompute, if the store is empty and the samples are there."""
    if not store_is_empty(engine) or not settings.samples_dir.is_dir():
        return []
    log.info("empty store: loading the sample extracts in %s", settings.samples_dir)
    options = LoadOptions(
        key=resolve_key(settings.secret_key, settings.secret_key_file),
        default_la=settings.default_la,
        partner="Sample data",
        loaded_by="first run",
        progress=log.info,
    )
    outcomes = load_paths(engine, [settings.samples_dir], options)
    for outcome in outcomes:
        log.info(
            "%s: %s, %d loaded, %d rejected",
            outcome.file,
            outcome.status,
            outcome.rows_loaded,
            outcome.rows_rejected,
        )
    _recompute(engine, settings)
    return outcomes


def _recompute(engine: Engine, settings: Settings) -> None:
    from metrics.recompute import recompute

    recompute(engine, targets_file=settings.targets_file)
