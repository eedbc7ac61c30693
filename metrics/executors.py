"""Where the per-LA recomputes run: in this process, in local worker processes, or on Dask.

``run_tasks`` yields each LA's result as soon as it is done, to the one writer. At most
``jobs`` tasks are in flight at once, so the writer holds one LA's results at a time and
each worker one LA's rows: peak memory follows the largest LA, not the number of LAs.
The next task starts before the writer stores a finished one (the workers do not wait
for the writes), and the tasks run in the order given (the recompute gives the largest
LAs first, so that the workers finish together).

- ``local`` with one job (or a store only this process can see, such as SQLite in
  memory, or one LA of a store a worker could read no faster): in this process,
  through the writer's connection.
- ``local`` with more: a pool of worker processes started by ``forkserver`` (a fork of a
  small server that has imported the metrics, so a worker starts in a fraction of a
  second, and no thread of the caller, a web server's say, is forked). One LA of a
  SQLite file goes to a worker too: the worker reads it through Arrow
  (``store.arrow_read``), in a third of the time the writer's ``sqlite3`` connection
  takes, while the writer's process waits (a month's refresh of a large LA: 4.2 s in
  the writer's process, docs/performance.md).
- ``dask``: tasks on a ``distributed`` cluster, the per-LA function unchanged. With no
  scheduler address, a local cluster of ``jobs`` worker processes is started and
  stopped around the run. Dask is an optional extra (``pip install .[distributed]``).

The local cluster is started with ``LOCAL_CLUSTER_CONFIG``, because Dask's defaults
cost a task of ours about twice the CPU of the same task in the local pool
(``docs/performance.md``, "Why the Dask executor cost twice the CPU"):

- the nanny starts each worker with ``MALLOC_TRIM_THRESHOLD_=65536``, so glibc hands
  freed memory back to the kernel at once and takes it again, zeroed, at the next
  pandas allocation: 2.5-3x the page faults of the same task, 15-30 % more CPU;
- every worker, nanny and the scheduler run periodic callbacks (a statistical profiler
  every 10 ms, an event-loop check every 20 ms, a memory monitor every 100 ms, a system
  monitor every 500 ms) that cost about 3 % of a core per process for as long as the
  cluster is up, busy or not: on a loaded machine, where a run's wall time is long, this
  came to as much again as the tasks. Nobody looks at them: the cluster has no dashboard,
  the profiles feed nothing, and our tasks ask for no spilling.

The nanny's ``OMP_NUM_THREADS=1`` (and MKL's, OpenBLAS's) is kept: one thread per
worker, as many workers as cores, so a worker's Arrow or BLAS pool would only
oversubscribe the cores. The nanny also writes those variables into this process's
environment (``os.environ``) before it spawns a worker; they are put back afterwards, so
a web server or CLI that ran a recompute does not pass them on to later subprocesses.
A cluster of our own (``scheduler`` given) runs with its own settings: start its workers
with the same ones (``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False`` and so on) and
without ``MALLOC_TRIM_THRESHOLD_``.

Example::

    >>> default_jobs() >= 1
    True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import Any, Literal

from sqlalchemy import Connection

from metrics.recompute_la import LaResult, LaTask, compute_la
from metrics.worker_pool import default_jobs, forkserver_context, start_forkserver, wanted
from store.arrow_read import arrow_readable

Executor = Literal["local", "dask"]
EXECUTORS: tuple[Executor, ...] = ("local", "dask")


# Dask settings for a local cluster we start (module docstring says why each).
LOCAL_CLUSTER_CONFIG: Mapping[str, object] = {
    # Replaces Dask's default, which also sets MALLOC_TRIM_THRESHOLD_.
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
}


class ExecutorError(RuntimeError):
    """The executor asked for cannot run; the message says how to fix it."""


def run_tasks(
    tasks: Sequence[LaTask],
    conn: Connection,
    *,
    executor: Executor = "local",
    jobs: int | None = None,
    shared_store: bool = True,
    scheduler: str | None = None,
    processes: bool = True,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[LaResult]:
    """Each task's result, in the order they finish.

    ``meanwhile`` is the caller's work to do while the first tasks start and run (the
    writer clears what a full recompute replaces: 4 s in the 8-LA region, where the
    workers had waited for it, docs/performance.md). It runs once, before any result is
    yielded: beside the submission of the first tasks, or, when the tasks run in this
    process through ``conn``, before the first one. Other connections do not see what it
    writes before the caller commits, so the tasks read the state it started from."""
    jobs = jobs or default_jobs()
    then = meanwhile or _nothing
    if executor == "dask":
        yield from _dask(tasks, jobs, scheduler, processes, then)
    elif executor != "local":
        raise ExecutorError(f"unknown executor {executor!r}: use one of {', '.join(EXECUTORS)}")
    elif _in_this_process(tasks, jobs, shared_store):
        then()
        for task in tasks:
            yield compute_la(task, conn)
    else:
        yield from _processes(tasks, jobs, then)


def _nothing() -> None:
    """No work for the caller while the first tasks start."""


def _in_this_process(tasks: Sequence[LaTask], jobs: int, shared_store: bool) -> bool:
    """Whether the local executor runs the tasks in the writer's process (module docstring):
    one job, a store no other process can open, or one task a worker would read no faster."""
    if jobs <= 1 or not shared_store or not tasks:
        return True
    return len(tasks) == 1 and not arrow_readable(tasks[0].url)


def start_early(executor: Executor, jobs: int | None, shared_store: bool) -> None:
    """Start the local pool's fork server now, when ``run_tasks`` will use it: it then
    imports pandas and the metrics (a second or so) while the caller plans, instead of
    after, with both cores idle but one."""
    if wanted(executor, jobs) and shared_store:
        start_forkserver()


def _processes(tasks: Sequence[LaTask], jobs: int, meanwhile: Callable[[], object]) -> Iterator[LaResult]:
    context = forkserver_context()
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context) as pool:
        submit = partial(_submit_apart, pool)
        yield from _bounded(tasks, jobs, submit, _finished_local, meanwhile)


def _submit_apart(pool: ProcessPoolExecutor, task: LaTask) -> Future[LaResult]:
    return pool.submit(compute_la, _apart(task))


def _apart(task: LaTask) -> LaTask:
    """The task as run in a process the writer is not in (``LaTask.own_process``)."""
    return replace(task, own_process=True)


def _finished_local(pending: set[Any]) -> tuple[set[Any], set[Any]]:
    done, rest = wait(pending, return_when=FIRST_COMPLETED)
    return set(done), set(rest)


def _bounded(
    tasks: Sequence[LaTask],
    jobs: int,
    submit: Any,
    finished: Any,
    meanwhile: Callable[[], object],
) -> Iterator[LaResult]:
    """Keep ``jobs`` tasks in flight, in the order given (the caller puts the largest LAs
    first, so the last task to finish is a small one); yield results as they finish.

    The next task is submitted before a finished one is yielded: the writer then stores
    one LA while ``jobs`` workers compute the next ones, instead of leaving a worker idle
    for as long as the write takes. The first tasks are submitted from a thread while
    ``meanwhile`` runs here: a process pool's first submission waits until its worker
    processes are forked, and the fork server forks only once it has imported the
    metrics (``metrics.worker_pool``)."""
    queue = list(tasks)
    running: set[Future[LaResult]] = set()

    def fill() -> None:
        while queue and len(running) < jobs:
            running.add(submit(queue.pop(0)))

    with ThreadPoolExecutor(max_workers=1) as starter:
        started = starter.submit(fill)
        meanwhile()
        started.result()
    while running:
        done, running = finished(running)
        fill()
        for future in done:
            yield future.result()


def _dask(
    tasks: Sequence[LaTask],
    jobs: int,
    scheduler: str | None,
    processes: bool,
    meanwhile: Callable[[], object],
) -> Iterator[LaResult]:
    try:
        from distributed import Client
        from distributed import wait as dask_wait
    except ImportError:
        raise ExecutorError(
            "the dask executor needs the optional extra: pip install '.[distributed]'"
        ) from None

    def finished(pending: set[Any]) -> tuple[set[Any], set[Any]]:
        done, rest = dask_wait(list(pending), return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call,unused-ignore]
        return set(done), set(rest)

    if scheduler:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call,unused-ignore]
            yield from _bounded(
                tasks, jobs, lambda t: client.submit(compute_la, _apart(t), pure=False), finished, meanwhile
            )
        return
    # Thread workers (processes=False) share the writer's process: no Arrow reads there.
    mark = _apart if processes else (lambda t: t)
    with local_cluster(jobs, processes) as client:
        yield from _bounded(
            tasks, jobs, lambda t: client.submit(compute_la, mark(t), pure=False), finished, meanwhile
        )


@contextmanager
def local_cluster(jobs: int, processes: bool = True) -> Iterator[Any]:
    """A client of a new local Dask cluster of ``jobs`` one-thread workers, made with
    ``LOCAL_CLUSTER_CONFIG``, closed (and this process's environment put back) after."""
    import dask
    from distributed import Client, LocalCluster

    # Worker processes talk over TCP on loopback only; thread workers in memory.
    where = {"host": "127.0.0.1"} if processes else {}
    with _environ_kept():
        # Dask's configuration is global: set only while the cluster is made (its
        # scheduler, nannies and workers read it then, the nannies pass it on to the
        # worker processes), not while the writer runs between tasks.
        with dask.config.set(dict(LOCAL_CLUSTER_CONFIG)):
            cluster = LocalCluster(  # type: ignore[no-untyped-call,unused-ignore]
                n_workers=jobs, threads_per_worker=1, processes=processes, dashboard_address=None, **where
            )
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call,unused-ignore]
            yield client


@contextmanager
def _environ_kept() -> Iterator[None]:
    """This process's environment as it was before the block (Dask's nanny updates it)."""
    before = dict(os.environ)
    try:
        yield
    finally:
        for name in set(os.environ) - set(before):
            del os.environ[name]
        os.environ.update(before)
