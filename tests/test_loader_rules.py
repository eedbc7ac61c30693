"""The loading rules of extracts.md, one hand-made fixture per rule (no store needed)."""

from __future__ import annotations

import pandas as pd
import pytest

from loaders.readers import FileRejectedError, read_csv_bytes
from loaders.validate import MASKED, Validated, validate
from store.extracts import EXTRACTS
from tests.conftest import TEST_KEY


def csv_bytes(header: str, *rows: str, bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def run(kind: str, content: bytes, default_la: str | None = "394", name: str | None = None) -> Validated:
    table = read_csv_bytes(name or f"{kind}.csv", content)
    return validate(table, EXTRACTS[kind], default_la=default_la, key=TEST_KEY)


def reasons(v: Validated) -> list[tuple[int, str | None, str]]:
    return [(int(r.row_number), r.column_name, r.reason) for r in v.rejects.itertuples()]


CONTACT_HEADER = "contact_id,child_id,contact_date,contact_source,outcome,decision_date"


def test_headers_match_ignoring_case_spaces_hyphens_underscores_and_bom() -> None:
    content = csv_bytes(
        " Contact ID ,CHILD-ID,Contact_Date,contact source,Outcome,decision-date",
        "C1,P1,2024-01-05,6,referral,2024-01-05",
        bom=True,
    )
    v = run("contacts", content)
    assert (v.rows_read, v.rows_loaded, v.rows_rejected) == (1, 1, 0)
    assert v.frame.loc[0, "contact_id"] == "C1"


def test_column_order_does_not_matter() -> None:
    v = run(
        "contacts",
        csv_bytes("outcome,contact_source,contact_date,child_id,contact_id", "nfa,2A,2024-01-05,P1,C1"),
    )
    assert v.rows_loaded == 1 and v.frame.loc[0, "contact_source"] == "2A"


def test_missing_required_column_rejects_whole_file_naming_it_and_listing_found() -> None:
    with pytest.raises(FileRejectedError) as err:
        run("contacts", csv_bytes("contact_id,child_id,contact_date,outcome,Notes", "C1,P1,2024-01-05,nfa,x"))
    message = str(err.value)
    assert "required column contact_source missing" in message
    assert "the columns found are: contact_id, child_id, contact_date, outcome, Notes" in message


def test_two_headers_meaning_the_same_column_reject_the_file() -> None:
    with pytest.raises(FileRejectedError, match="'contact_date' and 'Contact Date' both mean contact_date"):
        run("contacts", csv_bytes(CONTACT_HEADER + ",Contact Date", "C1,P1,2024-01-05,6,nfa,,2024-01-05"))


def test_unknown_columns_are_ignored_and_reported_once() -> None:
    v = run(
        "contacts",
        csv_bytes(
            CONTACT_HEADER + ",Worker,Notes", "C1,P1,2024-01-05,6,nfa,,Ann,x", "C2,P2,2024-01-05,6,nfa,,Bo,y"
        ),
    )
    assert v.warnings == ["ignored columns not in the contacts format: Worker, Notes"]
    assert v.rows_loaded == 2


def test_no_la_code_column_and_no_default_rejects_the_file() -> None:
    with pytest.raises(FileRejectedError, match="no la_code column and no default LA"):
        run("contacts", csv_bytes(CONTACT_HEADER, "C1,P1,2024-01-05,6,nfa,"), default_la=None)


def test_row_level_problems_reject_only_that_row_with_row_column_value_reason() -> None:
    v = run(
        "contacts",
        csv_bytes(
            CONTACT_HEADER,
            "C1,P1,2024-01-05,6,referral,2024-01-06",  # row 1 fine
            "C2,P2,2024-13-01,6,nfa,",  # row 2 bad date
            "C3,P3,2024-01-05,99,nfa,",  # row 3 unknown code
            "C4,,2024-01-05,6,nfa,",  # row 4 blank required value
            "C5,P5,2024-01-05,6,nfa,2024-01-04",  # row 5 decision before contact
        ),
    )
    assert (v.rows_read, v.rows_loaded, v.rows_rejected) == (5, 1, 4)
    got = reasons(v)
    assert got[0] == (2, "contact_date", "not a date in the calendar")
    assert got[1][:2] == (3, "contact_source") and got[1][2].startswith("unknown code")
    assert got[2] == (4, "child_id", "required value is blank")
    assert got[3] == (5, "decision_date", "decision_date 2024-01-04 is before contact_date 2024-01-05")
    assert v.rejects["value"].tolist() == ["2024-13-01", "99", None, "2024-01-04"]


def test_one_reject_per_row_the_first_problem_in_column_order() -> None:
    # Bad contact_date (3rd column) and bad outcome (5th): the date is reported.
    v = run("contacts", csv_bytes(CONTACT_HEADER, "C1,P1,not-a-date,6,bogus,2023-01-01"))
    assert reasons(v) == [(1, "contact_date", "not a date: expected YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY")]


def test_common_columns_come_after_the_kinds_own_and_end_before_start_after_both() -> None:
    header = CONTACT_HEADER + ",recorded_date"
    # decision before contact (end-before-start) AND a bad recorded_date (common column):
    # the column problem comes first.
    v = run("contacts", csv_bytes(header, "C1,P1,2024-01-05,6,nfa,2024-01-04,soon"))
    assert reasons(v)[0][1] == "recorded_date"


def test_an_unparseable_optional_value_rejects_the_row_never_silently_blank() -> None:
    v = run("contacts", csv_bytes(CONTACT_HEADER + ",date_of_birth", "C1,P1,2024-01-05,6,nfa,,31/02/2015"))
    assert reasons(v) == [(1, "date_of_birth", "not a date in the calendar")]


def test_blank_null_na_mean_not_recorded_in_optional_columns() -> None:
    v = run(
        "contacts",
        csv_bytes(
            CONTACT_HEADER,
            "C1,P1,2024-01-05,6,nfa,NULL",
            "C2,P2,2024-01-05,6,nfa,#N/A",
            "C3,P3,2024-01-05,6,nfa,n/a",
        ),
    )
    assert v.rows_loaded == 3
    assert v.frame["decision_date"].isna().all()


def test_duplicate_ids_keep_the_first_valid_row() -> None:
    v = run(
        "contacts",
        csv_bytes(
            CONTACT_HEADER,
            "C1,P1,bad-date,6,nfa,",  # row 1: invalid, so not "the first"
            "C1,P2,2024-01-05,6,nfa,",  # row 2: first valid C1, kept
            "C1,P3,2024-01-06,6,nfa,",  # row 3: duplicate of row 2
        ),
    )
    assert v.frame["source_row"].tolist() == [2]
    assert reasons(v)[1] == (
        3,
        "contact_id",
        "duplicate contact_id: the same id for LA 394 is first at row 2",
    )


def test_ids_are_unique_within_an_la_not_across() -> None:
    v = run(
        "contacts",
        csv_bytes(
            CONTACT_HEADER + ",la_code",
            "C1,P1,2024-01-05,6,nfa,,394",
            "C1,P1,2024-01-05,6,nfa,,390",
            "C1,P2,2024-01-06,6,nfa,,E08000024",
        ),
    )
    # E08000024 is Sunderland's ONS code: the same LA as 394, so the third row repeats C1.
    assert v.rows_loaded == 2
    assert sorted(v.counts["la_code"]) == ["390", "394"]
    assert v.rejects["reason"].str.startswith("duplicate contact_id").tolist() == [True]


def test_blank_la_code_takes_the_default_and_without_one_rejects_the_row() -> None:
    content = csv_bytes(
        CONTACT_HEADER + ",la_code", "C1,P1,2024-01-05,6,nfa,,", "C2,P1,2024-01-05,6,nfa,,390"
    )
    assert run("contacts", content).frame["la_code"].tolist() == ["394", "390"]
    v = run("contacts", content, default_la=None)
    assert reasons(v) == [(1, "la_code", "la_code is blank and no default LA is set")]


def test_child_ids_are_pseudonymised_and_masked_in_rejects() -> None:
    v = run(
        "contacts", csv_bytes(CONTACT_HEADER, "C1,P000123,2024-01-05,6,nfa,", "C1,P000456,2024-01-05,6,nfa,")
    )
    assert "child_id" not in v.frame.columns
    key = v.frame.loc[0, "child_key"]
    assert len(key) == 24 and "P000123" not in key
    assert "P000456" not in v.rejects.to_string()
    # A child's own column never shows the identifier: a blank one shows nothing, a present one is masked.
    v2 = run(
        "referrals",
        csv_bytes(
            "referral_id,child_id,referral_date,referral_source,referral_nfa", "R1,P9,2024-01-05,6,maybe"
        ),
    )
    assert "P9" not in v2.rejects.to_string()
    assert MASKED == "(masked)"


def test_same_child_same_key_gives_the_same_pseudonym_across_extracts() -> None:
    c = run("contacts", csv_bytes(CONTACT_HEADER, "C1,P77,2024-01-05,6,referral,"))
    r = run(
        "referrals",
        csv_bytes(
            "referral_id,child_id,referral_date,referral_source,referral_nfa", "R1,P77,2024-01-05,6,no"
        ),
    )
    assert c.frame.loc[0, "child_key"] == r.frame.loc[0, "child_key"]


def test_rows_with_the_wrong_number_of_fields_are_rejected_not_dropped() -> None:
    v = run(
        "contacts",
        csv_bytes(CONTACT_HEADER, "C1,P1,2024-01-05,6,nfa,", "C2,P2,2024-01-05", "C3,P3,2024-01-05,6,nfa,"),
    )
    assert (v.rows_read, v.rows_loaded, v.rows_rejected) == (3, 2, 1)
    assert reasons(v) == [(2, None, "the row has 3 fields but the header has 6")]


def test_blank_rows_are_not_rows_and_are_noted() -> None:
    v = run(
        "contacts", csv_bytes(CONTACT_HEADER, "C1,P1,2024-01-05,6,nfa,", ",,,,,", "C2,P2,2024-01-05,6,nfa,")
    )
    assert (v.rows_read, v.rows_loaded) == (2, 2)
    assert v.frame["source_row"].tolist() == [1, 3]  # numbers stay those of the file
    assert "1 blank row(s) ignored" in v.warnings


def test_not_utf8_rejects_the_file_with_how_to_fix() -> None:
    with pytest.raises(FileRejectedError, match=r"not UTF-8 text .*: save it as 'CSV UTF-8'"):
        read_csv_bytes("contacts.csv", "contact_id,child_id\nC1,Zoë\n".encode("cp1252"))


def test_typed_values_of_every_kind_of_column() -> None:
    header = (
        "referral_id,child_id,referral_date,referral_source,referral_nfa,"
        "contact_id,primary_need,closure_date,closure_reason"
    )
    v = run(
        "referrals", csv_bytes(header, "R1,P1,05/01/2024,j) 3D: Health services,a) Yes,C1,N4,2024-02-01,RC8")
    )
    row = v.frame.iloc[0]
    assert row["referral_date"] == pd.Timestamp("2024-01-05")
    assert row["referral_source"] == "3D" and bool(row["referral_nfa"]) is True
    assert row["closure_reason"] == "RC8" and row["primary_need"] == "N4"
    plans = run(
        "cp_plans",
        csv_bytes(
            "plan_id,child_id,start_date,initial_category,previous_plans",
            "P1,C1,2024-01-05,a) Neglect,2",
            "P2,C2,2024-01-05,EMO,-1",
        ),
    )
    assert plans.frame.loc[0, "initial_category"] == "NEG" and plans.frame.loc[0, "previous_plans"] == 2
    assert reasons(plans) == [(2, "previous_plans", "must be at least 0")]


def test_population_needs_la_code_and_replaces_by_la_and_year() -> None:
    v = run(
        "population",
        csv_bytes("la_code,year,population_0_17", "394,2024,61000", "394,2024,62000", "390,2024,"),
    )
    assert v.frame[["la_code", "year", "population_0_17"]].values.tolist() == [["394", 2024, 61000]]
    got = reasons(v)
    assert got[0][1] == "year" and got[0][2].startswith("duplicate la_code/year") is False
    assert got[1] == (3, "population_0_17", "required value is blank")


def test_a_file_without_a_header_row_is_rejected_without_repeating_its_first_row() -> None:
    with pytest.raises(FileRejectedError) as err:
        run("contacts", csv_bytes("C1,P0012345,2024-01-05,6,nfa,", "C2,P2,2024-01-05,6,nfa,"))
    message = str(err.value)
    assert "no column matches the contacts format" in message and "first row is the header row" in message
    assert "P0012345" not in message


def test_dates_after_the_load_date_or_before_1990_are_rejected() -> None:
    from datetime import date

    from loaders.readers import read_csv_bytes
    from loaders.sanity import DateLimits, reason_code
    from loaders.validate import validate
    from store.extracts import EXTRACTS

    content = csv_bytes(
        CONTACT_HEADER,
        "C1,P1,2030-06-01,6,nfa,",
        "C2,P2,1989-12-31,6,nfa,",
        "C3,P3,2026-03-31,6,nfa,",
        "C4,P4,2026-04-02,6,nfa,",
    )
    table = read_csv_bytes("contacts.csv", content)
    strict = validate(table, EXTRACTS["contacts"], default_la="394", key=b"k" * 32,
                      dates=DateLimits(date(2026, 3, 31)))  # fmt: skip
    assert strict.rejects["row_number"].tolist() == [1, 2, 4]
    reasons = strict.rejects["reason"].tolist()
    assert reasons[0].startswith("contact_date 2030-06-01 is after the load date 2026-03-31")
    assert reasons[1].startswith("contact_date 1989-12-31 is before 1990")
    assert [reason_code(r) for r in reasons] == ["date_in_future", "date_before_1990", "date_in_future"]
    # A grace of 2 days accepts 2 April (the load date is the 31st of March).
    lenient = validate(table, EXTRACTS["contacts"], default_la="394", key=b"k" * 32,
                       dates=DateLimits(date(2026, 3, 31), grace_days=2))  # fmt: skip
    assert lenient.rejects["row_number"].tolist() == [1, 2]


def test_an_unknown_la_code_is_a_row_reject_naming_it() -> None:
    v = run(
        "contacts",
        csv_bytes(CONTACT_HEADER + ",la_code", "C1,P1,2024-01-05,6,nfa,,399", "C2,P2,2024-01-05,6,nfa,,394"),
    )
    assert v.rows_loaded == 1
    (reason,) = v.rejects["reason"].tolist()
    assert "la_code 399 is not a local authority in England" in reason


def test_rows_shorter_than_the_header_are_rejected_not_a_crash() -> None:
    v = run("contacts", csv_bytes(CONTACT_HEADER, "K1,C1", "K2,C2"))
    assert v.rows_loaded == 0
    assert v.rejects["reason"].tolist() == ["the row has 2 fields but the header has 6"] * 2
