"""A monthly refresh: recompute only the periods a load can have changed.

A partner's new month adds rows dated in that month, so only the periods that end on
or after it can change (the new month, the quarter, year and rolling year holding it),
and the monthly SPC series (their limits come from every point). The plan
(``metrics.recompute_plan``) gives such an LA a ``from_date``: the first day of the
month of the earliest date any changed row carries (the rows the pending loads wrote
and the versions they superseded; ``date_of_birth`` is not an event date), moved back
to the month of the LA's old window end when the window grew, since the coverage of
the periods after it changes. The worker then:

- reads only the rows those periods can need (:data:`FILTERED`): every row with any
  event date on or after ``from_date`` less 11 months (the earliest start of a period
  ending on or after it), with early help a further 13 months back for the repeat
  look-back and its open episodes; referrals, assessments, plans, reviews, the
  workforce tables and the population whole (links, first plans and re-referrals reach
  back without bound; spells and snapshots are few);
- still knows what the whole tables would have told (groups, which kinds the LA has,
  each kind's first date: ``metrics.snapshot.WholeTables``);
- builds result rows only for the periods ending on or after ``from_date`` (the measures
  still count over every period: ``compute_indicators(..., ends_from=...)``), except for the
  indicators of :data:`EVERY_PERIOD`, kept whole: a referral's "assessed" can change
  when a later assessment links to it;
- adds direction and SPC over those rows and the stored rows before them (the previous
  period of each series, every month), and hands back the new rows, the stored monthly
  rows whose SPC class changed, and the series; of the rows of :data:`EVERY_PERIOD`
  before ``from_date``, only those that differ from the stored ones, with the keys of the
  stored rows they replace (``metrics.recompute_rewrite``).

Every read (the rows, the whole-table groups, the stored rows) is asked for at once, so
that a worker process reads them through Arrow two at a time (``store.arrow_read``); the
executor sends even a lone LA's refresh of a SQLite file to a worker for that
(``metrics.executors``): the large LA's month went from 4.2 s in the writer's process to
2.7 s (``docs/performance.md``).

Falls back to every period (``from_date`` None) when the load touched the population,
gave the LA its first rows of a kind, moved the window's start, or when a group
appears or disappears (its zero rows would reach every period): the worker sees that
last case and recomputes the LA's indicators over every period itself.
``tests/test_recompute_incremental.py`` compares every stored row with a full
recompute after random loads, a later month among them.

Example::

    >>> cut_for("contacts", date(2026, 3, 1)), cut_for("early_help", date(2026, 3, 1))
    (datetime.date(2025, 4, 1), datetime.date(2024, 3, 1))
    >>> cut_for("referrals", date(2026, 3, 1)) is None
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from metrics.calendar import add_months
from metrics.periods import GRAINS
from metrics.recompute_rewrite import rewrites
from metrics.snapshot import WholeTables
from store.bulk import Read
from store.extracts import EXTRACTS
from store.schema import kind_table, kpi_results

# Runs named reads (``store.bulk.read_each`` through a connection, or a worker's
# ``store.arrow_read.ArrowReader.read_all``) and gives their frames by name.
Reads = Callable[[Mapping[str, Read]], dict[str, pd.DataFrame]]

__all__ = [
    "EVERY_PERIOD",
    "FILTERED",
    "TailSpec",
    "cut_for",
    "event_dates",
    "every_period_read",
    "la_condition",
    "stored_context",
    "stored_context_reads",
    "whole_table_reads",
    "whole_tables",
]

# Kinds read in part: how many months before ``from_date`` their rows are still needed,
# and the column whose blank means "still open" (such rows are always needed).
FILTERED: dict[str, tuple[int, str | None]] = {
    "contacts": (11, None),
    "cp_visits": (11, None),
    "s47": (11, None),
    "cin_plans": (11, "end_date"),
    "early_help": (24, "end_date"),
    # Audits are counted in the period of their audit_date, nothing else.
    "audits": (11, None),
}
# Indicators whose value for a period can change with rows dated after it.
EVERY_PERIOD = frozenset({"referral_to_assessment"})
GROUP_COLUMNS = (
    "locality",
    "team",
    "contact_source",
    "referral_source",
    "lead_agency",
    "auditor_agency",
    "theme",
)


@dataclass(frozen=True)
class TailSpec:
    """What a worker needs to recompute one LA from ``from_date`` on."""

    from_date: date
    # (kind, first main date) of the LA's whole tables, and the kinds it has rows of.
    kind_starts: tuple[tuple[str, date], ...]
    kinds_with_rows: frozenset[str]


def event_dates(kind: str) -> list[str]:
    """The kind's date columns that date an event (``date_of_birth`` does not)."""
    return [c.name for c in EXTRACTS[kind].all_columns if c.type == "date" and c.name != "date_of_birth"]


def cut_for(kind: str, from_date: date) -> date | None:
    """The earliest event date a row of ``kind`` needs to be read (None: read it all)."""
    if kind not in FILTERED:
        return None
    months, _ = FILTERED[kind]
    return add_months_date(from_date, -months)


def add_months_date(day: date, months: int) -> date:
    """``day`` moved by whole months (the first of a month stays the first).

    >>> add_months_date(date(2026, 3, 1), -11)
    datetime.date(2025, 4, 1)
    """
    import numpy as np

    moved = add_months(np.array([day], dtype="datetime64[D]"), months)[0]
    return date.fromisoformat(str(moved))


def _param(dialect: str, day: date) -> Any:
    # SQLite keeps dates as ISO text; PostgreSQL as dates.
    return day.isoformat() if dialect == "sqlite" else day


def filter_sql(dialect: str, kind: str, from_date: date) -> tuple[str, dict[str, Any]]:
    """The SQL condition (beyond the LA) a kind's rows must meet to be read, for a store
    of ``dialect`` ("sqlite" or "postgresql").

    >>> condition, values = filter_sql("sqlite", "cin_plans", date(2026, 3, 1))
    >>> condition
    '(start_date >= :cut OR end_date >= :cut OR recorded_date >= :cut OR end_date IS NULL)'
    >>> values
    {'cut': '2025-04-01'}
    """
    cut = cut_for(kind, from_date)
    if cut is None:
        return "", {}
    _, open_column = FILTERED[kind]
    terms = [f"{column} >= :cut" for column in event_dates(kind)]
    if open_column:
        terms.append(f"{open_column} IS NULL")
    return "(" + " OR ".join(terms) + ")", {"cut": _param(dialect, cut)}


def la_condition(raw_codes: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The SQL condition for an LA's rows under any of its stored codes, and its values.

    >>> la_condition(("394", " 394"))
    ('la_code IN (:la0, :la1)', {'la0': '394', 'la1': ' 394'})
    """
    params = {f"la{i}": code for i, code in enumerate(raw_codes)}
    return "la_code IN (" + ", ".join(f":{name}" for name in params) + ")", params


def whole_table_reads(raw_codes: tuple[str, ...], read_in_part: set[str]) -> dict[str, Read]:
    """The reads ``whole_tables`` needs: per kind read in part, the distinct combinations
    of its group columns over all the LA's rows (one pass over the table)."""
    mine, params = la_condition(raw_codes)
    reads = {}
    for kind in sorted(read_in_part):
        table = kind_table(kind)
        columns = ["la_code", *(c for c in GROUP_COLUMNS if c in table.c)]
        reads[f"groups:{kind}"] = Read(table, columns, mine, params, distinct=True)
    return reads


def whole_tables(frames: Mapping[str, pd.DataFrame], la_code: str, spec: TailSpec) -> WholeTables:
    """What the kinds read in part would have told whole: groups, rows, first dates
    (``frames``: what the reads of ``whole_table_reads`` gave, by name)."""
    groups: dict[tuple[str, str], pd.DataFrame] = {}
    for name, combos in frames.items():
        if not name.startswith("groups:"):
            continue
        kind = name.removeprefix("groups:")
        for column in combos.columns[1:]:
            pairs = combos[["la_code", column]].drop_duplicates()
            groups[(kind, column)] = pairs.rename(columns={column: "value"}).reset_index(drop=True)
    starts = pd.DataFrame(
        [(la_code, kind, pd.Timestamp(day)) for kind, day in spec.kind_starts],
        columns=["la_code", "kind", "kind_start"],
    )
    starts["kind_start"] = starts["kind_start"].astype("datetime64[s]")
    has_rows = {kind: frozenset({la_code}) for kind in spec.kinds_with_rows}
    return WholeTables(groups=groups, has_rows=has_rows, kind_starts=starts)


# What direction and SPC read of a stored row (and its SPC class, to see it change).
STORED_COLUMNS = [
    *(c.name for c in kpi_results.primary_key.columns),
    "period_start",
    "denominator",
    "value",
    "coverage",
    "spc",
]


def stored_context_reads(
    dialect: str, la_code: str, kpi_ids: tuple[str, ...] | None, from_date: date
) -> dict[str, Read]:
    """The reads of the LA's stored rows the direction and SPC of the new rows need: every
    month before ``from_date`` (``stored:month``), and the other grains' rows of the 13
    months before it (``stored:earlier``: each grain's previous period).

    Two reads, not one with an ``OR``: each is then a range of the key (LA, grain, period
    end), where the one read went through all the LA's rows (164,112 in the store of four
    LAs, for 81,442), and a worker runs the two side by side: 0.05 s and 0.02 s against
    0.08-0.09 s (docs/performance.md, fourteenth session)."""
    earlier = add_months_date(from_date, -13)
    params: dict[str, Any] = {"la": la_code, "from_date": _param(dialect, from_date)}
    indicators = ""
    if kpi_ids is not None:
        names = {f"k{i}": k for i, k in enumerate(kpi_ids)}
        indicators += " AND kpi_id IN (" + ", ".join(f":{n}" for n in names) + ")"
        params.update(names)
    # Those are recomputed over every period and compared whole (``metrics.recompute_rewrite``).
    whole = {f"w{i}": k for i, k in enumerate(sorted(EVERY_PERIOD))}
    indicators += " AND kpi_id NOT IN (" + ", ".join(f":{n}" for n in whole) + ")"
    params.update(whole)
    others = ", ".join(f"'{g}'" for g in GRAINS if g != "month")
    # Every row is the LA's: its code is not read 100,000 times over (``stored_context``).
    columns = [c for c in STORED_COLUMNS if c != "la_code"]
    month = f"la_code = :la AND grain = 'month' AND period_end < :from_date{indicators}"
    before = f"la_code = :la AND grain IN ({others}) AND period_end >= :earlier"
    before += f" AND period_end < :from_date{indicators}"
    return {
        "stored:month": Read(kpi_results, columns, month, params),
        "stored:earlier": Read(kpi_results, columns, before, {**params, "earlier": _param(dialect, earlier)}),
    }


def every_period_read(dialect: str, la_code: str, kpi_ids: list[str], from_date: date) -> Read:
    """The read of the LA's stored rows of ``kpi_ids`` (of :data:`EVERY_PERIOD`) before
    ``from_date``, every column but the LA's code, to compare with the rows computed for
    those periods (``metrics.recompute_rewrite``)."""
    names = {f"e{i}": k for i, k in enumerate(kpi_ids)}
    listed = ", ".join(f":{n}" for n in names)
    where = f"la_code = :la AND period_end < :from_date AND kpi_id IN ({listed})"
    params = {"la": la_code, "from_date": _param(dialect, from_date), **names}
    return Read(kpi_results, [c.name for c in kpi_results.columns if c.name != "la_code"], where, params)


def stored_context(frame: pd.DataFrame, la_code: str) -> pd.DataFrame:
    """What ``stored_context_read`` read, with the LA's code put back."""
    frame.insert(0, "la_code", pd.Series([la_code] * len(frame), dtype="str"))
    return frame


SERIES_GROUP = ["kpi_id", "breakdown", "group_name"]


def compute_tail(task: Any, reads: Reads, dialect: str) -> Any:
    """The LA's rows from ``task.tail.from_date`` on (``metrics.recompute_la.LaResult``), or
    None when a group appeared or went (then every period must be recomputed).

    Every row comes through ``reads``, all at once: the writer's connection in one
    process, the Arrow reader's threads in a worker."""
    from metrics.compute import compute_indicators
    from metrics.outcome_scores import outcome_score_changes
    from metrics.recompute import SPC_INPUT as SPC_READS
    from metrics.recompute import add_assessment, add_coverage, add_spc, with_targets
    from metrics.recompute_la import la_result, snapshot_from, snapshot_reads, task_windows

    spec: TailSpec = task.tail
    context = stored_context_reads(dialect, task.la_code, task.kpi_ids, spec.from_date)
    whole = _every_period(task)
    if whole:
        context["every_period"] = every_period_read(dialect, task.la_code, whole, spec.from_date)
    frames = reads({**context, **snapshot_reads(task, dialect)})
    parts = [frames.pop(name) for name in list(context) if name.startswith("stored:")]
    stored = stored_context(_joined(parts), task.la_code)
    stored_whole = stored_context(frames.pop("every_period"), task.la_code) if whole else None
    snapshot = snapshot_from(frames, task)
    # Only the periods ending on or after from_date are built (and then assessed).
    fresh = compute_indicators(
        snapshot,
        task.registry,
        kpi_ids=task.kpi_ids,
        la_codes=[task.la_code],
        shared=task.shared,
        ends_from=spec.from_date,
        every_period=EVERY_PERIOD,
    )
    windows = task_windows(task)
    fresh = add_coverage(fresh, snapshot, windows, task.registry)
    if not _same_groups(stored, fresh[~fresh["kpi_id"].isin(list(EVERY_PERIOD))]):
        return None
    # The stored rows' columns that direction and SPC read, typed as the fresh rows'.
    kept = _like(stored.drop(columns=["spc"]), fresh[[c for c in STORED_COLUMNS if c != "spc"]])
    # Direction: the stored rows give each series' period before the fresh ones.
    fresh = add_assessment(fresh, task.registry, task.targets, earlier=kept).reset_index(drop=True)
    # SPC, over the columns it reads: every stored month, in period order within each
    # series (as xmr_frame asks), before the fresh rows (all later). _row: the stored
    # row's position in ``stored`` (-1: a fresh row), to compare classes.
    months = np.flatnonzero(kept["grain"].eq("month").to_numpy(bool))
    months = months[np.argsort(kept["period_end"].to_numpy("datetime64[D]")[months], kind="stable")]
    monthly = with_targets(kept.iloc[months], task.registry, task.targets).assign(_row=months)
    columns = [c for c in (*SPC_READS, "grain") if c in fresh.columns]
    both = fresh[columns].assign(_row=-1)
    if len(monthly):
        both = pd.concat([monthly[[*columns, "_row"]], both], ignore_index=True)
    assessed, series = add_spc(both, windows)
    was_stored = assessed["_row"].to_numpy(np.int64) >= 0
    results = fresh.assign(spc=assessed["spc"].to_numpy(object)[~was_stored])
    updates = _changed_spc(assessed[was_stored], stored)
    replaced = None
    if stored_whole is not None:
        results, replaced = _rewritten(results, stored_whole, spec.from_date)
    scores = outcome_score_changes(snapshot, task.eh_span) if task.scores else None
    rows_read = sum(len(t) for t in snapshot.tables.values()) + len(stored)
    rows_read += 0 if stored_whole is None else len(stored_whole)
    return la_result(task, results, series, scores, rows_read, spec.from_date, updates, replaced)


def _joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one after another (the first, typed, when all are empty)."""
    found = [p for p in parts if len(p)]
    return pd.concat(found, ignore_index=True) if len(found) > 1 else (found or parts)[0]


def _every_period(task: Any) -> list[str]:
    """The task's indicators of ``EVERY_PERIOD``."""
    ids = task.kpi_ids if task.kpi_ids is not None else [i.id for i in task.registry]
    return sorted(EVERY_PERIOD.intersection(ids))


def _rewritten(
    results: pd.DataFrame, stored: pd.DataFrame, from_date: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results without the rows before ``from_date`` the store holds already, and the
    keys of the stored rows before it to delete (``metrics.recompute_rewrite``)."""
    ends = pd.to_datetime(results["period_end"]).to_numpy("datetime64[D]")
    earlier = np.flatnonzero(ends < np.datetime64(from_date, "D"))
    keep, replaced = rewrites(results.iloc[earlier], stored)
    drop = np.zeros(len(results), dtype=bool)
    drop[earlier[~keep]] = True
    return results[~drop].reset_index(drop=True), replaced


def _same_groups(stored: pd.DataFrame, fresh: pd.DataFrame) -> bool:
    """Whether every indicator has the same breakdown groups before and after."""
    old = stored[SERIES_GROUP].drop_duplicates()
    new = fresh[SERIES_GROUP].drop_duplicates()
    if len(old) != len(new):
        return False
    merged = old.merge(new, on=SERIES_GROUP, how="outer", indicator=True)
    return bool((merged["_merge"] == "both").all())


def _like(stored: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """The stored rows with the computed frame's columns and types (the columns not read,
    such as the numerator and note, blank: direction and SPC do not use them)."""
    out = stored.reindex(columns=list(fresh.columns))
    for column in fresh.columns:
        if column not in stored.columns and pd.api.types.is_integer_dtype(fresh[column].dtype):
            out[column] = 0  # never read back: only keeps the column's type
        if out[column].dtype != fresh[column].dtype:
            out[column] = out[column].astype(fresh[column].dtype)
    return out


KEY_COLUMNS = [c.name for c in kpi_results.primary_key.columns]


def _changed_spc(assessed: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """The stored rows whose SPC class is no longer what was stored: keys and new class.

    ``assessed`` holds the stored rows as assessed again, each with ``_row``, its position
    in ``stored``."""
    monthly = assessed[(assessed["grain"] == "month").to_numpy(bool)]
    was = stored["spc"].to_numpy(object)[monthly["_row"].to_numpy(np.int64)]
    now = monthly["spc"].to_numpy(object)
    # Element by element on the objects (no text copy of 100,000 classes); blank is blank.
    blank_was, blank_now = pd.isna(was), pd.isna(now)
    same = (blank_was & blank_now) | (~blank_was & ~blank_now & (now == was))
    return monthly.loc[~same, [*KEY_COLUMNS, "spc"]].reset_index(drop=True)
