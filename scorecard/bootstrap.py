"""First run: an empty store is filled from the committed sample extracts.

``make run`` on a fresh machine creates ``data/scorecard.db``, loads ``data/samples``
(synthetic data made by ``scorecard generate``) and recomputes the indicators; a later
run finds loads in the store and does nothing.

Example::

    >>> from pathlib import Path
    >>> from store.engine import open_store
    >>> ensure_sample_data(open_store("sqlite://"), Settings(samples_dir=Path("no/such/dir")))
    []
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, func, select

from loaders.pipeline import FileOutcome, LoadOptions, load_paths
from loaders.pseudonym import resolve_key
from scorecard.settings import Settings
from store.engine import describe_url, get_meta
from store.schema import loads

log = logging.getLogger(__name__)


def store_is_empty(engine: Engine) -> bool:
    """True when nothing has ever been loaded into the store."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(loads)).scalar_one()) == 0


def ensure_sample_data(
    engine: Engine, settings: Settings, say: Callable[[str], None] = log.info
) -> list[FileOutcome]:
    """Load the samples and recompute, if the store is empty and the samples are there.

    ``say`` reports progress (``serve`` prints it; the default logs it).
    """
    from metrics.recompute import recompute
    from metrics.registry import load_registry

    if not store_is_empty(engine) or not settings.samples_dir.is_dir():
        return []
    where = describe_url(settings.database_url)
    say(f"First run: loading the sample extracts in {settings.samples_dir} into {where}")
    measures = settings.measures()
    options = LoadOptions(
        key=resolve_key(settings.secret_key, settings.secret_key_file, get_meta(engine, "key_fingerprint")),
        limits=settings.read_limits(),
        default_la=settings.default_la,
        partner="Sample data",
        loaded_by="first run",
        date_grace_days=settings.date_grace_days,
        measures=measures,
    )
    outcomes = load_paths(engine, [settings.samples_dir], options)
    for outcome in outcomes:
        say(f"  {outcome.file}: {outcome.rows_loaded:,} loaded, {outcome.rows_rejected:,} rejected")
    say("Computing the indicators ...")
    registry = load_registry(measures)  # with the pm_* of SCORECARD_MEASURES_FILE
    say(f"  {recompute(engine, targets_file=settings.targets_file, registry=registry)}")
    return outcomes
