"""Recomputing every indicator and storing the finished results, in one transaction.

The pages read ``kpi_results`` and ``kpi_spc``; they never compute. A recompute reads
the store, computes every indicator for every LA, grain, period, breakdown and group
(``metrics.compute``), then adds what the scorecard shows beside each value: the
target and status against it, the direction of travel against the previous period
of the same grain, and for monthly series the SPC point class, limits and icons. The
old results are replaced whole, so a reader sees either the old set or the new one.

Example::

    >>> from store.engine import open_store
    >>> summary = recompute(open_store("sqlite://"))
    >>> summary.results
    0
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select

from metrics.compute import compute_indicators
from metrics.coverage import indicator_windows, kind_starts, period_coverage
from metrics.outcome_scores import outcome_score_changes
from metrics.registry import Registry, load_registry
from metrics.snapshot import StoreSnapshot, read_snapshot
from metrics.spc import xmr_frame
from metrics.status import direction_array, status_array
from metrics.targets import Targets, load_targets
from metrics.wiring import check_wiring
from store.bulk import upsert
from store.engine import writing
from store.extracts import EVENT_KINDS, EXTRACTS
from store.schema import eh_outcome_scores, kpi_results, kpi_runs, kpi_spc, la_windows, loads
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

    def __str__(self) -> str:
        las = ", ".join(self.las) or "no LA"
        return f"{self.results:,} results for {las} in {self.seconds:.1f} s"


def recompute(
    engine: Engine, *, targets_file: Path | None = None, registry: Registry | None = None
) -> RecomputeSummary:
    """Compute every indicator from the store and replace the stored results."""
    started = utc_now()
    clock = time.perf_counter()
    registry = registry or load_registry()
    check_wiring(registry)
    targets = load_targets(targets_file, registry)
    snapshot = read_snapshot(engine)
    computed = compute_indicators(snapshot, registry)
    windows = reporting_windows(snapshot)
    computed = add_coverage(computed, snapshot, windows, registry)
    results, series = add_spc(add_assessment(computed, registry, targets), windows)
    scores = outcome_score_changes(snapshot)
    _store(engine, results, series, windows, scores, started)
    summary = RecomputeSummary(
        results=len(results),
        series=len(series),
        las=sorted(results["la_code"].unique().tolist()) if len(results) else [],
        seconds=time.perf_counter() - clock,
        warnings=list(computed.attrs.get("warnings", [])),
    )
    log.info("recomputed %s", summary)
    return summary


def _indicator_columns(frame: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    meta = pd.DataFrame(
        {
            "kpi_id": [i.id for i in registry],
            "polarity": [i.polarity for i in registry],
            "type": [i.type for i in registry],
        }
    )
    return frame.merge(meta, on="kpi_id", how="left", validate="many_to_one")


def _target_columns(frame: pd.DataFrame, targets: Targets) -> pd.DataFrame:
    pairs = frame[["kpi_id", "la_code"]].drop_duplicates()
    found = [
        targets.for_indicator(k, la) if k in targets else None for k, la in pairs.itertuples(index=False)
    ]
    pairs = pairs.assign(
        target=[t.value if t else np.nan for t in found],
        tolerance=[t.tolerance if t else np.nan for t in found],
    )
    return frame.merge(pairs, on=["kpi_id", "la_code"], how="left", validate="many_to_one")


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
        dates.append(
            pd.DataFrame(
                {
                    "la_code": frame["la_code"].astype(str).str.strip(),
                    "kind": kind,
                    "day": frame[EXTRACTS[kind].main_date],
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
    starts = kind_starts(snapshot.tables, main_dates)  # type: ignore[arg-type]
    sources = {i.id: i.source for i in registry}
    windows = windows if len(windows) else pd.DataFrame(columns=["la_code", "window_start", "window_end"])
    per_indicator = indicator_windows(windows, starts, sources)
    return pd.concat([computed, period_coverage(computed, per_indicator)], axis=1)


def _in_window(frame: pd.DataFrame, windows: pd.DataFrame) -> pd.Series:
    """True for rows whose period lies inside its LA's window (SPC uses only those)."""
    bounds = frame[["la_code"]].merge(windows, on="la_code", how="left")
    # to_datetime first: with no window at all (every row rejected) the columns are empty objects.
    start = pd.to_datetime(bounds["window_start"]).to_numpy("datetime64[D]")
    end = pd.to_datetime(bounds["window_end"]).to_numpy("datetime64[D]")
    period_start = frame["period_start"].to_numpy("datetime64[D]")
    period_end = frame["period_end"].to_numpy("datetime64[D]")
    # A month counts when the window covers it from its first day (a window starting on
    # the 1st takes that month) up to the month holding the window's last event.
    inside = (period_start >= start.astype("datetime64[M]").astype("datetime64[D]")) & (
        period_end <= (end.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    )
    return pd.Series(inside, index=frame.index)


def _spc_input(frame: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Monthly rows with values outside the LA's window, or not fully covered, blanked,
    so limits ignore them."""
    monthly = frame[frame["grain"] == "month"]
    inside = _in_window(monthly, windows)
    if "coverage" in monthly.columns:
        inside &= monthly["coverage"].eq("full")
    return monthly.assign(value=monthly["value"].where(inside))


def add_assessment(computed: pd.DataFrame, registry: Registry, targets: Targets) -> pd.DataFrame:
    """The computed rows with target, status and direction of travel, sorted by series and period."""
    if computed.empty:
        return computed.assign(target=[], status=[], direction=[])
    frame = _indicator_columns(computed, registry)
    frame = _target_columns(frame, targets)
    frame["status"] = np.asarray(
        status_array(frame["value"], frame["target"], frame["polarity"], frame["type"], frame["tolerance"]),
        dtype=object,
    )
    frame["status"] = frame["status"].fillna("none")
    # Only a fully covered period is performance (metrics/coverage.py): the others get no
    # status, and no direction either way (a partial year is not "worse" than a full one).
    full = frame["coverage"].eq("full") if "coverage" in frame.columns else pd.Series(True, index=frame.index)
    frame.loc[~full, "status"] = "none"
    frame = frame.assign(_full=full)
    frame = frame.sort_values([*SERIES_KEYS, "period_end"], kind="stable").reset_index(drop=True)
    counted = frame["value"].where(frame["_full"])
    previous = counted.groupby([frame[k] for k in SERIES_KEYS], sort=False).shift(1)
    frame["direction"] = np.asarray(
        direction_array(counted, previous, frame["polarity"]), dtype=object
    )
    return frame.drop(columns="_full")


def add_spc(results: pd.DataFrame, windows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One XmR pass over the monthly series (inside each LA's window): the point class of
    every row, and one row per series with its limits and the icons of its latest point."""
    results = results.assign(spc=None)
    windows = windows if len(windows) else pd.DataFrame(columns=["la_code", "window_start", "window_end"])
    monthly = _spc_input(results, windows) if len(results) else results
    if monthly.empty:
        return results, pd.DataFrame(columns=[c.name for c in kpi_spc.columns])
    classes, per_series = xmr_frame(monthly, SPC_KEYS, target="target")
    few = _too_few(monthly)
    per_series = per_series.merge(few, on=SPC_KEYS, how="left")
    per_series["too_few"] = per_series["too_few"].fillna(False).astype(bool)
    per_series.loc[per_series["too_few"], ["variation", "assurance"]] = None
    flagged = monthly[SPC_KEYS].merge(few, on=SPC_KEYS, how="left")["too_few"].fillna(False).to_numpy(bool)
    point_classes = classes.to_numpy(dtype=object, copy=True)
    point_classes[flagged] = None
    results.loc[list(monthly.index), "spc"] = point_classes
    latest = per_series["latest_row"]
    ends = monthly["period_end"]
    per_series["latest_period_end"] = [
        ends.loc[r] if r is not None and not pd.isna(r) else None for r in latest
    ]
    return results, per_series.drop(columns=["latest_row"])


# Fewer than this many in a month's denominator is too few to judge variation from.
SMALL_DENOMINATOR = 10


def _too_few(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per series: True when most of its months with a value have a denominator under 10.

    Counts have no denominator and rates a population: only percentages and medians
    (denominator well under 10 on most months) are flagged.
    """
    counted = monthly[monthly["value"].notna() & monthly["denominator"].notna()]
    small = (counted["denominator"] < SMALL_DENOMINATOR) & counted["type"].isin(["percentage", "median"])
    share = small.groupby([counted[k] for k in SPC_KEYS]).mean()
    return (share > 0.5).rename("too_few").reset_index()


def _store(
    engine: Engine,
    results: pd.DataFrame,
    series: pd.DataFrame,
    windows: pd.DataFrame,
    scores: pd.DataFrame,
    started: datetime,
) -> None:
    columns = [c.name for c in kpi_results.columns]
    with writing(engine) as conn:
        conn.execute(delete(kpi_results))
        conn.execute(delete(kpi_spc))
        conn.execute(delete(la_windows))
        conn.execute(delete(eh_outcome_scores))
        if len(windows):
            upsert(conn, la_windows, windows)
        if len(scores):
            upsert(conn, eh_outcome_scores, scores)
        if len(results):
            upsert(conn, kpi_results, results[columns])
        if len(series):
            upsert(conn, kpi_spc, series[[c.name for c in kpi_spc.columns]])
        latest_load = conn.execute(select(func.max(loads.c.load_id))).scalar()
        conn.execute(
            insert(kpi_runs).values(
                started_at=started,
                finished_at=utc_now(),
                latest_load_id=latest_load,
                results=len(results),
            )
        )
