"""Loading into a real store (SQLite file and PostgreSQL): records, reloads, transactions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from loaders import pipeline
from loaders.pipeline import LoadOptions, commit, load_bytes, load_paths, prepare_bytes
from loaders.pseudonym import PseudonymKeyError, pseudonym
from store.bulk import read_frame
from store.schema import kind_table, load_counts, loads, rejects
from tests.conftest import TEST_KEY
from tests.test_loader_rules import CONTACT_HEADER, csv_bytes

OPTS = LoadOptions(key=TEST_KEY, default_la="394", partner="MASH", loaded_by="tester")


def table_rows(engine: Engine, kind: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        frame = read_frame(conn, kind_table(kind))
    return [tuple(r) for r in frame.drop(columns=["load_id"]).astype(object).itertuples(index=False)]


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def snapshot(engine: Engine) -> dict[str, object]:
    """Everything a load can change, to compare before and after."""
    with engine.connect() as conn:
        out: dict[str, object] = {}
        for t in (loads, load_counts, rejects, kind_table("contacts"), kind_table("referrals")):
            out[t.name] = sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
    return out


GOOD = csv_bytes(
    CONTACT_HEADER + ",team", "C1,P1,2024-02-29,6,referral,2024-03-01,Duty A", "C2,P2,2024-03-04,2A,nfa,,"
)


def test_a_load_writes_typed_records_a_load_record_and_counts(engine: Engine) -> None:
    out = load_bytes(engine, "contacts.csv", GOOD, OPTS)
    assert (out.status, out.rows_read, out.rows_loaded, out.rows_rejected) == ("loaded", 2, 2, 0)
    with engine.connect() as conn:
        frame = read_frame(conn, kind_table("contacts"))
        record = conn.execute(select(loads)).one()
        counts = conn.execute(select(load_counts)).all()
    assert frame["contact_date"].tolist()[0].date() == date(2024, 2, 29)
    assert frame.loc[0, "child_key"] == pseudonym("P1", TEST_KEY)
    assert frame.loc[0, "team"] == "Duty A" and frame.loc[0, "source_row"] == 1
    assert (record.kind, record.partner, record.loaded_by, record.status) == (
        "contacts",
        "MASH",
        "tester",
        "loaded",
    )
    assert [(c.kind, c.la_code, c.rows_read, c.rows_loaded, c.rows_rejected) for c in counts] == [
        ("contacts", "394", 2, 2, 0)
    ]


def test_rejected_rows_are_kept_with_their_reasons(engine: Engine) -> None:
    content = csv_bytes(CONTACT_HEADER, "C1,P1,2024-01-05,6,nfa,", "C2,P2,2024-01-05,6,maybe,")
    out = load_bytes(engine, "contacts.csv", content, OPTS)
    with engine.connect() as conn:
        got = conn.execute(
            select(rejects.c.load_id, rejects.c.row_number, rejects.c.column_name, rejects.c.value)
        ).all()
    assert [tuple(r) for r in got] == [(out.load_id, 2, "outcome", "maybe")]


def test_the_raw_child_id_never_reaches_the_store(engine: Engine, tmp_path: Path) -> None:
    raw_ids = ["PZ8812345", "PZ8812346", "PZ8812347"]
    content = csv_bytes(
        CONTACT_HEADER,
        f"C1,{raw_ids[0]},2024-01-05,6,nfa,",
        f"C2,{raw_ids[1]},2024-01-05,6,bogus,",  # rejected row
        f"C1,{raw_ids[2]},2024-01-05,6,nfa,",  # duplicate id
    )
    load_bytes(engine, "contacts.csv", content, OPTS)
    dumped = repr(snapshot(engine))
    for raw in raw_ids:
        assert raw not in dumped
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database is not None
        engine.dispose()
        for path in Path(database).parent.glob(Path(database).name + "*"):  # the file, its WAL and SHM
            assert not any(raw.encode() in path.read_bytes() for raw in raw_ids), path


def test_byte_identical_reload_is_unchanged_and_changes_nothing(engine: Engine) -> None:
    first = load_bytes(engine, "contacts.csv", GOOD, OPTS)
    before = snapshot(engine)
    again = load_bytes(engine, "contacts_copy.csv", GOOD, OPTS)
    assert again.status == "unchanged" and again.load_id == first.load_id
    assert "identical to load" in (again.message or "")
    assert snapshot(engine) == before


def test_a_bad_file_reloaded_is_rejected_again_without_a_second_record(engine: Engine) -> None:
    bad = csv_bytes("contact_id,child_id", "C1,P1")
    first = load_bytes(engine, "contacts.csv", bad, OPTS)
    assert first.status == "rejected" and first.rows_read == 1 and first.rows_rejected == 1
    before = snapshot(engine)
    again = load_bytes(engine, "contacts.csv", bad, OPTS)
    assert again.status == "rejected" and "identical to load" in (again.message or "")
    assert snapshot(engine) == before


def test_a_corrected_extract_supersedes_records_with_the_same_ids(engine: Engine) -> None:
    load_bytes(engine, "contacts.csv", GOOD, OPTS)
    corrected = csv_bytes(
        CONTACT_HEADER + ",team",
        "C2,P2,2024-03-04,2A,early_help,2024-03-05,Duty B",
        "C3,P3,2024-03-05,6,nfa,,",
    )
    load_bytes(engine, "contacts_fix.csv", corrected, OPTS)
    rows = {r[1]: r for r in table_rows(engine, "contacts")}
    assert sorted(rows) == ["C1", "C2", "C3"]  # never duplicated
    assert rows["C2"][5] == "early_help"  # the correction won
    assert count(engine, kind_table("contacts")) == 3


def test_ids_unique_within_an_la_not_across(engine: Engine) -> None:
    content = csv_bytes(
        CONTACT_HEADER + ",la_code", "C1,P1,2024-01-05,6,nfa,,394", "C1,P1,2024-01-05,6,nfa,,390"
    )
    out = load_bytes(engine, "contacts.csv", content, LoadOptions(key=TEST_KEY))
    assert out.rows_loaded == 2
    assert sorted(r[0] for r in table_rows(engine, "contacts")) == ["390", "394"]
    with engine.connect() as conn:
        counts = {r.la_code: r.rows_loaded for r in conn.execute(select(load_counts))}
    assert counts == {"390": 1, "394": 1}


def test_population_file_replaces_the_pairs_it_contains(engine: Engine) -> None:
    load_bytes(
        engine,
        "population.csv",
        csv_bytes("la_code,year,population_0_17", "394,2023,60000", "394,2024,61000"),
        OPTS,
    )
    load_bytes(
        engine,
        "population.csv",
        csv_bytes("la_code,year,population_0_17", "394,2024,61500", "390,2024,52000"),
        OPTS,
    )
    assert sorted(table_rows(engine, "population")) == [
        ("390", 2024, 52000),
        ("394", 2023, 60000),
        ("394", 2024, 61500),
    ]


def test_a_failure_part_way_leaves_the_store_exactly_as_before(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_bytes(engine, "contacts.csv", GOOD, OPTS)
    before = snapshot(engine)
    calls = {"n": 0}
    real_upsert = pipeline.upsert

    def failing_upsert(conn: object, table: object, frame: object) -> int:
        calls["n"] += 1
        written = real_upsert(conn, table, frame)  # type: ignore[arg-type]
        raise RuntimeError("disk full")  # after the rejects were written, before the records
        return written

    monkeypatch.setattr(pipeline, "upsert", failing_upsert)
    content = csv_bytes(CONTACT_HEADER, "C9,P9,2024-01-05,6,nfa,", "C8,P8,2024-01-05,6,bogus,")
    with pytest.raises(RuntimeError, match="disk full"):
        load_bytes(engine, "contacts2.csv", content, OPTS)
    assert calls["n"] == 1
    assert snapshot(engine) == before


def test_loading_with_a_different_key_is_refused(engine: Engine) -> None:
    load_bytes(engine, "contacts.csv", GOOD, OPTS)
    other = LoadOptions(key=b"another-key-0123456789abcdef", default_la="394")
    with pytest.raises(PseudonymKeyError, match="different pseudonymisation key"):
        load_bytes(
            engine,
            "referrals.csv",
            csv_bytes(
                "referral_id,child_id,referral_date,referral_source,referral_nfa", "R1,P1,2024-01-05,6,no"
            ),
            other,
        )


def test_preview_writes_nothing(engine: Engine) -> None:
    before = snapshot(engine)
    prepared = prepare_bytes(engine, "contacts.csv", GOOD, OPTS)
    assert prepared.outcome.status == "preview" and prepared.outcome.rows_loaded == 2
    assert snapshot(engine) == before
    assert commit(engine, prepared).status == "loaded"


@pytest.fixture
def workbook(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "extract.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["This sheet is not the data"])
    sheet = book.create_sheet("Referrals")
    sheet.append(["Referral ID", "Child ID", "Referral Date", "Referral Source", "Referral NFA"])
    sheet.append([101, "P1", date(2024, 2, 29), "q) 6: Police", "b) No"])  # number id, real date cell
    sheet.append(["R2", "P2", 45351, "2A", 0])  # an Excel serial number: 2024-02-29
    sheet.append(["R3", "P3", "31/02/2024", "2A", "no"])  # not a date
    book.save(path)
    yield path


def test_a_workbook_uses_the_sheet_named_after_the_kind_with_excel_rows(
    engine: Engine, workbook: Path
) -> None:
    out = load_bytes(engine, "referrals_2024-03.xlsx", workbook.read_bytes(), OPTS)
    assert (out.format, out.kind, out.rows_read, out.rows_loaded, out.rows_rejected) == (
        "xlsx",
        "referrals",
        3,
        2,
        1,
    )
    rows = sorted(table_rows(engine, "referrals"), key=lambda r: str(r[1]))
    assert [r[1] for r in rows] == ["101", "R2"]
    assert all(r[3].date() == date(2024, 2, 29) for r in rows)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rej = conn.execute(select(rejects.c.sheet, rejects.c.row_number, rejects.c.column_name)).one()
    assert tuple(rej) == ("Referrals", 4, "referral_date")  # Excel's row 4: header on row 1


def test_folders_load_every_extract_in_journey_order(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "referrals.csv").write_bytes(
        csv_bytes("referral_id,child_id,referral_date,referral_source,referral_nfa", "R1,P1,2024-01-05,6,no")
    )
    (folder / "contacts.csv").write_bytes(GOOD)
    (folder / "README.txt").write_text("not an extract")
    outcomes = load_paths(engine, [folder], OPTS)
    assert [o.kind for o in outcomes] == ["contacts", "referrals"]


def test_a_file_whose_kind_cannot_be_told_is_rejected_with_what_to_do(engine: Engine) -> None:
    out = load_bytes(engine, "export.csv", GOOD, OPTS)
    assert out.status == "rejected"
    assert (out.rows_read, out.rows_loaded, out.rows_rejected) == (2, 0, 2)
    assert "name the file after its kind" in (out.message or "") and "--kind" in (out.message or "")
