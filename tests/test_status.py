"""Status against target and direction of travel (kpis.md), at every boundary."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import metrics.status
from metrics.status import (
    STATUS_LABELS,
    default_tolerance,
    direction,
    direction_array,
    direction_label,
    status,
    status_array,
)


def test_doctests() -> None:
    assert doctest.testmod(metrics.status).failed == 0


# --- Status ---------------------------------------------------------------------------
# Percentages: default tolerance 5 percentage points.
# Counts, rates, medians: default tolerance 10 % of the target.

STATUS_CASES = [
    # (value, target, polarity, type, tolerance, expected)
    # Percentage, higher is better, target 85: amber down to 80.
    (85.0, 85.0, "up", "percentage", None, "green"),  # exactly on target
    (99.0, 85.0, "up", "percentage", None, "green"),
    (84.99, 85.0, "up", "percentage", None, "amber"),
    (80.0, 85.0, "up", "percentage", None, "amber"),  # 85 − 80 = 5: at the tolerance
    (79.99, 85.0, "up", "percentage", None, "red"),  # 5.01 short: just beyond
    (0.0, 85.0, "up", "percentage", None, "red"),
    # Percentage, lower is better, target 22: amber up to 27.
    (22.0, 22.0, "down", "percentage", None, "green"),
    (10.0, 22.0, "down", "percentage", None, "green"),
    (27.0, 22.0, "down", "percentage", None, "amber"),  # 5 over: at the tolerance
    (27.01, 22.0, "down", "percentage", None, "red"),
    # Median working days, lower is better, target 33: tolerance 3.3 → amber to 36.3.
    (33.0, 33.0, "down", "median", None, "green"),
    (36.3, 33.0, "down", "median", None, "amber"),
    (36.31, 33.0, "down", "median", None, "red"),
    # Count, lower is better, target 20: tolerance 2 → amber to 22.
    (22.0, 20.0, "down", "count", None, "amber"),
    (23.0, 20.0, "down", "count", None, "red"),
    # Rate, higher is better, target 300 per 10,000: tolerance 30 → amber down to 270.
    (270.0, 300.0, "up", "rate", None, "amber"),
    (269.9, 300.0, "up", "rate", None, "red"),
    # An explicit tolerance replaces the default.
    (82.0, 85.0, "up", "percentage", 2.0, "red"),
    (83.0, 85.0, "up", "percentage", 2.0, "amber"),
    (6.0, 4.0, "down", "percentage", 2.0, "amber"),
    (6.1, 4.0, "down", "percentage", 2.0, "red"),
    (84.9, 85.0, "up", "percentage", 0.0, "red"),  # tolerance 0: no amber at all
    (85.0, 85.0, "up", "percentage", 0.0, "green"),
    # None: no target, no value, or polarity neutral.
    (50.0, None, "up", "percentage", None, "none"),
    (None, 85.0, "up", "percentage", None, "none"),
    (math.nan, 85.0, "up", "percentage", None, "none"),
    (50.0, math.nan, "down", "percentage", None, "none"),
    (50.0, 50.0, "neutral", "percentage", None, "none"),
]


@pytest.mark.parametrize(("value", "target", "polarity", "kind", "tolerance", "expected"), STATUS_CASES)
def test_status(
    value: float | None,
    target: float | None,
    polarity: str,
    kind: str,
    tolerance: float | None,
    expected: str,
) -> None:
    assert status(value, target, polarity, kind, tolerance) == expected  # type: ignore[arg-type]


def test_status_array_matches_the_cases() -> None:
    cols = list(zip(*STATUS_CASES, strict=True))
    values, targets, pols, kinds, tolerances, expected = cols
    got = status_array(
        list(values),
        [np.nan if t is None else t for t in targets],
        list(pols),
        list(kinds),
        [np.nan if t is None else t for t in tolerances],
    )
    assert list(got) == list(expected)


def test_status_array_broadcasts_and_keeps_a_series_index() -> None:
    values = pd.Series([85.0, 80.0, 79.9, None], index=["a", "b", "c", "d"])
    got = status_array(values, 85.0, "up", "percentage")
    assert isinstance(got, pd.Series)
    assert got.to_dict() == {"a": "green", "b": "amber", "c": "red", "d": "none"}


def test_status_array_without_tolerance_or_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="indicator_type"):
        status_array([1.0], [2.0], "up")
    # ... unless every row has a tolerance, or no row has a target.
    # 1 against target 2 with tolerance 1: 1 short, at the tolerance.
    assert list(status_array([1.0], [2.0], "up", tolerance=[1.0])) == ["amber"]
    assert list(status_array([1.0], [None], "up")) == ["none"]


def test_default_tolerance() -> None:
    assert default_tolerance("percentage", 85) == 5
    assert default_tolerance("percentage", 4) == 5
    assert default_tolerance("count", 20) == pytest.approx(2)
    assert default_tolerance("rate", 300) == pytest.approx(30)
    assert default_tolerance("median", 33) == pytest.approx(3.3)


def test_every_status_has_words() -> None:
    assert set(STATUS_LABELS) == {"green", "amber", "red", "none"}


# --- Direction of travel -------------------------------------------------------------

DIRECTION_CASES = [
    # (current, previous, polarity, expected)
    (85.0, 80.0, "up", "improving"),
    (80.0, 85.0, "up", "worsening"),
    (80.0, 80.0, "up", "no_change"),
    (22.0, 24.0, "down", "improving"),
    (24.0, 22.0, "down", "worsening"),
    (22.0, 22.0, "down", "no_change"),
    (120.0, 100.0, "neutral", "up"),
    (100.0, 120.0, "neutral", "down"),
    (100.0, 100.0, "neutral", "no_change"),
    # Within 1e-9 is no change; beyond it counts.
    (80.0 + 5e-10, 80.0, "up", "no_change"),
    (80.0 - 5e-10, 80.0, "down", "no_change"),
    (80.000001, 80.0, "up", "improving"),
    (0.1 + 0.2, 0.3, "up", "no_change"),  # 0.30000000000000004 vs 0.3
    # Missing either value: no direction.
    (None, 80.0, "up", None),
    (80.0, None, "up", None),
    (math.nan, 80.0, "neutral", None),
    (80.0, math.nan, "down", None),
]


@pytest.mark.parametrize(("current", "previous", "polarity", "expected"), DIRECTION_CASES)
def test_direction(
    current: float | None, previous: float | None, polarity: str, expected: str | None
) -> None:
    assert direction(current, previous, polarity) == expected  # type: ignore[arg-type]


def test_direction_array_matches_the_cases() -> None:
    current, previous, pols, expected = zip(*DIRECTION_CASES, strict=True)
    got = direction_array(list(current), list(previous), list(pols))
    assert list(got) == list(expected)


def test_direction_array_one_polarity_for_all_and_series_in() -> None:
    got = direction_array(pd.Series([3.0, 1.0], index=[7, 8]), pd.Series([1.0, 3.0], index=[7, 8]), "down")
    assert got.to_dict() == {7: "worsening", 8: "improving"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("direction_", "polarity", "expected"),
    [
        ("improving", "up", ("▲", "Improving")),  # higher is better and it rose
        ("worsening", "up", ("▼", "Worsening")),
        ("improving", "down", ("▼", "Improving")),  # lower is better and it fell
        ("worsening", "down", ("▲", "Worsening")),
        ("up", "neutral", ("▲", "Up")),
        ("down", "neutral", ("▼", "Down")),
        ("no_change", "up", ("▶", "No change")),
        ("no_change", "neutral", ("▶", "No change")),
        (None, "up", ("", "No comparison")),
    ],
)
def test_direction_label(direction_: str | None, polarity: str, expected: tuple[str, str]) -> None:
    assert direction_label(direction_, polarity) == expected  # type: ignore[arg-type]


def test_direction_label_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="sideways"):
        direction_label("sideways", "up")
    with pytest.raises(ValueError, match="neutral"):
        direction_label("improving", "neutral")


# --- Properties -----------------------------------------------------------------------

numbers = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=300)
@given(numbers, numbers, st.sampled_from(["up", "down"]))
def test_direction_flips_with_polarity_and_order(a: float, b: float, polarity: str) -> None:
    other = "down" if polarity == "up" else "up"
    d = direction(a, b, polarity)  # type: ignore[arg-type]
    swap = {"improving": "worsening", "worsening": "improving", "no_change": "no_change"}
    assert direction(a, b, other) == swap[d]  # type: ignore[arg-type, index]
    assert direction(b, a, polarity) == swap[d]  # type: ignore[arg-type, index]


@settings(max_examples=300)
@given(numbers, st.floats(0, 1e5, allow_nan=False), st.sampled_from(["up", "down"]))
def test_status_mirrors_between_polarities(target: float, gap: float, polarity: str) -> None:
    # A value `gap` on the wrong side for `polarity` is the same distance on the right
    # side for the other polarity, which is always green. (Gaps within rounding of a
    # boundary, 1e-9 or 5 + 1e-9, are left to the worked cases above.)
    assume(not 1e-10 < gap < 1e-8 and abs(gap - 5) > 1e-6)
    wrong = target - gap if polarity == "up" else target + gap
    other = "down" if polarity == "up" else "up"
    assert status(wrong, target, other, "percentage") == "green"  # type: ignore[arg-type]
    expected = "green" if gap <= 1e-9 else "amber" if gap <= 5 + 1e-9 else "red"
    assert status(wrong, target, polarity, "percentage") == expected  # type: ignore[arg-type]
