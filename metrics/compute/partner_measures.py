"""The partners' own measures ``pm_<id>`` (kpis.md, "Partner measures").

Each figure a partner sends covers one calendar month (a monthly measure) or one
quarter (a quarterly measure) from its ``period_start``. A period's figure is the sum
over the months (or quarters) it holds: numerators and denominators for ``percent``
and ``rate_per_10k`` (the value is then their ratio, ×100 or ×10,000), values for
``count``. Breakdown ``all`` only.

No value (numerator, denominator and value blank, with a note saying why) where:

- any month (quarter) of the period has no figure: a rolled-up period with a gap, and
  equally a month of its own grain that was not reported;
- the measure is ``days``, at any grain but its own (a duration does not add up);
- the measure is quarterly and the period is a month, or does not end on a quarter
  end (a rolling 12 months ending in May): the quarters cannot cover it exactly.

Readings: a figure whose ``period_start`` lies outside the LA's months of the axis is
never a gap filler; a quarterly figure counts only from the first month of a calendar
quarter (the loader refuses others). Supersession by (measure_id, period_start) has
happened at load, so each (LA, measure, start) has one figure.

Example::

    >>> from metrics.snapshot_builder import build_snapshot, compute
    >>> figures = [{"measure_id": "strategy_police_attendance", "period_start": f"2024-0{m}-01",
    ...             "period_end": f"2024-0{m}-28", "numerator": 9, "denominator": 10} for m in (4, 5, 6)]
    >>> out = compute(build_snapshot(partner_measures=figures), "pm_strategy_police_attendance")
    >>> q = out[out.grain == "quarter"].iloc[0]
    >>> (q.numerator, q.denominator, q.value)
    (np.float64(27.0), np.float64(30.0), np.float64(90.0))
"""

from __future__ import annotations

import numpy as np

from metrics.compute.axis import Bools, Objects
from metrics.compute.core import Context, Floats, Measure
from metrics.registry import Indicator
from metrics.wiring import measure_family

_GAP = "not every {step} of the period has a figure ({have} of {need})"
_DAYS = "a days measure does not add up over a {grain}: no value at coarser grains"
_QUARTERLY = (
    "a quarterly measure has values only for quarters, years and rolling 12 months ending on a quarter end"
)


def _calendar_month(ctx: Context) -> np.ndarray:
    """The calendar month (0 = January) of each month of the axis."""
    return np.asarray(ctx.periods.month_starts.astype("datetime64[M]").astype(np.int64) % 12)


@measure_family("pm_")
def partner_measure(ctx: Context, breakdown: str, indicator: Indicator) -> Measure:
    """One partner measure's figures, summed over each period's months or quarters."""
    spec = indicator.partner
    assert spec is not None, f"{indicator.id} is not a partner measure"
    rows = ctx.rows("partner_measures")
    cells, cell = rows.cells(breakdown)
    n, m = len(cells), ctx.periods.n_months
    month = rows.month("period_start")
    quarterly = spec.grain == "quarter"
    calendar = _calendar_month(ctx)
    ok = rows.equals("measure_id", spec.measure_id) & (cell >= 0) & (month >= 0) & (month < m)
    if quarterly:
        ok[ok] &= calendar[month[ok]] % 3 == 0
    ratio = spec.unit in ("percent", "rate_per_10k")
    top = rows.frame["numerator" if ratio else "value"].to_numpy(np.float64, na_value=np.nan)
    bottom = rows.frame["denominator"].to_numpy(np.float64, na_value=np.nan)
    at = cell[ok] * m + month[ok]
    has = _cumulative(np.bincount(at, minlength=n * m), n, m)
    num = _cumulative(np.bincount(at, np.nan_to_num(top[ok]), minlength=n * m), n, m)
    den = _cumulative(np.bincount(at, np.nan_to_num(bottom[ok]), minlength=n * m), n, m)
    first, last = ctx.periods.first, ctx.periods.last
    lo, hi = np.clip(first, 0, m), np.clip(last + 1, 0, m)
    have = has[:, hi] - has[:, lo]
    step = 3 if quarterly else 1
    need = (last - first + 1) // step
    missing = _missing_notes(ctx, indicator, have, need, first, calendar)
    numerator = np.round(num[:, hi] - num[:, lo], 9)
    denominator = np.round(den[:, hi] - den[:, lo], 9) if ratio else None
    return Measure(cells, numerator, denominator, missing=missing)


def _cumulative(by_month: np.ndarray, n: int, m: int) -> Floats:
    """Per cell, the running sum over the axis with a leading 0 (``[:, b] − [:, a]`` sums
    months ``[a, b)``)."""
    out = np.zeros((n, m + 1))
    np.cumsum(by_month.reshape(n, m), axis=1, out=out[:, 1:])
    return out


def _missing_notes(
    ctx: Context,
    indicator: Indicator,
    have: Floats,
    need: np.ndarray,
    first: np.ndarray,
    calendar: np.ndarray,
) -> Objects:
    """Per cell × period: why there is no value, or None."""
    spec = indicator.partner
    assert spec is not None
    periods = ctx.periods
    out = np.full(have.shape, None, dtype=object)
    own_grain = periods.grain == spec.grain
    if spec.grain == "quarter":
        last_month = calendar[np.clip(periods.last, 0, len(calendar) - 1)]
        fits = (periods.grain != "month") & (last_month % 3 == 2)
        out[:, ~fits] = _QUARTERLY
    else:
        fits = np.ones(periods.size, dtype=bool)
    if spec.unit == "days":
        coarser = fits & ~own_grain
        for p in np.flatnonzero(coarser):
            out[:, p] = _DAYS.format(grain=_GRAIN_WORDS.get(str(periods.grain[p]), str(periods.grain[p])))
        fits &= own_grain
    outside = first < 0  # months before the axis have no figures
    short: Bools = (have < need[None, :]) | outside[None, :]
    step = "quarter" if spec.grain == "quarter" else "month"
    for i, p in zip(*np.nonzero(short & fits[None, :]), strict=True):
        out[i, p] = _GAP.format(step=step, have=int(have[i, p]), need=int(need[p]))
    return out


_GRAIN_WORDS = {"quarter": "quarter", "year": "year", "r12": "rolling 12 months", "month": "month"}
