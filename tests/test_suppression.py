"""Small-number suppression (kpis.md): 1..threshold → "c", 0 stays 0, at every boundary."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import metrics.suppression
from metrics.suppression import Suppressed, suppress, suppress_arrays, suppress_frame


def test_doctests() -> None:
    assert doctest.testmod(metrics.suppression).failed == 0


# --- Counts: numerator = count, denominator blank, value = count ------------------------


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, 0), (1, "c"), (2, "c"), (5, "c"), (6, 6), (1000, 1000)],
)
def test_count_at_the_default_threshold(count: int, shown: int | str) -> None:
    assert suppress("count", count, None, count) == Suppressed(shown, "", shown, shown == "c")


@pytest.mark.parametrize(
    ("threshold", "count", "shown"),
    [
        (3, 3, "c"),
        (3, 4, 4),
        (10, 10, "c"),
        (10, 6, "c"),
        (10, 11, 11),
        (0, 1, 1),  # threshold 0: nothing is suppressed
        (0, 0, 0),
        (1, 1, "c"),
        (1, 2, 2),
    ],
)
def test_count_threshold_is_configurable(threshold: int, count: int, shown: int | str) -> None:
    assert suppress("count", count, None, count, threshold=threshold).value == shown


def test_count_with_no_value_stays_blank() -> None:
    # An LA with no loaded rows of the extract: no numerator, denominator or value.
    assert suppress("count", None, None, None) == Suppressed("", "", "", False)


# --- Percentages and rates: numerator or denominator 1..threshold -----------------------


@pytest.mark.parametrize("kind", ["percentage", "rate"])
@pytest.mark.parametrize(
    ("numerator", "denominator", "hidden"),
    [
        (0, 0, False),  # nothing qualifies: 0 and 0 are shown
        (0, 6, False),
        (0, 5, True),  # denominator 5: all three hidden, even with numerator 0
        (0, 1, True),
        (1, 40, True),
        (5, 40, True),
        (6, 40, False),
        (6, 6, False),
        (40, 40, False),
        (3, 3, True),
    ],
)
def test_ratio_suppressed_when_numerator_or_denominator_is_small(
    kind: str, numerator: int, denominator: int, hidden: bool
) -> None:
    value = None if denominator == 0 else 100 * numerator / denominator
    got = suppress(kind, numerator, denominator, value)  # type: ignore[arg-type]
    if hidden:
        assert (got.numerator, got.denominator, got.value) == ("c", "c", "c")
    else:
        assert (got.numerator, got.denominator) == (numerator, denominator)
        assert got.value == ("" if value is None else value)
    assert got.suppressed is hidden


def test_percentage_value_is_unrounded_and_numbers_are_whole() -> None:
    # 7 of 9: 77.777...%; the numerator and denominator come back as ints.
    got = suppress("percentage", 7.0, 9.0, 700 / 9)
    assert got == Suppressed(7, 9, 700 / 9, False)
    assert isinstance(got.numerator, int) and isinstance(got.value, float)


def test_rate_without_population() -> None:
    # Rate with no population: denominator and value blank; a small count is still hidden.
    assert suppress("rate", 3, None, None) == Suppressed("c", "", "", True)
    assert suppress("rate", 30, None, None) == Suppressed(30, "", "", False)


# --- Medians: numerator = the median, denominator = the count ---------------------------


@pytest.mark.parametrize(
    ("median", "count", "hidden"),
    [
        (33.0, 5, True),  # count 5: the median of 5 assessments is hidden
        (33.0, 1, True),
        (33.0, 6, False),
        (3.0, 40, False),  # a median of 3 days is not a small count of children
        (0.0, 12, False),
    ],
)
def test_median_suppressed_by_its_count(median: float, count: int, hidden: bool) -> None:
    got = suppress("median", median, count, median)
    if hidden:
        assert got == Suppressed("c", "c", "c", True)
    else:
        assert got == Suppressed(int(median), count, int(median), False)


def test_median_of_nothing() -> None:
    # Nothing to take the median of: median blank, count 0.
    assert suppress("median", None, 0, None) == Suppressed("", 0, "", False)


def test_half_day_median_stays_a_float() -> None:
    assert suppress("median", 32.5, 10, 32.5) == Suppressed(32.5, 10, 32.5, False)


# --- Arrays and frames ----------------------------------------------------------------


def test_arrays_mix_types_and_missing_values() -> None:
    r = suppress_arrays(
        ["count", "percentage", "rate", "median"],
        [4, 0, np.nan, 20.0],
        [None, 0, None, 3],
        [4, np.nan, None, 20.0],
    )
    assert r.numerator.tolist() == ["c", 0, "", "c"]
    assert r.denominator.tolist() == ["", 0, "", "c"]
    assert r.value.tolist() == ["c", "", "", "c"]
    assert r.suppressed.tolist() == [True, False, False, True]


def test_frame_by_kpi_id_through_the_registry() -> None:
    frame = pd.DataFrame(
        {
            "la_code": ["394"] * 4,
            "kpi_id": ["referrals", "rereferrals_12m", "assessment_median_wd", "eh_reach"],
            "numerator": [12.0, 2.0, 31.0, 5.0],
            "denominator": [np.nan, 40.0, 4.0, 52000.0],
            "value": [12.0, 5.0, 31.0, 0.96],
        }
    )
    out = suppress_frame(frame)
    assert out["numerator"].tolist() == [12, "c", "c", "c"]
    assert out["denominator"].tolist() == ["", "c", "c", "c"]
    assert out["value"].tolist() == [12, "c", "c", "c"]
    assert out["la_code"].tolist() == ["394"] * 4
    assert frame["numerator"].tolist() == [12.0, 2.0, 31.0, 5.0]  # the input is untouched
    assert not out[["numerator", "denominator", "value"]].isna().any().any()


def test_frame_with_a_type_column_and_a_threshold() -> None:
    frame = pd.DataFrame(
        {"type": ["count", "count"], "numerator": [8, 11], "denominator": [None, None], "value": [8, 11]}
    )
    assert suppress_frame(frame, threshold=10)["value"].tolist() == ["c", 11]


def test_frame_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown kpi_id 'nope'"):
        suppress_frame(pd.DataFrame({"kpi_id": ["nope"], "numerator": [1], "denominator": [1], "value": [1]}))
    with pytest.raises(ValueError, match="no column value"):
        suppress_frame(pd.DataFrame({"kpi_id": ["referrals"], "numerator": [1], "denominator": [1]}))


@pytest.mark.parametrize("threshold", [-1, 2.5, True, "5"])
def test_bad_threshold(threshold: object) -> None:
    with pytest.raises((ValueError, TypeError), match="threshold"):
        suppress("count", 3, None, 3, threshold=threshold)  # type: ignore[arg-type]


def test_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown indicator type 'ratio'"):
        suppress("ratio", 3, 4, 75.0)  # type: ignore[arg-type]


# --- Properties -----------------------------------------------------------------------

counts = st.one_of(st.none(), st.integers(0, 30).map(float))
kinds = st.sampled_from(["count", "percentage", "rate", "median"])


def _shown_small(cell: object, threshold: int) -> bool:
    return isinstance(cell, int | float) and 1 <= cell <= threshold


@settings(max_examples=500)
@given(kinds, counts, counts, st.integers(0, 12))
def test_never_reveals_a_small_number(
    kind: str, numerator: float | None, denominator: float | None, threshold: int
) -> None:
    value = None
    if kind == "count":
        value, denominator = numerator, None
    elif numerator is not None and denominator:
        value = 100 * numerator / denominator
    elif kind == "median":
        value = numerator
    got = suppress(kind, numerator, denominator, value, threshold)  # type: ignore[arg-type]
    # The counts a reader could see: a count's numerator and value, a ratio's numerator
    # and denominator, a median's denominator (the number of records).
    visible = {
        "count": [got.numerator, got.value],
        "percentage": [got.numerator, got.denominator],
        "rate": [got.numerator, got.denominator],
        "median": [got.denominator],
    }[kind]
    assert not any(_shown_small(c, threshold) for c in visible)
    # And a suppressed row shows nothing at all but "c" and blanks.
    if got.suppressed:
        assert {got.numerator, got.denominator, got.value} <= {"c", ""}


@settings(max_examples=300)
@given(kinds, counts, counts, counts, st.integers(0, 12))
def test_shown_cells_are_the_input_and_never_nan(
    kind: str, numerator: float | None, denominator: float | None, value: float | None, threshold: int
) -> None:
    got = suppress(kind, numerator, denominator, value, threshold)  # type: ignore[arg-type]
    for cell, original in zip(got[:3], (numerator, denominator, value), strict=True):
        assert cell is not None and not (isinstance(cell, float) and math.isnan(cell))
        if original is None:
            assert cell == ""
        elif cell != "c":
            assert cell == original


@settings(max_examples=100)
@given(st.lists(st.tuples(kinds, counts, counts, counts), min_size=1, max_size=20))
def test_frame_matches_scalar(rows: list[tuple[str, float | None, float | None, float | None]]) -> None:
    frame = pd.DataFrame(rows, columns=["type", "numerator", "denominator", "value"])
    out = suppress_frame(frame)
    for i, (kind, n, d, v) in enumerate(rows):
        got = suppress(kind, n, d, v)  # type: ignore[arg-type]
        assert out.loc[i, ["numerator", "denominator", "value"]].tolist() == list(got[:3])
