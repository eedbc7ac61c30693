"""Workforce indicators at the period end (kpis.md, "Workforce"; DfE children's social
work workforce definitions).

"Social workers" are spells with role other than ``other``. A spell is in post at date
d when start_date ≤ d and (end_date blank or end_date ≥ d): unlike a plan, a spell that
ends on the period end is still in post at it. FTE sums spell fte. Breakdowns: all and
team (the spell's team; for vacancies, the snapshot's team).

- ``sw_agency_rate``: agency FTE of social workers in post at the period end, over that
  plus the directly employed FTE.
- ``sw_turnover_12m``: FTE of directly employed social worker spells with leaving true
  and end_date in the 12 months to the period end, ``[end − 12 calendar months + 1 day,
  end]``, over the directly employed FTE in post at the end. For a period ending 28
  February after a leap year the window starts on 29 February (end − 12 months is 28
  February, clamped), so a leaver on that 29 February counts.
- ``sw_vacancy_rate``: vacant_fte of the month containing the period end, over that
  plus the directly employed FTE; no value (numerator, denominator and value blank)
  where no vacancies snapshot exists for that month (for the team breakdown: for that
  team and month).

- ``sw_in_post_fte``: the directly employed FTE in post at the period end (type
  ``number``: a sum, encoded like a count; see ``metrics.compute.results``).
- ``sw_caseload``: cases of the month containing the period end over the FTE in post
  at the period end (agency or not) of the workers with cases ≥ 1 that month (type
  ``number``: numerator = cases, denominator = FTE, value = their ratio).

Readings: the team breakdown of ``sw_vacancy_rate`` has the groups of the vacancies
snapshots (a team with spells but never a snapshot has no vacancy figure); the
directly employed FTE beside it is that of the spells with the same team label.
For ``sw_caseload`` a case-holder is a worker with cases ≥ 1 in the month's caseloads
snapshot *and* a social worker spell in post at the period end (the DfE's case
holders are social workers in post); cases of a worker with no such spell (a leaver,
a family support worker) are in neither the numerator nor the denominator, so the
ratio is cases per FTE of the same people. A worker in post in two spells at the end
counts both FTEs; the team is the team of the spell that started last (then the
smallest spell_id), so each worker's cases and FTE are in one team. A month without a
caseloads snapshot is 0 ÷ 0: no value, with the note.

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(workforce=[
    ...     {"start_date": "2024-01-01", "fte": 1.0},
    ...     {"start_date": "2024-01-01", "fte": 0.5, "agency": True}])
    >>> m = sw_agency_rate(Context.from_snapshot(snap), "all")
    >>> (m.numerator[0, 0], m.denominator[0, 0])   # January
    (np.float64(0.5), np.float64(1.5))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.compute.aggregate import at_period_ends
from metrics.compute.axis import Ints
from metrics.compute.core import Cells, Context, Floats, Measure, Rows
from metrics.wiring import measure


def _fte(ctx: Context, by_month_end: Floats) -> Floats:
    """FTE sums read at the period ends, rounded to 9 places (0.1 + 0.2 is 0.3, as listed)."""
    return np.round(at_period_ends(ctx.periods, by_month_end), 9)


def _social_workers(ctx: Context) -> Rows:
    rows = ctx.rows("workforce")
    return rows.subset(~rows.equals("role", "other"))


def _in_post_months(rows: Rows) -> tuple[Ints, Ints]:
    """Month-ends ``[a, b)`` at which each spell is in post (an end on a month's last
    day is in post at that month end)."""
    start = rows.month("start_date")
    end_day = rows.days("end_date")
    end_month = rows.month("end_date")
    last_day = (end_day.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    ends_on_month_end = ~np.isnat(end_day) & (end_day == last_day)
    return start, np.where(ends_on_month_end, end_month + 1, end_month)


def _fte_by_month_end(ctx: Context, rows: Rows, cell: Ints, n_cells: int) -> Floats:
    """FTE in post per (cell, month-end of the axis)."""
    m = ctx.periods.n_months
    a, b = _in_post_months(rows)
    lo, hi = np.clip(a, 0, m), np.clip(b, 0, m)
    ok = (lo < hi) & (cell >= 0)
    fte = rows.frame["fte"].to_numpy(float)
    width = m + 1
    diff = np.bincount(cell[ok] * width + lo[ok], fte[ok], minlength=n_cells * width)
    diff -= np.bincount(cell[ok] * width + hi[ok], fte[ok], minlength=n_cells * width)
    # Rounded: sums and differences of FTEs like 0.8 should not show 0.9999999999.
    return np.round(np.cumsum(diff.reshape(n_cells, width), axis=1)[:, :m], 9)


def _direct_and_agency(ctx: Context, rows: Rows, cell: Ints, n: int) -> tuple[Floats, Floats]:
    agency = rows.equals("agency", True)
    direct = _fte_by_month_end(ctx, rows.subset(~agency), cell[~agency], n)
    agency_fte = _fte_by_month_end(ctx, rows.subset(agency), cell[agency], n)
    return direct, agency_fte


@measure("sw_agency_rate")
def sw_agency_rate(ctx: Context, breakdown: str) -> Measure:
    """Agency FTE of social workers in post at the period end, of all their FTE."""
    rows = _social_workers(ctx)
    cells, cell = rows.cells(breakdown)
    direct, agency = _direct_and_agency(ctx, rows, cell, len(cells))
    return Measure(cells, _fte(ctx, agency), _fte(ctx, direct + agency))


def _leavers_12m(ctx: Context, rows: Rows, cell: Ints, n_cells: int) -> Floats:
    """FTE of leavers with end_date in the 12 months to each month end, per cell."""
    m = ctx.periods.n_months
    month = rows.month("end_date")
    ok = (cell >= 0) & (month >= 0) & (month < m)
    fte = rows.frame["fte"].to_numpy(float)
    monthly = np.bincount(cell[ok] * m + month[ok], fte[ok], minlength=n_cells * m).reshape(n_cells, m)
    cum = np.zeros((n_cells, m + 1))
    np.cumsum(monthly, axis=1, out=cum[:, 1:])
    idx = np.arange(m)
    out = cum[:, idx + 1] - cum[:, np.maximum(idx - 11, 0)]
    # A leaver before the axis still counts in the first months' windows.
    early = (cell >= 0) & (month < 0) & (month >= -11)
    if early.any():
        for c, mo, f in zip(cell[early], month[early], fte[early], strict=True):
            out[c, : mo + 12] += f
    # The window of a period ending 28 February after a leap year starts on 29 February.
    days = rows.days("end_date")
    month_start = days.astype("datetime64[M]").astype("datetime64[D]")
    leap_day = (
        ~np.isnat(days)
        & ((days - month_start).astype(np.int64) == 28)
        & (days.astype("datetime64[M]").astype(np.int64) % 12 == 1)
    )
    leap_day &= cell >= 0
    target = month + 12
    hit = leap_day & (target >= 0) & (target < m)
    np.add.at(out, (cell[hit], target[hit]), fte[hit])
    return np.round(out, 9)


@measure("sw_turnover_12m")
def sw_turnover_12m(ctx: Context, breakdown: str) -> Measure:
    """Leavers' FTE in the 12 months to the period end, over the directly employed FTE."""
    rows = _social_workers(ctx)
    cells, cell = rows.cells(breakdown)
    n = len(cells)
    direct_rows = ~rows.equals("agency", True)
    direct = _fte_by_month_end(ctx, rows.subset(direct_rows), cell[direct_rows], n)
    left = direct_rows & rows.equals("leaving", True)
    leavers = _leavers_12m(ctx, rows.subset(left), cell[left], n)
    return Measure(cells, _fte(ctx, leavers), _fte(ctx, direct))


@measure("sw_vacancy_rate")
def sw_vacancy_rate(ctx: Context, breakdown: str) -> Measure:
    """Vacant FTE of the month of the period end, over that plus the directly employed FTE."""
    vac = ctx.rows("vacancies")
    cells, vcell = vac.cells(breakdown)
    n, m = len(cells), ctx.periods.n_months
    month = vac.month("month")
    ok = (vcell >= 0) & (month >= 0) & (month < m)
    fte = vac.frame["vacant_fte"].to_numpy(float)
    vacant = np.bincount(vcell[ok] * m + month[ok], fte[ok], minlength=n * m).reshape(n, m)
    has = np.bincount(vcell[ok] * m + month[ok], minlength=n * m).reshape(n, m) > 0
    rows = _social_workers(ctx)
    rows = rows.subset(~rows.equals("agency", True))
    wcell = _cells_of(ctx, rows, breakdown, cells)
    direct = _fte_by_month_end(ctx, rows, wcell, n)
    num = np.where(has, vacant, np.nan)
    den = np.where(has, vacant + direct, np.nan)
    return Measure(cells, _fte(ctx, num), _fte(ctx, den))


def _cells_of(ctx: Context, rows: Rows, breakdown: str, cells: Cells) -> Ints:
    """Each workforce row's cell among the vacancies cells (−1 where its team has none)."""
    wcells, wcell = rows.cells(breakdown)
    if breakdown == "all":
        return wcell
    index = {(la, g): i for i, (la, g) in enumerate(zip(cells.la, cells.group, strict=True))}
    mapped = np.array(
        [index.get((la, g), -1) for la, g in zip(wcells.la, wcells.group, strict=True)] + [-1], dtype=np.int64
    )
    return mapped[np.where(wcell >= 0, wcell, len(wcells))]


@measure("sw_in_post_fte")
def sw_in_post_fte(ctx: Context, breakdown: str) -> Measure:
    """FTE of directly employed social workers in post at the period end."""
    rows = _social_workers(ctx)
    cells, cell = rows.cells(breakdown)
    direct = ~rows.equals("agency", True)
    return Measure(cells, _fte(ctx, _fte_by_month_end(ctx, rows.subset(direct), cell[direct], len(cells))))


def _case_holders(ctx: Context, spells: Rows, cell: Ints) -> pd.DataFrame:
    """One row per (worker, month-end) with cases ≥ 1 and a social worker spell in post
    at that month end: its cell (the team of its latest-starting spell), cases and FTE."""
    m = ctx.periods.n_months
    load = ctx.rows("caseloads")
    month = load.month("month")
    cases = load.frame["cases"].to_numpy(np.float64, na_value=0.0)
    ok = (month >= 0) & (month < m) & (cases >= 1)
    held = pd.DataFrame(
        {
            "la": load.la_index[ok],
            "worker": load.frame["worker_key"].to_numpy(object)[ok],
            "k": month[ok],
            "cases": cases[ok],
        }
    )
    a, b = _in_post_months(spells)
    posts = pd.DataFrame(
        {
            "la": spells.la_index,
            "worker": spells.frame["worker_key"].to_numpy(object),
            "a": a,
            "b": b,
            "fte": spells.frame["fte"].to_numpy(np.float64),
            "cell": cell,
            "start": spells.days("start_date"),
            "spell": spells.frame["spell_id"].astype(str).to_numpy(object),
        }
    )
    joined = held.merge(posts, on=["la", "worker"])
    joined = joined[(joined["a"] <= joined["k"]) & (joined["k"] < joined["b"]) & (joined["cell"] >= 0)]
    joined = joined.sort_values(
        ["la", "worker", "k", "start", "spell"], ascending=[True, True, True, False, True]
    )
    by = joined.groupby(["la", "worker", "k"], sort=False)
    return pd.DataFrame({"cell": by["cell"].first(), "cases": by["cases"].first(), "fte": by["fte"].sum()})


@measure("sw_caseload")
def sw_caseload(ctx: Context, breakdown: str) -> Measure:
    """Cases of the month of the period end per FTE of the social workers holding them."""
    spells = _social_workers(ctx)
    cells, cell = spells.cells(breakdown)
    n, m = len(cells), ctx.periods.n_months
    holders = _case_holders(ctx, spells, cell)
    at = holders["cell"].to_numpy(np.int64) * m + holders.index.get_level_values("k").to_numpy(np.int64)
    cases = (
        np.bincount(at, holders["cases"].to_numpy(np.float64), minlength=n * m)
        .reshape(n, m)
        .astype(np.float64)
    )
    fte = (
        np.bincount(at, holders["fte"].to_numpy(np.float64), minlength=n * m).reshape(n, m).astype(np.float64)
    )
    return Measure(cells, _fte(ctx, cases), _fte(ctx, np.round(fte, 9)))
