"""One LA's recompute, as a worker runs it: read its rows, compute, assess, hand back.

LAs are independent once the periods they share are known (``metrics.recompute_plan``):
a worker reads only its LA's rows of the kinds its indicators need, computes them with
the shared periods, adds target, status, direction and SPC, and returns the frames for
the one writer (``metrics.recompute``). It writes nothing to the store, so any number of
workers can run beside each other, in processes on this machine or as tasks on a Dask
cluster. When the task names a ``results_file`` (a SQLite store, workers on the writer's
machine), the results go there in key order instead, for the writer to copy in one
statement (``store.rows_file``: the writer's ``executemany`` of a whole LA's results was
most of a full recompute).

A task carries everything a fresh process needs: the store URL (with its password, so a
task is never logged), the registry and the targets. An in-process run passes the
writer's own connection instead, so it reads what that transaction sees. A task in a
process of its own (``own_process``) on a SQLite file reads through Arrow
(``store.arrow_read``: the same frames in a third of the CPU time, where reading had
been two thirds of a large LA's task), two reads at a time on connections of its own:
a whole LA, or a monthly refresh's tail with the whole-table groups and the stored rows
it needs (``metrics.recompute_tail``). All of a task's reads are named ``Read``
requests (``snapshot_reads``) handed to one function at once, so that a reader can run
them side by side; through a connection they run one after another (``read_each``).

Example::

    >>> from store.engine import open_store
    >>> from metrics.compute.core import SharedPeriods
    >>> from metrics.registry import load_registry
    >>> from metrics.targets import load_targets
    >>> engine = open_store("sqlite://")
    >>> reg = load_registry()
    >>> task = LaTask("sqlite://", "394", ("394",), None, True, None,
    ...               SharedPeriods(None, None, (), ()), None, reg, load_targets(None, reg))
    >>> with engine.connect() as conn:
    ...     len(compute_la(task, conn).results)
    0
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, partial

import pandas as pd
from sqlalchemy import Connection, Engine

from metrics.compute import compute_indicators
from metrics.compute.core import SharedPeriods
from metrics.dependencies import LOADS, kinds_to_read
from metrics.frame_keys import stable_order
from metrics.outcome_scores import outcome_score_changes
from metrics.recompute_tail import Reads, TailSpec
from metrics.registry import Registry
from metrics.snapshot import StoreSnapshot, computed_columns, merge_load_counts
from metrics.targets import Targets
from store.arrow_read import READ_THREADS, ArrowReader, arrow_reader
from store.bulk import CopyPayload, Read, copy_payload, read_each
from store.extracts import EXTRACTS
from store.rows_file import write_rows_file
from store.schema import kind_table, kpi_results, load_counts, loads


@dataclass(frozen=True)
class LaTask:
    """What one worker needs to recompute one LA."""

    url: str = field(repr=False)
    la_code: str
    raw_codes: tuple[str, ...]
    # None: every indicator.
    kpi_ids: tuple[str, ...] | None
    scores: bool
    window: tuple[date, date] | None
    shared: SharedPeriods = field(repr=False)
    eh_span: tuple[date, date] | None = field(repr=False)
    registry: Registry = field(repr=False)
    targets: Targets = field(repr=False)
    # Only the periods from tail.from_date on (``metrics.recompute_tail``); None: every period.
    tail: TailSpec | None = None
    # Set by the executor when the task runs in a process the writer is not in: a whole LA
    # is then read through Arrow (``store.arrow_read``).
    own_process: bool = False
    # Set by the recompute when its writer can attach a file (``store.rows_file``): the
    # results are written there, in key order, instead of being handed back.
    results_file: str | None = None
    # Set by the recompute on PostgreSQL: the results are handed back as the CSV text of
    # the writer's COPY, in key order (``store.bulk.copy_payload``), so that the sort and
    # the printing run in the workers, side by side, not in the one writer.
    results_csv: bool = False
    # How many of the LA's reads a worker runs at once (``ArrowReader.read_all``): two for
    # a lone task, which has both cores of a 2-core machine; one when the recompute runs
    # as many tasks at once as there are cores (``read_threads``).
    read_threads: int = READ_THREADS


def read_threads(tasks_at_once: int, cores: int) -> int:
    """The reads a worker runs at once when ``tasks_at_once`` tasks share ``cores``: the
    cores left to each task, up to ``READ_THREADS``. With two workers on two cores, two
    threads each took the full recompute of the 2-LA store 2.26 s against 2.18 s with one
    (mean of ten runs each, docs/performance.md, twelfth session).

    >>> read_threads(1, 2), read_threads(2, 2), read_threads(2, 8), read_threads(8, 2)
    (2, 1, 2, 1)
    """
    return max(1, min(READ_THREADS, cores // max(1, tasks_at_once)))


@dataclass
class LaResult:
    """One LA's finished rows, and how the worker fared."""

    la_code: str
    kpi_ids: tuple[str, ...] | None
    results: pd.DataFrame
    series: pd.DataFrame
    scores: pd.DataFrame | None
    rows_read: int
    seconds: float
    peak_rss_mb: float
    pid: int
    # Set for a refresh of the periods from this date on (the indicators of
    # ``EVERY_PERIOD`` whole): the stored monthly rows before it whose SPC class changed.
    from_date: date | None = None
    spc_updates: pd.DataFrame | None = None
    # Set with from_date: the keys of the stored rows before it that the results replace or
    # drop (``metrics.recompute_rewrite``); the others before it stay as they are.
    replaced: pd.DataFrame | None = None
    # Set when the results are in this file (``LaTask.results_file``), ``results`` empty.
    results_file: str | None = None
    results_in_file: int = 0
    # Set when the results come as COPY text (``LaTask.results_csv``), ``results`` empty.
    results_csv: CopyPayload | None = None

    @property
    def result_count(self) -> int:
        """How many results the LA has, in the frame, the file or the COPY text."""
        if self.results_csv is not None:
            return self.results_csv.rows
        return self.results_in_file if self.results_file else len(self.results)


def results_in_key_order(results: pd.DataFrame) -> pd.DataFrame:
    """The results with ``kpi_results``' columns, in its key order: a store's B-tree then
    fills page by page (a third faster on SQLite than the series order the frame comes
    in, docs/performance.md)."""
    keys = [c.name for c in kpi_results.primary_key.columns]
    ordered = results[[c.name for c in kpi_results.columns]]
    return ordered.take(stable_order(ordered, keys))


@cache
def _engine(url: str) -> Engine:
    """One engine per worker process and store (a worker runs many tasks)."""
    from store.engine import open_store

    return open_store(url, create=False)


def compute_la(task: LaTask, conn: Connection | None = None) -> LaResult:
    """Recompute one LA: through ``conn`` when given, else through its own connection."""
    clock = time.perf_counter()
    reader = _arrow_reader(task) if conn is None else None
    if reader is not None:
        with reader:
            result = _compute_la(task, partial(reader.read_all, threads=task.read_threads), "sqlite")
    elif conn is None:
        with _engine(task.url).connect() as own:
            result = _compute_la(task, partial(read_each, own), own.dialect.name)
    else:
        result = _compute_la(task, partial(read_each, conn), conn.dialect.name)
    if task.results_file is not None and len(result.results):
        result = _results_to_file(result, task.results_file)
    elif task.results_csv and len(result.results):
        payload = copy_payload(results_in_key_order(result.results), kpi_results)
        if payload is not None:
            result = replace(result, results=result.results.iloc[:0], results_csv=payload)
    result.seconds = time.perf_counter() - clock
    return result


def _results_to_file(result: LaResult, path: str) -> LaResult:
    count = write_rows_file(path, kpi_results, results_in_key_order(result.results))
    return replace(result, results=result.results.iloc[:0], results_file=path, results_in_file=count)


def _arrow_reader(task: LaTask) -> ArrowReader | None:
    """A reader for a worker process, this process's ``sqlite3`` connections to the store
    closed first: two SQLite libraries must not hold one file in one process at once
    (``store.arrow_read``)."""
    if not task.own_process:
        return None
    reader = arrow_reader(task.url)
    if reader is not None:
        _engine(task.url).dispose()
    return reader


def _compute_la(task: LaTask, reads: Reads, dialect: str) -> LaResult:
    if task.tail is not None:
        from metrics.recompute_tail import compute_tail

        found = compute_tail(task, reads, dialect)
        if found is not None:
            return found
        # A group appeared or went: its rows reach every period.
        task = replace(task, tail=None)
    return compute_from_snapshot(read_la_snapshot(task, reads, dialect), task)


def compute_from_snapshot(snapshot: StoreSnapshot, task: LaTask) -> LaResult:
    """The LA's results, SPC series and (when asked) outcome scores from its snapshot."""
    from metrics.recompute import add_assessment, add_coverage, add_spc

    computed = compute_indicators(
        snapshot, task.registry, kpi_ids=task.kpi_ids, la_codes=[task.la_code], shared=task.shared
    )
    windows = task_windows(task)
    computed = add_coverage(computed, snapshot, windows, task.registry)
    results, series = add_spc(add_assessment(computed, task.registry, task.targets), windows)
    scores = outcome_score_changes(snapshot, task.eh_span) if task.scores else None
    return la_result(task, results, series, scores, sum(len(t) for t in snapshot.tables.values()))


def la_result(
    task: LaTask,
    results: pd.DataFrame,
    series: pd.DataFrame,
    scores: pd.DataFrame | None,
    rows_read: int,
    from_date: date | None = None,
    spc_updates: pd.DataFrame | None = None,
    replaced: pd.DataFrame | None = None,
) -> LaResult:
    """The finished rows, with this worker's process id and peak RSS."""
    return LaResult(
        la_code=task.la_code,
        kpi_ids=task.kpi_ids,
        results=results,
        series=series,
        scores=scores,
        rows_read=rows_read,
        seconds=0.0,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        pid=os.getpid(),
        from_date=from_date,
        spc_updates=spc_updates,
        replaced=replaced,
    )


def task_windows(task: LaTask) -> pd.DataFrame:
    """The LA's reporting window as the coverage and SPC steps take it."""
    windows = pd.DataFrame(
        [(task.la_code, *task.window)] if task.window else [],
        columns=["la_code", "window_start", "window_end"],
    )
    for col in ("window_start", "window_end"):
        windows[col] = pd.to_datetime(windows[col]).astype("datetime64[s]")
    return windows


def read_la_snapshot(task: LaTask, reads: Reads, dialect: str) -> StoreSnapshot:
    """The LA's rows of the kinds its indicators read; every other table empty but typed.

    ``reads`` runs named reads (``store.bulk.read_each`` through a connection, or a
    worker's Arrow reader); ``dialect`` is the store's ("sqlite", "postgresql"). With
    ``task.tail``, the kinds ``metrics.recompute_tail`` reads in part hold only the rows
    the periods from ``tail.from_date`` on can need, and the snapshot says what the whole
    tables would have told."""
    return snapshot_from(reads(snapshot_reads(task, dialect)), task)


def snapshot_reads(task: LaTask, dialect: str) -> dict[str, Read]:
    """The reads of ``read_la_snapshot``: a kind's by its name, the load records as
    ``load_counts`` and ``loads``, a tail's whole-table groups as ``groups:<kind>``."""
    from metrics.recompute_tail import filter_sql, la_condition, whole_table_reads

    needed = kinds_to_read(task.registry, task.kpi_ids)
    if task.scores:
        needed |= {"early_help"}
    mine, params = la_condition(task.raw_codes)
    reads = {}
    in_part: set[str] = set()
    for kind in EXTRACTS:
        wanted = kind in needed
        where, extra = mine, dict(params)
        if wanted and task.tail is not None and not (kind == "early_help" and task.scores):
            condition, values = filter_sql(dialect, kind, task.tail.from_date)
            if condition:
                where, extra = f"{mine} AND {condition}", {**params, **values}
                in_part.add(kind)
        reads[kind] = Read(
            kind_table(kind),
            computed_columns(kind),
            where_sql=where if wanted else "1 = 0",
            params=extra if wanted else None,
        )
    where_counts = "" if LOADS in needed else "1 = 0"
    reads["load_counts"] = Read(load_counts, where_sql=where_counts)
    reads["loads"] = Read(loads, where_sql=where_counts)
    if task.tail is not None:
        # First: the longest reads (a pass over the LA's whole tables) start first.
        reads = {**whole_table_reads(task.raw_codes, in_part), **reads}
    return reads


def snapshot_from(frames: dict[str, pd.DataFrame], task: LaTask) -> StoreSnapshot:
    """The snapshot from what ``snapshot_reads`` read."""
    from metrics.recompute_tail import whole_tables

    tables = {kind: frames[kind] for kind in EXTRACTS}
    counts = merge_load_counts(frames["load_counts"], frames["loads"])
    whole = None if task.tail is None else whole_tables(frames, task.la_code, task.tail)
    return StoreSnapshot(tables=tables, load_counts=counts, whole=whole)
