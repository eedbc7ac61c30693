"""Ofsted ILACS Annex A workbooks: the project's own messy fixtures, and the sector's sample.

The fixtures are written here with openpyxl, in the layout real workbooks have: sheets
``List 1`` ... ``List 11`` (named with case and space variants), Annex A lettered
labels and bare codes, date cells, Excel serial numbers and date-times, ``#N/A`` (as
text and as an error cell), stray spaces, fractional ages and header spellings from
different Annex A versions. Every count and reason below was worked out by hand from
the fixture.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine, inspect, select, text

from loaders.formats import ReadContext, detect
from loaders.formats.annex_a import lead_agency, read
from loaders.pipeline import FileOutcome, LoadOptions, load_bytes
from loaders.pseudonym import pseudonym
from scorecard.cli import main
from store.bulk import read_frame
from store.schema import kind_table, load_counts, rejects
from tests.conftest import TEST_KEY

OPTS = LoadOptions(key=TEST_KEY, default_la="394")
Rows = list[list[object]]


@dataclass(frozen=True)
class Text:
    """A cell forced to be text (openpyxl would make ``#N/A`` an error cell)."""

    value: str


def workbook(sheets: Mapping[str, Sequence[Sequence[object]]]) -> bytes:
    """An XLSX workbook with these sheets (first row: the headers)."""
    book = openpyxl.Workbook()
    assert book.active is not None
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, Text):
                    cell.value = value.value
                    cell.data_type = "s"
                else:
                    cell.value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# The project's own messy workbook. Raw child ids start with "AX" so a scan can find them.

LIST1: Rows = [
    [
        "Child ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Contact Date ",
        "Contact Source",
    ],
    ["AX001", "b) Female", "a) WBRI", date(2015, 1, 25), 9.13, date(2024, 1, 10), "q) 6: Police"],  # row 2
    ["AX002", "Male", "WBRI", 42000, 12.5, 45308, "2A"],  # row 3: serial 45308 = 2024-01-17
    ["AX003", "a) Male", "k) APKN", None, 3.75, datetime(2024, 1, 10, 14, 30), "e) 2A: Schools"],  # row 4
    ["  AX004 ", " b) Female ", "#N/A", Text("#N/A"), 7.0, "10/01/2024", " 6 "],  # row 5
    ["AX005", Text("#N/A"), None, "#N/A", 1.5, "not a date", "6"],  # row 6: rejected
    ["AX006", "Female", None, None, None, date(2024, 1, 11), "zz) 99: Martians"],  # row 7: rejected
    [None, None, None, None, None, None, None],  # row 8: blank, ignored
    [
        "AX001",
        "b) Female",
        "a) WBRI",
        date(2015, 1, 25),
        9.13,
        "2024-01-10",
        "6",
    ],  # row 9: duplicate of row 2
    ["AX021", "Male", None, None, None, date(2024, 2, 28), "6"],  # row 10
]

LIST2: Rows = [
    [
        "Child Unique ID",
        "Gender",
        "Assessment start date",
        "Assessment completion date",
        "Organisation completing assessment",
    ],
    ["AX010", "a) Male", date(2024, 2, 1), date(2024, 2, 20), "Top Town Academy"],  # row 2: school
    ["AX011", "b) Female", "2024-02-02", Text("#N/A"), "NHS Community Health Trust"],  # row 3: health
    ["AX012", "Male", 45325.5, None, "Thames Valley Police"],  # row 4: serial date-time; police
    ["AX013", "Female", date(2024, 2, 5), None, None],  # row 5: other
    ["AX014", "Female", "31/02/2024", None, "Early Help Hub North"],  # row 6: rejected
]

LIST3: Rows = [
    [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Date of referral",
        "Referral Source",
        "Referral NFA",
        "Number of Referrals in Last 12 Months",
        "Allocated Team",
        "Allocated Worker",
    ],
    [
        "AX001",
        "Female",
        "WBRI",
        None,
        9,
        date(2024, 1, 10),
        "q) 6: Police",
        "b) No",
        0,
        "Duty Team A",
        "Jane Worker",
    ],
    ["AX002", "Male", "WBRI", None, 12, date(2024, 1, 17), "2A", "No", 1, "Duty Team A", "Jane Worker"],
    [
        "AX003",
        "Male",
        "APKN",
        None,
        3,
        date(2024, 1, 18),
        "j) 3A: Health services",
        "0",
        0,
        "Duty B",
        "Al Worker",
    ],
    ["AX004", "Female", None, None, 7, date(2024, 1, 9), "6", "a) Yes", 2, "Duty B", "Al Worker"],
    ["AX020", "Male", None, None, 5, date(2024, 3, 1), "6", "no", 0, "Duty B", "Al Worker"],  # row 6
    ["AX020", "Male", None, None, 5, date(2024, 5, 1), "6", "no", 1, "Duty B", "Al Worker"],  # row 7
    ["AX021", "Male", None, None, 8, date(2024, 3, 1), "Martians", "no", 0, "Duty B", "Al Worker"],  # row 8
]

LIST4: Rows = [
    [
        "Child Unique ID",
        "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children’s social care support?",
        "Allocated Worker",
    ],
    ["AX020", date(2024, 4, 15), "Yes", date(2024, 5, 20), "a) Yes", "Jane Worker"],  # row 2
    ["AX020", date(2024, 5, 1), "Yes", None, None, "Jane Worker"],  # row 3
    ["AX021", date(2024, 3, 5), "y", date(2024, 3, 1), "b) No", "Jane Worker"],  # row 4: rejected
    ["AX030", date(2024, 2, 1), "Yes", date(2024, 2, 9), "b) No", "Jane Worker"],  # row 5
]

LIST5: Rows = [
    [
        "Child Unique ID",
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    ],
    ["AX020", date(2024, 3, 1), "No", date(2024, 3, 20), "Yes"],  # row 2
    ["AX031", date(2024, 3, 2), "a) Yes", None, None],  # row 3
]

LIST6: Rows = [
    ["Child Unique ID", "CIN Start Date", "CIN Closure Date", "Case Status"],
    ["AX040", date(2023, 6, 1), None, "a) Child in need plan"],  # row 2
    ["AX041", date(2023, 7, 1), date(2023, 6, 1), "a) Child in need plan"],  # row 3: rejected
]

LIST7: Rows = [
    [
        "Child Unique ID",
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?",
        "Date of latest review conference",
        "Child Protection Plan End Date",
        "Number of Previous Child Protection Plans",
        "Allocated Team",
        "Allocated Worker",
    ],
    [
        "AX050",
        date(2024, 1, 5),
        "a) Neglect",
        "NEG",
        date(2024, 2, 1),
        "a) Yes",
        date(2024, 1, 25),
        None,
        0.0,
        "CP 1",
        "Bo Worker",
    ],
    [
        "AX051",
        date(2024, 1, 6),
        "Emotional abuse",
        "b) Emotional abuse",
        None,
        None,
        None,
        None,
        "1",
        "CP 1",
        "Bo Worker",
    ],
    [
        "AX052",
        date(2024, 1, 7),
        "XYZ",
        None,
        date(2024, 2, 2),
        "b) No",
        None,
        None,
        0,
        "CP 2",
        "Bo Worker",
    ],  # row 4
]

LIST8: Rows = [
    ["Child Unique ID", "Date Started to be Looked After"],
    ["AX060", date(2020, 1, 1)],
    ["AX061", date(2021, 1, 1)],
]

RAW_IDS = [
    f"AX{n:03d}" for n in (1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 20, 21, 30, 31, 40, 41, 50, 51, 52, 60, 61)
]
NEVER_STORED = ["Jane Worker", "Al Worker", "Bo Worker", "Top Town Academy", "Thames Valley Police"]


def messy_sheets() -> dict[str, Rows]:
    return {
        "Cover": [["Annex A return"]],
        "List1": LIST1,
        "LIST 2": LIST2,
        "List 3 ": LIST3,
        "list 4": LIST4,
        "List 5": LIST5,
        "List 6": LIST6,
        "List 7": LIST7,
        "List 8": LIST8,
    }


MESSY = workbook(messy_sheets())

EXPECTED_COUNTS = {  # kind: (read, loaded, rejected)
    "contacts": (8, 5, 3),
    "referrals": (7, 6, 1),
    "assessments": (4, 3, 1),
    "s47": (2, 2, 0),
    "cp_plans": (3, 2, 1),
    "cp_visits": (2, 2, 0),
    "cp_reviews": (1, 1, 0),
    "cin_plans": (2, 1, 1),
    "early_help": (5, 4, 1),
}

DATE_FORMS = "not a date: expected YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY"
EXPECTED_REJECTS = [  # kind, sheet, row, column, value, reason
    (
        "assessments",
        "list 4",
        4,
        "authorisation_date",
        "2024-03-01",
        "authorisation_date 2024-03-01 is before start_date 2024-03-05",
    ),
    (
        "cin_plans",
        "List 6",
        3,
        "end_date",
        "2023-06-01",
        "end_date 2023-06-01 is before start_date 2023-07-01",
    ),
    ("contacts", "List1", 6, "contact_date", "not a date", DATE_FORMS),
    ("contacts", "List1", 7, "contact_source", "zz) 99: Martians", "unknown code: expected one of "),
    (
        "contacts",
        "List1",
        9,
        "contact_id",
        "CON-*",
        "duplicate contact_id: the same id for LA 394 is first at row 2 of sheet List1",
    ),
    (
        "cp_plans",
        "List 7",
        4,
        "initial_category",
        "XYZ",
        "unknown code: expected one of NEG, PHY, SAB, EMO, MUL",
    ),
    ("early_help", "LIST 2", 6, "start_date", "31/02/2024", "not a date in the calendar"),
    ("referrals", "List 3 ", 8, "referral_source", "Martians", "unknown code: expected one of "),
]


def reject_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        got = conn.execute(
            select(
                rejects.c.kind,
                rejects.c.sheet,
                rejects.c.row_number,
                rejects.c.column_name,
                rejects.c.value,
                rejects.c.reason,
            ).order_by(rejects.c.kind, rejects.c.row_number)
        ).all()
    return [tuple(r) for r in got]


def stored(engine: Engine, kind: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return read_frame(conn, kind_table(kind))


def by_child(engine: Engine, kind: str, raw_child: str) -> pd.DataFrame:
    frame = stored(engine, kind)
    return frame[frame["child_key"] == pseudonym(raw_child, TEST_KEY)].reset_index(drop=True)


def counts(outcome: FileOutcome) -> dict[str, tuple[int, int, int]]:
    return {k: (c.rows_read, c.rows_loaded, c.rows_rejected) for k, c in outcome.by_kind.items()}


def assert_reconciles(outcome: FileOutcome) -> None:
    for c in outcome.by_kind.values():
        assert c.rows_read == c.rows_loaded + c.rows_rejected
    assert outcome.rows_read == sum(c.rows_read for c in outcome.by_kind.values())
    assert outcome.rows_loaded == sum(c.rows_loaded for c in outcome.by_kind.values())
    assert outcome.rows_rejected == sum(c.rows_rejected for c in outcome.by_kind.values())
    assert outcome.rows_read == outcome.rows_loaded + outcome.rows_rejected


def store_text(engine: Engine) -> str:
    """Every value of every table in the store, as one string (to look for what must not be there)."""
    parts: list[str] = []
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Recognition


def test_an_annex_a_workbook_is_recognised_by_its_sheets_whatever_the_file_name(engine: Engine) -> None:
    assert detect("whatever.xlsx", MESSY, ["Cover", "List1", "LIST 2"]) is not None
    assert detect("referrals.xlsx", MESSY, ["Referrals"]) is None
    out = load_bytes(engine, "export_march.xlsx", MESSY, OPTS)
    assert (out.format, out.kind, out.status) == ("annex_a", "annex_a", "loaded")


# ---------------------------------------------------------------------------
# The messy workbook: every record loaded or rejected, with where and why


def test_messy_workbook_exact_counts_per_kind_and_reconciles(engine: Engine) -> None:
    out = load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    assert counts(out) == EXPECTED_COUNTS
    assert_reconciles(out)
    assert (out.rows_read, out.rows_loaded, out.rows_rejected) == (34, 26, 8)
    with engine.connect() as conn:
        per_kind = {
            r.kind: (r.rows_read, r.rows_loaded, r.rows_rejected)
            for r in conn.execute(select(load_counts).where(load_counts.c.la_code == "394"))
        }
    assert per_kind == EXPECTED_COUNTS


def test_messy_workbook_rejects_only_the_bad_records_with_sheet_row_column_value_reason(
    engine: Engine,
) -> None:
    load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    got = reject_rows(engine)
    assert len(got) == len(EXPECTED_REJECTS)
    for row, expected in zip(got, EXPECTED_REJECTS, strict=True):
        assert row[:4] == expected[:4]
        value = str(expected[4])
        assert str(row[4]).startswith(value[:-1]) if value.endswith("*") else row[4] == expected[4]
        assert str(row[5]).startswith(str(expected[5])), (row, expected)


def test_messy_workbook_notes_say_what_was_not_used(engine: Engine) -> None:
    out = load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    assert "sheets not used: Cover" in out.warnings
    assert "List 8 (children looked after): 2 rows read, not used by the scorecard" in out.warnings
    assert "List1: columns not used: Age of Child (Years)" in out.warnings
    assert "contacts: List1: 1 blank row(s) ignored" in out.warnings
    for missing in (9, 10, 11):
        assert not any(f"List {missing} " in w for w in out.warnings)


def test_values_are_normalised_and_extra_fields_mapped(engine: Engine) -> None:
    load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    ax1 = by_child(engine, "contacts", "AX001").iloc[0]
    assert (ax1["sex"], ax1["ethnicity"], ax1["contact_source"]) == ("Female", "WBRI", "6")
    assert ax1["date_of_birth"].date() == date(2015, 1, 25)
    ax2 = by_child(engine, "contacts", "AX002").iloc[0]  # serials: 42000 = 2014-12-27, 45308 = 2024-01-17
    assert (ax2["date_of_birth"].date(), ax2["contact_date"].date()) == (
        date(2014, 12, 27),
        date(2024, 1, 17),
    )
    ax3 = by_child(engine, "contacts", "AX003").iloc[0]  # a date-time cell: the time is dropped
    assert (ax3["contact_date"].date(), ax3["contact_source"], ax3["sex"]) == (
        date(2024, 1, 10),
        "2A",
        "Male",
    )
    ax4 = by_child(engine, "contacts", "AX004").iloc[0]  # stray spaces, #N/A as text
    assert (ax4["sex"], ax4["contact_date"].date()) == ("Female", date(2024, 1, 10))
    assert pd.isna(ax4["ethnicity"]) and pd.isna(ax4["date_of_birth"])
    referral = by_child(engine, "referrals", "AX001").iloc[0]
    assert (referral["team"], bool(referral["referral_nfa"])) == ("Duty Team A", False)
    assert bool(by_child(engine, "referrals", "AX004").iloc[0]["referral_nfa"]) is True  # "a) Yes"
    eh = by_child(engine, "early_help", "AX012").iloc[0]  # 45325.5: a serial date-time
    assert eh["start_date"].date() == date(2024, 2, 3)
    plan = by_child(engine, "cp_plans", "AX051").iloc[0]
    assert (plan["initial_category"], plan["latest_category"], plan["previous_plans"]) == ("EMO", "EMO", 1)
    visit = by_child(engine, "cp_visits", "AX050").iloc[0]
    assert (visit["visit_date"].date(), bool(visit["seen_alone"]), visit["team"]) == (
        date(2024, 2, 1),
        True,
        "CP 1",
    )


def test_early_help_lead_agency_from_the_organisation(engine: Engine) -> None:
    load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    agencies = {
        c: by_child(engine, "early_help", c).iloc[0]["lead_agency"]
        for c in ("AX010", "AX011", "AX012", "AX013")
    }
    assert agencies == {"AX010": "school", "AX011": "health", "AX012": "police", "AX013": "other"}


@pytest.mark.parametrize(
    ("organisation", "agency"),
    [
        ("St Mary's Primary School", "school"),
        ("Northgate Academy Trust", "school"),
        ("Early Help Locality 2", "early_help_service"),
        ("School Nursing Service", "health"),
        ("NHS Trust", "health"),
        ("Health Visiting Team", "health"),
        ("Early Help Schools Hub", "early_help_service"),
        ("Neighbourhood Police Team", "police"),
        ("Housing Options", "housing"),
        ("Barnardo's", "voluntary"),
        ("Local Charity for Families", "voluntary"),
        ("Voluntary & community", "voluntary"),
        ("Youth Offending Service", "other"),
        ("#N/A", "other"),
        (None, "other"),
    ],
)
def test_lead_agency_mapping(organisation: str | None, agency: str) -> None:
    assert lead_agency(organisation) == agency


# ---------------------------------------------------------------------------
# Links


def test_contact_outcome_is_referral_when_a_referral_follows_within_7_days(engine: Engine) -> None:
    load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    outcome = {
        c: by_child(engine, "contacts", c).iloc[0]["outcome"]
        for c in ("AX001", "AX002", "AX003", "AX004", "AX021")
    }
    assert outcome == {
        "AX001": "referral",  # referral the same day (day 0)
        "AX002": "referral",  # day 7
        "AX003": "pending",  # day 8
        "AX004": "pending",  # the referral was the day before the contact
        "AX021": "pending",  # its referral (List 3 row 8) is rejected: it does not count
    }


def test_assessments_and_s47_link_to_the_latest_referral_on_or_before_their_start(engine: Engine) -> None:
    load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    referrals = by_child(engine, "referrals", "AX020").set_index("referral_date")["referral_id"]
    march, may = referrals[pd.Timestamp("2024-03-01")], referrals[pd.Timestamp("2024-05-01")]
    assessments = by_child(engine, "assessments", "AX020").set_index("start_date")["referral_id"]
    assert assessments[pd.Timestamp("2024-04-15")] == march  # latest earlier referral, not the later one
    assert assessments[pd.Timestamp("2024-05-01")] == may  # on the same day counts
    assert by_child(engine, "s47", "AX020").iloc[0]["referral_id"] == march
    assert pd.isna(by_child(engine, "assessments", "AX030").iloc[0]["referral_id"])  # no referral at all
    assert pd.isna(by_child(engine, "s47", "AX031").iloc[0]["referral_id"])


def test_the_review_links_to_its_plan_and_visits_come_from_plan_rows(engine: Engine) -> None:
    load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    plan = by_child(engine, "cp_plans", "AX050").iloc[0]
    review = by_child(engine, "cp_reviews", "AX050").iloc[0]
    assert (review["plan_id"], review["review_date"].date()) == (plan["plan_id"], date(2024, 1, 25))
    # The plan of AX052 is rejected (category XYZ) but its visit is a visit: it loads.
    assert len(by_child(engine, "cp_visits", "AX052")) == 1
    assert len(by_child(engine, "cp_visits", "AX051")) == 0  # no visit date: no visit


def test_a_repeated_visit_date_of_the_same_child_is_one_visit() -> None:
    header = [
        "Child Unique ID",
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Date of the Last Statutory Visit",
    ]
    content = workbook(
        {
            "List 7": [
                header,
                ["AX070", date(2023, 1, 5), "NEG", date(2024, 2, 1)],
                ["AX070", date(2024, 1, 5), "PHY", date(2024, 2, 1)],
            ]
        }
    )
    found = read("a.xlsx", content, ReadContext(key=TEST_KEY, default_la="394"))
    tables = {t.kind: t for t in found.tables}
    assert (tables["cp_plans"].n_rows, tables["cp_visits"].n_rows, tables["cp_reviews"].n_rows) == (2, 1, 0)
    assert (
        "List 7: 1 statutory visit date(s) repeated for the same child on another plan row, taken once"
        in found.notes
    )


# ---------------------------------------------------------------------------
# Determinism: derived ids depend on content only


def excel_serial(day: object) -> int:
    assert isinstance(day, date)
    return (day - date(1899, 12, 30)).days


def test_the_same_workbook_twice_is_unchanged(engine: Engine) -> None:
    first = load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    again = load_bytes(engine, "annex_a copy.xlsx", MESSY, OPTS)
    assert again.status == "unchanged" and again.load_id == first.load_id


def test_the_same_content_resaved_differently_gets_the_same_ids(engine: Engine) -> None:
    load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    before = {k: sorted(stored(engine, k).iloc[:, 1].tolist()) for k in EXPECTED_COUNTS}
    # Re-saved: rows in another order, dates typed as text or serials, sheets renamed.
    sheets = messy_sheets()
    sheets["List1"] = [LIST1[0], *reversed(LIST1[1:])]
    sheets["List 3 "] = [LIST3[0]] + [[*r[:5], f"{r[5]:%d/%m/%Y}", *r[6:]] for r in LIST3[1:]]
    sheets["List 7"] = [LIST7[0]] + [[r[0], excel_serial(r[1]), *r[2:]] for r in LIST7[1:]]
    renamed = {("List 1" if k == "List1" else k): v for k, v in sheets.items()}
    out = load_bytes(engine, "annex_a_resaved.xlsx", workbook(renamed), OPTS)
    assert out.status == "loaded"
    after = {k: sorted(stored(engine, k).iloc[:, 1].tolist()) for k in EXPECTED_COUNTS}
    assert after == before  # superseded, not duplicated


def test_ids_are_keyed_hashes_not_the_child_id() -> None:
    found = read("a.xlsx", MESSY, ReadContext(key=TEST_KEY, default_la="394"))
    other = read("a.xlsx", MESSY, ReadContext(key=b"another-key-0123456789abcdef", default_la="394"))
    for mine, theirs in zip(found.tables, other.tables, strict=True):
        id_mine, id_theirs = mine.cells[0].dropna().tolist(), theirs.cells[0].dropna().tolist()
        assert id_mine and not set(id_mine) & set(id_theirs)
        assert not any(raw in i for i in id_mine for raw in RAW_IDS)


# ---------------------------------------------------------------------------
# What must never be stored


def test_no_raw_child_id_worker_name_or_organisation_anywhere_in_the_store(engine: Engine) -> None:
    load_bytes(engine, "annex_a.xlsx", MESSY, OPTS)
    dumped = store_text(engine)
    for raw in RAW_IDS + NEVER_STORED:  # not even in a reject's value
        assert raw not in dumped


# ---------------------------------------------------------------------------
# Whole-file rejections


def test_without_an_la_the_workbook_is_rejected_saying_how_to_give_one(engine: Engine) -> None:
    out = load_bytes(engine, "annex_a.xlsx", MESSY, LoadOptions(key=TEST_KEY))
    assert out.status == "rejected"
    assert out.message == (
        "annex_a.xlsx: an Ofsted Annex A workbook does not say which LA it comes from: give the LA "
        "(scorecard load --la 394, or the LA option when uploading) and load it again"
    )


def test_an_la_code_column_is_enough_without_a_default_la(engine: Engine) -> None:
    content = workbook(
        {
            "List 3": [
                ["Child ID", "LA Code", "Referral Date", "Referral Source", "Referral NFA?"],
                ["AX001", 394, date(2024, 1, 5), "6", "No"],
                ["AX002", "E08000024", date(2024, 1, 5), "6", "No"],
            ]
        }
    )
    out = load_bytes(engine, "annex_a.xlsx", content, LoadOptions(key=TEST_KEY))
    assert counts(out) == {"referrals": (2, 2, 0)}
    # Either form of an LA's code is stored as its DfE number (store/local_authorities.py).
    assert sorted(stored(engine, "referrals")["la_code"]) == ["394", "394"]


def test_a_list_without_a_required_column_rejects_the_file_naming_it(engine: Engine) -> None:
    content = workbook(
        {
            "List 3": [
                ["Child Unique ID", "Date of Referral", "Referral NFA?"],
                ["AX001", date(2024, 1, 5), "No"],
            ]
        }
    )
    out = load_bytes(engine, "annex_a.xlsx", content, OPTS)
    assert out.status == "rejected"
    assert out.message == (
        "annex_a.xlsx: sheet 'List 3' (Annex A list 3, referrals) has no column for referral_source "
        "(a header like 'Referral Source'); the columns found are: Child Unique ID, Date of Referral, "
        "Referral NFA?. Rename the column and load the file again."
    )


def test_list_sheets_that_are_not_annex_a_after_all_are_rejected_whole(engine: Engine) -> None:
    content = workbook({"List 1": [["Name", "Phone"], ["Ann", "0123"]]})
    out = load_bytes(engine, "lists.xlsx", content, OPTS)
    assert out.status == "rejected"
    assert out.message == (
        "lists.xlsx: sheet 'List 1' (Annex A list 1, contacts) has no header row with a child identifier "
        "column (a header like 'Child Unique ID') in its first 20 rows: add the Annex A headers and load "
        "the file again."
    )
    # A sheet with no header row: its first row (data, maybe a child id) is never shown.
    headless = workbook({"List 3": [["AX001", date(2024, 1, 5), "6", "No"]]})
    out = load_bytes(engine, "headless.xlsx", headless, OPTS)
    assert out.status == "rejected" and "AX001" not in str(out.message)
    only_later_lists = workbook({"List 9": [["Child Unique ID"], ["AX001"]]})
    out = load_bytes(engine, "care_leavers.xlsx", only_later_lists, OPTS)
    assert out.status == "rejected" and "include none of Lists 1-7" in str(out.message)


def test_a_title_row_above_the_headers_keeps_excel_row_numbers(engine: Engine) -> None:
    content = workbook(
        {
            "List 5": [
                ["List 5: Section 47 enquiries"],
                [],
                ["Child Unique ID", "Strategy discussion initiating Section 47 Enquiry Start Date"],
                ["AX001", date(2024, 1, 5)],
                ["AX002", "soon"],
            ]
        }
    )
    out = load_bytes(engine, "annex_a.xlsx", content, OPTS)
    assert counts(out) == {"s47": (2, 1, 1)}
    assert reject_rows(engine) == [("s47", "List 5", 5, "strategy_date", "soon", DATE_FORMS)]


# ---------------------------------------------------------------------------
# The command line


def test_scorecard_load_prints_a_readable_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCORECARD_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    for name in ("SCORECARD_DATABASE_URL", "SCORECARD_SECRET_KEY", "SCORECARD_DEFAULT_LA"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "annex_a.xlsx").write_bytes(MESSY)
    status = main(["load", "annex_a.xlsx", "--la", "394", "--db", "sqlite:///x.db", "--no-recompute"])
    first = capsys.readouterr().out.splitlines()[0]
    assert status == 0
    assert first == (
        "annex_a.xlsx: annex_a: 34 read, 26 loaded, 8 rejected [contacts 5/8, referrals 6/7, "
        "assessments 3/4, s47 2/2, cp_plans 2/3, cp_visits 2/2, cp_reviews 1/1, cin_plans 1/2, "
        "early_help 4/5]. "
        "Next: see the rejected rows with: scorecard rejects --load 1"
    )


# ---------------------------------------------------------------------------
# The sector's sample (../shared/interop), worked out by reading the workbook.


@pytest.mark.interop
def test_interop_annex_a_sample(engine: Engine, shared_dir: Path) -> None:
    content = (shared_dir / "interop" / "annex_a_sample.xlsx").read_bytes()
    out = load_bytes(engine, "annex_a_sample.xlsx", content, OPTS)
    assert out.status == "loaded"
    # List 1: 5 contacts, all valid ('q) 6: Police', 'b) 1B: Individual', 't) 9: Anonymous';
    #   one blank date of birth). None of these children is in List 3: outcome "pending".
    # List 2: 5 early help assessments, all valid (Academy -> school, Early Help ... -> early help).
    # List 3: 6 referrals, all valid ('s) 8: Other', 'j) 3D: Health services', ...; NFA "No").
    # List 4: 5 assessments, every one rejected: the column "Was the child assessed as requiring
    #   LA children's social care support?" (outcome_in_need, a yes/no) holds "CS Assessment
    #   Updated", which is not a yes/no, and a value present in a known column that cannot be
    #   parsed rejects the row (extracts.md, general rules).
    # List 5: 5 S47s, all valid (two with no ICPC: "Yes" it was deemed unnecessary, blank date).
    # List 6: 5 CIN plans, all valid (open: no closure date).
    # List 7: 7 CP plans, all valid ('Physical abuse' -> PHY, 'Emotional abuse' -> EMO); every
    #   row has a last statutory visit date (7 visits, no child twice); 5 rows have a latest
    #   review conference date (rows 3 and 4 blank): 5 reviews.
    # Lists 8-11: read, not used (5, 6, 5 and 5 rows).
    assert counts(out) == {
        "contacts": (5, 5, 0),
        "referrals": (6, 6, 0),
        "assessments": (5, 0, 5),
        "s47": (5, 5, 0),
        "cp_plans": (7, 7, 0),
        "cp_visits": (7, 7, 0),
        "cp_reviews": (5, 5, 0),
        "cin_plans": (5, 5, 0),
        "early_help": (5, 5, 0),
    }
    assert_reconciles(out)
    yes_no = "not a yes/no value: expected true/false, yes/no, y/n or 1/0"
    assert reject_rows(engine) == [
        ("assessments", "List 4", row, "outcome_in_need", "CS Assessment Updated", yes_no)
        for row in range(2, 7)
    ]
    for n, rows, title in (
        (8, 5, "children looked after"),
        (9, 6, "care leavers"),
        (10, 5, "adoption"),
        (11, 5, "adopters"),
    ):
        assert f"List {n} ({title}): {rows} rows read, not used by the scorecard" in out.warnings
    assert set(stored(engine, "contacts")["outcome"]) == {"pending"}
    # List 5 row 3 (child 6537810) has a referral on the same day in List 3: linked.
    s47 = stored(engine, "s47")
    linked = s47[s47["referral_id"].notna()]
    assert linked["source_row"].tolist() == [3]
    assert linked["referral_id"].iloc[0] in set(stored(engine, "referrals")["referral_id"])
    assert sorted(stored(engine, "early_help")["lead_agency"]) == ["early_help_service"] * 4 + ["school"]
    dumped = store_text(engine)
    for raw in ("6537810", "9212044", "Dustin", "Hazlett", "Top Town Academy"):
        assert raw not in dumped
