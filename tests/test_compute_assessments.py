"""Assessment indicators, hand-computed from kpis.md ("Assessments").

Working days counted by hand (2024): January has weekdays 2-5, 8-12, 15-19, 22-26,
29-31 (1 January is a bank holiday); February 1-2, 5-9, 12-16, 19-23, 26-29; March
1, 4-8, 11-15, 18-22, 25-28 (29 March Good Friday); April 2-5 (1 April Easter
Monday), 8-12, 15-19, 22-26, 29-30.
"""

from __future__ import annotations

import math

from metrics.snapshot_builder import build_snapshot, compute, nums, result

# Durations, working days in [start, authorisation):
#   2 Jan → 5 Mar: Jan 2-31 = 22, Feb = 21, Mar 1 and 4 = 2 → 45 (within)
#   2 Jan → 6 Mar: 46 (not within)
#   28 Mar → 2 Apr: Thu 28 only (Good Friday, weekend, Easter Monday) → 1
#   3 Apr → 3 Apr: same day → 0
#   8 Apr → 15 Apr: 8-12 → 5
#   15 Apr → 29 Apr: 15-19, 22-26 → 10
DURATIONS = build_snapshot(
    assessments=[
        {"start_date": "2024-01-02", "authorisation_date": "2024-03-05", "outcome_in_need": True},
        {"start_date": "2024-01-02", "authorisation_date": "2024-03-06", "outcome_in_need": None},
        {"start_date": "2024-03-28", "authorisation_date": "2024-04-02", "outcome_in_need": True},
        {"start_date": "2024-04-03", "authorisation_date": "2024-04-03", "outcome_in_need": False},
        {"start_date": "2024-04-08", "authorisation_date": "2024-04-15", "outcome_in_need": None},
        {"start_date": "2024-04-15", "authorisation_date": "2024-04-29", "outcome_in_need": False},
    ]
)


def test_assessments_completed_by_authorisation_date() -> None:
    out = compute(DURATIONS, "assessments_completed")
    assert [
        result(out, "assessments_completed", e)["value"]
        for e in ("2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30")
    ] == [0, 0, 2, 4]


def test_within_45_working_days_exactly_45_and_46() -> None:
    out = compute(DURATIONS, "assessments_45wd")
    # March: 45 (yes) and 46 (no) → 1 of 2.
    assert nums(result(out, "assessments_45wd", "2024-03-31")) == (1, 2, 50.0)
    # April: 1, 0, 5, 10 → all within.
    assert nums(result(out, "assessments_45wd", "2024-04-30")) == (4, 4, 100.0)
    # January: none completed → 0 / 0 and the reason.
    jan = result(out, "assessments_45wd", "2024-01-31")
    assert nums(jan) == (0, 0, None)
    assert jan["note"] == "no assessments completed in the period"


def test_median_duration_even_counts_take_the_mean_of_the_middle_two() -> None:
    out = compute(DURATIONS, "assessment_median_wd")
    # March: 45, 46 → 45.5.
    assert nums(result(out, "assessment_median_wd", "2024-03-31")) == (45.5, 2, 45.5)
    # April: 0, 1, 5, 10 → (1 + 5) / 2 = 3.
    assert nums(result(out, "assessment_median_wd", "2024-04-30")) == (3, 4, 3)
    # Q4 2023-24 (Jan-Mar) = March's; Q1 2024-25 (Apr-Jun) = April's.
    assert result(out, "assessment_median_wd", "2024-03-31", grain="quarter")["value"] == 45.5
    assert result(out, "assessment_median_wd", "2024-06-30", grain="quarter")["value"] == 3
    # 12 months to April 2024: 0, 1, 5, 10, 45, 46 → (5 + 10) / 2 = 7.5.
    assert result(out, "assessment_median_wd", "2024-04-30", grain="r12")["value"] == 7.5
    # Nothing completed in February: no median, count 0.
    feb = result(out, "assessment_median_wd", "2024-02-29")
    assert nums(feb) == (None, 0, None)
    assert feb["note"] == "no assessments completed in the period"


def test_median_of_an_odd_count_is_the_middle_value() -> None:
    snap = build_snapshot(
        assessments=[
            {"start_date": "2024-04-03", "authorisation_date": "2024-04-03"},  # 0
            {"start_date": "2024-04-08", "authorisation_date": "2024-04-15"},  # 5
            {"start_date": "2024-04-15", "authorisation_date": "2024-04-29"},  # 10
        ]
    )
    out = compute(snap, "assessment_median_wd")
    assert nums(result(out, "assessment_median_wd", "2024-04-30")) == (5, 3, 5)


def test_not_in_need_over_those_with_an_outcome_recorded() -> None:
    out = compute(DURATIONS, "assessments_not_in_need")
    # April: outcomes True, False, blank, False → recorded 3, false 2.
    assert nums(result(out, "assessments_not_in_need", "2024-04-30")) == (2, 3, 200 / 3)
    # March: True and blank → 0 of 1.
    assert nums(result(out, "assessments_not_in_need", "2024-03-31")) == (0, 1, 0.0)


# Open at the period end and more than 45 working days old:
#   X  start 2 Jan, never authorised: 21 wd to 31 Jan, 42 to 29 Feb, 63 to 31 Mar
#   Y  start 2 Jan, authorised Sun 31 Mar: authorised on the end → not open at 31 Mar
#   Z  start 2 Jan, authorised 1 Apr: open at 31 Mar (63) → counted; closed by 30 Apr
#   W46 start 22 Feb: to 30 Apr: Feb 22-29 (6), Mar (20), Apr (20) = 46 → counted
#   W45 start 23 Feb: 45 → not counted
#   F  start and authorised 28 Jun (keeps June in the data range)
OPEN = build_snapshot(
    assessments=[
        {"assessment_id": "X", "start_date": "2024-01-02"},
        {"assessment_id": "Y", "start_date": "2024-01-02", "authorisation_date": "2024-03-31"},
        {"assessment_id": "Z", "start_date": "2024-01-02", "authorisation_date": "2024-04-01"},
        {"assessment_id": "W46", "start_date": "2024-02-22"},
        {"assessment_id": "W45", "start_date": "2024-02-23"},
        {"assessment_id": "F", "start_date": "2024-06-28", "authorisation_date": "2024-06-28"},
    ]
)


def test_open_assessments_past_45_working_days_at_each_period_end() -> None:
    out = compute(OPEN, "assessments_open_over_45wd")
    by_end = {
        e: result(out, "assessments_open_over_45wd", e)["value"]
        for e in ("2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30")
    }
    # Jan: X 21 (no). Feb: X 42 (no). Mar: X, Z. Apr: X, W46 (W45 is exactly 45).
    # May and June: X, W46, W45 (all well past 45).
    assert by_end == {
        "2024-01-31": 0,
        "2024-02-29": 0,
        "2024-03-31": 2,
        "2024-04-30": 2,
        "2024-05-31": 3,
        "2024-06-30": 3,
    }
    # A quarter or year is read at its end: Q4 2023-24 ends 31 March.
    assert result(out, "assessments_open_over_45wd", "2024-03-31", grain="quarter")["value"] == 2
    assert result(out, "assessments_open_over_45wd", "2024-03-31", grain="year")["value"] == 2


def test_start_before_the_bank_holiday_table_is_decided_when_the_table_part_settles_it() -> None:
    snap = build_snapshot(
        assessments=[
            # Started 1970, never authorised: inside the table the 1970 start contributes
            # 20 wd to 31 Jan 2010 (1 Jan 2010 a holiday) and 40 to 28 Feb 2010 — the
            # true count can only be larger, so "> 45" is undecided; by 31 Mar 2010 the
            # table part alone is 62 > 45: certainly counted.
            {"start_date": "1970-01-01"},
            # 30 Dec 2009 → 5 Jan 2010: inside the table only Mon 4 Jan → at least 1;
            # "≤ 45" cannot be decided and the median cannot be taken.
            {"start_date": "2009-12-30", "authorisation_date": "2010-01-05", "team": "X"},
            {"start_date": "2010-01-05", "authorisation_date": "2010-01-06", "team": "Y"},
            {"start_date": "2010-03-31", "authorisation_date": "2010-03-31"},
        ]
    )
    out = compute(snap, "assessments_open_over_45wd", "assessments_45wd", "assessment_median_wd")
    note_1970 = "working days cannot be counted: 1970-01-01 is outside the bank-holiday table"
    for end in ("2010-01-31", "2010-02-28"):
        row = result(out, "assessments_open_over_45wd", end)
        assert math.isnan(row["value"]) and row["note"] == note_1970
    assert result(out, "assessments_open_over_45wd", "2010-03-31")["value"] == 1
    note_2009 = "working days cannot be counted: 2009-12-30 is outside the bank-holiday table"
    jan = result(out, "assessments_45wd", "2010-01-31")
    assert (math.isnan(jan["numerator"]), jan["denominator"], jan["note"]) == (True, 2, note_2009)
    # Only the group holding the record loses its value: team Y (5 → 6 Jan, 1 day) keeps it.
    team_y = result(out, "assessments_45wd", "2010-01-31", breakdown="team", group="Y")
    assert nums(team_y) == (1, 1, 100.0)
    median = result(out, "assessment_median_wd", "2010-01-31")
    assert (math.isnan(median["value"]), median["denominator"]) == (True, 2)
    assert median["note"] == note_2009
    # March 2010 needs no date outside the table: a value.
    assert nums(result(out, "assessments_45wd", "2010-03-31")) == (1, 1, 100.0)
    # The 1970 and 2009 main dates do not open periods before the table: none before 2010.
    assert (out["period_start"] >= "2010-01-01").all()
    assert any("main dates outside the bank-holiday table" in w for w in out.attrs["warnings"])
