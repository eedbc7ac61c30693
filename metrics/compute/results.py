"""Turning measures into result rows: output encoding, rates, notes.

Output encoding (kpis.md): counts: numerator = count, denominator blank, value =
count; percentages: numerator and denominator as counted (both 0 when nothing
qualifies), value blank when the denominator is 0; rates: numerator = count,
denominator = population, value blank without a population; medians: numerator =
median (blank when there is nothing to take it of), denominator = count, value =
median. Percentages are 0–100 and nothing is rounded.

Numbers (type ``number``, not in kpis.md's list; a reading for ``sw_in_post_fte``,
``sw_caseload`` and partners' ``days`` measures): a sum (an FTE) is encoded like a
count (numerator = the sum, denominator blank, value = the sum); a ratio (cases per
FTE) gives numerator and denominator as summed and value = numerator ÷ denominator,
blank with the nothing_qualifies note when the denominator is 0. A rate whose measure
gives its own denominator (a partner's ``rate_per_10k`` figures) divides by that,
not by the population estimate.

Blank values always carry a note, in this order of precedence: the LA has no
loaded row of the source extract; figures missing for the period (a partner's
measure, ``Measure.missing``: numerator, denominator and value blank); a working-day
count touched a date outside the bank-holiday table (numerator and value blank, the
denominator as counted); nothing qualifies (the indicator's nothing_qualifies note); no population estimate.

Example::

    >>> population_year(np.array(["2025-03-31", "2025-06-30", "2025-07-31"],
    ...                          dtype="datetime64[D]")).tolist()
    [2024, 2025, 2025]
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from metrics.compute.axis import Days, Ints, Objects
from metrics.compute.core import Context, Floats, Measure, notes_where
from metrics.registry import Indicator
from metrics.wording import kind_in_text
from store.bulk import text_series

RESULT_COLUMNS: tuple[str, ...] = (
    "kpi_id",
    "la_code",
    "grain",
    "period_start",
    "period_end",
    "breakdown",
    "group_name",
    "numerator",
    "denominator",
    "value",
    "note",
)


def population_year(period_end: Days) -> Ints:
    """The mid-year estimate a period end calls for: the latest whose 30 June ≤ the end."""
    end = np.asarray(period_end, dtype="datetime64[D]")
    year = end.astype("datetime64[Y]").astype(np.int64) + 1970
    june = ((year - 1970) * 12 + 5).astype("datetime64[M]")
    june_30 = june.astype("datetime64[D]") + np.timedelta64(29, "D")
    return np.where(end >= june_30, year, year - 1)


def population_at(ctx: Context) -> tuple[Floats, Objects]:
    """Population aged 0–17 per (LA of ``ctx.las``, period) and a note where there is none.

    The latest estimate for the year the period end calls for, or the latest
    earlier year; none: no value.
    """

    def build() -> tuple[Floats, Objects]:
        periods = ctx.periods
        wanted = population_year(periods.end)
        frame = ctx.snapshot.tables["population"]
        la = frame["la_code"].astype(str).str.strip().to_numpy(dtype=object)
        years = frame["year"].to_numpy(dtype=np.float64, na_value=np.nan)
        values = frame["population_0_17"].to_numpy(dtype=np.float64, na_value=np.nan)
        pop = np.full((len(ctx.las), periods.size), np.nan)
        note = np.full((len(ctx.las), periods.size), None, dtype=object)
        for i, code in enumerate(ctx.las):
            mine = (la == code) & ~np.isnan(years) & ~np.isnan(values)
            order = np.argsort(years[mine])
            ys, vs = years[mine][order], values[mine][order]
            at = np.searchsorted(ys, wanted, side="right") - 1
            found = at >= 0
            pop[i, found] = vs[at[found]]
            note[i, ~found] = [f"no population estimate for {y} or earlier" for y in wanted[~found]]
            zero = found & (pop[i] <= 0)
            note[i, zero] = [f"the population estimate for {int(ys[k])} is 0" for k in at[zero]]
        return pop, note

    return ctx.cached("population", build)


def _blank_notes(ctx: Context, indicator: Indicator, measure: Measure) -> Objects:
    if measure.blank is not None:
        return measure.blank
    has = ctx.has_rows(indicator.source)[measure.cells.la_index]
    return notes_where(~has, f"no {kind_in_text(indicator.source)} loaded for this LA")


def _checked_shape(indicator: Indicator, measure: Measure) -> None:
    """Refuse a measure whose shape is not the declared type's (a count has no denominator)."""
    if indicator.type in ("number", "rate"):
        return  # either shape (see the module's docstring)
    needs_denominator = indicator.type in ("percentage", "median")
    if needs_denominator != (measure.denominator is not None):
        gives = "a numerator and a denominator" if measure.denominator is not None else "a count"
        raise ValueError(
            f"{indicator.id}: the registry says {indicator.type}, its @measure gives {gives}; "
            "change the type in metrics/data/indicators.yaml or the measure"
        )


def _blanked(parts: tuple[np.ndarray, ...], where: np.ndarray, notes: object) -> None:
    """No numerator, denominator or value where ``where`` (cells or cells × periods), with the note."""
    *numbers, note = parts
    for part in numbers:
        part[where] = np.nan
    note[where] = notes if not isinstance(notes, np.ndarray) or notes.shape != note.shape else notes[where]


def _present(notes: np.ndarray) -> np.ndarray:
    """Where an object array of notes holds one (not None)."""
    return np.frompyfunc(lambda x: x is not None, 1, 1)(notes).astype(bool)


def _blank_missing(measure: Measure, sel: np.ndarray, parts: tuple[np.ndarray, ...]) -> None:
    if measure.missing is not None:
        missing = measure.missing[:, sel]
        _blanked(parts, _present(missing), missing)


def _selected(ctx: Context, indicator: Indicator, ends_from: date | None) -> np.ndarray:
    """The indicator's periods (those ending on or after ``ends_from``, when given)."""
    periods = ctx.periods
    sel = periods.loads if indicator.periods == "loads" else periods.main
    if ends_from is not None:
        sel = sel & (periods.end >= np.datetime64(ends_from, "D"))
    return np.asarray(sel, dtype=bool)


def encode(
    ctx: Context, indicator: Indicator, breakdown: str, measure: Measure, *, ends_from: date | None = None
) -> dict[str, np.ndarray]:
    """The result columns of one indicator × breakdown, cell-major then period (only the
    periods ending on or after ``ends_from``, when given)."""
    _checked_shape(indicator, measure)
    periods = ctx.periods
    sel = _selected(ctx, indicator, ends_from)
    cells = measure.cells
    n, p = len(cells), int(sel.sum())
    num = measure.numerator[:, sel].astype(np.float64)
    den = None if measure.denominator is None else measure.denominator[:, sel].astype(np.float64)
    note = np.full((n, p), None, dtype=object)
    kind = indicator.type
    if kind == "count":
        numerator, denominator, value = num, np.full((n, p), np.nan), num.copy()
    elif kind == "percentage":
        assert den is not None
        numerator, denominator = num, den
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, num * 100.0 / den, np.nan)
        note[den == 0] = indicator.nothing_qualifies
    elif kind == "number" or (kind == "rate" and den is not None):
        numerator = num
        denominator = np.full((n, p), np.nan) if den is None else den
        scale = 10000.0 if kind == "rate" else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = num.copy() if den is None else np.where(den > 0, num * scale / den, np.nan)
        if den is not None and indicator.nothing_qualifies:
            note[den == 0] = indicator.nothing_qualifies
    elif kind == "rate":
        pop, pop_note = population_at(ctx)
        denominator = pop[cells.la_index][:, sel]
        numerator = num
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(denominator > 0, num * 10000.0 / denominator, np.nan)
        note[:] = pop_note[cells.la_index][:, sel]
    else:  # median: the measure's numerator is the median, its denominator the count
        assert den is not None
        numerator, denominator, value = num, den, num.copy()
        note[den == 0] = indicator.nothing_qualifies
    if measure.undecided is not None:
        undecided = measure.undecided[:, sel]
        where = ~np.isnat(undecided)
        if where.any():
            numerator[where] = np.nan
            value[where] = np.nan
            note[where] = [
                f"working days cannot be counted: {d} is outside the bank-holiday table"
                for d in undecided[where]
            ]
    _blank_missing(measure, sel, (numerator, denominator, value, note))
    blank = _blank_notes(ctx, indicator, measure)
    empty_cells = _present(blank)
    if empty_cells.any():
        _blanked((numerator, denominator, value, note), empty_cells, blank[empty_cells][:, None])
    return {
        "kpi_id": np.full(n * p, indicator.id, dtype=object),
        "la_code": np.repeat(cells.la, p),
        "grain": np.tile(periods.grain[sel], n),
        "period_start": np.tile(periods.start[sel], n),
        "period_end": np.tile(periods.end[sel], n),
        "breakdown": np.full(n * p, breakdown, dtype=object),
        "group_name": np.repeat(cells.group, p),
        "numerator": numerator.ravel(),
        "denominator": denominator.ravel(),
        "value": value.ravel(),
        "note": note.ravel(),
    }


# The columns ``encode`` fills with one value a block: made by an Arrow ``take`` of the
# blocks' values, not from the concatenated Python strings (2.7 ms against 24 ms for one
# LA's 232,596 results, docs/performance.md, tenth session).
BLOCK_CONSTANT = ("kpi_id", "breakdown")


def to_frame(blocks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Concatenate encoded blocks into the result frame.

    >>> def block(kpi_id, n):
    ...     out = {c: np.full(n, "x", dtype=object) for c in RESULT_COLUMNS}
    ...     out |= {c: np.zeros(n) for c in ("numerator", "denominator", "value")}
    ...     out["period_start"] = out["period_end"] = np.full(n, "2024-04-01", dtype="datetime64[D]")
    ...     return out | {"kpi_id": np.full(n, kpi_id, dtype=object)}
    >>> frame = to_frame([block("a", 2), block("z", 0), block("b", 1)])
    >>> frame["kpi_id"].tolist(), str(frame["kpi_id"].dtype), frame["breakdown"].tolist()
    (['a', 'a', 'b'], 'str', ['x', 'x', 'x'])
    """
    if not blocks:
        return empty_results()
    data = {c: np.concatenate([b[c] for b in blocks]) for c in RESULT_COLUMNS if c not in BLOCK_CONSTANT}
    columns = {
        c: (
            _block_constant(blocks, c)
            if c in BLOCK_CONSTANT
            else data[c].astype("datetime64[s]")
            if c in ("period_start", "period_end")
            else data[c].astype(np.float64)
            if c in ("numerator", "denominator", "value")
            else pd.array(data[c], dtype="str")
        )
        for c in RESULT_COLUMNS
    }
    return pd.DataFrame(columns)


def _block_constant(blocks: list[dict[str, np.ndarray]], column: str) -> pd.Series:
    """``column`` of every block, each block's one value repeated over its rows."""
    sizes = np.array([len(b[column]) for b in blocks])
    values = pa.array([str(b[column][0]) if len(b[column]) else "" for b in blocks], type=pa.large_string())
    return text_series(values.take(pa.array(np.repeat(np.arange(len(blocks)), sizes))))


def empty_results() -> pd.DataFrame:
    """A result frame with no rows and the right columns and types."""
    return pd.DataFrame(
        {
            c: pd.Series(
                [],
                dtype="datetime64[s]"
                if c in ("period_start", "period_end")
                else "float64"
                if c in ("numerator", "denominator", "value")
                else "str",
            )
            for c in RESULT_COLUMNS
        }
    )
