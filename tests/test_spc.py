"""XmR / Making Data Count: hand-worked series at every boundary of kpis.md's rules.

Each series is built so that exactly one rule is in play. The arithmetic is in the
comments: sum → mean; moving ranges (MR) → average MR; limits = mean ± 2.66 × aMR;
2-sigma lines = mean ± (2/3 × 2.66 = 1.77333) × aMR.
"""

from __future__ import annotations

import doctest
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import metrics.spc
from metrics.spc import xmr, xmr_frame, xmr_many, xmr_matrix

CC = "common_cause"


def flagged(classes: tuple[str | None, ...]) -> dict[int, str | None]:
    """Positions whose class is not common cause."""
    return {i: c for i, c in enumerate(classes) if c != CC}


def test_doctests() -> None:
    assert doctest.testmod(metrics.spc).failed == 0


# --- Rule 1: a point outside the limits -----------------------------------------------

# 11 alternating points then 20. Sum = 6×11 + 5×9 + 20 = 131 → mean = 10.916667.
# MRs: ten of |11−9| = 2 and |20−11| = 9 → 29 over 11 → aMR = 2.636364.
# Limits: 10.916667 ± 2.66 × 2.636364 = ± 7.012727 → [3.903939, 17.929394].
# 20 > 17.93: outside, high. The alternating points swap sides of the mean (9 < 10.92 <
# 11) and direction each step: no run, no trend; none is beyond a 2-sigma line
# (10.916667 ± 4.675152 → [6.24, 15.59]).
OUTSIDE = [11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 20]


def test_point_outside_the_upper_limit() -> None:
    r = xmr(OUTSIDE, "up")
    assert r.points == 12
    assert r.mean == pytest.approx(131 / 12)
    assert r.upper_limit == pytest.approx(131 / 12 + 2.66 * 29 / 11)
    assert r.lower_limit == pytest.approx(131 / 12 - 2.66 * 29 / 11)
    assert r.upper_limit == pytest.approx(17.929394, abs=1e-6)
    assert flagged(r.classes) == {11: "improvement"}
    assert r.variation == "improvement_high"
    assert r.latest_index == 11


@pytest.mark.parametrize(
    ("polarity", "point", "variation"),
    [
        ("up", "improvement", "improvement_high"),
        ("down", "concern", "concern_high"),
        ("neutral", "neutral", "neutral_high"),
    ],
)
def test_outside_high_by_polarity(polarity: str, point: str, variation: str) -> None:
    r = xmr(OUTSIDE, polarity)  # type: ignore[arg-type]
    assert flagged(r.classes) == {11: point}
    assert r.variation == variation


@pytest.mark.parametrize(
    ("polarity", "point", "variation"),
    [
        ("up", "concern", "concern_low"),
        ("down", "improvement", "improvement_low"),
        ("neutral", "neutral", "neutral_low"),
    ],
)
def test_outside_low_by_polarity(polarity: str, point: str, variation: str) -> None:
    # 20 − x: mean 20 − 10.916667 = 9.083333, same MRs; the last point, 0, lies below
    # the lower limit 9.083333 − 7.012727 = 2.070606.
    r = xmr([20 - x for x in OUTSIDE], polarity)  # type: ignore[arg-type]
    assert r.lower_limit == pytest.approx(2.070606, abs=1e-6)
    assert flagged(r.classes) == {11: point}
    assert r.variation == variation


# 10 points alternating 9.98 / 10.02 with 12.66 (position 3) and 7.34 (position 8).
# Sum = 5 × 9.98 + 5 × 10.02 + 12.66 + 7.34 = 120 → mean = 10.
# MRs: 7 × 0.04 (baseline neighbours) + 4 × 2.68 (|12.66 − 9.98|, |9.98 − 12.66|,
# |10.02 − 7.34|, |7.34 − 10.02|) = 0.28 + 10.72 = 11 over 11 → aMR = 1.
# Limits: 10 ± 2.66 → [7.34, 12.66]: both special points lie exactly on a limit.
ON_LIMITS = [9.98, 10.02, 9.98, 12.66, 9.98, 10.02, 9.98, 10.02, 7.34, 10.02, 9.98, 10.02]


def test_points_exactly_on_the_limits_are_not_outside() -> None:
    r = xmr(ON_LIMITS, "up")
    assert (r.mean, r.lower_limit, r.upper_limit) == pytest.approx((10, 7.34, 12.66))
    # Each is beyond its 2-sigma line (10 ± 1.773333) but alone in any window of 3, and
    # the series alternates side and direction: nothing else applies.
    assert flagged(r.classes) == {}
    assert r.variation == CC


def test_point_just_beyond_the_limit_is_outside() -> None:
    # 12.66 → 12.67: sum 120.01 → mean 10.000833; MRs 11 + 2 × 0.01 = 11.02 →
    # aMR 1.001818; upper limit 10.000833 + 2.664836 = 12.665670 < 12.67: outside.
    # Lower limit 10.000833 − 2.664836 = 7.335997 < 7.34: 7.34 is now inside.
    series = list(ON_LIMITS)
    series[3] = 12.67
    r = xmr(series, "up")
    assert r.upper_limit == pytest.approx(12.665670, abs=1e-6)
    assert flagged(r.classes) == {3: "improvement"}


# --- Rule 2: a run of 7 points all increasing or all decreasing -----------------------

# 9, 11, 9, 11, then 8.5 → 11.5 in 6 steps of 0.5 (positions 4-10), then 9, 12, 9.
# Sum = 40 + 70 + 30 = 140 → mean 10. MRs: 2, 2, 2, 2.5, 6 × 0.5, 2.5, 3, 3 = 20 over
# 13 → aMR 1.538462; 2-sigma lines 10 ± 2.728205 → [7.27, 12.73] (all inside; so are
# the limits 10 ± 4.092308). Sides: no more than 4 in a row (10 is on the mean).
TREND_7 = [9, 11, 9, 11, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 9, 12, 9]


def test_run_of_exactly_7_increasing_points_is_flagged() -> None:
    r = xmr(TREND_7, "up")
    assert r.mean == pytest.approx(10)
    assert r.upper_limit == pytest.approx(10 + 2.66 * 20 / 13)
    assert flagged(r.classes) == dict.fromkeys(range(4, 11), "improvement")
    assert r.variation == CC  # the latest point (9) is not special


def test_run_of_6_increasing_points_is_not_flagged() -> None:
    # 8.5 → 11 is 6 points (5 steps); 9, 12, 9, 11 follow. Sum = 40 + 58.5 + 41 = 139.5
    # → mean 9.964286. MRs: 2, 2, 2, 2.5, 5 × 0.5, 2, 3, 3, 2 = 21 over 13 → aMR
    # 1.615385; 2-sigma lines 9.964286 ± 2.864615 → [7.10, 12.83]: all inside.
    r = xmr([9, 11, 9, 11, 8.5, 9, 9.5, 10, 10.5, 11, 9, 12, 9, 11], "up")
    assert r.mean == pytest.approx(139.5 / 14)
    assert flagged(r.classes) == {}


def test_equal_neighbour_breaks_a_trend() -> None:
    # TREND_7 with a second 10: 8.5, 9, 9.5, 10, 10, 10.5, 11, 11.5 is two runs of 4
    # increasing points. Sum 150 over 15 → mean 10. MRs: 2, 2, 2, 2.5, 3 × 0.5, 0,
    # 3 × 0.5, 2.5, 3, 3 = 20 over 14 → aMR 1.428571; 2-sigma lines 10 ± 2.533333 →
    # [7.47, 12.53]: all inside. The two 10s lie on the mean.
    r = xmr([9, 11, 9, 11, 8.5, 9, 9.5, 10, 10, 10.5, 11, 11.5, 9, 12, 9], "up")
    assert (r.mean, r.upper_limit) == pytest.approx((10, 10 + 2.66 * 20 / 14))
    assert flagged(r.classes) == {}


@pytest.mark.parametrize(
    ("polarity", "point"), [("up", "concern"), ("down", "improvement"), ("neutral", "neutral")]
)
def test_run_of_7_decreasing_points(polarity: str, point: str) -> None:
    # 20 − TREND_7: the same means and MRs; positions 4-10 fall 11.5 → 8.5.
    r = xmr([20 - x for x in TREND_7], polarity)  # type: ignore[arg-type]
    assert flagged(r.classes) == dict.fromkeys(range(4, 11), point)


# 10.5, 9.5 × 4; a mountain 8.5 → 11.5 → 8.5 in steps of 0.5 (positions 8-20, peak at
# 14); 10.5, 9.5 × 3. Sum = 80 + 128.5 + 60 = 268.5 → mean 9.944444. MRs: 7 × 1 + 1 +
# 12 × 0.5 + 2 + 5 × 1 = 21 over 26 → aMR 0.807692; limits ± 2.148462 → [7.80, 12.09]:
# all inside. 2-sigma lines ± 1.432308 → [8.51, 11.38]: 11.5 and the two 8.5s are
# beyond, each alone in its windows of 3. Positions 8-14 rise (7 points), 14-20 fall
# (7 points): the peak belongs to both; it takes the side of the rise that ends at it.
MOUNTAIN = [*[10.5, 9.5] * 4, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 11, 10.5, 10, 9.5, 9, 8.5]
MOUNTAIN += [10.5, 9.5] * 3


def test_a_peak_between_two_trends_takes_the_side_of_the_rise() -> None:
    r = xmr(MOUNTAIN, "up")
    assert r.mean == pytest.approx(268.5 / 27)
    assert r.upper_limit == pytest.approx(268.5 / 27 + 2.66 * 21 / 26)
    assert flagged(r.classes) == {
        **dict.fromkeys(range(8, 15), "improvement"),
        **dict.fromkeys(range(15, 21), "concern"),
    }
    # Mirrored: the trough between a fall and a rise takes the side of the fall.
    r = xmr([20 - x for x in MOUNTAIN], "up")
    assert flagged(r.classes) == {
        **dict.fromkeys(range(8, 15), "concern"),
        **dict.fromkeys(range(15, 21), "improvement"),
    }


# --- Rule 3: two out of three beyond the 2-sigma line on the same side ----------------

# Alternating 9.5 / 10.5 (MR 1) with 13.5, 10, 13.5 at positions 7-9; 20 points.
# Sum = 69.5 (positions 0-6) + 37 + 100 (positions 10-19) = 206.5 → mean 10.325.
# MRs: 6 × 1 + 4 + 3.5 + 3.5 + 4 + 9 × 1 = 30 over 19 → aMR = 30/19.
# 2-sigma: 1.773333 × 30/19 = 2.8 → upper line 13.125; limits: 2.66 × 30/19 = 4.2 →
# [6.125, 14.525]. 13.5 is beyond the 2-sigma line but inside the limit.
TWO_OF_THREE = [9.5, 10.5, 9.5, 10.5, 9.5, 10.5, 9.5, 13.5, 10, 13.5, *[9.5, 10.5] * 5]


def test_two_of_three_beyond_the_same_2_sigma_line() -> None:
    r = xmr(TWO_OF_THREE, "up")
    assert r.mean == pytest.approx(10.325)
    assert (r.lower_limit, r.upper_limit) == pytest.approx((6.125, 14.525))
    # Only the two points beyond the line are flagged, not the 10 between them.
    assert flagged(r.classes) == {7: "improvement", 9: "improvement"}


def test_two_of_three_beyond_2_sigma_on_opposite_sides_is_not_flagged() -> None:
    # Position 9 becomes 7. Sum = 69.5 + 13.5 + 10 + 7 + 100 = 200 → mean 10.
    # MRs: 6 + 4 + 3.5 + 3 + 2.5 + 9 = 28 over 19 → aMR 28/19; 2-sigma lines
    # 10 ± 2.613333 → [7.387, 12.613]: 13.5 beyond the upper, 7 beyond the lower;
    # limits 10 ± 3.92 → [6.08, 13.92]: both inside.
    series = list(TWO_OF_THREE)
    series[9] = 7
    r = xmr(series, "up")
    assert (r.mean, r.upper_limit) == pytest.approx((10, 13.92))
    assert flagged(r.classes) == {}


# --- Rule 4: 7 points on the same side of the mean -------------------------------------

# 11, 9 alternating; positions 6-12 are 10.5, 10.25, 10.5, 10, 10.25, 10.25, 10.25;
# then 9, 11, 9, 11, 9, 11, 8. Sum = 60 + 72 + 68 = 200 → mean 10 exactly, so
# position 9 (10) lies on the mean and splits the seven into 3 + 3.
# MRs: 5 × 2 + 1.5 + 0.25 + 0.25 + 0.5 + 0.25 + 0 + 0 + 1.25 + 5 × 2 + 3 = 27 over 19
# → aMR 27/19; limits 10 ± 2.66 × 27/19 = 10 ± 3.78 → [6.22, 13.78]; 2-sigma lines
# 10 ± 2.52 → [7.48, 12.52]: all inside. No 7 steps in one direction.
SHIFT_BROKEN = [11, 9, 11, 9, 11, 9, 10.5, 10.25, 10.5, 10, 10.25, 10.25, 10.25]
SHIFT_BROKEN += [9, 11, 9, 11, 9, 11, 8]


def test_point_on_the_mean_breaks_a_run_of_7() -> None:
    r = xmr(SHIFT_BROKEN, "up")
    assert (r.mean, r.lower_limit, r.upper_limit) == pytest.approx((10, 6.22, 13.78))
    assert flagged(r.classes) == {}


def test_seven_points_above_the_mean() -> None:
    # The same with 10.25 at position 9: sum 200.25 → mean 10.0125; positions 6-12 are
    # all ≥ 10.25 > 10.0125; positions 5 and 13 are 9. MRs 26.5/19 → 2-sigma lines
    # 10.0125 ± 2.473333 → [7.54, 12.49]: all inside.
    series = list(SHIFT_BROKEN)
    series[9] = 10.25
    r = xmr(series, "up")
    assert r.mean == pytest.approx(10.0125)
    assert flagged(r.classes) == dict.fromkeys(range(6, 13), "improvement")
    assert flagged(xmr(series, "down").classes) == dict.fromkeys(range(6, 13), "concern")


# --- Precedence ----------------------------------------------------------------------


TREND_BEATS_SHIFT = [11, 9, 11, 9, 11, 9, 11.5, 11.25, 11, 10.75, 10.5, 10.25, 10.125]
TREND_BEATS_SHIFT += [9, 11, 9, 11, 9, 10, 8]
OUTSIDE_BEATS_TREND = [*[10.5, 9.5] * 6, 10.5, 12.9, 11, 10.5, 10, 9.5, 9, 8.5]


def test_trend_beats_a_run_above_the_mean() -> None:
    # 11, 9 × 3; then 11.5, 11.25, 11, 10.75, 10.5, 10.25, 10.125, 9 (positions 6-13,
    # falling 8 points); then 11, 9, 11, 9, 10, 8. Sum = 60 + 75.375 + 9 + 58 = 202.375
    # → mean 10.11875: positions 6-12 (≥ 10.125) are 7 points above it (rule 4, high),
    # positions 6-13 fall (rule 2, low). MRs: 10 + 2.5 + 1.375 + 1.125 + 11 = 26 over
    # 19 → 2-sigma lines 10.11875 ± 2.426667 → [7.69, 12.55]: inside.
    # Rule 2 outranks rule 4: the falling points are low.
    series = TREND_BEATS_SHIFT
    r = xmr(series, "up")
    assert r.mean == pytest.approx(10.11875)
    assert flagged(r.classes) == dict.fromkeys(range(6, 14), "concern")
    assert flagged(xmr(series, "down").classes) == dict.fromkeys(range(6, 14), "improvement")


def test_point_outside_beats_the_trend_it_starts() -> None:
    # 10.5, 9.5 × 6, 10.5; then 12.9, 11, 10.5, 10, 9.5, 9, 8.5 (positions 13-19).
    # Sum = 130.5 + 71.4 = 201.9 → mean 10.095. MRs: 12 × 1 + 2.4 + 1.9 + 5 × 0.5 = 18.8
    # over 19; 2.66 × 18.8 / 19 = 2.632 → limits [7.463, 12.727]. 12.9 is outside (rule
    # 1, high) and starts 7 falling points (rule 2, low): rule 1 wins for it; the other
    # six are low. 2-sigma lines 10.095 ± 1.754667: 12.9 is alone beyond its line.
    series = OUTSIDE_BEATS_TREND
    r = xmr(series, "up")
    assert (r.lower_limit, r.upper_limit) == pytest.approx((7.463, 12.727))
    assert flagged(r.classes) == {13: "improvement", **dict.fromkeys(range(14, 20), "concern")}
    assert r.variation == "concern_low"
    r_down = xmr(series, "down")
    assert flagged(r_down.classes) == {13: "concern", **dict.fromkeys(range(14, 20), "improvement")}
    assert r_down.variation == "improvement_low"


# --- Too few points, missing values --------------------------------------------------


def test_eleven_points_give_no_limits_classes_or_icons() -> None:
    r = xmr(OUTSIDE[1:], "up", target=5)
    assert r.points == 11
    assert r.mean == pytest.approx((131 - 11) / 11)  # the centre line is still given
    assert (r.lower_limit, r.upper_limit, r.variation, r.assurance) == (None,) * 4
    assert r.classes == (None,) * 11


def test_twelve_points_give_limits() -> None:
    r = xmr(OUTSIDE, "up", target=5)
    assert r.lower_limit is not None and r.upper_limit is not None
    assert None not in r.classes
    assert r.assurance == "hit_and_miss"  # 3.90 < 5 ≤ 17.93


def test_empty_series() -> None:
    r = xmr([], "up", target=5)
    assert (r.points, r.mean, r.classes, r.variation, r.latest_index) == (0, None, (), None, None)


@pytest.mark.parametrize("missing", [None, math.nan])
def test_missing_values_are_left_out(missing: float | None) -> None:
    # OUTSIDE with a gap after position 5: still 12 points, mean 131/12. The moving
    # range does not span the gap (9 → gap → 11): MRs are nine 2s and the 9 → 27 over
    # 10 → aMR 2.7 (not 29/11). Upper limit 10.916667 + 7.182 = 18.098667.
    series = [*OUTSIDE[:6], missing, *OUTSIDE[6:]]
    r = xmr(series, "up")
    assert r.points == 12
    assert r.mean == pytest.approx(131 / 12)
    assert r.upper_limit == pytest.approx(131 / 12 + 2.66 * 2.7)
    assert r.classes[6] is None
    assert flagged(r.classes) == {6: None, 12: "improvement"}


def test_latest_present_point_gives_the_variation() -> None:
    r = xmr([*OUTSIDE, None, None], "down")
    assert r.classes[-2:] == (None, None)
    assert (r.variation, r.latest_index) == ("concern_high", 11)


def test_eleven_present_points_among_gaps_give_no_limits() -> None:
    r = xmr([*OUTSIDE[:5], None, *OUTSIDE[6:]], "up")
    assert r.points == 11
    assert r.upper_limit is None
    assert r.classes == (None,) * 12


def test_a_gap_in_a_trend_neither_breaks_nor_extends_it() -> None:
    # A missing value inside TREND_7's rising run: the 7 rising points still count.
    series = [*TREND_7[:7], None, *TREND_7[7:]]
    r = xmr(series, "up")
    assert flagged(r.classes) == {**dict.fromkeys([4, 5, 6, 8, 9, 10, 11], "improvement"), 7: None}


# --- Assurance ----------------------------------------------------------------------
# SHIFT_BROKEN: limits exactly [6.22, 13.78] (see above).


@pytest.mark.parametrize(
    ("polarity", "target", "expected"),
    [
        ("up", 6.0, "pass"),  # lower limit 6.22 ≥ 6
        ("up", 6.22, "pass"),  # lower limit = target
        ("up", 6.23, "hit_and_miss"),
        ("up", 10.0, "hit_and_miss"),
        ("up", 13.78, "hit_and_miss"),  # upper limit = target: not below it
        ("up", 13.79, "fail"),  # upper limit 13.78 < 13.79
        ("down", 14.0, "pass"),  # upper limit 13.78 ≤ 14
        ("down", 13.78, "pass"),  # upper limit = target
        ("down", 13.77, "hit_and_miss"),
        ("down", 6.22, "hit_and_miss"),  # lower limit = target: not above it
        ("down", 6.21, "fail"),  # lower limit 6.22 > 6.21
        ("neutral", 10.0, None),
        ("up", None, None),
        ("down", math.nan, None),
    ],
)
def test_assurance(polarity: str, target: float | None, expected: str | None) -> None:
    assert xmr(SHIFT_BROKEN, polarity, target).assurance == expected  # type: ignore[arg-type]


# --- Many series at once ------------------------------------------------------------

CASES = [
    OUTSIDE,
    [20 - x for x in OUTSIDE],
    ON_LIMITS,
    TREND_7,
    [20 - x for x in TREND_7],
    TWO_OF_THREE,
    SHIFT_BROKEN,
    TREND_BEATS_SHIFT,
    OUTSIDE_BEATS_TREND,
    MOUNTAIN,
    [20 - x for x in MOUNTAIN],
    OUTSIDE[1:],
    [*OUTSIDE[:6], None, *OUTSIDE[6:]],
    [*TREND_7[:7], None, *TREND_7[7:]],
    [],
    [None] * 3,
]


@pytest.mark.parametrize("polarity", ["up", "down", "neutral"])
@pytest.mark.parametrize("target", [None, 6.22, 10.0, 13.78])
def test_xmr_many_matches_xmr_on_the_worked_cases(polarity: str, target: float | None) -> None:
    batch = xmr_many(CASES, polarity, target)  # type: ignore[arg-type]
    for series, got in zip(CASES, batch, strict=True):
        _same(got, xmr(series, polarity, target))  # type: ignore[arg-type]


def test_xmr_many_with_one_polarity_and_target_per_series() -> None:
    pols = ["up", "down", "neutral", "up"]
    targets = [5.0, None, 3.0, 12.0]
    batch = xmr_many(CASES[:4], pols, targets)  # type: ignore[arg-type]
    for series, pol, tgt, got in zip(CASES[:4], pols, targets, batch, strict=True):
        _same(got, xmr(series, pol, tgt))  # type: ignore[arg-type]


def test_xmr_frame_gives_row_classes_and_series_rows() -> None:
    frame = pd.DataFrame(
        {
            "la_code": ["394"] * 12 + ["390"] * 13,
            "kpi_id": "rereferrals_12m",
            "value": [*OUTSIDE, *[11, 9] * 5, 11, 20, None],
            "polarity": "down",
            "target": [15.0] * 12 + [None] * 13,
        },
        index=range(100, 125),
    )
    classes, per_series = xmr_frame(frame, ["la_code", "kpi_id"])
    assert classes.loc[111] == "concern"
    assert classes.loc[123] == "concern"
    assert classes.loc[124] is None
    assert per_series["la_code"].tolist() == ["394", "390"]
    assert per_series["variation"].tolist() == ["concern_high", "concern_high"]
    # 394: limits [3.90, 17.93] around target 15 (down): hit and miss; 390: no target.
    assert per_series["assurance"].tolist() == ["hit_and_miss", None]
    assert per_series["latest_row"].tolist() == [111, 123]
    assert per_series["points"].tolist() == [12, 12]


def test_xmr_frame_empty() -> None:
    classes, per_series = xmr_frame(pd.DataFrame(columns=["k", "value", "polarity", "target"]), ["k"])
    assert classes.empty and per_series.empty
    assert "variation" in per_series.columns


def test_unknown_polarity_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown polarity 'sideways'"):
        xmr_matrix([[1.0] * 12], ["sideways"])  # type: ignore[list-item]


# --- Properties ---------------------------------------------------------------------

values = st.lists(st.one_of(st.none(), st.integers(-20, 20).map(float)), min_size=0, max_size=40)
polarities = st.sampled_from(["up", "down", "neutral"])
FLIP = {"up": "down", "down": "up", "neutral": "neutral"}


def _same(a: metrics.spc.SpcResult, b: metrics.spc.SpcResult) -> None:
    assert (a.points, a.classes, a.variation, a.assurance, a.latest_index) == (
        b.points,
        b.classes,
        b.variation,
        b.assurance,
        b.latest_index,
    )
    for x, y in ((a.mean, b.mean), (a.lower_limit, b.lower_limit), (a.upper_limit, b.upper_limit)):
        assert (x is None) == (y is None)
        if x is not None:
            assert x == pytest.approx(y, rel=1e-12, abs=1e-12)


@settings(max_examples=300)
@given(values, polarities, st.one_of(st.none(), st.integers(-25, 25).map(float)))
def test_vectorised_agrees_with_scalar(
    series: list[float | None], polarity: str, target: float | None
) -> None:
    _same(xmr_many([series], polarity, target)[0], xmr(series, polarity, target))  # type: ignore[arg-type]


@settings(max_examples=300)
@given(values, polarities)
def test_negating_values_and_flipping_polarity_keeps_the_classes(
    series: list[float | None], polarity: str
) -> None:
    a = xmr(series, polarity)  # type: ignore[arg-type]
    b = xmr([None if v is None else -v for v in series], FLIP[polarity])  # type: ignore[arg-type]
    assert a.classes == b.classes
    swap = {"high": "low", "low": "high"}
    if a.variation is not None and a.variation != CC:
        kind, side = a.variation.rsplit("_", 1)
        assert b.variation == f"{kind}_{swap[side]}"
    else:
        assert b.variation == a.variation


@settings(max_examples=300)
@given(values)
def test_reversing_a_series_mirrors_the_special_causes(series: list[float | None]) -> None:
    # Reversal keeps the limits and the set of special-cause points (a rise becomes a
    # fall); with polarity neutral the classes are the same, mirrored.
    a, b = xmr(series, "neutral"), xmr(series[::-1], "neutral")
    assert b.classes == a.classes[::-1]
    if a.upper_limit is not None:
        assert b.upper_limit == pytest.approx(a.upper_limit)


@settings(max_examples=200)
@given(values, polarities, st.integers(-50, 50), st.integers(1, 8))
def test_classes_do_not_depend_on_units_or_origin(
    series: list[float | None], polarity: str, shift: int, scale: int
) -> None:
    moved = [None if v is None else v * scale + shift for v in series]
    assert xmr(moved, polarity).classes == xmr(series, polarity).classes  # type: ignore[arg-type]


@settings(max_examples=200)
@given(values, polarities)
def test_class_shape_and_vocabulary(series: list[float | None], polarity: str) -> None:
    r = xmr(series, polarity)  # type: ignore[arg-type]
    present = [v is not None for v in series]
    assert len(r.classes) == len(series)
    assert r.points == sum(present)
    for v, c in zip(series, r.classes, strict=True):
        if v is None or r.upper_limit is None:
            assert c is None
        else:
            assert c in ({CC, "neutral"} if polarity == "neutral" else {CC, "improvement", "concern"})
        if c not in (None, CC):
            assert v is not None
