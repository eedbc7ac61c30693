"""How much of each result's period the LA's data covers, and what that allows to be shown.

Each LA has a reporting window (``metrics.recompute.reporting_windows``): from its first
contact (else referral, else any event) to its latest event. A result is judged on the
months of its period inside that window:

- ``none``: no month of the period is inside the window. The value is stored (kpis.md
  defines it), but it is not performance: the pages say "before the data starts" (or
  "after the data ends") and there is no status, direction or SPC point.
- ``partial``: some months are inside ("partial: 7 of 12 months"). Shown with that mark,
  left out of status, direction and SPC.
- ``lookback_incomplete``: every month is inside, but the indicator looks back further
  than the window reaches before the period starts (re-referrals within 12 months of an
  earlier referral, say). Shown with "look-back incomplete", left out of status and SPC.
- ``full``: everything else.

When two apply, the first of ``none``, ``partial``, ``lookback_incomplete`` wins.

Readings taken where kpis.md and the issue are silent:

- A month counts as inside the window when the window holds any day of it, as the SPC
  window always did: an extract starting on 3 April covers April (the first working
  days of a month), and the month of the latest event is the last month covered.
- "Per extract kind where it matters": an indicator's window starts no earlier than the
  first main date of its source kind for the LA (an early help extract that begins a
  year after the contacts does not make a year of zero early help). Where the LA has no
  rows of the source kind at all, or the source is the load records or every kind (data
  quality), the LA's window is used. The end is the LA's: a kind's latest main date is
  not its extract's end (plans carry start dates, rarely recent ones).
- Look-backs, in months before the period's first month: re-referrals and repeat early
  help 12 (kpis.md "12 months"); second or subsequent plans 24 and plans lasting 2 years
  24. kpis.md looks for an earlier plan "any time ago", which no window covers; two years
  is the reading taken (a plan lasting 2 years needs 2 years of history to be seen, and
  ``previous_plans`` carries older history when the partner records it).
- An LA with no window (known only from a file rejected whole) has coverage ``none``.

Example::

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"la_code": ["394"] * 3, "kpi_id": ["contacts", "contacts", "rereferrals_12m"],
    ...     "period_start": pd.to_datetime(["2023-01-01", "2023-04-01", "2024-03-01"]),
    ...     "period_end": pd.to_datetime(["2023-03-31", "2024-03-31", "2024-03-31"])})
    >>> windows = pd.DataFrame({"la_code": ["394"], "window_start": pd.to_datetime(["2023-10-02"]),
    ...     "window_end": pd.to_datetime(["2026-03-30"])})
    >>> out = period_coverage(rows, windows)
    >>> out["coverage"].tolist(), out["months_covered"].tolist()
    (['none', 'partial', 'lookback_incomplete'], [0, 6, 1])
    >>> coverage_label("partial", 6, 12)
    'partial: 6 of 12 months'
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from metrics.frame_keys import combinations, labelled, per_value
from metrics.periods import Grain

Coverage = str  # one of COVERAGES
COVERAGES = ("full", "partial", "lookback_incomplete", "none")

LOOKBACK_MONTHS: dict[str, int] = {
    "rereferrals_12m": 12,
    "eh_repeat_12m": 12,
    "cp_second_or_subsequent": 24,
    "cp_ended_2y_plus": 24,
}

GRAIN_MONTHS: dict[Grain, int] = {"month": 1, "quarter": 3, "year": 12, "r12": 12}


def _month_index(values: pd.Series | np.ndarray) -> np.ndarray:
    """Months since 1970 (NaT becomes a very large negative number, never inside a window)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        # Dates as objects (or text): through pandas once; typed columns go straight to numpy.
        series = pd.to_datetime(pd.Series(np.asarray(series, dtype=object)))
    months = series.to_numpy("datetime64[ns]").astype("datetime64[M]")
    out = months.astype("int64")
    out[np.isnat(months)] = np.iinfo("int64").min // 2
    return out


def kind_starts(tables: Mapping[str, pd.DataFrame], main_dates: Mapping[str, str]) -> pd.DataFrame:
    """The first main date of each kind per LA: la_code, kind, kind_start.

    >>> t = {"contacts": pd.DataFrame({"la_code": ["394", "394"],
    ...      "contact_date": pd.to_datetime(["2024-05-02", "2024-03-01"])})}
    >>> kind_starts(t, {"contacts": "contact_date"}).astype(str).values.tolist()
    [['394', 'contacts', '2024-03-01']]
    """
    parts = []
    for kind, column in main_dates.items():
        frame = tables.get(kind)
        if frame is None or frame.empty:
            continue
        first = (
            frame.assign(la_code=frame["la_code"].astype(str).str.strip()).groupby("la_code")[column].min()
        )
        parts.append(pd.DataFrame({"la_code": first.index, "kind": kind, "kind_start": first.to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["la_code", "kind", "kind_start"])
    return pd.concat(parts, ignore_index=True).dropna(subset=["kind_start"])


def indicator_windows(
    windows: pd.DataFrame, starts: pd.DataFrame, sources: Mapping[str, str]
) -> pd.DataFrame:
    """One window per LA and indicator: la_code, kpi_id, window_start, window_end.

    ``sources`` maps each indicator id to its source kind; the start is the later of the
    LA's window start and the kind's first main date for that LA.
    """
    base = windows[["la_code", "window_start", "window_end"]]
    pairs = pd.DataFrame({"kpi_id": list(sources), "kind": list(sources.values())})
    out = base.merge(pairs, how="cross").merge(starts, on=["la_code", "kind"], how="left")
    kind_start = pd.to_datetime(out["kind_start"])
    window_start = pd.to_datetime(out["window_start"])
    out["window_start"] = window_start.where(kind_start.isna() | (kind_start <= window_start), kind_start)
    return out[["la_code", "kpi_id", "window_start", "window_end"]]


def period_coverage(
    rows: pd.DataFrame, windows: pd.DataFrame, lookback: Mapping[str, int] = LOOKBACK_MONTHS
) -> pd.DataFrame:
    """``coverage`` and ``months_covered`` for each row (la_code, kpi_id, period_start, period_end).

    ``windows`` has la_code (and optionally kpi_id), window_start and window_end.
    """
    keys = ["la_code", "kpi_id"] if "kpi_id" in windows.columns else ["la_code"]
    first, last = _window_months(rows, windows, keys)
    start = _month_index(rows["period_start"])
    end = _month_index(rows["period_end"])
    covered = np.clip(np.minimum(end, last) - np.maximum(start, first) + 1, 0, None)
    covered[first == NO_WINDOW] = 0
    total = end - start + 1
    need = per_value(rows["kpi_id"], lookback.get, 0.0).astype("int64")
    # Positions in COVERAGES.
    coverage = np.where(covered == 0, 3, np.where(covered < total, 1, np.where(start - need < first, 2, 0)))
    return pd.DataFrame(
        {"coverage": labelled(COVERAGES, coverage).array, "months_covered": covered.astype("int64")},
        index=rows.index,
    )


# The first and last month of no window: no period overlaps it.
NO_WINDOW = np.iinfo("int64").min // 2


def _window_months(
    rows: pd.DataFrame, windows: pd.DataFrame, keys: list[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each row's window's first and last month (``NO_WINDOW`` without a window start),
    each window found once per combination of ``keys`` (``metrics.frame_keys``)."""
    if windows.duplicated(subset=keys).any():
        raise ValueError(
            f"more than one window for one {' and '.join(keys)}: {windows[keys].drop_duplicates()}"
        )
    firsts = np.where(
        windows["window_start"].isna().to_numpy(), NO_WINDOW, _month_index(windows["window_start"])
    )
    lasts = _month_index(windows["window_end"])
    at = {k: i for i, k in enumerate(zip(*(windows[k].tolist() for k in keys), strict=True))}
    row, found = combinations(rows, keys)
    index = np.array([at.get(k, -1) for k in found] + [-1], dtype=np.int64)[row]
    first = np.append(firsts, NO_WINDOW)[index]
    last = np.append(lasts, NO_WINDOW)[index]
    return first, last


def coverage_label(coverage: str | None, months_covered: int | float | None, months: int) -> str:
    """What a page or export says beside a result of this coverage ("" when full).

    >>> coverage_label("lookback_incomplete", 12, 12), coverage_label("full", 12, 12)
    ('look-back incomplete', '')
    """
    if coverage == "partial":
        covered = 0 if months_covered is None or pd.isna(months_covered) else int(months_covered)
        return f"partial: {covered} of {months} months"
    if coverage == "lookback_incomplete":
        return "look-back incomplete"
    if coverage == "none":
        return "no data for this period"
    return ""
