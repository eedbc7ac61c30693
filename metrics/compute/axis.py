"""The month axis and the reporting periods every indicator is computed for.

All LAs share one period set: for each grain, every period that overlaps the range
of loaded data, from the earliest to the latest main date of any loaded event row
of any LA (``dq_rejected_rows`` also counts the load dates, so the latest load
shows). Periods are whole months, so each is a range ``[first, last]`` of indices
on one month axis; events get their month index once and every grain is built from
monthly bins.

No period is computed outside ``metrics.calendar.calendar_range()``: main dates
outside the bank-holiday table do not widen the range, and a period that would
start before the table or end after it is dropped; both are reported as warnings.

Example::

    >>> from datetime import date
    >>> t = build_period_table((date(2024, 4, 3), date(2024, 6, 9)), None)
    >>> [(g, str(e)) for g, e in zip(t.grain[t.main], t.end[t.main])][:4]
    [('month', '2024-04-30'), ('month', '2024-05-31'), ('month', '2024-06-30'), ('quarter', '2024-06-30')]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import numpy.typing as npt

from metrics.calendar import calendar_range
from metrics.periods import GRAINS, Period, periods_overlapping

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.datetime64]
Objects = npt.NDArray[np.object_]

# A month index standing for "never": the month of a blank end date.
NEVER = np.int64(1) << 40


def month_numbers(days: Days) -> Ints:
    """Months since January 1970 of each date; NaT becomes ``NEVER``.

    >>> month_numbers(np.array(["1970-02-28", "NaT"], dtype="datetime64[D]")).tolist()
    [1, 1099511627776]
    """
    d = np.asarray(days, dtype="datetime64[D]")
    nat = np.isnat(d)
    months = np.where(nat, np.datetime64("1970-01-01"), d).astype("datetime64[M]").astype(np.int64)
    return np.where(nat, NEVER, months)


@dataclass(frozen=True)
class PeriodTable:
    """Every period of every grain, as arrays over one month axis.

    ``first``/``last`` are the month indices of the period's first and last month;
    ``main`` marks the periods of the main data range, ``loads`` those of
    ``dq_rejected_rows`` (main range widened by the load dates).
    """

    base: int
    n_months: int
    grain: Objects
    start: Days
    end: Days
    first: Ints
    last: Ints
    main: Bools
    loads: Bools

    @property
    def size(self) -> int:
        return len(self.grain)

    @property
    def month_ends(self) -> Days:
        """The last day of each month of the axis."""
        months = np.arange(self.base, self.base + self.n_months + 1).astype("datetime64[M]")
        return (months[1:].astype("datetime64[D]") - 1).astype("datetime64[D]")

    @property
    def month_starts(self) -> Days:
        months = np.arange(self.base, self.base + self.n_months).astype("datetime64[M]")
        return months.astype("datetime64[D]")

    def month_index(self, days: Days) -> Ints:
        """Month index on the axis of each date (``NEVER`` stays far beyond the axis)."""
        numbers = month_numbers(days)
        return np.where(numbers == NEVER, NEVER, numbers - self.base)

    @cached_property
    def membership(self) -> tuple[Ints, Ints]:
        """For each month, the periods containing it, as CSR (offsets per month, periods)."""
        months = np.concatenate(
            [np.arange(a, b + 1) for a, b in zip(self.first, self.last, strict=True)]
            or [np.zeros(0, np.int64)]
        )
        periods = np.repeat(np.arange(self.size), self.last - self.first + 1)
        order = np.argsort(months, kind="stable")
        offsets = np.zeros(self.n_months + 1, np.int64)
        np.cumsum(np.bincount(months, minlength=self.n_months), out=offsets[1:])
        return offsets, periods[order].astype(np.int64)


def _inside_calendar(p: Period) -> bool:
    lo, hi = calendar_range()
    return bool(np.datetime64(p.start) >= lo and np.datetime64(p.end) <= hi)


def _periods(span: tuple[date, date] | None) -> tuple[list[Period], int]:
    """Periods overlapping ``span`` that lie inside the calendar; and how many were dropped."""
    if span is None:
        return [], 0
    out: list[Period] = []
    dropped = 0
    for grain in GRAINS:
        for p in periods_overlapping(grain, span[0], span[1]):
            if _inside_calendar(p):
                out.append(p)
            else:
                dropped += 1
    return out, dropped


def _widen(a: tuple[date, date] | None, b: tuple[date, date] | None) -> tuple[date, date] | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


def build_period_table(
    main_span: tuple[date, date] | None,
    load_span: tuple[date, date] | None,
    warnings: list[str] | None = None,
) -> PeriodTable:
    """The period table for a main data range and a load-date range (both clipped already)."""
    main, dropped_main = _periods(main_span)
    loads, dropped_loads = _periods(_widen(main_span, load_span))
    if (dropped_main or dropped_loads) and warnings is not None:
        lo, hi = calendar_range()
        warnings.append(
            f"{max(dropped_main, dropped_loads)} period(s) reach outside the bank-holiday "
            f"table ({lo} to {hi}) and are not computed"
        )
    keys = sorted({(GRAINS.index(p.grain), p.end, p.start) for p in [*main, *loads]})
    main_keys: set[tuple[str, date]] = {(p.grain, p.end) for p in main}
    load_keys: set[tuple[str, date]] = {(p.grain, p.end) for p in loads}
    grain = np.array([GRAINS[g] for g, _, _ in keys], dtype=object)
    start = np.array([s for _, _, s in keys], dtype="datetime64[D]")
    end = np.array([e for _, e, _ in keys], dtype="datetime64[D]")
    if len(keys) == 0:
        base, n_months = 0, 0
        first = last = np.zeros(0, np.int64)
    else:
        base = int(month_numbers(start).min())
        n_months = int(month_numbers(end).max()) - base + 1
        first = month_numbers(start) - base
        last = month_numbers(end) - base
    return PeriodTable(
        base=base,
        n_months=n_months,
        grain=grain,
        start=start,
        end=end,
        first=first,
        last=last,
        main=_marks(grain, end, main_keys),
        loads=_marks(grain, end, load_keys),
    )


def _marks(grain: Objects, end: Days, keys: set[tuple[str, date]]) -> Bools:
    return np.array([(g, e.astype(date)) in keys for g, e in zip(grain, end, strict=True)], dtype=bool)


def clipped_span(days: Days, label: str, warnings: list[str]) -> tuple[date, date] | None:
    """The earliest and latest of ``days`` inside the calendar; warns about the rest."""
    lo, hi = calendar_range()
    d = np.asarray(days, dtype="datetime64[D]")
    d = d[~np.isnat(d)]
    inside = (d >= lo) & (d <= hi)
    outside = d[~inside]
    if len(outside):
        warnings.append(
            f"{len(outside)} {label} outside the bank-holiday table ({lo} to {hi}), "
            f"e.g. {outside.min()}: no period is computed for them"
        )
    d = d[inside]
    if len(d) == 0:
        return None
    return d.min().astype(date), d.max().astype(date)
