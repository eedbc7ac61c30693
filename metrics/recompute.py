"""Recomputing every indicator and storing the finished results, in one transaction.

The pages read ``kpi_results`` and ``kpi_spc``; they never compute. A recompute reads
the store, computes every indicator for every LA, grain, period, breakdown and group
(``metrics.compute``), then adds what the scorecard shows beside each value: the
target and status against it, the direction of travel against the previous period
of the same grain, and for monthly series the SPC point class, limits and icons. One
transaction replaces the rows, so a reader sees either the old set or the new one.

By default only what the loads since the last recompute can have changed is redone:
their LAs, and for each the indicators that read a kind they touched
(``metrics.recompute_plan`` says when it falls back to a full recompute, and why).
The stored rows are the same as a full recompute's (``tests/test_recompute_incremental.py``).
Each LA is computed on its own (``metrics.recompute_la``), in parallel when asked
(``metrics.executors``), and one writer stores them: on a SQLite file, the tasks of
whole LAs write their results into files of their own that the writer attaches and
copies (``store.rows_file``), up to the number of files SQLite lets a connection attach;
the others hand back frames.

Example::

    >>> from store.engine import open_store
    >>> summary = recompute(open_store("sqlite://"))
    >>> summary.results
    0
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from metrics.coverage import indicator_windows, kind_starts, period_coverage
from metrics.executors import Executor, run_tasks, start_early
from metrics.frame_keys import (
    combinations,
    first_seen,
    in_series_order,
    labelled,
    per_value,
    previous_in_series,
    series_starts,
    stable_order,
)
from metrics.periods import GRAINS
from metrics.recompute_la import LaResult, LaTask, read_threads, results_in_key_order
from metrics.recompute_plan import FINGERPRINT_KEY, LaWork, Plan, make_plan
from metrics.recompute_split import split_for_cores
from metrics.registry import Registry, load_registry
from metrics.snapshot import StoreSnapshot
from metrics.spc import xmr_frame
from metrics.status import DIRECTIONS, STATUSES, direction_codes, status_codes
from metrics.targets import Targets, load_targets, stored_overrides, with_overrides
from metrics.wiring import check_wiring
from metrics.worker_pool import default_jobs
from store.arrow_read import arrow_readable
from store.bulk import copy_in, copy_payload, insert_new, upsert
from store.engine import shared_store, writing
from store.extracts import EVENT_KINDS, EXTRACTS
from store.refill import Refill
from store.rows_file import (
    attach_room,
    insert_from_file,
    rows_file_writable,
)
from store.schema import (
    eh_outcome_scores,
    kpi_results,
    kpi_runs,
    kpi_spc,
    la_windows,
    loads,
    meta,
    recompute_spans,
    recomputed_loads,
)
from store.times import utc_now

log = logging.getLogger(__name__)

SERIES_KEYS = ["la_code", "kpi_id", "grain", "breakdown", "group_name"]
SPC_KEYS = ["la_code", "kpi_id", "breakdown", "group_name"]


@dataclass
class RecomputeSummary:
    """What a recompute did, for the command line and the logs."""

    results: int
    series: int
    las: list[str]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    # "full" or "incremental", and why a full one was needed.
    mode: str = "full"
    reason: str = ""
    # Per LA: the ids recomputed (None: all), seconds and peak RSS of its worker.
    details: list[dict[str, object]] = field(default_factory=list)

    def __str__(self) -> str:
        las = ", ".join(self.las) or "no LA"
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.mode}{why}: {self.results:,} results for {las} in {self.seconds:.1f} s"


def recompute(
    engine: Engine,
    *,
    targets_file: Path | None = None,
    registry: Registry | None = None,
    full: bool = False,
    jobs: int | None = 1,
    executor: Executor = "local",
    scheduler: str | None = None,
    processes: bool = True,
) -> RecomputeSummary:
    """Recompute what the loads since the last recompute changed (everything if ``full``).

    The LAs run as independent tasks (``metrics.executors``): ``jobs`` at once (None: one
    per core) in this process, in worker processes, or on Dask. One writer stores each
    LA's rows as they come, in one transaction, so a reader sees the old or the new set.
    That transaction is opened first (on SQLite it takes the write lock): the plan and
    the rows the tasks read are then the same state, but a load waits for the recompute
    (up to the store's busy timeout, 30 s, on SQLite). An incremental recompute of one LA
    takes seconds; a full recompute of a region should not run beside loads.
    """
    started = utc_now()
    clock = time.perf_counter()
    registry = registry or load_registry()
    check_wiring(registry)
    file_targets = load_targets(targets_file, registry)
    url = engine.url.render_as_string(hide_password=False)
    written = series_written = 0
    details: list[dict[str, object]] = []
    start_workers(engine, jobs=jobs, executor=executor)
    at_once = jobs or default_jobs()
    # On PostgreSQL a full recompute's results go into a fresh copy of kpi_results, filled
    # by copies of their own and swapped in at the end (store.refill); not started elsewhere.
    refill = Refill(engine, kpi_results, copies=at_once)
    with refill.dropped_on_error(), _results_folder(url, executor) as folder, writing(engine) as conn:
        plan = make_plan(conn, registry, targets_file, full=full, jobs=at_once)
        targets = with_overrides(file_targets, stored_overrides(conn), registry)
        for warning in plan.shared.warnings:
            log.warning(warning)
        refilled = plan.full and refill.start()

        before: list[int] = []

        def clear() -> None:
            _store_plan(conn, plan, keep_results=refilled)
            if not plan.full:
                before.append(_results_count(conn, plan.work))

        tasks = [
            LaTask(
                url,
                w.la_code,
                w.raw_codes,
                w.kpi_ids,
                w.scores,
                w.window,
                plan.shared,
                plan.eh_span,
                registry,
                targets,
                w.tail,
            )
            for w in largest_first(plan.work, plan.spans)
        ]
        if executor == "local" and shared_store(engine.url) and arrow_readable(url):
            # A month of fewer LAs than cores, its indicators split across the idle ones.
            tasks = split_for_cores(tasks, at_once, registry, la_rows(plan.spans))
        threads = read_threads(min(at_once, len(tasks)), default_jobs())
        tasks = [replace(t, read_threads=threads) for t in tasks]
        if folder is not None:
            tasks = with_results_files(tasks, folder, attach_room(conn))
        elif conn.dialect.name == "postgresql":
            tasks = [replace(t, results_csv=True) for t in tasks]
        files = ResultsFiles.of(tasks)
        for done in run_tasks(
            tasks,
            conn,
            executor=executor,
            jobs=jobs,
            shared_store=shared_store(engine.url),
            scheduler=scheduler,
            processes=processes,
            # The writer clears while the tasks start; they read the committed rows.
            meanwhile=clear,
        ):
            written += done.result_count
            series_written += len(done.series)
            _store_la(conn, done, replace=not plan.full, refill=refill if refilled else None)
            ready = files.finished(done)
            if ready is not None:
                insert_from_file(conn, kpi_results, ready)
            details.append(
                {
                    "la": done.la_code,
                    "kpis": None if done.kpi_ids is None else len(done.kpi_ids),
                    "from": None if done.from_date is None else str(done.from_date),
                    "rows": done.rows_read,
                    "seconds": round(done.seconds, 2),
                    "peak_rss_mb": round(done.peak_rss_mb),
                    "pid": done.pid,
                }
            )
        if refilled:
            refill.finish(conn)
        total = written if plan.full else _total_after(conn, plan.work, before)
        _finish(conn, plan, started, total)
    summary = RecomputeSummary(
        results=written,
        series=series_written,
        las=[w.la_code for w in plan.work],
        seconds=time.perf_counter() - clock,
        warnings=list(plan.shared.warnings),
        mode="full" if plan.full else "incremental",
        reason=plan.reason,
        details=details,
    )
    log.info("recomputed %s", summary)
    return summary


def start_workers(engine: Engine, *, jobs: int | None = None, executor: Executor = "local") -> None:
    """Start the worker pool's fork server now, when a recompute of this store will use it,
    so that it imports the metrics (about a second) on the other core while the writer
    plans. The CLI's ``load`` and ``recompute`` start it earlier still, before their own
    imports (``metrics.worker_pool``)."""
    start_early(executor, jobs, shared_store(engine.url))


@contextmanager
def _results_folder(url: str, executor: Executor) -> Iterator[str | None]:
    """A private folder for the tasks' results files (``store.rows_file``), removed after
    the writer's transaction has ended; None where the tasks hand back frames: a store
    other than a SQLite file, or workers that may be on other machines (Dask)."""
    if executor != "local" or not arrow_readable(url) or not rows_file_writable():
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="scorecard-results-") as folder:
        yield folder


def with_results_files(tasks: list[LaTask], folder: str, room: int) -> list[LaTask]:
    """The tasks, those that recompute every period writing their results into files in
    ``folder`` (a monthly refresh's tail has a few thousand results: a file would cost
    more than it saves). With ``room`` files to attach and more such tasks than that,
    consecutive tasks share a file (``store.rows_file``: appends wait for each other);
    the writer copies a file once its last task has finished, so that the copies of
    the first files overlap the workers' later tasks. (Sending the tasks that run at
    once to different files, so that no append waits, was no faster: 95.8 s against
    91.3 s for the 33-LA store, docs/performance.md.)

    >>> tasks = [LaTask("u", la, (la,), None, True, None, None, None, None, None)  # type: ignore[arg-type]
    ...          for la in ("a", "b", "c", "d", "e")]
    >>> [t.results_file for t in with_results_files(tasks, "/f", 9)]
    ['/f/results-0.db', '/f/results-1.db', '/f/results-2.db', '/f/results-3.db', '/f/results-4.db']
    >>> [t.results_file for t in with_results_files(tasks, "/f", 2)]
    ['/f/results-0.db', '/f/results-0.db', '/f/results-0.db', '/f/results-1.db', '/f/results-1.db']
    >>> [t.results_file for t in with_results_files(tasks, "/f", 0)]
    [None, None, None, None, None]
    """
    whole = [i for i, task in enumerate(tasks) if task.tail is None]
    out = list(tasks)
    if room < 1 or not whole:
        return out
    per_file = -(-len(whole) // room)
    for n, i in enumerate(whole):
        out[i] = replace(tasks[i], results_file=os.path.join(folder, f"results-{n // per_file}.db"))
    return out


@dataclass
class ResultsFiles:
    """The tasks' results files (``with_results_files``): how many tasks of each are
    still to finish, and which have rows (a task with no results writes none)."""

    file_of: dict[str, str]
    left: dict[str, int]
    written: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, tasks: list[LaTask]) -> ResultsFiles:
        file_of = {t.la_code: t.results_file for t in tasks if t.results_file is not None}
        left: dict[str, int] = {}
        for path in file_of.values():
            left[path] = left.get(path, 0) + 1
        return cls(file_of, left)

    def finished(self, done: LaResult) -> str | None:
        """The file to copy now that ``done`` has finished: its task's, when that was
        the file's last task and some task wrote to it.

        >>> files = ResultsFiles({"a": "/f/0.db", "b": "/f/0.db", "c": "/f/1.db"},
        ...                      {"/f/0.db": 2, "/f/1.db": 1})
        >>> def done(la, path):
        ...     return LaResult(la, None, pd.DataFrame(), pd.DataFrame(), None, 0, 0.0, 0.0, 0,
        ...                     results_file=path)
        >>> files.finished(done("a", "/f/0.db")), files.finished(done("c", None))
        (None, None)
        >>> files.finished(done("b", None))
        '/f/0.db'
        """
        if done.results_file is not None:
            self.written.add(done.results_file)
        path = self.file_of.get(done.la_code)
        if path is None:
            return None
        self.left[path] -= 1
        return path if self.left[path] == 0 and path in self.written else None


def largest_first(work: list[LaWork], spans: pd.DataFrame) -> list[LaWork]:
    """The LAs by their rows, most first (``recompute_spans``: rows per LA, kind and date
    column; a kind counted once), so that the last task to finish is a small one and the
    workers end together. LAs without spans keep their place after the others.

    >>> spans = pd.DataFrame({"la_code": ["a", "b", "b"], "kind": ["contacts"] * 3,
    ...                       "rows": [5, 9, 9]})
    >>> work = [LaWork(la, (la,), None, True, None) for la in ("a", "b", "c")]
    >>> [w.la_code for w in largest_first(work, spans)]
    ['b', 'a', 'c']
    """
    rows = la_rows(spans)
    return sorted(work, key=lambda w: -int(rows.get(w.la_code, 0)))


def la_rows(spans: pd.DataFrame) -> dict[str, int]:
    """Each LA's rows (``recompute_spans``: per kind and date column; a kind counted once)."""
    if spans.empty:
        return {}
    per_kind = spans.groupby(["la_code", "kind"])["rows"].max()
    return {str(k): int(v) for k, v in per_kind.groupby(level="la_code").sum().items()}


def with_targets(frame: pd.DataFrame, registry: Registry, targets: Targets) -> pd.DataFrame:
    """The frame with each row's indicator's ``polarity`` and ``type``, and its ``target``
    and ``tolerance``: what the SPC step reads of a row besides its values."""
    return _target_columns(_indicator_columns(frame, registry), targets)


def _indicator_columns(frame: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """The frame with each row's indicator's ``polarity`` and ``type`` (missing for an id
    the registry lacks), looked up once per indicator (``metrics.frame_keys``)."""
    by_id = {i.id: i for i in registry}
    codes, ids = pd.factorize(frame["kpi_id"])
    codes = np.where(codes < 0, len(ids), codes)
    found = [by_id.get(k) for k in ids]
    return frame.assign(
        polarity=labelled([None if i is None else i.polarity for i in found] + [None], codes).array,
        type=labelled([None if i is None else i.type for i in found] + [None], codes).array,
    )


def _target_columns(frame: pd.DataFrame, targets: Targets) -> pd.DataFrame:
    """The frame with each row's ``target`` and ``tolerance`` (NaN without a target),
    looked up once per indicator and LA."""
    row, pairs = combinations(frame, ["kpi_id", "la_code"])
    found = [targets.for_indicator(k, la) if k in targets else None for k, la in pairs]
    value = np.array([t.value if t else np.nan for t in found], dtype=np.float64)
    tolerance = np.array([t.tolerance if t else np.nan for t in found], dtype=np.float64)
    return frame.assign(target=value[row], tolerance=tolerance[row])


# Where each LA's window starts: its first contact, else its first referral, else its
# earliest event of any kind (the first basis that has rows).
WINDOW_BASES = (("contacts", "first contact"), ("referrals", "first referral"))


def reporting_windows(snapshot: StoreSnapshot) -> pd.DataFrame:
    """Each LA's reporting window: la_code, window_start, window_end, basis.

    >>> from metrics.snapshot_builder import build_snapshot
    >>> snap = build_snapshot(contacts=[{"contact_date": "2024-05-02"}],
    ...                       cp_plans=[{"start_date": "2021-01-04"}])
    >>> reporting_windows(snap)[["window_start", "window_end", "basis"]].astype(str).values.tolist()
    [['2024-05-02', '2024-05-02', 'first contact']]
    """
    dates = []
    for kind in EVENT_KINDS:
        frame = snapshot.tables[kind]
        spec = EXTRACTS[kind]
        for column in (spec.main_date, *((spec.span_end,) if spec.span_end else ())):
            dates.append(
                pd.DataFrame(
                    {
                        "la_code": frame["la_code"].astype(str).str.strip(),
                        "kind": kind,
                        "day": frame[column],
                    }
                )
            )
    events = pd.concat(dates, ignore_index=True).dropna(subset=["day"])
    if events.empty:
        return pd.DataFrame(columns=["la_code", "window_start", "window_end", "basis"])
    ends = events.groupby("la_code")["day"].max()
    starts = events.groupby("la_code")["day"].min().to_frame("window_start").assign(basis="earliest event")
    for kind, basis in reversed(WINDOW_BASES):
        first = events[events["kind"] == kind].groupby("la_code")["day"].min()
        starts.loc[first.index, "window_start"] = first
        starts.loc[first.index, "basis"] = basis
    out = starts.join(ends.rename("window_end")).reset_index()
    return out[["la_code", "window_start", "window_end", "basis"]]


def add_coverage(
    computed: pd.DataFrame, snapshot: StoreSnapshot, windows: pd.DataFrame, registry: Registry
) -> pd.DataFrame:
    """The computed rows with ``coverage`` and ``months_covered`` (``metrics.coverage``)."""
    if computed.empty:
        return computed.assign(coverage=[], months_covered=[])
    main_dates = {k: EXTRACTS[k].main_date for k in EVENT_KINDS if EXTRACTS[k].main_date}
    if snapshot.whole is not None:
        starts = snapshot.whole.kind_starts
    else:
        starts = kind_starts(snapshot.tables, main_dates)  # type: ignore[arg-type]
    sources = {i.id: i.source for i in registry}
    windows = windows if len(windows) else pd.DataFrame(columns=["la_code", "window_start", "window_end"])
    per_indicator = indicator_windows(windows, starts, sources)
    return pd.concat([computed, period_coverage(computed, per_indicator)], axis=1)


def _in_window(frame: pd.DataFrame, windows: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """True for rows whose period lies inside its LA's window (SPC uses only those)."""
    if windows["la_code"].duplicated().any():
        raise ValueError(f"more than one reporting window for an LA: {windows}")
    at = {la: i for i, la in enumerate(windows["la_code"].tolist())}
    row = per_value(frame["la_code"], at.get, -1.0).astype(np.intp)
    # to_datetime first: with no window at all (every row rejected) the columns are empty objects.
    starts = pd.to_datetime(windows["window_start"]).to_numpy("datetime64[D]")
    ends = pd.to_datetime(windows["window_end"]).to_numpy("datetime64[D]")
    start = np.append(starts, np.datetime64("NaT"))[row]
    end = np.append(ends, np.datetime64("NaT"))[row]
    period_start = frame["period_start"].to_numpy("datetime64[D]")
    period_end = frame["period_end"].to_numpy("datetime64[D]")
    # A month counts when the window covers it from its first day (a window starting on
    # the 1st takes that month) up to the month holding the window's last event.
    return (period_start >= start.astype("datetime64[M]").astype("datetime64[D]")) & (
        period_end <= (end.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    )


# The columns the SPC step reads of the monthly rows.
SPC_INPUT = (
    *SPC_KEYS,
    "period_start",
    "period_end",
    "value",
    "denominator",
    "type",
    "polarity",
    "target",
    "coverage",
)


def _spc_input(frame: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """The monthly rows' columns the SPC step reads, with values outside the LA's window,
    or not fully covered, blanked, so limits ignore them."""
    monthly = frame.loc[
        frame["grain"].eq("month").to_numpy(bool), [c for c in SPC_INPUT if c in frame.columns]
    ]
    inside = _in_window(monthly, windows)
    if "coverage" in monthly.columns:
        inside &= monthly["coverage"].eq("full").to_numpy(bool)
    return monthly.assign(value=monthly["value"].where(inside))


def add_assessment(
    computed: pd.DataFrame, registry: Registry, targets: Targets, earlier: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The computed rows with target, status and direction of travel, in series order:
    each series in one run, its periods in order. ``earlier``: stored rows of periods
    before every computed one (a monthly refresh's), whose last row in each series is the
    previous period of the series' first computed row (``previous_from``).

    Status and direction are worked out as codes (``metrics.status``) and the order by
    the keys' codes (``metrics.frame_keys``): the same frame as comparing the text, in a
    fraction of the time (docs/performance.md, eleventh session). The rows of
    ``compute_indicators`` come in series order already (each indicator and breakdown's
    groups one after another, each with its periods in order): they are then kept in
    their order, not sorted and copied (``in_series_order``; docs/performance.md, twelfth
    session). The rows stored are the same either way: the writer puts them in key order.
    """
    if computed.empty:
        return computed.assign(target=[], status=[], direction=[])
    frame = with_targets(computed, registry, targets)
    polarity = frame["polarity"]
    up, neutral = polarity.eq("up").to_numpy(bool), polarity.eq("neutral").to_numpy(bool)
    value = frame["value"].to_numpy(np.float64)
    tolerance = frame["tolerance"].to_numpy(np.float64)
    status = status_codes(
        value,
        frame["target"].to_numpy(np.float64),
        up,
        neutral,
        frame["type"].eq("percentage").to_numpy(bool),
        tolerance,
    )
    # Only a fully covered period is performance (metrics/coverage.py): the others get no
    # status, and no direction either way (a partial year is not "worse" than a full one).
    full = (
        frame["coverage"].eq("full").to_numpy(bool)
        if "coverage" in frame.columns
        else np.ones(len(frame), bool)
    )
    status[~full] = STATUSES.index("none")
    frame["status"] = labelled(STATUSES, status).array
    runs = in_series_order(frame, SERIES_KEYS, "period_end")
    if runs is not None:
        frame = frame.reset_index(drop=True)
    else:
        order = stable_order(frame, [*SERIES_KEYS, "period_end"])
        frame = frame.take(order).reset_index(drop=True)
        full, value, up, neutral = full[order], value[order], up[order], neutral[order]
    counted = np.where(full, value, np.nan)
    previous = previous_in_series(counted, frame, SERIES_KEYS, runs)
    if earlier is not None and len(earlier):
        starts = series_starts(frame, SERIES_KEYS) if runs is None else runs
        at = np.flatnonzero(starts)
        previous[at] = previous_from(earlier, frame.iloc[at])
    frame["direction"] = labelled(DIRECTIONS, direction_codes(counted, previous, up, neutral)).array
    return frame


def previous_from(earlier: pd.DataFrame, first: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Per row of ``first``, the counted value (the value of a fully covered period, else
    NaN) of the latest row of ``earlier`` in the same series; NaN where it has none.

    >>> day = pd.Timestamp
    >>> earlier = pd.DataFrame({"la_code": "394", "kpi_id": "k", "grain": "month",
    ...     "breakdown": "all", "group_name": ["a", "a", "b"],
    ...     "period_end": [day("2024-02-29"), day("2024-01-31"), day("2024-02-29")],
    ...     "value": [2.0, 1.0, 5.0], "coverage": ["full", "full", "partial"]})
    >>> first = earlier.iloc[[0, 2]].assign(group_name=["a", "c"])
    >>> previous_from(earlier, first).tolist()
    [2.0, nan]
    """
    keys = pd.concat([earlier[SERIES_KEYS], first[SERIES_KEYS]], ignore_index=True)
    combined = first_seen(keys, SERIES_KEYS)
    had, wanted = combined[: len(earlier)], combined[len(earlier) :]
    ends = pd.to_datetime(earlier["period_end"]).to_numpy("datetime64[D]")
    order = np.lexsort((ends, had))
    # The last row of each series, by period.
    last = np.append(had[order][1:] != had[order][:-1], True)
    codes, rows = had[order][last], order[last]
    counted = np.where(
        earlier["coverage"].eq("full").to_numpy(bool), earlier["value"].to_numpy(np.float64), np.nan
    )
    out = np.full(len(wanted), np.nan)
    if len(codes):
        at = np.minimum(np.searchsorted(codes, wanted), len(codes) - 1)
        found = codes[at] == wanted
        out[found] = counted[rows[at[found]]]
    return out


def add_spc(results: pd.DataFrame, windows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One XmR pass over the monthly series (inside each LA's window): the point class of
    every row, and one row per series with its limits and the icons of its latest point."""
    results = results.assign(spc=None)
    windows = windows if len(windows) else pd.DataFrame(columns=["la_code", "window_start", "window_end"])
    monthly = _spc_input(results, windows) if len(results) else results
    if monthly.empty:
        return results, pd.DataFrame(columns=[c.name for c in kpi_spc.columns])
    classes, per_series = xmr_frame(monthly, SPC_KEYS, target="target")
    # xmr_frame numbers the series in order of first appearance, as first_seen does.
    series = first_seen(monthly, SPC_KEYS)
    few = _too_few(monthly, series, len(per_series))
    per_series["too_few"] = few
    per_series.loc[few, ["variation", "assurance"]] = None
    point_classes = classes.to_numpy(dtype=object, copy=True)
    point_classes[few[series]] = None
    spc = np.full(len(results), None, dtype=object)
    spc[results.index.get_indexer(monthly.index)] = point_classes
    results["spc"] = pd.Series(spc, index=results.index, dtype=object)
    latest = per_series["latest_row"]
    present = latest.notna().to_numpy(bool)
    ends = monthly["period_end"].iloc[monthly.index.get_indexer(pd.Index(latest[present]))].tolist()
    found = iter(ends)
    per_series["latest_period_end"] = [next(found) if p else None for p in present]
    return results, per_series.drop(columns=["latest_row"])


# Fewer than this many in a month's denominator is too few to judge variation from.
SMALL_DENOMINATOR = 10


def _too_few(monthly: pd.DataFrame, series: npt.NDArray[np.intp], count: int) -> npt.NDArray[np.bool_]:
    """Per series (numbered by ``series``, ``count`` of them): True when most of its
    months with a value have a denominator under 10.

    Counts have no denominator and rates a population: only percentages and medians
    (denominator well under 10 on most months) are flagged.
    """
    value = monthly["value"].to_numpy(np.float64)
    denominator = monthly["denominator"].to_numpy(np.float64)
    counted = ~np.isnan(value) & ~np.isnan(denominator)
    small = (denominator < SMALL_DENOMINATOR) & monthly["type"].isin(["percentage", "median"]).to_numpy(bool)
    months = np.bincount(series[counted], minlength=count)
    smalls = np.bincount(series[counted], weights=small[counted], minlength=count)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(smalls / months > 0.5)


def _store_plan(conn: Connection, plan: Plan, *, keep_results: bool = False) -> None:
    """Clear what the plan replaces (not ``kpi_results`` when ``keep_results``: a fresh
    table replaces it), and store the windows and date spans it worked out."""
    if plan.full:
        for table in (kpi_results, kpi_spc, eh_outcome_scores, recompute_spans):
            if not (keep_results and table is kpi_results):
                conn.execute(delete(table))
    elif plan.touched_las:
        conn.execute(delete(recompute_spans).where(recompute_spans.c.la_code.in_(plan.touched_las)))
    if len(plan.spans):
        upsert(conn, recompute_spans, plan.spans)
    conn.execute(delete(la_windows))
    if len(plan.windows):
        upsert(conn, la_windows, plan.windows)


def _store_la(conn: Connection, done: LaResult, *, replace: bool, refill: Refill | None = None) -> None:
    """One LA's rows; ``replace``: first delete what they replace (an incremental run).
    Results in a file are copied when the file is complete (``ResultsFiles``); the
    others go into ``kpi_results``, or to ``refill`` as COPY text (``store.refill``: the LA's
    partition of the fresh table, filled by the refill's own connection)."""
    if replace:
        for table in (kpi_results, kpi_spc):
            where = table.c.la_code == done.la_code
            if done.kpi_ids is not None:
                where &= table.c.kpi_id.in_(done.kpi_ids)
            if table is kpi_results and done.from_date is not None:
                # Only the periods from from_date on; the rows before it that the results
                # replace go by their keys (``metrics.recompute_rewrite``). Naming every
                # grain lets SQLite seek each grain's periods in the key instead of
                # reading all the LA's rows: 0.002 s against 0.017 s (docs/performance.md).
                where &= table.c.grain.in_(GRAINS) & (table.c.period_end >= done.from_date)
            conn.execute(delete(table).where(where))
        if done.replaced is not None and len(done.replaced):
            _delete_keys(conn, done.replaced)
        if done.spc_updates is not None and len(done.spc_updates):
            _update_spc(conn, done.spc_updates)
        if done.scores is not None:
            conn.execute(delete(eh_outcome_scores).where(eh_outcome_scores.c.la_code == done.la_code))
    payload = done.results_csv
    if refill is not None and payload is None and done.results_file is None and len(done.results):
        # The fresh table has a partition for an LA only once the refill has copied it.
        payload = copy_payload(results_in_key_order(done.results), kpi_results)
    if payload is not None and refill is not None:
        refill.copy(payload, done.la_code)
    elif payload is not None:
        copy_in(conn, kpi_results, payload)
    elif done.results_file is None and len(done.results):
        insert_new(conn, kpi_results, results_in_key_order(done.results))
    # Every row's key was deleted above (or with the whole table): plain inserts.
    if len(done.series):
        insert_new(conn, kpi_spc, done.series[[c.name for c in kpi_spc.columns]])
    if done.scores is not None and len(done.scores):
        insert_new(conn, eh_outcome_scores, done.scores)


def _update_spc(conn: Connection, rows: pd.DataFrame) -> None:
    """New SPC classes of stored monthly rows (a new month moves every series' limits),
    through the driver's ``executemany`` (SQLAlchemy's per-row parameter handling took
    longer than the updates)."""
    where, keys = _by_key(conn, rows)
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    spc = rows["spc"].astype(object).where(rows["spc"].notna(), None).tolist()
    sql = f"UPDATE kpi_results SET spc = {mark} WHERE {where}"
    conn.exec_driver_sql(sql, list(zip(spc, *keys, strict=True)))


def _delete_keys(conn: Connection, rows: pd.DataFrame) -> None:
    """Delete the stored results with these keys, through the driver's ``executemany``."""
    where, keys = _by_key(conn, rows)
    conn.exec_driver_sql(f"DELETE FROM kpi_results WHERE {where}", list(zip(*keys, strict=True)))


def _by_key(conn: Connection, rows: pd.DataFrame) -> tuple[str, list[list[Any]]]:
    """The condition on ``kpi_results``' key in the driver's parameter style, and the
    rows' key columns as its values."""
    keys = [c.name for c in kpi_results.primary_key.columns]
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    days = pd.to_datetime(rows["period_end"]).to_numpy("datetime64[D]")
    # SQLite keeps dates as ISO text (numpy writes the same), PostgreSQL as dates.
    ends = days.astype(str) if conn.dialect.name == "sqlite" else days.astype(object)
    columns = [ends.tolist() if k == "period_end" else rows[k].astype(str).tolist() for k in keys]
    return " AND ".join(f"{k} = {mark}" for k in keys), columns


def _results_count(conn: Connection, work: list[LaWork]) -> int:
    """How many results the LAs of ``work`` have (a seek by LA in the key)."""
    codes = sorted({w.la_code for w in work})
    where = kpi_results.c.la_code.in_(codes)
    return int(conn.execute(select(func.count()).select_from(kpi_results).where(where)).scalar_one())


def _total_after(conn: Connection, work: list[LaWork], before: list[int]) -> int | None:
    """The results the store holds after an incremental run: the last run's total, less
    the run's LAs' results before it (``before``, counted while its tasks ran), plus their
    results now (None, to count the table, without a previous total).

    Reading: only a recompute writes ``kpi_results``, inside the write lock, and each run
    records the total it leaves, so the other LAs' results are the last total less the
    run's LAs' results before it. Counting the table instead read every row of it: 0.03 s
    of a month's 0.75 s in the store of four LAs, the rows themselves where they have no
    rowid (docs/performance.md, fourteenth session). A full recompute records the results
    it wrote: it wrote every one."""
    last = conn.execute(select(kpi_runs.c.results).order_by(kpi_runs.c.run_id.desc()).limit(1)).scalar()
    if last is None or not before:
        return None
    return int(last) - before[0] + _results_count(conn, work)


def _finish(conn: Connection, plan: Plan, started: datetime, total: int | None = None) -> None:
    """Mark the pending loads as included, keep the fingerprint and record the run with
    ``total`` results (None: counted now)."""
    if total is None:
        total = conn.execute(select(func.count()).select_from(kpi_results)).scalar_one()
    latest_load = conn.execute(select(func.max(loads.c.load_id))).scalar()
    run_id = conn.execute(
        insert(kpi_runs)
        .values(started_at=started, finished_at=utc_now(), latest_load_id=latest_load, results=total)
        .returning(kpi_runs.c.run_id)
    ).scalar_one()
    if plan.pending_loads:
        frame = pd.DataFrame({"load_id": plan.pending_loads, "run_id": run_id})
        upsert(conn, recomputed_loads, frame)
    found = conn.execute(select(meta.c.key).where(meta.c.key == FINGERPRINT_KEY)).first()
    if found is None:
        conn.execute(insert(meta).values(key=FINGERPRINT_KEY, value=plan.fingerprint))
    else:
        conn.execute(update(meta).where(meta.c.key == FINGERPRINT_KEY).values(value=plan.fingerprint))
