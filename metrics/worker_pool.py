"""The local worker pool's fork server, startable before this process imports the metrics.

``metrics.executors`` runs the per-LA tasks in processes forked from a small server
that has imported the metrics (``multiprocessing``'s ``forkserver``). That import takes
1.3-1.4 s on the 2-core machine, and a worker cannot start before it ends. A command
that will recompute (``scorecard recompute``, ``scorecard load``) starts the server
first, from this module, which imports nothing heavy: the server's import and the
command's own then run side by side on two cores instead of one after the other
(docs/performance.md, "The fork server started before the command's imports").

Example::

    >>> default_jobs() >= 1
    True
    >>> wanted("dask", 4), wanted("local", 1), wanted("local", 2)
    (False, False, True)
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

# What the fork server imports, so that a forked worker has it already.
# The Arrow reader and the rows file use ADBC's SQLite driver: 36 ms of a first task's
# imports otherwise (a name the server cannot import is skipped).
PRELOAD = ["metrics.recompute_la", "metrics.recompute", "adbc_driver_sqlite.dbapi"]


def default_jobs() -> int:
    """One job per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def forkserver_context() -> Any:
    """The ``forkserver`` context, with the metrics preloaded in the server."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def wanted(executor: str, jobs: int | None) -> bool:
    """Whether a recompute with this executor and ``jobs`` (None: one per core) may run
    tasks in local worker processes."""
    return executor == "local" and (jobs or default_jobs()) > 1


def start_forkserver() -> None:
    """Start the fork server now (once per process; later calls find it running). It
    imports ``PRELOAD`` in the background: this returns at once."""
    from multiprocessing import forkserver

    forkserver_context()
    forkserver.ensure_running()


def wait_for_forkserver() -> None:
    """Start the fork server and wait until its imports are done (a benchmark's timings
    then leave them out, as a command's do, which starts it before its own imports)."""
    start_forkserver()
    # The server forks only once it has imported PRELOAD.
    process = forkserver_context().Process(target=_nothing)
    process.start()
    process.join()


def _nothing() -> None:
    """A child's work when all that is wanted is the fork."""
