"""Status against target (green / amber / red / none) and direction of travel.

``shared/spec/kpis.md``:

- **Status**: green on the right side of the target or equal; amber on the wrong side
  by no more than the tolerance; red further away; none when there is no target, no
  value, or the polarity is neutral. The default tolerance is 5 percentage points for
  percentages and 10 % of the target for counts, rates and medians.
- **Direction of travel** against the previous period of the same grain: improving,
  worsening or no_change by polarity; up, down or no_change for polarity neutral;
  None when either value is missing.

Comparisons allow ``EPSILON`` (1e-9) so that floating-point noise never decides: a
value within 1e-9 of the target is on it, a gap within 1e-9 of the tolerance is at it,
and a change of at most 1e-9 is no change.

Each function has a scalar form and an array form (numpy arrays, lists or pandas
Series; a Series in gives a Series out, on the same index).

Example::

    >>> status(80.0, 85.0, "up", "percentage")     # 5 points short: at the tolerance
    'amber'
    >>> direction(22.0, 24.5, "down")
    'improving'
    >>> direction_label("improving", "down")
    ('▼', 'Improving')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from metrics.registry import IndicatorType, Polarity

Status = Literal["green", "amber", "red", "none"]
Direction = Literal["improving", "worsening", "no_change", "up", "down"]

EPSILON = 1e-9
PERCENTAGE_TOLERANCE = 5.0
"""Default tolerance for percentages, in percentage points."""
RELATIVE_TOLERANCE = 0.10
"""Default tolerance for counts, rates and medians, as a share of the target."""

STATUS_LABELS: dict[str, str] = {
    "green": "On target",
    "amber": "Within tolerance",
    "red": "Outside tolerance",
    "none": "No target",
}
"""Words for each status, so that colour is never the only signal."""

_ARROW_UP, _ARROW_DOWN, _ARROW_FLAT = "▲", "▼", "▶"

ArrayIn = npt.ArrayLike | pd.Series | Sequence[float | None]
ObjectArray = npt.NDArray[np.object_]


def default_tolerance(indicator_type: IndicatorType, target: float) -> float:
    """The tolerance kpis.md gives when the configuration sets none.

    >>> default_tolerance("percentage", 85), default_tolerance("median", 33)
    (5.0, 3.3000000000000003)
    """
    if indicator_type == "percentage":
        return PERCENTAGE_TOLERANCE
    return RELATIVE_TOLERANCE * abs(target)


def _missing(x: float | None) -> bool:
    return x is None or math.isnan(x)


def status(
    value: float | None,
    target: float | None,
    polarity: Polarity,
    indicator_type: IndicatorType,
    tolerance: float | None = None,
) -> Status:
    """Status of one value against its target (``tolerance`` None: the default).

    >>> status(85.0, 85.0, "up", "percentage"), status(79.9, 85.0, "up", "percentage")
    ('green', 'red')
    >>> status(36.3, 33.0, "down", "median"), status(5.0, None, "down", "count")
    ('amber', 'none')
    """
    if _missing(value) or _missing(target) or polarity == "neutral":
        return "none"
    assert value is not None and target is not None
    if tolerance is None or math.isnan(tolerance):
        tolerance = default_tolerance(indicator_type, target)
    shortfall = target - value if polarity == "up" else value - target
    if shortfall <= EPSILON:
        return "green"
    if shortfall <= tolerance + EPSILON:
        return "amber"
    return "red"


def direction(current: float | None, previous: float | None, polarity: Polarity) -> str | None:
    """Direction of travel from ``previous`` to ``current``.

    >>> direction(85.0, 80.0, "up"), direction(85.0, 80.0, "down"), direction(85, 80, "neutral")
    ('improving', 'worsening', 'up')
    >>> direction(80.0, 80.0 + 1e-12, "up"), direction(80.0, None, "up")
    ('no_change', None)
    """
    if _missing(current) or _missing(previous):
        return None
    assert current is not None and previous is not None
    change = current - previous
    if abs(change) <= EPSILON:
        return "no_change"
    rising = change > 0
    if polarity == "neutral":
        return "up" if rising else "down"
    return "improving" if rising == (polarity == "up") else "worsening"


def direction_label(direction: str | None, polarity: Polarity) -> tuple[str, str]:
    """Arrow and words for a direction: the arrow shows which way the value moved,
    the words whether that is better (never colour alone).

    The polarity is needed because "improving" is a fall for a lower-is-better
    indicator.

    >>> direction_label("improving", "up"), direction_label("worsening", "down")
    (('▲', 'Improving'), ('▲', 'Worsening'))
    >>> direction_label("no_change", "up"), direction_label(None, "neutral")
    (('▶', 'No change'), ('', 'No comparison'))
    """
    if direction is None:
        return "", "No comparison"
    if direction == "no_change":
        return _ARROW_FLAT, "No change"
    if direction in ("up", "down"):
        return (_ARROW_UP if direction == "up" else _ARROW_DOWN), direction.capitalize()
    if direction not in ("improving", "worsening") or polarity not in ("up", "down"):
        raise ValueError(f"no label for direction {direction!r} with polarity {polarity!r}")
    rose = (direction == "improving") == (polarity == "up")
    return (_ARROW_UP if rose else _ARROW_DOWN), direction.capitalize()


# --- Arrays ---------------------------------------------------------------------------


def _floats(x: ArrayIn, n: int | None = None) -> npt.NDArray[np.float64]:
    if isinstance(x, pd.Series | np.ndarray) and isinstance(x.dtype, np.dtype) and x.dtype.kind == "f":
        # Already floats (a recompute's columns): the object round trip below cost
        # 0.03 s per column of 240k rows, for the same values.
        out = np.asarray(x, dtype=np.float64).ravel()
    else:
        arr = pd.to_numeric(pd.Series(np.asarray(x, dtype=object).ravel()), errors="raise")
        out = arr.to_numpy(dtype=np.float64, na_value=np.nan)
    if n is not None and out.size == 1:
        out = np.full(n, out[0])
    return out


def _strings(x: str | ArrayIn, n: int) -> ObjectArray:
    arr = np.asarray(x, dtype=object).ravel()
    return np.full(n, arr[0], dtype=object) if arr.size == 1 else arr


def _like(result: ObjectArray, first: object) -> ObjectArray | pd.Series:
    if isinstance(first, pd.Series):
        return pd.Series(result, index=first.index, dtype=object)
    return result


# The array forms' codes: positions in these (the last of DIRECTIONS: None).
STATUSES: tuple[Status, ...] = ("green", "amber", "red", "none")
DIRECTIONS: tuple[str | None, ...] = ("improving", "worsening", "no_change", "up", "down", None)


def status_array(
    value: ArrayIn,
    target: ArrayIn | float | None,
    polarity: Polarity | ArrayIn,
    indicator_type: IndicatorType | ArrayIn | None = None,
    tolerance: ArrayIn | float | None = None,
) -> ObjectArray | pd.Series:
    """:func:`status` for many values; the other arguments are one for all or one each.

    A missing tolerance (None or NaN) takes the default for ``indicator_type``, which
    is then required.

    >>> status_array([85, 80, 79.9, None], 85, "up", "percentage").tolist()
    ['green', 'amber', 'red', 'none']
    """
    v = _floats(value)
    n = v.size
    pol = _strings(polarity, n)
    tol = _floats(np.nan if tolerance is None else tolerance, n)
    t = _floats(np.nan if target is None else target, n)
    need_default = np.isnan(tol) & ~np.isnan(t)
    percentage = None
    if need_default.any():
        if indicator_type is None:
            raise ValueError("status_array needs indicator_type where no tolerance is given")
        percentage = _strings(indicator_type, n) == "percentage"
    codes = status_codes(v, t, pol == "up", pol == "neutral", percentage, tol)
    return _like(np.array(STATUSES, dtype=object)[codes], value)


def status_codes(
    value: npt.NDArray[np.float64],
    target: npt.NDArray[np.float64],
    up: npt.NDArray[np.bool_],
    neutral: npt.NDArray[np.bool_],
    percentage: npt.NDArray[np.bool_] | None,
    tolerance: npt.NDArray[np.float64],
) -> npt.NDArray[np.int8]:
    """:func:`status` as positions in ``STATUSES``, from arrays one per value: the
    polarity as two masks, and whether the indicator is a percentage (where the tolerance
    is NaN: its default; None when no tolerance is NaN where there is a target).

    >>> status_codes(np.array([85.0, 80.0, 70.0]), np.array([85.0, 85.0, np.nan]),
    ...              np.array([True] * 3), np.array([False] * 3), np.array([True] * 3),
    ...              np.full(3, np.nan)).tolist()
    [0, 1, 3]
    """
    tol = tolerance
    if percentage is not None:
        default = np.where(percentage, PERCENTAGE_TOLERANCE, RELATIVE_TOLERANCE * np.abs(target))
        tol = np.where(np.isnan(tolerance), default, tolerance)
    with np.errstate(invalid="ignore"):
        shortfall = np.where(up, target - value, value - target)
        out = np.where(shortfall <= EPSILON, 0, np.where(shortfall <= tol + EPSILON, 1, 2)).astype(np.int8)
    out[np.isnan(value) | np.isnan(target) | neutral] = 3
    return out


def direction_array(
    current: ArrayIn, previous: ArrayIn, polarity: Polarity | ArrayIn
) -> ObjectArray | pd.Series:
    """:func:`direction` for many pairs (polarity one for all or one each).

    >>> direction_array([85, 80, 80, None], [80, 85, 80, 80], "up").tolist()
    ['improving', 'worsening', 'no_change', None]
    """
    cur = _floats(current)
    n = cur.size
    pol = _strings(polarity, n)
    codes = direction_codes(cur, _floats(previous, n), pol == "up", pol == "neutral")
    return _like(np.array(DIRECTIONS, dtype=object)[codes], current)


def direction_codes(
    current: npt.NDArray[np.float64],
    previous: npt.NDArray[np.float64],
    up: npt.NDArray[np.bool_],
    neutral: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int8]:
    """:func:`direction` as positions in ``DIRECTIONS``, the polarity as two masks.

    >>> direction_codes(np.array([85.0, 80.0, 3.0, 1.0]), np.array([80.0, 80.0, 1.0, np.nan]),
    ...                 np.array([False, True, False, True]), np.array([False, False, True, False])).tolist()
    [1, 2, 3, 5]
    """
    change = current - previous
    rising = change > 0
    out = np.where(rising == up, 0, 1).astype(np.int8)
    out[neutral] = np.where(rising[neutral], 3, 4)
    with np.errstate(invalid="ignore"):
        out[np.abs(change) <= EPSILON] = 2
    out[np.isnan(change)] = 5
    return out
