"""Working days and calendar months (kpis.md "Conventions"), and the shipped bank holidays."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from metrics.calendar import (
    CalendarRangeError,
    add_months,
    add_years,
    bank_holidays,
    calendar_range,
    in_calendar,
    working_days,
)
from metrics.periods import (
    Period,
    parse_month,
    period_for,
    periods_ending,
    periods_overlapping,
    previous_period,
)


def wd(a: str, b: str) -> int:
    return int(working_days(np.array([a], dtype="datetime64[D]"), np.array([b], dtype="datetime64[D]"))[0])


def test_same_day_is_zero_and_the_count_is_half_open() -> None:
    assert wd("2024-03-04", "2024-03-04") == 0  # Monday to itself
    assert wd("2024-03-04", "2024-03-05") == 1  # [Mon, Tue) holds Monday only
    assert wd("2024-03-04", "2024-03-11") == 5  # a week


def test_weekends_do_not_count() -> None:
    assert wd("2024-03-08", "2024-03-11") == 1  # Friday to Monday: Friday only
    assert wd("2024-03-09", "2024-03-11") == 0  # Saturday to Monday


def test_bank_holidays_inside_a_duration_do_not_count() -> None:
    # 22 to 29 December 2023: Fri 22, Mon 25 (Christmas), Tue 26 (Boxing Day), Wed 27, Thu 28.
    assert wd("2023-12-22", "2023-12-29") == 3
    # Easter 2024: Good Friday 29 March and Easter Monday 1 April.
    assert wd("2024-03-28", "2024-04-02") == 1


def test_one_off_bank_holidays_are_in_the_table() -> None:
    table = {str(d) for d in bank_holidays()}
    for day in ("2011-04-29", "2012-06-05", "2022-06-03", "2022-09-19", "2023-05-08"):
        assert day in table  # royal wedding, jubilees, state funeral, coronation
    # Substitute days, not the weekend dates: Christmas 2022 fell on a Sunday.
    assert "2022-12-27" in table and "2022-12-25" not in table


def test_the_table_covers_2010_to_2030_and_outside_it_is_an_error() -> None:
    start, end = calendar_range()
    assert (str(start), str(end)) == ("2010-01-01", "2030-12-31")
    assert wd("2010-01-04", "2030-12-31") > 0
    with pytest.raises(CalendarRangeError, match="2009-12-31 is outside the bank-holiday table"):
        wd("2009-12-31", "2010-01-05")
    with pytest.raises(CalendarRangeError, match="2031-01-01"):
        wd("2030-12-30", "2031-01-01")
    assert in_calendar(np.array(["2009-12-31", "2010-01-01", "NaT"], dtype="datetime64[D]")).tolist() == [
        False,
        True,
        False,
    ]


def test_missing_dates_must_be_masked_first() -> None:
    with pytest.raises(ValueError, match="mask missing dates"):
        wd("NaT", "2024-01-01")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-02-29", 12, "2025-02-28"),  # pandas DateOffset(months=12): 29 Feb → 28 Feb
        ("2024-02-29", -12, "2023-02-28"),
        ("2023-11-30", 3, "2024-02-29"),  # a review due date: day clamped to the month end
        ("2024-11-30", 3, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2024-03-15", -12, "2023-03-15"),
    ],
)
def test_calendar_months_clamp_the_day_to_the_month_end(day: str, months: int, expected: str) -> None:
    got = add_months(np.array([day], dtype="datetime64[D]"), months)
    assert str(got[0]) == expected


def test_two_calendar_years_and_nat() -> None:
    got = add_years(np.array(["2022-02-28", "2024-02-29", "NaT"], dtype="datetime64[D]"), 2)
    assert [str(d) for d in got] == ["2024-02-28", "2026-02-28", "NaT"]


def test_grains_and_their_labels() -> None:
    assert period_for("quarter", date(2025, 3, 1)) == Period(
        end=date(2025, 3, 31), start=date(2025, 1, 1), grain="quarter"
    )
    assert period_for("quarter", date(2025, 3, 1)).label == "Q4 2024-25"
    assert period_for("year", date(2025, 3, 1)).label == "2024-25"
    assert period_for("month", date(2024, 2, 1)).label == "Feb 2024"
    r12 = period_for("r12", date(2024, 2, 1))
    assert (r12.start, r12.end, r12.label) == (date(2023, 3, 1), date(2024, 2, 29), "12 months to Feb 2024")
    with pytest.raises(ValueError, match="no quarter period ends in February 2025"):
        period_for("quarter", date(2025, 2, 1))


def test_periods_whose_end_month_is_in_range_and_overlapping_periods() -> None:
    ends = [p.end for p in periods_ending("year", date(2024, 1, 1), date(2025, 6, 1))]
    assert ends == [date(2024, 3, 31), date(2025, 3, 31)]
    # Data from May 2024 to February 2025 lies in one financial year, whose end is after it.
    assert [p.label for p in periods_overlapping("year", date(2024, 5, 3), date(2025, 2, 10))] == ["2024-25"]
    assert previous_period(period_for("r12", date(2024, 3, 1))).end == date(2024, 2, 29)
    assert previous_period(period_for("quarter", date(2024, 6, 1))).end == date(2024, 3, 31)


def test_months_are_parsed_with_a_clear_error() -> None:
    assert parse_month("2025-03") == date(2025, 3, 1)
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        parse_month("March 2025")
