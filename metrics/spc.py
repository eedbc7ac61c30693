"""Statistical process control: the NHS England "Making Data Count" XmR chart.

Exactly as ``shared/spec/kpis.md`` ("Statistical process control") says:

- centre line: the mean of the points;
- moving ranges ``|x_i - x_(i-1)|``; limits: mean ± 2.66 × the average moving range;
- at least 12 points for limits; with fewer there are no limits, no point classes and
  no icons;
- special causes, in this order of precedence:

  1. a point outside the limits (a point exactly on a limit is inside);
  2. a run of 7 points all increasing or all decreasing (strictly: a point equal to
     its neighbour breaks the run);
  3. two out of three consecutive points beyond the 2-sigma line (mean ±
     (2/3) × 2.66 × average moving range) on the same side;
  4. 7 points on the same side of the mean (a point on the mean breaks the run).

Every point of a qualifying run or window is flagged (for rule 3, the points of a
qualifying window of 3 that lie beyond the 2-sigma line). A flagged point's side is
"high" (above the mean, or an increasing trend) or "low"; when rules flag a point on
different sides, the highest-precedence rule decides. The point's class follows from
the polarity: ``improvement`` or ``concern`` (high is good for polarity up, bad for
polarity down), ``neutral`` for polarity neutral, ``common_cause`` when nothing flags
it.

Readings taken where the spec is silent:

- **Missing values** (None or NaN) are left out: they get class None, do not count as
  points, and the rules run over the present points in order (a gap neither breaks
  nor extends a run). A moving range is taken only between two present values that
  are next to each other in the series; a gap contributes no moving range. With 12
  or more points but no moving range at all there are no limits.
- **Floating point**: comparisons with the limits, the 2-sigma lines, the mean and a
  neighbour allow ``1e-9 × max(1, largest |value|)``, so a point that lies on a limit
  in exact arithmetic is not pushed outside by rounding.
- **Peaks and troughs**: a point that ends one trend and starts the opposite one (the
  top of 7 up then 7 down) takes the side of the trend that ends at it.
- **Latest point**: the variation icon describes the last *present* value.
- The mean is given whenever there is at least one point, even without limits.
- Limits are not clipped to 0 or 100 (clipping would not change any class or the
  assurance icon for a target inside the possible range).

Example::

    >>> r = xmr([11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 20], "up", target=25)
    >>> (r.points, round(r.mean, 4), round(r.upper_limit, 4))
    (12, 10.9167, 17.9294)
    >>> r.classes[-1], r.variation, r.assurance
    ('improvement', 'improvement_high', 'fail')
    >>> xmr([1, 2, 3], "up").classes
    (None, None, None)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from metrics.frame_keys import first_seen
from metrics.registry import Polarity

MIN_POINTS = 12
"""Fewer present points than this: no limits, no classes, no icons."""
LIMIT_FACTOR = 2.66
"""Process limits: mean ± 2.66 × average moving range."""
RUN_LENGTH = 7
"""Points in a qualifying trend (rule 2) or shift (rule 4)."""
EPSILON = 1e-9
"""Relative tolerance for comparisons (scaled by the largest |value| of the series)."""

PointClass = Literal["improvement", "concern", "neutral", "common_cause"]
Variation = Literal[
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
]
Assurance = Literal["pass", "fail", "hit_and_miss"]

_HIGH, _LOW = 1, -1


@dataclass(frozen=True)
class SpcResult:
    """The XmR chart of one series.

    ``classes`` has one entry per input value (None for a missing value, and for every
    value when there are no limits). ``latest_index`` is the position in the input of
    the value the variation icon describes (the last present value), or None.
    """

    points: int
    mean: float | None
    lower_limit: float | None
    upper_limit: float | None
    classes: tuple[str | None, ...]
    variation: str | None
    assurance: str | None
    latest_index: int | None = None


def _present(v: float | None) -> bool:
    return v is not None and not math.isnan(v)


def _point_class(side: int, polarity: Polarity) -> PointClass:
    if side == 0:
        return "common_cause"
    if polarity == "neutral":
        return "neutral"
    good = _HIGH if polarity == "up" else _LOW
    return "improvement" if side == good else "concern"


def _variation(point_class: str, side: int) -> str:
    if point_class == "common_cause":
        return "common_cause"
    return f"{point_class}_{'high' if side == _HIGH else 'low'}"


def _assurance(
    polarity: Polarity, target: float | None, lower: float, upper: float, tol: float
) -> str | None:
    """pass / fail / hit_and_miss from where the target lies against the limits.

    >>> _assurance("up", 80.0, 82.0, 95.0, 1e-9), _assurance("down", 80.0, 82.0, 95.0, 1e-9)
    ('pass', 'fail')
    """
    if target is None or math.isnan(target) or polarity == "neutral":
        return None
    if polarity == "up":
        if lower >= target - tol:
            return "pass"
        if upper < target - tol:
            return "fail"
    else:
        if upper <= target + tol:
            return "pass"
        if lower > target + tol:
            return "fail"
    return "hit_and_miss"


def _runs(signs: list[int], length: int) -> list[tuple[int, int, int]]:
    """``(first, last, sign)`` of every run of at least ``length`` equal non-zero signs.

    >>> _runs([1, 1, 1, 0, -1, -1, 1], 2)
    [(0, 2, 1), (4, 5, -1)]
    """
    out: list[tuple[int, int, int]] = []
    k, n = 0, len(signs)
    while k < n:
        end = k
        while end + 1 < n and signs[end + 1] == signs[k]:
            end += 1
        if signs[k] != 0 and end - k + 1 >= length:
            out.append((k, end, signs[k]))
        k = end + 1
    return out


def _special_causes(
    xs: list[float], mean: float, lower: float, upper: float, sigma2: float, tol: float
) -> list[int]:
    """The side (+1 high, -1 low, 0 none) of each present point, rules in precedence."""
    m = len(xs)
    side = [0] * m
    # Rule 1: outside the limits.
    for i, x in enumerate(xs):
        if x > upper + tol:
            side[i] = _HIGH
        elif x < lower - tol:
            side[i] = _LOW
    # Rule 2: a run of 7 points each strictly above (below) the one before: 6 steps.
    # Step k goes from point k to point k + 1.
    steps = [_sign(xs[i + 1] - xs[i], tol) for i in range(m - 1)]
    trends = _runs(steps, RUN_LENGTH - 1)
    trend = [0] * m
    for first, last, sign in trends:  # every point after a run's first takes its direction
        for p in range(first + 1, last + 2):
            trend[p] = sign
    for first, _, sign in trends:  # a run's first point, unless a run ends at it
        if trend[first] == 0:
            trend[first] = sign
    for i in range(m):
        if side[i] == 0:
            side[i] = trend[i]
    # Rule 3: 2 of 3 consecutive points beyond the same 2-sigma line.
    for s, line in ((_HIGH, mean + sigma2), (_LOW, mean - sigma2)):
        beyond = [(x - line) * s > tol for x in xs]
        for w in range(m - 2):
            if sum(beyond[w : w + 3]) >= 2:
                for p in range(w, w + 3):
                    if beyond[p] and side[p] == 0:
                        side[p] = s
    # Rule 4: 7 points on the same side of the mean (a point on the mean breaks it).
    for first, last, sign in _runs([_sign(x - mean, tol) for x in xs], RUN_LENGTH):
        for p in range(first, last + 1):
            if side[p] == 0:
                side[p] = sign
    return side


def _sign(d: float, tol: float) -> int:
    return _HIGH if d > tol else _LOW if d < -tol else 0


def xmr(values: Sequence[float | None], polarity: Polarity, target: float | None = None) -> SpcResult:
    """The XmR chart of one series (oldest value first).

    >>> r = xmr([9.98, 10.02] * 6, "down", target=11)
    >>> round(r.mean, 6), round(r.upper_limit, 4), r.variation, r.assurance
    (10.0, 10.1064, 'common_cause', 'pass')
    """
    n = len(values)
    present = [_present(v) for v in values]
    idx = [i for i in range(n) if present[i]]
    xs = [float(values[i]) for i in idx]  # type: ignore[arg-type]
    points = len(xs)
    mean = math.fsum(xs) / points if points else None
    mrs = [
        abs(float(values[i]) - float(values[i - 1]))  # type: ignore[arg-type]
        for i in range(1, n)
        if present[i] and present[i - 1]
    ]
    latest = idx[-1] if idx else None
    if mean is None or points < MIN_POINTS or not mrs:
        return SpcResult(points, mean, None, None, (None,) * n, None, None, latest)
    amr = math.fsum(mrs) / len(mrs)
    width = LIMIT_FACTOR * amr
    lower, upper = mean - width, mean + width
    sigma2 = width * 2.0 / 3.0
    tol = EPSILON * max(1.0, *(abs(x) for x in xs))
    side = _special_causes(xs, mean, lower, upper, sigma2, tol)
    classes: list[str | None] = [None] * n
    for p, i in enumerate(idx):
        classes[i] = _point_class(side[p], polarity)
    variation = _variation(classes[idx[-1]] or "common_cause", side[-1])
    assurance = _assurance(polarity, target, lower, upper, tol)
    return SpcResult(points, mean, lower, upper, tuple(classes), variation, assurance, latest)


# --- Many series at once (numpy) ------------------------------------------------------

FloatArray = npt.NDArray[np.float64]
BoolMatrix = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class XmrBatch:
    """XmR charts of many series, as arrays (one row per series).

    ``classes`` has the shape of the input matrix (None where the input is missing or
    the series has no limits); the other arrays have one entry per series (NaN for a
    missing limit or mean, None for a missing icon, -1 for no latest point).
    """

    points: IntArray
    mean: FloatArray
    lower_limit: FloatArray
    upper_limit: FloatArray
    classes: ObjectArray
    variation: ObjectArray
    assurance: ObjectArray
    latest_index: IntArray

    def __len__(self) -> int:
        return len(self.points)

    def result(self, row: int, length: int | None = None) -> SpcResult:
        """Series ``row`` as an SpcResult (``length``: its unpadded length)."""
        length = self.classes.shape[1] if length is None else length

        def opt(a: FloatArray) -> float | None:
            v = float(a[row])
            return None if math.isnan(v) else v

        latest = int(self.latest_index[row])
        return SpcResult(
            points=int(self.points[row]),
            mean=opt(self.mean),
            lower_limit=opt(self.lower_limit),
            upper_limit=opt(self.upper_limit),
            classes=tuple(self.classes[row, :length].tolist()),
            variation=self.variation[row],
            assurance=self.assurance[row],
            latest_index=None if latest < 0 else latest,
        )


def _window_counts(b: BoolMatrix, k: int) -> IntArray:
    """``out[:, j]``: how many of ``b[:, j : j + k]`` are True (shape ``(S, L - k + 1)``).

    >>> _window_counts(np.array([[True, True, False, True]]), 3).tolist()
    [[2, 2]]
    """
    s, length = b.shape
    if length < k:
        return np.zeros((s, 0), dtype=np.int64)
    c = np.zeros((s, length + 1), dtype=np.int64)
    np.cumsum(b, axis=1, out=c[:, 1:])
    return c[:, k:] - c[:, :-k]


def _covered(w: BoolMatrix, k: int, length: int) -> BoolMatrix:
    """``out[:, i]``: some window ``w[:, j]`` (of ``k`` points) with ``i - k < j <= i``.

    >>> _covered(np.array([[False, True, False]]), 2, 4).tolist()
    [[False, True, True, False]]
    """
    s, nw = w.shape
    if nw == 0:
        return np.zeros((s, length), dtype=bool)
    c = np.zeros((s, nw + 1), dtype=np.int64)
    np.cumsum(w, axis=1, out=c[:, 1:])
    i = np.arange(length)
    hi = np.minimum(i, nw - 1) + 1
    lo = np.clip(i - k + 1, 0, nw)
    return np.asarray((c[:, hi] - c[:, lo]) > 0)


def _at_points(b: BoolMatrix, length: int, offset: int) -> BoolMatrix:
    """Place ``b`` (entry k belongs to point k + offset) on ``length`` point positions."""
    out = np.zeros((b.shape[0], length), dtype=bool)
    out[:, offset : offset + b.shape[1]] = b
    return out


def _runs_matrix(b: BoolMatrix, k: int) -> BoolMatrix:
    """Entries of ``b`` in a run of at least ``k`` consecutive Trues."""
    return _covered(_window_counts(b, k) == k, k, b.shape[1])


_POLARITY_CODE = {"up": _HIGH, "down": _LOW, "neutral": 0}


def _polarity_codes(polarity: Polarity | Sequence[Polarity], n: int) -> IntArray:
    pols = [polarity] * n if isinstance(polarity, str) else list(polarity)
    if len(pols) != n:
        raise ValueError(f"{len(pols)} polarities for {n} series")
    unknown = sorted({str(p) for p in pols} - set(_POLARITY_CODE))
    if unknown:
        raise ValueError(f"unknown polarity {unknown[0]!r}: expected up, down or neutral")
    return np.array([_POLARITY_CODE[p] for p in pols], dtype=np.int64)


def _sides(c: FloatArray, mean: FloatArray, width: FloatArray, tol: FloatArray) -> IntArray:
    """Side of each point of the compressed matrix ``c`` (NaN padding at the right)."""
    t = c.shape[1]
    m, w = mean[:, None], width[:, None]
    sig2 = w * 2.0 / 3.0
    with np.errstate(invalid="ignore"):
        r1_hi, r1_lo = c > m + w + tol, c < m - w - tol
        d = np.diff(c, axis=1)  # step k: from point k to point k + 1
        win_up = _window_counts(d > tol, RUN_LENGTH - 1) == RUN_LENGTH - 1
        win_down = _window_counts(d < -tol, RUN_LENGTH - 1) == RUN_LENGTH - 1
        b_hi, b_lo = c > m + sig2 + tol, c < m - sig2 - tol
        above, below = c > m + tol, c < m - tol
    # Rule 2: every point after a run's first; a run's first point unless a run ends at it.
    after_up = _at_points(_covered(win_up, RUN_LENGTH - 1, max(t - 1, 0)), t, 1)
    after_down = _at_points(_covered(win_down, RUN_LENGTH - 1, max(t - 1, 0)), t, 1)
    first_up, first_down = _at_points(win_up, t, 0), _at_points(win_down, t, 0)
    r2_hi = after_up | (first_up & ~after_down)
    r2_lo = after_down | (first_down & ~after_up)
    # Rule 3: the beyond points of windows of 3 with at least 2 beyond the same line.
    r3_hi = b_hi & _covered(_window_counts(b_hi, 3) >= 2, 3, t)
    r3_lo = b_lo & _covered(_window_counts(b_lo, 3) >= 2, 3, t)
    # Rule 4.
    r4_hi, r4_lo = _runs_matrix(above, RUN_LENGTH), _runs_matrix(below, RUN_LENGTH)
    return np.select(
        [r1_hi, r1_lo, r2_hi, r2_lo, r3_hi, r3_lo, r4_hi, r4_lo],
        [_HIGH, _LOW, _HIGH, _LOW, _HIGH, _LOW, _HIGH, _LOW],
        default=0,
    ).astype(np.int64)


_CLASS_NAMES = np.array(["common_cause", "improvement", "concern", "neutral"], dtype=object)
_VARIATION_NAMES = np.array(
    [
        ["common_cause", "common_cause"],
        ["improvement_low", "improvement_high"],
        ["concern_low", "concern_high"],
        ["neutral_low", "neutral_high"],
    ],
    dtype=object,
)


def _assurance_matrix(
    pol: IntArray, target: FloatArray, lower: FloatArray, upper: FloatArray, tol: FloatArray
) -> ObjectArray:
    with np.errstate(invalid="ignore"):
        passed = np.where(pol == _HIGH, lower >= target - tol, upper <= target + tol)
        failed = np.where(pol == _HIGH, upper < target - tol, lower > target + tol)
    names = np.where(passed, "pass", np.where(failed, "fail", "hit_and_miss")).astype(object)
    names[np.isnan(lower) | np.isnan(target) | (pol == 0)] = None
    return names


def xmr_matrix(
    matrix: npt.ArrayLike,
    polarity: Polarity | Sequence[Polarity],
    target: float | npt.ArrayLike | None = None,
) -> XmrBatch:
    """XmR charts of many series at once: one series per row, NaN for missing values.

    The same results as :func:`xmr` row by row, vectorised with numpy. Ragged
    series: pad with NaN. ``polarity`` and ``target`` are one for all or one per row.

    >>> b = xmr_matrix([[11, 9] * 5 + [11, 20], [1.0] * 5 + [np.nan] * 7], "up")
    >>> b.points.tolist(), b.variation.tolist()
    ([12, 5], ['improvement_high', None])
    """
    x = np.array(matrix, dtype=np.float64, ndmin=2)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D matrix of series, got {x.ndim} dimensions")
    s, t = x.shape
    pol = _polarity_codes(polarity, s)
    tgt = np.broadcast_to(np.array(np.nan if target is None else target, dtype=np.float64), (s,))

    present = ~np.isnan(x)
    points = present.sum(axis=1).astype(np.int64)
    mr = np.abs(np.diff(x, axis=1))  # NaN unless both neighbours are present
    n_mr = (~np.isnan(mr)).sum(axis=1)
    mean = np.full(s, np.nan)
    np.divide(np.nansum(x, axis=1), points, out=mean, where=points > 0)
    amr = np.full(s, np.nan)
    np.divide(np.nansum(mr, axis=1), n_mr, out=amr, where=n_mr > 0)
    has_limits = (points >= MIN_POINTS) & (n_mr > 0)
    width = np.where(has_limits, LIMIT_FACTOR * amr, np.nan)
    tol = EPSILON * np.maximum(1.0, np.max(np.abs(x), axis=1, where=present, initial=0.0))

    # Compress each row: present values first, in their order (the rules skip gaps).
    order = np.argsort(~present, axis=1, kind="stable")
    side = _sides(np.take_along_axis(x, order, axis=1), mean, width, tol[:, None])
    good = pol[:, None]
    code = np.where(side == 0, 0, np.where(good == 0, 3, np.where(side == good, 1, 2)))
    valid = (np.arange(t)[None, :] < points[:, None]) & has_limits[:, None]
    compressed = _CLASS_NAMES[code]
    compressed[~valid] = None
    classes = np.full((s, t), None, dtype=object)
    np.put_along_axis(classes, order, compressed, axis=1)

    rows, last = np.arange(s), np.maximum(points - 1, 0)
    if t == 0:
        latest_index = np.full(s, -1, dtype=np.int64)
        variation = np.full(s, None, dtype=object)
    else:
        latest_index = np.where(points > 0, order[rows, last], -1).astype(np.int64)
        variation = _VARIATION_NAMES[code[rows, last], (side[rows, last] == _HIGH).astype(int)]
        variation[~has_limits] = None
    lower, upper = mean - width, mean + width
    return XmrBatch(
        points=points,
        mean=mean,
        lower_limit=lower,
        upper_limit=upper,
        classes=classes,
        variation=variation,
        assurance=_assurance_matrix(pol, tgt, lower, upper, tol),
        latest_index=latest_index,
    )


def xmr_many(
    series: Sequence[Sequence[float | None]],
    polarity: Polarity | Sequence[Polarity],
    target: float | Sequence[float | None] | None = None,
) -> list[SpcResult]:
    """:func:`xmr` for many series (of any lengths), vectorised.

    ``polarity`` and ``target`` are one for all or one per series.

    >>> [r.variation for r in xmr_many([[11, 9] * 5 + [11, 20], [5, 6]], ["down", "up"])]
    ['concern_high', None]
    """
    lengths = [len(v) for v in series]
    mat = np.full((len(series), max(lengths, default=0)), np.nan)
    for row, v in enumerate(series):
        mat[row, : len(v)] = np.array(v, dtype=np.float64)
    targets: float | FloatArray | None
    if target is None or isinstance(target, int | float):
        targets = target
    else:
        targets = np.array([np.nan if v is None else v for v in target], dtype=np.float64)
    batch = xmr_matrix(mat, polarity, targets)
    return [batch.result(row, n) for row, n in enumerate(lengths)]


SPC_COLUMNS = ("points", "mean", "lower_limit", "upper_limit", "variation", "assurance")


def xmr_frame(
    frame: pd.DataFrame,
    keys: Sequence[str],
    value: str = "value",
    polarity: str = "polarity",
    target: str | None = "target",
) -> tuple[pd.Series, pd.DataFrame]:
    """XmR charts of every series in a long frame with one row per point.

    ``frame`` must be sorted by period within each series; ``keys`` name the series
    (e.g. la_code, kpi_id, breakdown, group_name); ``polarity`` names a column of
    up/down/neutral and ``target`` a column of targets (a series' last row counts),
    or None for no targets.

    Returns the class of every row (a Series aligned with ``frame``; None without
    limits or value) and one row per series: ``keys``, the ``kpi_spc`` columns
    points, mean, lower_limit, upper_limit, variation, assurance, and ``latest_row``:
    the index label in ``frame`` of the series' latest present value (None if none).

    >>> f = pd.DataFrame({"kpi": "x", "value": [11, 9] * 5 + [11, 20], "polarity": "up"})
    >>> classes, per_series = xmr_frame(f, ["kpi"], target=None)
    >>> classes.iloc[-1], per_series.loc[0, "variation"], per_series.loc[0, "latest_row"]
    ('improvement', 'improvement_high', 11)
    """
    columns = [*keys, *SPC_COLUMNS, "latest_row"]
    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object), pd.DataFrame(columns=columns)
    codes, uniques = _series_codes(frame, keys)
    pos = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    n_series, width = len(uniques), int(pos.max()) + 1
    values = pd.to_numeric(frame[value], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    mat = np.full((n_series, width), np.nan)
    mat[codes, pos] = values
    row_at = np.full((n_series, width), -1, dtype=np.int64)
    row_at[codes, pos] = np.arange(len(frame))
    last_row = pd.Series(np.arange(len(frame))).groupby(codes).last().to_numpy()
    targets = None
    if target is not None:
        tv = pd.to_numeric(frame[target], errors="coerce").to_numpy(np.float64, na_value=np.nan)
        targets = tv[last_row]
    batch = xmr_matrix(mat, frame[polarity].to_numpy()[last_row].tolist(), targets)

    classes = pd.Series(batch.classes[codes, pos], index=frame.index, dtype=object)
    latest = row_at[np.arange(n_series), np.maximum(batch.latest_index, 0)]
    labels = frame.index.tolist()
    per_series = uniques
    for name in SPC_COLUMNS:
        column = getattr(batch, name)
        per_series[name] = pd.Series(column, dtype=column.dtype)  # icons: object, None kept
    per_series["latest_row"] = pd.Series(
        [labels[r] if i >= 0 else None for r, i in zip(latest, batch.latest_index, strict=True)],
        dtype=object,
    )
    return classes, per_series[columns]


def _series_codes(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[npt.NDArray[np.int64], pd.DataFrame]:
    """Each row's series number (in order of first appearance) and each series' keys.

    By the keys' codes (``metrics.frame_keys``), not ``MultiIndex.factorize``, which
    builds a tuple per row (a monthly refresh passes 100,000 stored rows through here).

    >>> f = pd.DataFrame({"a": ["x", "y", "x"], "b": ["p", "q", "p"]})
    >>> codes, uniques = _series_codes(f, ["a", "b"])
    >>> codes.tolist(), uniques.values.tolist()
    ([0, 1, 0], [['x', 'p'], ['y', 'q']])
    """
    codes = first_seen(frame, keys).astype(np.int64)
    first = np.unique(codes, return_index=True)[1]
    return codes, frame[list(keys)].iloc[first].reset_index(drop=True)
