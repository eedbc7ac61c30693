"""Data quality per extract kind and LA: rejected rows, recording lag, completeness.

These count stored rows as loaded (before any de-duplication). A row belongs to
the period of its kind's main date.

- ``dq_rejected_rows`` (breakdown ``kind``, group = the kind): over the loads of the
  kind for the LA whose load time (``loaded_at``, its date) falls in the period,
  rows rejected ÷ rows read. It has a value whenever such a load happened, a file
  rejected whole included; a period without loads has 0 ÷ 0 and no value; an LA
  with no load of the kind ever has a blank row. Its periods also cover the load
  dates, and an LA known only from load records (every file rejected) still gets
  its rows here.
- ``dq_recording_lag_5wd`` (breakdown ``kind``): of the rows with a recorded_date,
  those with working days(main date, recorded_date) > 5 (a recorded_date before the
  event is a negative lag, so not late).
- ``dq_completeness`` (breakdown ``column``, group ``kind.column``): per optional
  column of each event kind (its own and the common team, locality, recorded_date,
  date_of_birth, sex, ethnicity; not la_code), non-blank cells ÷ rows. Text made
  only of spaces is blank. Columns blank by design (``blank_by_design`` in
  metrics/data/wording.yaml) are read as declared there: an end date of a plan has no
  completeness (its blank is the only sign that the plan is open: kpis.md's "open
  episode"), and a column expected only once the record has ended (an early help
  episode's closure reason, its end date once a closure reason is given) counts only
  the rows where the ``when`` columns are filled, in numerator and denominator alike.

Groups are every event kind (population is reference data, not an extract) for
every LA; a kind the LA has no rows of (for the rejected rows: no loads of) gives
blank rows.

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(s47=[{"strategy_date": "2024-05-01", "team": " "}, {}])
    >>> m = dq_completeness(Context.from_snapshot(snap), "column")
    >>> i = m.cells.group.tolist().index("s47.team")
    >>> m.numerator[i, 0], m.denominator[i, 0]
    (np.float64(0.0), np.float64(2.0))
    >>> "cp_plans.end_date" in m.cells.group.tolist()
    False
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.compute.aggregate import counts_in_periods, period_sums
from metrics.compute.axis import Bools, Days, Objects
from metrics.compute.core import Cells, Context, Floats, Measure, nonblank_text, notes_where
from metrics.compute.measures import undecided_dates, working_day_test
from metrics.wiring import measure
from metrics.wording import blank_by_design, kind_in_text
from store.extracts import EVENT_KINDS, EXTRACTS


def _cells(las: Objects, index: np.ndarray, groups: list[str]) -> Cells:
    return Cells(
        la=np.repeat(las, len(groups)),
        group=np.tile(np.array(groups, dtype=object), len(las)),
        la_index=np.repeat(index, len(groups)).astype(np.int64),
    )


def _kind_blank(has: Bools, kind: str, what: str) -> Objects:
    return notes_where(~has, f"no {kind_in_text(kind)} {what} for this LA")


@measure("dq_recording_lag_5wd")
def dq_recording_lag_5wd(ctx: Context, breakdown: str) -> Measure:
    """Per kind: rows entered more than 5 working days after the event, of those with a date."""
    cells = _cells(ctx.las, np.arange(len(ctx.las)), list(EVENT_KINDS))
    k = len(EVENT_KINDS)
    shape = (len(cells), ctx.periods.size)
    num, den = np.zeros(shape), np.zeros(shape)
    undecided: Days = np.full(shape, np.datetime64("NaT"), dtype="datetime64[D]")
    blank = np.empty(len(cells), dtype=object)
    for i, kind in enumerate(EVENT_KINDS):
        rows = ctx.rows(kind)
        main = EXTRACTS[kind].main_date
        assert main is not None
        cell = rows.la_index * k + i
        month = rows.month(main)
        late, unsure, outside = working_day_test(rows, main, "recorded_date", "more_than", 5)
        has = rows.known("recorded_date")
        num += counts_in_periods(ctx.periods, cell, month, len(cells), late & has)
        den += counts_in_periods(ctx.periods, cell, month, len(cells), has)
        found = undecided_dates(ctx, cell, month, len(cells), (unsure, outside))
        if found is not None:
            undecided = np.fmin(undecided, found)
        blank[i::k] = _kind_blank(ctx.has_rows(kind), kind, "loaded")
    return Measure(cells, num, den, undecided, blank)


def _filled(ctx: Context, kind: str, column: str) -> Bools:
    """Non-blank cells: present, and for text not only spaces."""
    series = ctx.tables[kind][column]
    if isinstance(series.array, pd.arrays.ArrowStringArray):
        # In Arrow: an id column (a referral's contact_id) has as many distinct values as rows.
        return nonblank_text(series)
    if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        codes, trimmed = ctx.text_codes(kind, column)
        filled = np.array([v != "" for v in trimmed] + [False], dtype=bool)
        return np.asarray(filled[codes], dtype=bool)
    return series.notna().to_numpy(bool)


def completeness_groups() -> list[tuple[str, str]]:
    """Every (kind, column) whose completeness is measured, in display order."""
    never = {(b.kind, b.column) for b in blank_by_design() if not b.when}
    return [
        (kind, col)
        for kind in EVENT_KINDS
        for col in EXTRACTS[kind].optional_columns
        if (kind, col) not in never
    ]


def expected_when(kind: str, column: str) -> tuple[str, ...]:
    """The columns that must be filled for ``column`` to be expected (none: every row)."""
    return next((b.when for b in blank_by_design() if (b.kind, b.column) == (kind, column)), ())


@measure("dq_completeness")
def dq_completeness(ctx: Context, breakdown: str) -> Measure:
    """Per kind and optional column: non-blank cells over rows, by the main date's period."""
    groups = completeness_groups()
    cells = _cells(ctx.las, np.arange(len(ctx.las)), [f"{k}.{c}" for k, c in groups])
    g = len(groups)
    shape = (len(cells), ctx.periods.size)
    num, den = np.zeros(shape), np.zeros(shape)
    blank = np.empty(len(cells), dtype=object)
    n_las = len(ctx.las)
    for kind in EVENT_KINDS:
        rows = ctx.rows(kind)
        main = EXTRACTS[kind].main_date
        assert main is not None
        month = rows.month(main)
        rows_in = counts_in_periods(ctx.periods, rows.la_index, month, n_las)
        for j, (group_kind, column) in enumerate(groups):
            if group_kind != kind:
                continue
            filled = _filled(ctx, kind, column)
            expected = np.ones(len(filled), dtype=bool)
            for other in expected_when(kind, column):
                expected &= _filled(ctx, kind, other)
            num[j::g] = counts_in_periods(ctx.periods, rows.la_index, month, n_las, filled & expected)
            den[j::g] = (
                counts_in_periods(ctx.periods, rows.la_index, month, n_las, expected)
                if expected_when(kind, column)
                else rows_in
            )
            blank[j::g] = _kind_blank(ctx.has_rows(kind), kind, "loaded")
    return Measure(cells, num, den, None, blank)


def _load_records(ctx: Context) -> tuple[pd.DataFrame, Objects]:
    """Load counts of event kinds for the LAs asked for; and the LAs to report."""
    loads = ctx.snapshot.load_counts
    la = loads["la_code"].astype(str).str.strip()
    # A file rejected whole with no LA anywhere is recorded under "": no LA to report it for.
    keep = loads["kind"].isin(EVENT_KINDS).to_numpy(bool) & (la != "").to_numpy(bool)
    wanted = set(ctx.wanted_las) if ctx.wanted_las is not None else None
    if wanted is not None:
        keep &= la.isin(wanted).to_numpy(bool)
    records = loads[keep].assign(la_code=la[keep])
    las = np.array(sorted(set(ctx.las) | set(records["la_code"])), dtype=object)
    return records.reset_index(drop=True), las


@measure("dq_rejected_rows")
def dq_rejected_rows(ctx: Context, breakdown: str) -> Measure:
    """Per kind: rows rejected over rows read by the loads whose load time is in the period."""
    records, las = _load_records(ctx)
    k = len(EVENT_KINDS)
    index = {la: i for i, la in enumerate(ctx.las)}
    la_index = np.array([index.get(la, -1) for la in las], dtype=np.int64)
    cells = _cells(las, la_index, list(EVENT_KINDS))
    position = {la: i for i, la in enumerate(las)}
    la_pos = records["la_code"].map(position).to_numpy(np.int64)
    kind_pos = records["kind"].map({kind: i for i, kind in enumerate(EVENT_KINDS)})
    cell = la_pos * k + kind_pos.to_numpy(np.int64)
    month = ctx.periods.month_index(records["loaded_at"].to_numpy("datetime64[D]"))
    read = records["rows_read"].to_numpy(np.float64, na_value=0.0)
    rejected = records["rows_rejected"].to_numpy(np.float64, na_value=0.0)
    n = len(cells)
    ok = (month >= 0) & (month < ctx.periods.n_months)
    m = ctx.periods.n_months
    sums: list[Floats] = []
    for weights in (rejected, read):
        bins = np.bincount(cell[ok] * m + month[ok], weights=weights[ok], minlength=n * m)
        sums.append(period_sums(ctx.periods, bins.reshape(n, m).astype(np.float64)))
    has_loads = np.bincount(cell, minlength=n) > 0
    blank = notes_where(~has_loads, "no loads of this kind for this LA")
    return Measure(cells, sums[0], sums[1], None, blank)
