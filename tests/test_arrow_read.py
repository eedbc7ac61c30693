"""Reading through ADBC's SQLite driver gives the frames the sqlite3 path gives."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from loaders.pipeline import LoadOptions, load_paths
from metrics.snapshot import computed_columns
from store.arrow_read import arrow_reader
from store.bulk import read_frame
from store.engine import open_store, writing
from store.extracts import EXTRACTS
from store.schema import kind_table, load_counts, loads
from synthetic.generator import generate
from tests.conftest import TEST_KEY

pytest.importorskip("adbc_driver_sqlite")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("arrow")
    generate(folder / "files", children=150, years=1, start=date(2023, 4, 1), las=["394", "390"], seed=3)
    url = f"sqlite:///{folder / 'store.db'}"
    load_paths(open_store(url), [folder / "files"], LoadOptions(key=TEST_KEY))
    return url


@pytest.mark.parametrize("kind", list(EXTRACTS))
def test_every_kind_reads_the_same_as_through_sqlite3(loaded: str, kind: str) -> None:
    engine = open_store(loaded)
    reader = arrow_reader(loaded)
    assert reader is not None
    with engine.connect() as conn, reader:
        for columns, where, params in (
            (computed_columns(kind), "la_code IN (:la0)", {"la0": "394"}),
            (None, "", None),
            (None, "1 = 0", None),
        ):
            expected = read_frame(conn, kind_table(kind), columns, where_sql=where, params=params)
            got = reader.read(kind_table(kind), columns, where_sql=where, params=params)
            pd.testing.assert_frame_equal(got, expected)
            if where == "":
                assert len(got) > 0  # the generator writes every kind


@pytest.mark.parametrize("kind", ["contacts", "referrals", "audits"])
def test_distinct_groups_read_the_same(loaded: str, kind: str) -> None:
    # What a monthly refresh reads of a whole table (metrics.recompute_tail.whole_tables).
    from metrics.recompute_tail import GROUP_COLUMNS

    table = kind_table(kind)
    columns = ["la_code", *(c for c in GROUP_COLUMNS if c in table.c)]
    engine = open_store(loaded)
    reader = arrow_reader(loaded)
    assert reader is not None
    with engine.connect() as conn, reader:
        args = {"where_sql": "la_code IN (:la0)", "params": {"la0": "394"}, "distinct": True}
        got = reader.read(table, columns, **args)
        expected = read_frame(conn, table, columns, **args)
    keys = list(got.columns)
    pd.testing.assert_frame_equal(
        got.sort_values(keys).reset_index(drop=True), expected.sort_values(keys).reset_index(drop=True)
    )
    assert len(got) > 1 and not got.duplicated().any()


def test_load_records_read_the_same(loaded: str) -> None:
    engine = open_store(loaded)
    reader = arrow_reader(loaded)
    assert reader is not None
    with engine.connect() as conn, reader:
        for table in (loads, load_counts):
            pd.testing.assert_frame_equal(reader.read(table), read_frame(conn, table))


def test_a_value_after_a_long_run_of_nulls_is_read(tmp_path: Path) -> None:
    # The driver types a column by its first batch: 2,000 blanks, then a score and a
    # date, would be refused or lost if the result came in more than one batch.
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    table = kind_table("early_help")
    rows = [
        {
            "la_code": "394",
            "episode_id": f"E{i}",
            "child_key": f"k{i}",
            "start_date": date(2024, 1, 2),
            "lead_agency": "school",
            "outcome_score_start": 1.5 if i == 2000 else None,
            "end_date": date(2024, 3, 1) if i == 2000 else None,
            "load_id": 1,
        }
        for i in range(2001)
    ]
    with writing(engine) as conn:
        conn.execute(table.insert(), rows)
    reader = arrow_reader(url)
    assert reader is not None
    columns = ["episode_id", "outcome_score_start", "end_date", "closure_reason"]
    with engine.connect() as conn, reader:
        got = reader.read(table, columns)
        expected = read_frame(conn, table, columns)
    pd.testing.assert_frame_equal(got, expected)
    last = got[got["episode_id"] == "E2000"].iloc[0]
    assert last["outcome_score_start"] == 1.5
    assert last["end_date"] == pd.Timestamp("2024-03-01")
    assert math.isnan(got[got["episode_id"] == "E0"].iloc[0]["outcome_score_start"])
    assert got["closure_reason"].isna().all()


def test_no_reader_for_a_store_in_memory_or_on_postgresql() -> None:
    assert arrow_reader("sqlite://") is None
    assert arrow_reader("sqlite:///:memory:") is None
    assert arrow_reader("postgresql+psycopg://u@localhost/db") is None
