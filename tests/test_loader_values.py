"""Every accepted date, boolean and code form of extracts.md, and what is refused."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from loaders.values import (
    Failure,
    excel_cell_text,
    is_null_token,
    parse_bool,
    parse_column,
    parse_date,
    parse_int,
    parse_la,
    parse_number,
    resolve_code,
    resolve_codes,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-29", date(2024, 2, 29)),
        ("29/02/2024", date(2024, 2, 29)),
        ("29-02-2024", date(2024, 2, 29)),
        ("2024-03-01 10:11:12", date(2024, 3, 1)),  # time dropped
        ("5/6/2024", date(2024, 6, 5)),  # day first, always
        ("05/06/2024", date(2024, 6, 5)),
    ],
)
def test_accepted_date_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29",  # not a leap year
        "2024-02-30",
        "12/25/2024",  # MM/DD/YYYY: month 25 does not exist, never guessed
        "31/04/2024",
        "2024/03/01",
        "yesterday",
        "45000",  # a serial number is only a date in a workbook
        "1899-12-31",  # outside the plausible range
    ],
)
def test_refused_dates_are_failures(text: str) -> None:
    assert isinstance(parse_date(text), Failure)


def test_excel_serials_only_when_allowed() -> None:
    # 1899-12-30 + 45351 days = 2024-02-29 (Excel's own serial for that date).
    assert parse_date("45351", excel_serials=True) == date(2024, 2, 29)
    assert parse_date("45351.75", excel_serials=True) == date(2024, 2, 29)  # date-time: time dropped
    assert isinstance(parse_date("45351"), Failure)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("a) Yes", True),
        ("b) No", False),
        ("A) YES", True),
    ],
)
def test_accepted_booleans(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["maybe", "2", "t", "yes please"])
def test_refused_booleans(text: str) -> None:
    assert isinstance(parse_bool(text), Failure)


@pytest.mark.parametrize("text", ["", "NULL", "null", "N/A", "n/a", "#N/A", "  "])
def test_null_tokens_mean_not_recorded(text: str) -> None:
    assert is_null_token(text)


@pytest.mark.parametrize(
    ("text", "code_list", "expected"),
    [
        ("6", "referral_source", "6"),
        ("q) 6: Police", "referral_source", "6"),
        ("b) 1B: Individual", "referral_source", "1B"),
        ("3e", "referral_source", "3E"),
        ("NEG", "cp_category", "NEG"),
        ("a) Neglect", "cp_category", "NEG"),
        ("Physical abuse", "cp_category", "PHY"),
        ("RC8", "closure_reason", "RC8"),
        ("n4", "primary_need", "N4"),
        ("Early help", "contact_outcome", "early_help"),
        ("early-help", "contact_outcome", "early_help"),
        ("Schools & education", "eh_lead_agency", "school"),
        ("outcomes_achieved", "eh_closure_reason", "outcomes_achieved"),
    ],
)
def test_codes_bare_or_labelled(text: str, code_list: str, expected: str) -> None:
    assert resolve_code(text, code_list) == expected


@pytest.mark.parametrize(
    ("text", "code_list"),
    [("11", "referral_source"), ("RC10", "closure_reason"), ("XYZ", "cp_category"), ("N10", "primary_need")],
)
def test_unknown_codes_are_failures(text: str, code_list: str) -> None:
    result = resolve_code(text, code_list)
    assert isinstance(result, Failure)
    assert "expected one of" in result


def test_factor_lists_split_on_comma_or_semicolon_and_accept_retired_codes() -> None:
    assert resolve_codes("1A; 2b,18A ,19A", "assessment_factor") == "1A,2B,18A,19A"
    failure = resolve_codes("1A,RB", "assessment_factor")
    assert isinstance(failure, Failure)
    assert "'RB'" in failure


def test_whole_numbers_and_numbers() -> None:
    assert parse_int("3") == 3
    assert parse_int("3.0") == 3
    assert isinstance(parse_int("3.5"), Failure)
    assert isinstance(parse_int("-1", minimum=0), Failure)
    assert parse_int("0", minimum=0) == 0
    assert parse_number("12.5") == 12.5
    assert isinstance(parse_number("nan"), Failure)
    assert isinstance(parse_number("ten"), Failure)


def test_la_codes() -> None:
    assert parse_la("394") == "394"
    assert parse_la("e08000024") == "394"  # the ONS code of the same LA
    assert parse_la("E08000037") == "390"
    assert parse_la("394.0") == "394"  # a number cell in a workbook
    for bad in ("39", "3941", "Sunderland", "E0800002"):
        assert isinstance(parse_la(bad), Failure)
    unknown = parse_la("399")  # the right form, but no English LA has the number
    assert isinstance(unknown, Failure) and "399" in str(unknown)
    assert isinstance(parse_la("W06000015"), Failure)  # Cardiff: not an English LA


def test_parse_column_maps_distinct_values_back_to_rows() -> None:
    raw = pd.Series(["2024-01-01", None, "NULL", "bad", "2024-01-01"], dtype="str")
    parsed = parse_column(raw, parse_date, "date")
    assert parsed.missing.tolist() == [False, True, True, False, False]
    assert [f is not None for f in parsed.failures] == [False, False, False, True, False]
    assert parsed.values.iloc[0] == pd.Timestamp("2024-01-01")
    assert pd.isna(parsed.values.iloc[1]) and pd.isna(parsed.values.iloc[3])


def test_workbook_cells_as_text() -> None:
    from datetime import datetime

    assert excel_cell_text(9212044.0) == "9212044"
    assert excel_cell_text(2.5) == "2.5"
    assert excel_cell_text(datetime(2024, 2, 29, 10, 0)) == "2024-02-29"
    assert excel_cell_text(True) == "true"
    assert excel_cell_text(None) is None
