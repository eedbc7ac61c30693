"""What a recompute must do: which LAs, which of their indicators, and what every LA shares.

A load changes only its own LAs' rows (a record's key starts with ``la_code``), and only
the kinds it carries. So after loads, only those LAs are recomputed, and for each only
the indicators that read a kind the loads touched (``metrics.dependencies``); every load
also touches its LAs' load records, so ``dq_rejected_rows`` is always among them.

Some things are shared by every LA or span indicators, and the plan falls back to more
work when they change:

- **The periods.** Every LA is computed for the same periods, from the earliest to the
  latest main date of any LA (and the load dates for ``dq_rejected_rows``;
  ``metrics/compute/axis.py``). They come from ``recompute_spans`` (per LA, kind and date
  column: first and last date, inside the calendar or not), refreshed for the pairs the
  loads touched, so no table is read whole to find them: widened by the rows the loads
  wrote when they superseded nothing, else worked out again from the pair's rows
  (``metrics.recompute_new_rows``). Periods are whole months: a
  load that adds a month to the shared main range (the first LA to send a new month)
  changes every LA's periods and means a full recompute; load dates reaching a new month
  mean ``dq_rejected_rows`` for every LA (it reads only the load records), and early help
  closures reaching a new month mean every LA's ``eh_outcome_scores``.
- **The reporting window** of an LA (``la_windows``) decides which months its SPC limits
  use, for every indicator: an LA whose window moved has every indicator recomputed.
- **The inputs fingerprint** (stored in ``meta``): the code of ``metrics`` and ``store``,
  the registry, the targets and the calendar. Any change forces a full recompute.

Pending loads are those not listed in ``recomputed_loads`` (so a load that commits after
a later-numbered one is still seen). A store recomputed before this table existed has
none listed: its first recompute is a full one.

Example::

    >>> from store.engine import open_store
    >>> engine = open_store("sqlite://")
    >>> with engine.connect() as conn:
    ...     plan = make_plan(conn, load_registry(), None, full=False)
    >>> (plan.full, plan.reason, plan.work)
    (True, 'no earlier recompute', [])
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, bindparam, func, not_, select

from metrics.calendar import calendar_range
from metrics.compute.axis import build_period_table, clipped_span
from metrics.compute.core import SharedPeriods, recent_span
from metrics.dependencies import LOADS, affected_indicators
from metrics.periods import GRAINS, periods_overlapping
from metrics.recompute_new_rows import SPAN_COLUMNS, SPAN_MERGE, SPAN_READ, combined, span_aggregates, written
from metrics.recompute_tail import TailSpec
from metrics.registry import Registry, load_registry
from metrics.snapshot import merge_load_counts
from metrics.targets import DEFAULT_TARGETS, TargetOverride, stored_overrides
from store.bulk import read_frame, rows_side_by_side
from store.extracts import EVENT_KINDS, EXTRACTS
from store.schema import (
    RECOMPUTE_FINGERPRINT_KEY,
    kind_table,
    kpi_runs,
    la_windows,
    load_counts,
    loads,
    meta,
    recompute_spans,
    recomputed_loads,
)

__all__ = ["LaWork", "Plan", "load_registry", "make_plan"]

FINGERPRINT_KEY = RECOMPUTE_FINGERPRINT_KEY
WINDOW_COLUMNS = ["la_code", "window_start", "window_end", "basis"]
Span = tuple[date, date] | None


@dataclass(frozen=True)
class LaWork:
    """One LA to recompute: its code as reported, as stored, and what to redo."""

    la_code: str
    raw_codes: tuple[str, ...]
    # None: every indicator (and the LA's rows of every results table are replaced).
    kpi_ids: tuple[str, ...] | None
    scores: bool
    window: tuple[date, date] | None
    # Only the periods ending on or after tail.from_date (``metrics.recompute_tail``).
    tail: TailSpec | None = None


@dataclass
class Plan:
    """A recompute's work, and what it stores besides the results."""

    full: bool
    reason: str
    shared: SharedPeriods
    eh_span: Span
    windows: pd.DataFrame
    work: list[LaWork]
    pending_loads: list[int]
    fingerprint: str
    # The span rows to store: all of them for a full recompute, else the touched LAs'.
    spans: pd.DataFrame
    touched_las: list[str] = field(default_factory=list)


def make_plan(
    conn: Connection, registry: Registry, targets_file: Path | None, *, full: bool, jobs: int = 1
) -> Plan:
    """Work out what to recompute, reading only small tables and the touched LAs' dates;
    a full plan's scans of every table run ``jobs`` at a time (``_read_spans``). Call it
    before the transaction writes anything."""
    pending = _pending(conn)
    raw = _raw_codes(conn)
    old_spans = read_frame(conn, recompute_spans)
    previous = conn.execute(select(meta.c.value).where(meta.c.key == FINGERPRINT_KEY)).scalar()
    has_run = conn.execute(select(kpi_runs.c.run_id).limit(1)).first() is not None
    reason = _full_reason(full, has_run, previous)
    touched = _touched(pending)
    if reason:
        spans = _read_spans(conn, raw, None, jobs)
    else:
        fresh, earliest = _touched_spans(conn, raw, touched, old_spans, pending)
        pairs = {(la, kind) for la, kinds in touched.items() for kind in kinds}
        stale = [
            (la, kind) in pairs for la, kind in zip(old_spans["la_code"], old_spans["kind"], strict=True)
        ]
        spans = pd.concat([old_spans[~np.array(stale, dtype=bool)], fresh], ignore_index=True)
    counts = merge_load_counts(read_frame(conn, load_counts), read_frame(conn, loads))
    shared, eh_span = _shared(spans, counts)
    fingerprint = _fingerprints(registry, targets_file, shared, eh_span, stored_overrides(conn))
    before = _parse(previous)
    new_months = None
    if not reason and fingerprint["main"] != before.get("main"):
        new_months = _later_months(before, fingerprint)
        if new_months is None:
            reason = "the shared periods or the inputs changed"
            spans = _read_spans(conn, raw, None, jobs)
            shared, eh_span = _shared(spans, counts)
    windows = windows_from_spans(spans)
    load_ids = list(pending.attrs["load_ids"])
    stored = json.dumps(fingerprint, sort_keys=True)
    if reason:
        las = sorted(set(shared.event_las) | _load_record_las(counts))
        work = [_work(la, raw, windows, None, True) for la in las]
        return Plan(True, reason, shared, eh_span, windows, work, load_ids, stored, spans, las)
    todo, starts = _touched_work(conn, registry, touched, earliest, old_spans, windows, pending, counts)
    if new_months is not None:
        # The shared range grew by later months: every LA gains those periods.
        for la in shared.event_las:
            ids, scores = todo.get(la, (None, False))
            todo[la] = (None, scores)
            mine = starts.get(la, new_months)
            starts[la] = None if mine is None else min(mine, new_months)
    if fingerprint["loads"] != before.get("loads"):
        # The load dates reached a new month: dq_rejected_rows gains periods in every LA.
        by_loads = set(affected_indicators(registry, [LOADS]))
        for la in set(shared.event_las) | _load_record_las(counts):
            ids, scores = todo.get(la, (set(), False))
            todo[la] = (None if ids is None else ids | by_loads, scores)
            if la not in touched:
                starts[la] = None
    if fingerprint["eh"] != before.get("eh"):
        # The early help closures reached a new month: every LA's outcome-score periods.
        for la in _las_with(spans, "early_help", "end_date"):
            ids, _ = todo.get(la, (set(), False))
            todo[la] = (ids, True)
    work = [
        _work(
            la, raw, windows, None if ids is None else _in_order(registry, ids), scores, starts.get(la), spans
        )
        for la, (ids, scores) in sorted(todo.items())
    ]
    fresh_spans = spans[spans["la_code"].isin(list(touched))]
    return Plan(False, "", shared, eh_span, windows, work, load_ids, stored, fresh_spans, sorted(touched))


def _touched_work(
    conn: Connection,
    registry: Registry,
    touched: dict[str, set[str]],
    earliest: dict[str, date | None],
    old_spans: pd.DataFrame,
    windows: pd.DataFrame,
    pending: pd.DataFrame,
    counts: pd.DataFrame,
) -> tuple[dict[str, tuple[set[str] | None, bool]], dict[str, date | None]]:
    """Per touched LA: the indicators to redo (None: all), whether its outcome scores are
    redone, and the first day of the periods to redo (None: every period)."""
    old_windows = read_frame(conn, la_windows)
    todo: dict[str, tuple[set[str] | None, bool]] = {}
    starts: dict[str, date | None] = {}
    for la, kinds in touched.items():
        moved = _window_of(old_windows, la) != _window_of(windows, la)
        ids = None if moved else set(affected_indicators(registry, kinds | {LOADS}))
        todo[la] = (ids, "early_help" in kinds or moved)
        starts[la] = _from_date(
            la, kinds, earliest.get(la), old_spans, old_windows, windows, _load_ids(pending, la), counts
        )
    return todo, starts


def _in_order(registry: Registry, ids: set[str]) -> tuple[str, ...]:
    return tuple(i.id for i in registry if i.id in ids)


def _las_with(spans: pd.DataFrame, kind: str, column: str) -> set[str]:
    rows = spans[(spans["kind"] == kind) & (spans["column_name"] == column)]
    return set(rows.loc[rows["first_inside"].notna(), "la_code"].astype(str))


def _parse(stored: str | None) -> dict[str, str]:
    try:
        found = json.loads(stored or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _work(
    la: str,
    raw: dict[str, set[str]],
    windows: pd.DataFrame,
    ids: tuple[str, ...] | None,
    scores: bool,
    from_date: date | None = None,
    spans: pd.DataFrame | None = None,
) -> LaWork:
    tail = None if from_date is None or spans is None else _tail_spec(la, from_date, spans)
    return LaWork(la, tuple(sorted(raw.get(la, {la}))), ids, scores, _window_of(windows, la), tail)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _tail_spec(la: str, from_date: date, spans: pd.DataFrame) -> TailSpec:
    """The LA's first main date of each kind and the kinds it has rows of, from the spans."""
    main = _main_rows(spans)
    mine = main[(main["la_code"] == la) & main["first_date"].notna()]
    firsts = tuple(
        (str(k), pd.Timestamp(d).date()) for k, d in zip(mine["kind"], mine["first_date"], strict=True)
    )
    counted = spans[(spans["la_code"] == la) & (pd.to_numeric(spans["rows"]) > 0)]
    return TailSpec(from_date, firsts, frozenset(counted["kind"].astype(str)))


def _from_date(
    la: str,
    kinds: set[str],
    earliest: date | None,
    old_spans: pd.DataFrame,
    old_windows: pd.DataFrame,
    windows: pd.DataFrame,
    ids: list[int],
    counts: pd.DataFrame,
) -> date | None:
    """The first day of the earliest month whose periods the pending loads can change for
    this LA, or None for every period (``metrics.recompute_tail`` says when and why).
    ``earliest`` is the earliest event date of the LA's rows they wrote or superseded."""
    old, new = _window_of(old_windows, la), _window_of(windows, la)
    had = set(old_spans.loc[(old_spans["la_code"] == la) & (pd.to_numeric(old_spans["rows"]) > 0), "kind"])
    if (
        "population" in kinds
        or old is None
        or new is None
        or old[0] != new[0]
        or not (kinds - {LOADS}) <= had
    ):
        return None
    if earliest is None:
        return None
    candidates = [earliest]
    if old[1] != new[1]:
        # The months after the old window end become covered (metrics/coverage.py).
        candidates.append(_next_month(old[1]))
    mine = counts[counts["load_id"].isin(ids) & counts["loaded_at"].notna()]
    candidates += [pd.Timestamp(t).date() for t in mine["loaded_at"]]
    first = min(candidates)
    return date(first.year, first.month, 1)


def _load_ids(pending: pd.DataFrame, la: str) -> list[int]:
    """The pending loads that name this LA."""
    return sorted(int(i) for i in pending.loc[pending["la_code"].astype(str).str.strip() == la, "load_id"])


def _touched_spans(
    conn: Connection,
    raw: dict[str, set[str]],
    touched: dict[str, set[str]],
    old_spans: pd.DataFrame,
    pending: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, date | None]]:
    """The span rows of the touched LAs' touched kinds, and per LA the earliest event date
    of the rows the pending loads wrote or superseded (``metrics.recompute_new_rows``:
    a kind they only added to is widened by the rows written; the others are read whole)."""
    whole: dict[str, set[str]] = {}
    olds, news = [], []
    earliest: dict[str, date | None] = {}
    span_kinds = {kind for kind, _ in SPAN_COLUMNS}
    for la, kinds in touched.items():
        ids, codes = _load_ids(pending, la), tuple(sorted(raw.get(la, {la})))
        found = []
        for kind in sorted(kinds & span_kinds):
            done = written(conn, la, kind, codes, ids)
            if done.earliest is not None:
                found.append(done.earliest)
            old = old_spans[(old_spans["la_code"] == la) & (old_spans["kind"] == kind)]
            if done.superseded or len(old) != len(done.spans):
                whole.setdefault(la, set()).add(kind)
            else:
                olds.append(old)
                news.append(done.spans)
        earliest[la] = min(found) if found else None
    parts = [combined(pd.concat(olds), pd.concat(news))] if olds else []
    if whole:
        parts.append(_read_spans(conn, raw, whole))
    columns = [c.name for c in recompute_spans.columns]
    frame = pd.concat(parts, ignore_index=True) if parts else _empty_spans()
    return frame[columns], earliest


def _window_of(windows: pd.DataFrame, la: str) -> tuple[date, date] | None:
    row = windows[windows["la_code"] == la]
    if row.empty:
        return None
    return (pd.Timestamp(row["window_start"].iloc[0]).date(), pd.Timestamp(row["window_end"].iloc[0]).date())


def _pending(conn: Connection) -> pd.DataFrame:
    """(load_id, kind, la_code) of every load the stored results do not include yet."""
    done = select(recomputed_loads.c.load_id).where(recomputed_loads.c.load_id == loads.c.load_id)
    not_done = not_(done.exists())
    by_count = select(load_counts.c.load_id, load_counts.c.kind, load_counts.c.la_code).join(
        loads, loads.c.load_id == load_counts.c.load_id
    )
    by_default = select(loads.c.load_id, loads.c.kind, loads.c.la_default.label("la_code")).where(
        loads.c.la_default.is_not(None)
    )
    rows = [tuple(r) for q in (by_count, by_default) for r in conn.execute(q.where(not_done))]
    ids = [r[0] for r in conn.execute(select(loads.c.load_id).where(not_done))]
    frame = pd.DataFrame(rows, columns=["load_id", "kind", "la_code"])
    frame.attrs["load_ids"] = sorted(ids)
    return frame


def _touched(pending: pd.DataFrame) -> dict[str, set[str]]:
    """Per LA (trimmed) named by a pending load, the kinds it touched (and ``LOADS``)."""
    out: dict[str, set[str]] = {}
    for kind, la in zip(pending["kind"], pending["la_code"], strict=True):
        code = str(la).strip()
        if not code:
            continue
        out.setdefault(code, {LOADS})
        if kind in EXTRACTS:
            out[code].add(str(kind))
    return out


def _full_reason(asked: bool, has_run: bool, fingerprint: str | None) -> str:
    """Why the recompute must be a full one before looking at the loads, or ""."""
    if asked:
        return "asked for"
    if not has_run:
        return "no earlier recompute"
    if fingerprint is None:  # a retraction deletes it (loaders.retract)
        return "no fingerprint of the last recompute (a load was retracted since)"
    return ""


def _raw_codes(conn: Connection) -> dict[str, set[str]]:
    """Each LA as reported (trimmed) mapped to the la_code values stored for it."""
    out: dict[str, set[str]] = {}
    for kind in EXTRACTS:
        for code in _distinct_codes(conn, kind):
            out.setdefault(code.strip(), set()).add(code)
    return out


def _distinct_codes(conn: Connection, kind: str) -> list[str]:
    """The kind's stored la_code values, one index probe each: ``DISTINCT`` walked every
    row's entry (6.2 million in a region of 8 large LAs); each primary key starts with
    ``la_code``, so the next code after one is a probe of the index."""
    column = kind_table(kind).c.la_code
    codes: list[str] = []
    code = conn.execute(select(func.min(column))).scalar()
    while code is not None:
        codes.append(str(code))
        code = conn.execute(select(func.min(column)).where(column > code)).scalar()
    return codes


def _read_spans(
    conn: Connection, raw: dict[str, set[str]], touched: dict[str, set[str]] | None, jobs: int = 1
) -> pd.DataFrame:
    """The span rows of every LA (``touched`` None), or of the touched LAs' touched kinds
    (the caller keeps the stored rows of the rest).

    One grouped query per span column, each built once per process (``_span_query``),
    and one frame for all of them: a frame per query cost more than the queries on a
    small store (0.14 s a plan, docs/performance.md). With ``jobs`` above 1 the queries
    run that many at a time (``store.bulk.rows_side_by_side``)."""
    wanted: list[tuple[str, str, dict[str, Any] | None]] = []
    for kind, column in SPAN_COLUMNS:
        params = None
        if touched is not None:
            las = [la for la, kinds in touched.items() if kind in kinds]
            if not las:
                continue
            params = {"codes": sorted({c for la in las for c in raw.get(la, {la})})}
        wanted.append((kind, column, params))
    # Nothing is written yet in the caller's transaction: other connections read its state.
    queries = [(_span_query(kind, column, params is not None), params) for kind, column, params in wanted]
    found = rows_side_by_side(conn, queries, jobs)
    rows = [
        (str(row[0]).strip(), kind, column, *row[1:])
        for (kind, column, _), result in zip(wanted, found, strict=True)
        for row in result
    ]
    # A touched LA with no rows left of a touched kind gets no row for it: its old row goes.
    frame = _merged_codes(pd.DataFrame(rows, columns=_SPAN_KEY + SPAN_READ))
    for col in ("first_date", "last_date", "first_inside", "last_inside", "first_outside"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[s]")
    for col in ("rows", "outside"):
        frame[col] = pd.to_numeric(frame[col]).astype("Int64")
    return frame[[c.name for c in recompute_spans.columns]]


@cache
def _span_query(kind: str, column: str, by_codes: bool) -> Select[Any]:
    """The span rows of one kind's date column per stored LA code (of the bound
    ``codes`` only, when ``by_codes``)."""
    table = kind_table(kind)
    query = select(table.c.la_code, *span_aggregates(table.c[column])).group_by(table.c.la_code)
    if by_codes:
        query = query.where(table.c.la_code.in_(bindparam("codes", expanding=True)))
    return query


_SPAN_KEY = ["la_code", "kind", "column_name"]


def _empty_spans() -> pd.DataFrame:
    return pd.DataFrame(columns=[c.name for c in recompute_spans.columns])


def _merged_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per trimmed LA, kind and column, combining stored codes that differ only
    by spaces."""
    if frame.empty or not frame.duplicated(_SPAN_KEY).any():
        return frame
    return frame.groupby(_SPAN_KEY, as_index=False).agg(**SPAN_MERGE)


def _days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(pd.Series(values, dtype=object)).to_numpy("datetime64[D]")


def _shared(spans: pd.DataFrame, counts: pd.DataFrame) -> tuple[SharedPeriods, Span]:
    """The periods every LA shares, as ``Context.from_snapshot`` works them out from all rows."""
    warnings: list[str] = []
    main = _spanning_rows(_main_rows(spans, ends=True))
    lo, hi = calendar_range()
    outside = int(pd.to_numeric(main["outside"]).sum()) if len(main) else 0
    if outside:
        earliest = _days(main["first_outside"].dropna()).min()
        warnings.append(
            f"{outside} main dates outside the bank-holiday table ({lo} to {hi}), "
            f"e.g. {earliest}: no period is computed for them"
        )
    main_span = _span(main)
    event_loads = counts["kind"].isin(EVENT_KINDS).to_numpy(bool)
    load_span = clipped_span(
        counts["loaded_at"].to_numpy("datetime64[D]")[event_loads], "load dates", warnings
    )
    build_period_table(main_span, load_span, warnings)
    event_las = sorted(set(main.loc[pd.to_numeric(main["rows"]) > 0, "la_code"].astype(str)))
    ends = spans[(spans["kind"] == "early_help") & (spans["column_name"] == "end_date")]
    shared = SharedPeriods(main_span, load_span, tuple(warnings), tuple(event_las))
    return shared, _span(ends)


def _main_rows(spans: pd.DataFrame, ends: bool = False) -> pd.DataFrame:
    """The span rows of each event kind's main date; with ``ends``, also those of its
    ``span_end`` (a figure's period end), which stretch the period axis and the window."""
    mains = {
        kind: (EXTRACTS[kind].main_date, EXTRACTS[kind].span_end if ends else None) for kind in EVENT_KINDS
    }
    keep = [k in mains and c in mains[k] for k, c in zip(spans["kind"], spans["column_name"], strict=True)]
    return spans[np.array(keep, dtype=bool)]


def _spanning_rows(main: pd.DataFrame) -> pd.DataFrame:
    """The main-date span rows with each non-spanning kind's (workforce start dates) as
    the two dates ``recent_span`` gives from its first and last: what a full recompute
    puts on the period axis for it (``metrics.compute.core._spanning_dates``)."""
    lifted = ~main["kind"].map(lambda k: EXTRACTS[k].spans_periods).astype(bool) & main["first_date"].notna()
    if not lifted.any():
        return main
    lo, hi = calendar_range()
    out = main.copy()
    for row in main.index[lifted.to_numpy(bool)]:
        d = recent_span(_days(main.loc[[row], "first_date"]), _days(main.loc[[row], "last_date"]))
        inside, outside = d[(d >= lo) & (d <= hi)], d[(d < lo) | (d > hi)]
        out.loc[row, "first_inside"] = pd.Timestamp(inside.min()) if len(inside) else pd.NaT
        out.loc[row, "last_inside"] = pd.Timestamp(inside.max()) if len(inside) else pd.NaT
        out.loc[row, "outside"] = len(outside)
        out.loc[row, "first_outside"] = pd.Timestamp(outside.min()) if len(outside) else pd.NaT
    return out


def _span(rows: pd.DataFrame) -> Span:
    first = rows["first_inside"].dropna()
    if first.empty:
        return None
    last = rows["last_inside"].dropna()
    return (_days(first).min().astype(date), _days(last).max().astype(date))


def _load_record_las(counts: pd.DataFrame) -> set[str]:
    """LAs named by load records of event kinds (``dq_rejected_rows`` reports them)."""
    la = counts["la_code"].astype(str).str.strip()
    keep = counts["kind"].isin(EVENT_KINDS) & (la != "")
    return set(la[keep])


def windows_from_spans(spans: pd.DataFrame) -> pd.DataFrame:
    """Each LA's reporting window (as ``metrics.recompute.reporting_windows``) from the spans.

    >>> spans = pd.DataFrame({"la_code": ["394", "394"], "kind": ["referrals", "cp_plans"],
    ...     "column_name": ["referral_date", "start_date"], "rows": [1, 1],
    ...     "first_date": [date(2024, 5, 2), date(2021, 1, 4)],
    ...     "last_date": [date(2024, 5, 2), date(2021, 1, 4)]})
    >>> windows_from_spans(spans).astype(str).values.tolist()
    [['394', '2024-05-02', '2024-05-02', 'first referral']]
    """
    main = _main_rows(spans, ends=True)
    main = main[main["first_date"].notna()]
    if main.empty:
        return pd.DataFrame(columns=WINDOW_COLUMNS)
    main = main.assign(first=_days(main["first_date"]), last=_days(main["last_date"]))
    rows = []
    for la, mine in main.groupby("la_code", sort=True):
        by_kind = dict(zip(mine["kind"], mine["first"], strict=True))
        if "contacts" in by_kind:
            start, basis = by_kind["contacts"], "first contact"
        elif "referrals" in by_kind:
            start, basis = by_kind["referrals"], "first referral"
        else:
            start, basis = mine["first"].min(), "earliest event"
        rows.append((la, start, mine["last"].max(), basis))
    out = pd.DataFrame(rows, columns=WINDOW_COLUMNS)
    for col in ("window_start", "window_end"):
        out[col] = out[col].astype("datetime64[s]")
    return out


@cache
def code_digest() -> str:
    """A digest of the code and data of ``metrics`` and ``store``: new code, full recompute."""
    digest = hashlib.sha256()
    for package in ("metrics", "store"):
        root = Path(__import__(package).__file__ or "").parent
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".yaml", ".csv", ".json"):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _targets_text(targets_file: Path | None) -> str:
    if targets_file is None:
        from importlib import resources

        return resources.files("metrics").joinpath("data", DEFAULT_TARGETS).read_text("utf-8")
    return Path(targets_file).read_text(encoding="utf-8")


def _fingerprints(
    registry: Registry,
    targets_file: Path | None,
    shared: SharedPeriods,
    eh_span: Span,
    overrides: list[TargetOverride] | None = None,
) -> dict[str, str]:
    """Digests of what every LA shares: ``main`` (code, registry, targets and the targets
    set in the app (``target_overrides``), calendar and the
    main periods: a change means a full recompute), ``loads`` (the periods of
    ``dq_rejected_rows``) and ``eh`` (those of the outcome scores). Periods are whole
    months, so a new date inside a month already covered changes nothing."""
    lo, hi = calendar_range()
    table = shared.table()
    keys = list(zip(table.grain.tolist(), table.start.astype(str), table.end.astype(str), strict=True))
    main = [k for k, m in zip(keys, table.main, strict=True) if m]
    by_loads = [k for k, m in zip(keys, table.loads, strict=True) if m]
    eh = (
        [(g, str(p.start), str(p.end)) for g in GRAINS for p in periods_overlapping(g, *eh_span)]
        if eh_span
        else []
    )
    inputs = {
        "code": code_digest(),
        "registry": registry.model_dump_json(),
        "targets": hashlib.sha256(_targets_text(targets_file).encode()).hexdigest(),
        "target_overrides": [list(o) for o in overrides or []],
        "calendar": [str(lo), str(hi)],
    }
    span = [str(shared.main_span[0])[:7], str(shared.main_span[1])[:7]] if shared.main_span else []
    return {
        "inputs": _digest(inputs),
        "main": _digest({**inputs, "main": main}),
        "main_months": json.dumps(span),
        "loads": _digest(by_loads),
        "eh": _digest(eh),
    }


def _later_months(before: dict[str, str], now: dict[str, str]) -> date | None:
    """The first new month when the shared main range only grew at its end (same inputs,
    same first month): the periods before it are the same for every LA. None otherwise.

    >>> was = {"inputs": "x", "main_months": '["2024-04", "2026-02"]'}
    >>> _later_months(was, {"inputs": "x", "main_months": '["2024-04", "2026-03"]'})
    datetime.date(2026, 3, 1)
    >>> _later_months(was, {"inputs": "x", "main_months": '["2024-03", "2026-03"]'}) is None
    True
    """
    if before.get("inputs") != now["inputs"] or "main_months" not in before:
        return None
    old, new = json.loads(before["main_months"]), json.loads(now["main_months"])
    if len(old) != 2 or len(new) != 2 or old[0] != new[0] or new[1] <= old[1]:
        return None
    year, month = (int(x) for x in old[1].split("-"))
    return _next_month(date(year, month, 1))


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
