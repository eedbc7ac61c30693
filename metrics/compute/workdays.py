"""Working days that may touch dates outside the bank-holiday table, without guessing.

``metrics.calendar.working_days`` refuses a date outside the table (the spec: an
error, never a silent guess). A sample file's 1970 date must not crash a recompute,
so here every pair gets the range of values its working-day count can take:

- both dates inside the table: the exact count (``low == high``);
- otherwise: the working days of the part of ``[a, b)`` inside the table are known
  exactly and the part outside can only add to them, so the count is at least
  that (``high`` is unbounded; mirrored when ``b`` is before ``a``).

A threshold test ("at most 45") is then *decided* when the whole range lies on one
side of the threshold (an open assessment started in 1970 is certainly more than
45 working days old at a 2024 period end) and *undecided* otherwise; an undecided
record makes its (period, group) value blank with the note
``working days cannot be counted: <date> is outside the bank-holiday table``.

Example::

    >>> a = np.array(["2024-12-24", "2009-12-30"], dtype="datetime64[D]")
    >>> b = np.array(["2024-12-27", "2010-01-05"], dtype="datetime64[D]")
    >>> wd = working_days_between(a, b)
    >>> wd.low.tolist(), wd.exact.tolist()
    ([1, 1], [True, False])
    >>> wd.at_most(45)[1].tolist()   # undecided: 2009-12-30 is outside the table
    [False, True]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrics.calendar import bank_holidays, calendar_range, in_calendar, working_days

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.datetime64]

UNBOUNDED = np.int64(1) << 40


@dataclass(frozen=True)
class WorkingDays:
    """The possible working-day counts of each pair: ``[low, high]``."""

    low: Ints
    high: Ints
    # The date of each pair that lies outside the table (NaT where both are inside).
    outside: Days

    @property
    def exact(self) -> Bools:
        return np.asarray(self.low == self.high)

    def at_most(self, threshold: int) -> tuple[Bools, Bools]:
        """(certainly ≤ threshold, undecided)."""
        yes = self.high <= threshold
        return yes, ~yes & (self.low <= threshold)

    def more_than(self, threshold: int) -> tuple[Bools, Bools]:
        """(certainly > threshold, undecided)."""
        yes = self.low > threshold
        return yes, ~yes & (self.high > threshold)

    def at_least(self, threshold: int) -> tuple[Bools, Bools]:
        """(certainly ≥ threshold, undecided)."""
        yes = self.low >= threshold
        return yes, ~yes & (self.high >= threshold)


def working_days_between(a: Days, b: Days) -> WorkingDays:
    """Working days in ``[a, b)`` per pair, as exact counts or bounds (no NaT allowed).

    >>> d = lambda *s: np.array(s, dtype="datetime64[D]")
    >>> working_days_between(d("2024-02-29"), d("2024-02-29")).low.tolist()
    [0]
    """
    a = np.asarray(a, dtype="datetime64[D]")
    b = np.asarray(b, dtype="datetime64[D]")
    inside_a, inside_b = in_calendar(a), in_calendar(b)
    exact = inside_a & inside_b
    low = np.zeros(len(a), np.int64)
    if exact.any():
        low[exact] = working_days(a[exact], b[exact])
    high = low.copy()
    rest = ~exact
    if rest.any():
        forward = b[rest] >= a[rest]
        lo_day = np.where(forward, a[rest], b[rest])
        hi_day = np.where(forward, b[rest], a[rest])
        known = _working_days_inside(lo_day, hi_day)
        low[rest] = np.where(forward, known, -UNBOUNDED)
        high[rest] = np.where(forward, UNBOUNDED, -known)
    outside = np.where(exact, np.datetime64("NaT"), np.where(inside_a, b, a))
    return WorkingDays(low=low, high=high, outside=outside.astype("datetime64[D]"))


def _working_days_inside(lo_day: Days, hi_day: Days) -> Ints:
    """Working days of ``[lo_day, hi_day) ∩ table`` (``lo_day ≤ hi_day``)."""
    first, last = calendar_range()
    a = np.clip(lo_day, first, last)
    b = np.clip(hi_day, first, last)
    count = working_days(a, b)
    # [a, hi_day) runs past the table's last day: that day itself is inside and counts.
    last_counts = (hi_day > last) & (lo_day <= last)
    if np.is_busday(last, holidays=bank_holidays()):
        count = count + last_counts.astype(np.int64)
    return count
