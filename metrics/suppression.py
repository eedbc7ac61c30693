"""Small-number suppression: the one function every output leaving the organisation uses.

``shared/spec/kpis.md`` ("Small-number suppression"): outside the operational views,

- a **count** from 1 to the threshold is shown as ``c`` (numerator and value);
- a **percentage** or **rate** whose numerator or denominator is from 1 to the
  threshold is shown as ``c``: numerator, denominator and value all;
- 0 is shown as 0;
- the threshold is configuration (``SCORECARD_SUPPRESSION_THRESHOLD``, default 5),
  passed in by the caller; 0 turns suppression off.

Readings taken where the spec is silent:

- **Medians** (numerator = the median, denominator = the count it is taken of): the
  median is a duration, not a count of children, so the median itself is never
  compared with the threshold; the whole row (median, count, value) is ``c`` when
  the count is from 1 to the threshold.
- **Numbers** (an FTE; cases per FTE; a partner's days): a row whose numerator or
  denominator is from 1 to the threshold is ``c``, as for a percentage: an FTE of 1 to
  5 is a handful of people, and a caseload over 1 to 5 FTE is theirs.
- A cell with no value (a blank numerator, denominator or value, e.g. no value
  because the denominator is 0) stays blank (``""``) even in a suppressed row: there
  is nothing to hide, and ``c`` would claim a value exists.
- Only primary suppression, row by row: a suppressed group can be recovered by
  subtracting the other groups from the total. Outputs for sharing therefore go
  through ``metrics.disclosure``, which adds secondary suppression (docs/disclosure.md).

Cells come back display-ready: an ``int`` for a whole number (numerators,
denominators, the value of a count or median), a ``float`` otherwise (percentages and
rates stay floats, unrounded: formatting is the caller's), ``"c"`` or ``""``; never
NaN or None.

Example::

    >>> suppress("percentage", 3, 40, 7.5)
    Suppressed(numerator='c', denominator='c', value='c', suppressed=True)
    >>> suppress("count", 0, None, 0)
    Suppressed(numerator=0, denominator='', value=0, suppressed=False)
    >>> suppress("median", 33.5, 12, 33.5).value
    33.5
    >>> suppress("number", 40.5, None, 40.5), suppress("number", 30, 2.5, 12.0).value
    (Suppressed(numerator=40.5, denominator='', value=40.5, suppressed=False), 'c')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from metrics.registry import IndicatorType, Registry, load_registry

DEFAULT_THRESHOLD = 5
SUPPRESSED = "c"
BLANK = ""

Cell = int | float | str
FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
Values = npt.ArrayLike | Sequence[float | None]
"""Numbers with None or NaN for missing: a list, numpy array or pandas Series."""
_TYPES = frozenset(get_args(IndicatorType))


class Suppressed(NamedTuple):
    """One row's display cells after suppression."""

    numerator: Cell
    denominator: Cell
    value: Cell
    suppressed: bool


class SuppressedArrays(NamedTuple):
    """Display cells of many rows (object arrays) and which rows were suppressed."""

    numerator: ObjectArray
    denominator: ObjectArray
    value: ObjectArray
    suppressed: npt.NDArray[np.bool_]


def _floats(values: Values) -> FloatArray:
    """Numbers as float64, with None, NaN, pd.NA and blanks as NaN."""
    series = pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)
    return pd.to_numeric(series.replace("", np.nan), errors="raise").to_numpy(
        dtype=np.float64, na_value=np.nan
    )


def _cells(x: FloatArray, hide: npt.NDArray[np.bool_], whole: npt.NDArray[np.bool_]) -> ObjectArray:
    """Display cells: "" where missing, "c" where hidden, else int (if ``whole``) or float.

    >>> _cells(np.array([np.nan, 3.0, 7.0, 7.5]), np.array([True, True, False, False]),
    ...        np.array([True, True, True, True])).tolist()
    ['', 'c', 7, 7.5]
    """
    missing = np.isnan(x)
    out = x.astype(object)  # Python floats
    with np.errstate(invalid="ignore"):
        as_int = whole & ~missing & (x == np.round(x)) & (np.abs(x) < 2**53)
    out[as_int] = x[as_int].astype(np.int64).astype(object)  # Python ints
    out[hide] = SUPPRESSED
    out[missing] = BLANK
    return out


def suppress_arrays(
    types: str | Sequence[str] | npt.ArrayLike,
    numerator: Values,
    denominator: Values,
    value: Values,
    threshold: int = DEFAULT_THRESHOLD,
) -> SuppressedArrays:
    """Suppress many rows at once: the rule itself (every other function calls this).

    ``types`` is one indicator type for all rows or one per row (count, rate,
    percentage, median).

    >>> r = suppress_arrays(["count", "count", "rate"], [0, 6, 2], [None, None, 900], [0, 6, 22.2])
    >>> r.numerator.tolist(), r.value.tolist(), r.suppressed.tolist()
    ([0, 6, 'c'], [0, 6, 'c'], [False, False, True])
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
        raise TypeError(f"the suppression threshold must be a whole number, got {threshold!r}")
    if threshold < 0:
        raise ValueError(f"the suppression threshold must be 0 or more, got {threshold}")
    num, den, val = _floats(numerator), _floats(denominator), _floats(value)
    n = len(num)
    if not len(den) == len(val) == n:
        raise ValueError(f"numerator, denominator and value differ in length: {n}, {len(den)}, {len(val)}")
    kind = np.broadcast_to(np.asarray(types, dtype=object), (n,))
    unknown = sorted({str(k) for k in set(kind.tolist())} - _TYPES)
    if unknown:
        raise ValueError(
            f"unknown indicator type {unknown[0]!r}: expected one of {', '.join(sorted(_TYPES))}"
        )

    def small(x: FloatArray) -> npt.NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            return (x >= 1) & (x <= threshold)

    is_count, is_median = kind == "count", kind == "median"
    hide = np.where(
        is_count,
        small(num) | small(val),
        np.where(is_median, small(den), small(num) | small(den)),
    ).astype(bool)
    whole = np.ones(n, dtype=bool)
    return SuppressedArrays(
        numerator=_cells(num, hide, whole),
        denominator=_cells(den, hide, whole),
        value=_cells(val, hide, is_count | is_median),
        suppressed=hide,
    )


def suppress(
    indicator_type: IndicatorType,
    numerator: float | None,
    denominator: float | None,
    value: float | None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Suppressed:
    """Suppress one row (see :func:`suppress_arrays`).

    >>> suppress("rate", 0, 52000, 0.0)
    Suppressed(numerator=0, denominator=52000, value=0.0, suppressed=False)
    >>> suppress("median", 3, 4, 3, threshold=3)
    Suppressed(numerator=3, denominator=4, value=3, suppressed=False)
    """
    r = suppress_arrays([indicator_type], [numerator], [denominator], [value], threshold)
    return Suppressed(r.numerator[0], r.denominator[0], r.value[0], bool(r.suppressed[0]))


def suppress_frame(
    frame: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` with numerator, denominator and value made display-ready.

    The type of each row comes from a ``type`` column if there is one, otherwise from
    ``kpi_id`` through the registry (the shipped one unless given). Other columns are
    kept as they are.

    >>> f = pd.DataFrame({"kpi_id": ["referrals", "rereferrals_12m"],
    ...                   "numerator": [4, 2], "denominator": [None, 30], "value": [4, 6.7]})
    >>> suppress_frame(f)[["numerator", "denominator", "value"]].values.tolist()
    [['c', '', 'c'], ['c', 'c', 'c']]
    """
    missing = [c for c in ("numerator", "denominator", "value") if c not in frame.columns]
    if "type" not in frame.columns and "kpi_id" not in frame.columns:
        missing.append("kpi_id (or type)")
    if missing:
        raise ValueError(f"cannot suppress: the frame has no column {', '.join(missing)}")
    if "type" in frame.columns:
        types = frame["type"].to_numpy(dtype=object)
    else:
        reg = registry if registry is not None else load_registry()
        known = {ind.id: ind.type for ind in reg}
        unknown = sorted(set(frame["kpi_id"].tolist()) - set(known))
        if unknown:
            raise ValueError(f"cannot suppress: unknown kpi_id {unknown[0]!r}")
        types = frame["kpi_id"].map(known).to_numpy(dtype=object)
    r = suppress_arrays(types, frame["numerator"], frame["denominator"], frame["value"], threshold)
    out = frame.copy()
    for name in ("numerator", "denominator", "value"):
        out[name] = pd.Series(getattr(r, name), index=frame.index, dtype=object)
    return out
