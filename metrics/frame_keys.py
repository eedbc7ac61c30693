"""A results frame's text keys worked through their codes: lookups, sorts and series.

One LA's results frame has about 230,000 rows and a few hundred distinct values in each
text key column (``kpi_id``, ``grain``, ``breakdown``, ``group_name``). A merge, a
``map`` or a sort on the text compares strings row by row; factorising a column first
(``pandas.factorize``, about 3 ms a column) leaves the work on integers, and the
per-value work (a registry lookup, a target) on the few distinct values. The steps
after the indicators (coverage, assessment, SPC, the key order for the writer) took
0.65 s of such work an LA, a third of a worker's task (docs/performance.md, eleventh
session).

Each function gives what the pandas call it replaces gives, missing values included:

- ``per_value`` is a left merge on one column (a value the table lacks gets ``missing``;
  so does a missing key);
- ``stable_order`` is ``DataFrame.sort_values(keys, kind="stable")`` (missing keys last:
  their code is one past the others');
- ``previous_in_series`` is ``groupby(keys, sort=False).shift(1)`` on a frame sorted by
  the keys (a row with a missing key is in no series: NaN);
- ``in_series_order`` says whether a frame is already in that order but for the order of
  its series (and then where its series start), so that the sort can be skipped.

Example::

    >>> frame = pd.DataFrame({"k": pd.array(["b", "a", "b", None], dtype="str"),
    ...                       "v": [1.0, 2.0, 3.0, 4.0]})
    >>> per_value(frame["k"], {"a": 10.0, "b": 20.0}.get, np.nan).tolist()
    [20.0, 10.0, 20.0, nan]
    >>> order = stable_order(frame, ["k"])
    >>> order.tolist(), frame["k"].take(order).tolist() == frame.sort_values("k", kind="stable")["k"].tolist()
    ([1, 0, 2, 3], True)
    >>> ordered = frame.take(order).reset_index(drop=True)
    >>> previous_in_series(ordered["v"].to_numpy(), ordered, ["k"]).tolist()
    [nan, nan, 1.0, nan]
    >>> runs = pd.DataFrame({"k": ["b", "b", "a"], "p": [1, 2, 1]})
    >>> in_series_order(runs, ["k"], "p").tolist()
    [True, False, True]
    >>> split = pd.DataFrame({"k": ["b", "a", "b"], "p": [1, 1, 2]})
    >>> backwards = pd.DataFrame({"k": ["b", "b"], "p": [2, 1]})
    >>> in_series_order(split, ["k"], "p"), in_series_order(backwards, ["k"], "p")
    (None, None)
    >>> in_series_order(runs.iloc[:0], ["k"], "p").tolist()
    []
    >>> row, found = combinations(frame.assign(j=["x", "y", "x", "y"]), ["k", "j"])
    >>> row.tolist(), found
    ([0, 1, 0, 2], [('b', 'x'), ('a', 'y'), (None, 'y')])
    >>> first_seen(frame.assign(j=["x", "y", "x", "y"]), ["j", "k"]).tolist()
    [0, 1, 0, 2]
    >>> labelled(["low", "high", None], np.array([1, 0, 2])).tolist()
    ['high', 'low', nan]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from store.bulk import text_series

Codes = npt.NDArray[np.intp]


def sorted_codes(column: pd.Series) -> Codes:
    """Each row's rank among the column's distinct values (missing: after every value)."""
    codes, uniques = pd.factorize(column, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def _combined(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """One integer per row for its combination of ``keys`` (missing values included), and
    each key's factorisation."""
    codes = [pd.factorize(frame[k]) for k in keys]
    combined = np.zeros(len(frame), dtype=np.int64)
    for c, uniques in codes:
        combined = combined * (len(uniques) + 1) + np.where(c < 0, len(uniques), c)
    return combined, codes


def combinations(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[Codes, list[tuple[Any, ...]]]:
    """The distinct combinations of ``keys`` in ``frame`` (missing values as None), and
    each row's number among them."""
    combined, codes = _combined(frame, keys)
    found, row = np.unique(combined, return_inverse=True)
    values = []
    for combined_code in found.tolist():
        parts, number = [], combined_code
        for _, uniques in reversed(codes):
            number, at = divmod(number, len(uniques) + 1)
            parts.append(None if at == len(uniques) else uniques[at])
        values.append(tuple(reversed(parts)))
    return row.reshape(-1), values


def first_seen(frame: pd.DataFrame, keys: Sequence[str]) -> Codes:
    """Each row's combination of ``keys``, numbered in order of first appearance, missing
    values a value of their own: ``groupby(keys, sort=False, dropna=False).ngroup()``."""
    found, first, row = np.unique(_combined(frame, keys)[0], return_index=True, return_inverse=True)
    number = np.empty(len(found), dtype=np.intp)
    number[np.argsort(first, kind="stable")] = np.arange(len(found))
    return number[row.reshape(-1)]


def per_value(column: pd.Series, value_of: Callable[[Any], Any], missing: Any) -> npt.NDArray[Any]:
    """``value_of`` of each row's value, called once per distinct value; ``missing`` where
    the row has no value or ``value_of`` gives None."""
    codes, uniques = pd.factorize(column)
    found = [value_of(u) for u in uniques]
    kind = np.float64 if isinstance(missing, float) else object
    values = np.array([missing if v is None else v for v in found] + [missing], dtype=kind)
    return values[codes]


def stable_order(frame: pd.DataFrame, keys: Sequence[str]) -> Codes:
    """The positions that sort ``frame`` by ``keys`` (the first the major), ties in place."""
    return np.lexsort([sorted_codes(frame[k]) for k in reversed(keys)])


def series_starts(frame: pd.DataFrame, keys: Sequence[str]) -> npt.NDArray[np.bool_]:
    """True on each row that starts a run of rows alike in ``keys``: the first row, a row
    whose keys differ from the row before, and every row with a missing key."""
    return _run_starts([pd.factorize(frame[k]) for k in keys], len(frame))


def _run_starts(factorised: Sequence[Any], rows: int) -> npt.NDArray[np.bool_]:
    """``series_starts`` from each key's factorisation."""
    starts = np.zeros(rows, dtype=bool)
    if not rows:
        return starts
    starts[0] = True
    for codes, _ in factorised:
        starts[1:] |= codes[1:] != codes[:-1]
        starts |= codes < 0
    return starts


def in_series_order(frame: pd.DataFrame, keys: Sequence[str], period: str) -> npt.NDArray[np.bool_] | None:
    """``series_starts`` when each series of ``frame`` (rows alike in ``keys``) lies in
    one run with its ``period`` never going down, else None: the order
    ``stable_order(frame, [*keys, period])`` gives but for the order of the series, so
    that anything worked out series by series comes out the same without the sort. The
    keys are factorised once for both answers."""
    combined, factorised = _combined(frame, keys)
    starts = _run_starts(factorised, len(frame))
    if int(starts.sum()) != len(np.unique(combined)):
        return None
    periods = frame[period].to_numpy()
    return starts if bool(np.all((periods[1:] >= periods[:-1]) | starts[1:])) else None


def previous_in_series(
    values: npt.NDArray[np.float64],
    frame: pd.DataFrame,
    keys: Sequence[str],
    starts: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.float64]:
    """Each row's previous value in its series (NaN on a series' first row), for a frame
    whose series (rows alike in ``keys``) each lie in one run (``starts``: the runs'
    first rows, ``series_starts``, when already known)."""
    previous = np.empty(len(values), dtype=np.float64)
    if not len(values):
        return previous
    previous[1:] = values[:-1]
    previous[0] = np.nan
    previous[series_starts(frame, keys) if starts is None else starts] = np.nan
    return previous


def labelled(labels: Sequence[str | None], codes: npt.NDArray[np.integer[Any]]) -> pd.Series:
    """A ``str`` column of ``labels[code]`` per row, made by an Arrow ``take`` of the few
    labels, not from a Python string per row."""
    return text_series(pa.array(labels, type=pa.large_string()).take(pa.array(codes)))
