"""Dates, working days and random helpers shared by the simulation.

Dates are ``datetime64[D]`` arrays with ``NaT`` for "none"; working days use the
England and Wales bank holidays of ``metrics.calendar`` so that the generated
timescales are exactly the ones the indicators measure.

Example::

    >>> import numpy as np
    >>> d = np.array(["2024-12-24", "NaT"], dtype="datetime64[D]")
    >>> add_wd(d, 1).tolist()   # 25 and 26 December are bank holidays
    [datetime.date(2024, 12, 27), None]
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from metrics.calendar import add_months, bank_holidays

Days = npt.NDArray[np.datetime64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Strs = npt.NDArray[np.str_]

NAT = np.datetime64("NaT", "D")
K = TypeVar("K")


@cache
def calendar() -> np.busdaycalendar:
    """The Monday-Friday calendar less England and Wales bank holidays."""
    return np.busdaycalendar(holidays=bank_holidays())


def add_wd(dates: Days, n: npt.ArrayLike, roll: Literal["forward", "backward"] = "forward") -> Days:
    """Move ``n`` working days from each date (rolling a non-working date first); NaT stays."""
    d = np.asarray(dates, dtype="datetime64[D]")
    nat = np.isnat(d)
    offsets = np.broadcast_to(np.asarray(n, dtype=np.int64), d.shape)
    safe = np.where(nat, np.datetime64("2000-01-03", "D"), d)
    out = np.busday_offset(safe, np.where(nat, 0, offsets), roll=roll, busdaycal=calendar())
    return np.where(nat, NAT, out).astype("datetime64[D]")


def count_wd(start: Days, end: Days) -> Ints:
    """Working days in ``[start, end)`` (both free of NaT), as ``kpis.md`` counts them.

    Example::

        >>> count_wd(np.array(["2024-12-24"], "datetime64[D]"),
        ...          np.array(["2024-12-27"], "datetime64[D]")).tolist()
        [1]
    """
    return np.busday_count(start, end, busdaycal=calendar()).astype(np.int64)


def years_later(dates: Days, years: int) -> Days:
    """Calendar years later (29 February + 1 year = 28 February).

    Example::

        >>> years_later(np.array(["2024-02-29"], "datetime64[D]"), 1).tolist()
        [datetime.date(2025, 2, 28)]
    """
    return add_months(dates, 12 * years)


def plus_days(dates: Days, days: npt.ArrayLike) -> Days:
    """Add whole days (NaT stays NaT).

    Example::

        >>> plus_days(np.array(["2024-02-28", "NaT"], "datetime64[D]"), 1).tolist()
        [datetime.date(2024, 2, 29), None]
    """
    return (
        np.asarray(dates, dtype="datetime64[D]") + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    ).astype("datetime64[D]")


def choose(rng: np.random.Generator, weights: Mapping[K, float], n: int) -> npt.NDArray[Any]:
    """``n`` draws of the keys of ``weights`` with those relative weights.

    Example::

        >>> choose(np.random.default_rng(1), {"a": 1.0, "b": 0.0}, 3).tolist()
        ['a', 'a', 'a']
    """
    keys = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def chance(rng: np.random.Generator, p: float | npt.NDArray[np.float64], n: int) -> Bools:
    """``n`` independent events of probability ``p``.

    Example::

        >>> chance(np.random.default_rng(1), 1.0, 2).tolist()
        [True, True]
    """
    return rng.random(n) < p


def weighted_days(
    first: np.datetime64,
    last: np.datetime64,
    weekday: tuple[float, ...],
    month: tuple[float, ...],
    bank_holiday: float,
) -> tuple[Days, npt.NDArray[np.float64]]:
    """Every day of ``[first, last]`` and its cumulative, normalised activity weight."""
    days = np.arange(first, last + 1, dtype="datetime64[D]")
    dow = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    months = days.astype("datetime64[M]").astype(np.int64) % 12
    w = np.asarray(weekday)[dow] * np.asarray(month)[months]
    w = np.where(np.isin(days, bank_holidays()), w * bank_holiday / np.asarray(weekday)[dow], w)
    cum = np.cumsum(w)
    return days, cum / cum[-1]


def sample_days(
    rng: np.random.Generator,
    days: Days,
    cum: npt.NDArray[np.float64],
    n: int,
    since: np.datetime64 | None = None,
) -> Days:
    """``n`` dates drawn with the weights behind ``cum`` (from :func:`weighted_days`), sorted.

    With ``since``, only days from it on are drawn.
    """
    lo = 0 if since is None else int(np.searchsorted(days, since))
    base = cum[lo - 1] if lo > 0 else 0.0
    idx = np.searchsorted(cum, base + rng.random(n) * (1.0 - base), side="right")
    return np.sort(days[np.minimum(idx, len(days) - 1)])


def force_some(rng: np.random.Generator, candidates: Bools, p: float, need_one: bool) -> Bools:
    """A share ``p`` of the candidates, and at least one of them when ``need_one``.

    Example::

        >>> force_some(np.random.default_rng(1), np.array([False, True]), 0.0, True).tolist()
        [False, True]
    """
    picked = candidates & (rng.random(len(candidates)) < p)
    if need_one and candidates.any() and not picked.any():
        idx = np.flatnonzero(candidates)
        picked[idx[rng.integers(len(idx))]] = True
    return picked
