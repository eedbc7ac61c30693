"""Rows handed over in a file (``store.rows_file``) are stored exactly as rows inserted
one by one, and a recompute that runs out of files to attach hands the rest over as frames."""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Connection, Engine, event, func, select, text

from metrics.recompute import recompute
from store.bulk import insert_new, upsert
from store.engine import open_store, writing
from store.rows_file import attach_room, insert_from_file, write_rows_file
from store.schema import kpi_results
from tests.test_recompute_incremental import assert_derived_kept, keep_derived
from tests.test_recompute_parallel import LAS, extracts, three_las  # noqa: F401  (fixtures)

pytest.importorskip("adbc_driver_sqlite", reason="the ADBC SQLite driver is a dependency: pip install -e .")


def _awkward_results() -> pd.DataFrame:
    """Values at the edges of each column's conversion: NaN and None, whole numbers in
    float columns, a float column of integers, a column with no value at all, dates as
    timestamps, text with quotes, commas, a line break, accents, and empty text."""
    n = 6
    return pd.DataFrame(
        {
            "la_code": ["394"] * n,
            "kpi_id": ["referrals", "referrals", "cpp_rate", "cpp_rate", "x'y", "é"],
            "grain": ["month", "month", "year", "r12", "quarter", "month"],
            "period_start": pd.to_datetime(
                ["2024-03-01", "2024-04-01", "2023-04-01", "2023-05-01", "2024-01-01", "2024-05-01"]
            ),
            "period_end": pd.to_datetime(
                ["2024-03-31", "2024-04-30", "2024-03-31", "2024-04-30", "2024-03-31", "2024-05-31"]
            ),
            "breakdown": ["all", "team", "all", "all", "locality", "all"],
            "group_name": ["all", 'Team "A"', "all", "", "North,\nSouth", "all"],
            "numerator": [3.0, np.nan, 0.0, 12.0, None, 1e-300],
            "denominator": np.array([10, 0, 7, 12, 5, 3], dtype="int64"),
            "value": [0.3, np.nan, 0.0, float("inf"), -1.5, 1 / 3],
            "note": [None] * n,
            "target": [np.nan, 0.5, np.nan, np.nan, 1.0, np.nan],
            "status": ["none", "red", "green", "amber", "none", "none"],
            "direction": [None, "up", "down", None, "same", None],
            "spc": [None] * n,
            "coverage": ["full", "partial", "full", "full", "none", "full"],
            "months_covered": [1.0, np.nan, 12.0, 12.0, 3.0, np.nan],
        }
    )


def _stored(path: Path) -> list[tuple[Any, ...]]:
    """Every stored value with SQLite's type of it, in key order."""
    cols = [c.name for c in kpi_results.columns]
    picks = ", ".join(f'"{c}", typeof("{c}")' for c in cols)
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT {picks} FROM kpi_results ORDER BY 1, 3, 5, 9, 11, 13").fetchall()


def test_rows_through_a_file_are_stored_as_rows_inserted_one_by_one(tmp_path: Path) -> None:
    frame = _awkward_results()
    one_by_one, through_file = tmp_path / "a.db", tmp_path / "b.db"
    for path in (one_by_one, through_file):
        open_store(f"sqlite:///{path}").dispose()
    engine = open_store(f"sqlite:///{one_by_one}")
    with writing(engine) as conn:
        insert_new(conn, kpi_results, frame)
    engine.dispose()
    rows_file = tmp_path / "rows.db"
    assert write_rows_file(str(rows_file), kpi_results, frame) == len(frame)
    engine = open_store(f"sqlite:///{through_file}")
    with writing(engine) as conn:
        assert insert_from_file(conn, kpi_results, str(rows_file)) == len(frame)
    engine.dispose()
    want = _stored(one_by_one)
    assert len(want) == len(frame)
    assert _stored(through_file) == want
    # Spot checks of what "the same" means here, by hand.
    (march,) = [row for row in want if row[2] == "referrals" and row[8] == "2024-03-31"]
    assert march[9] == "text"  # period_end as ISO text
    assert march[16:20] == (10.0, "real", 0.3, "real")  # an int64 denominator as a real
    (no_value,) = [row for row in want if row[2] == "referrals" and row[8] == "2024-04-30"]
    assert no_value[14:16] == (None, "null") and no_value[18:20] == (None, "null")  # NaN as NULL
    assert no_value[32:34] == (None, "null")  # months_covered


def test_files_are_detached_when_the_transaction_ends(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    frame = _awkward_results()
    paths = [tmp_path / f"rows-{i}.db" for i in range(2)]
    for i, path in enumerate(paths):
        write_rows_file(str(path), kpi_results, frame.assign(la_code=f"39{i}"))
    with writing(engine) as conn:
        room = attach_room(conn)
        for path in paths:
            insert_from_file(conn, kpi_results, str(path))
        assert attach_room(conn) == room - 2
    with engine.connect() as conn:
        names = [row[1] for row in conn.execute(text("PRAGMA database_list"))]
        assert not [n for n in names if n not in ("main", "temp")]
        assert conn.execute(text("SELECT count(*) FROM kpi_results")).scalar_one() == 2 * len(frame)
    engine.dispose()


def test_a_file_without_the_table_is_refused_with_its_path(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(ValueError, match=f"{empty}: no table 'kpi_results'"), writing(engine) as conn:
        insert_from_file(conn, kpi_results, str(empty))
    # Rolled back, and the file detached with it.
    with engine.connect() as conn:
        assert {row[1] for row in conn.execute(text("PRAGMA database_list"))} <= {"main", "temp"}
    engine.dispose()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("room", [1, 2])
def test_a_recompute_with_little_room_to_attach_stores_what_files_each_store(
    three_las: Engine,  # noqa: F811
    room: int,
) -> None:
    """Room for 1: the three LAs append to one file; for 2: two LAs share one file, copied
    when both have finished, and the third has the other."""
    recompute(three_las, full=True, jobs=1)
    keep_derived(three_las)
    with three_las.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(kpi_results)).scalar_one()

    @event.listens_for(three_las, "connect")
    def _little_room(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, room)

    three_las.dispose()  # new connections, with the limit
    with three_las.connect() as conn:
        assert attach_room(conn) == room
    summary = recompute(three_las, full=True, jobs=2)
    assert sorted(summary.las) == sorted(LAS)
    assert summary.results == stored
    assert_derived_kept(three_las)


def _append(path: str, la: str) -> int:
    frame = pd.concat([_awkward_results()] * 4000, ignore_index=True).assign(la_code=la)
    return write_rows_file(path, kpi_results, frame)


def test_processes_appending_to_one_file_each_add_every_row(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    las = ["390", "391", "392", "393"]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        counts = list(pool.map(_append, [path] * len(las), las))
    assert counts == [24000] * 4
    with sqlite3.connect(path) as conn:
        got = dict(conn.execute("SELECT la_code, count(*) FROM kpi_results GROUP BY la_code").fetchall())
    assert got == dict.fromkeys(las, 24000)


def test_insert_new_stores_what_upsert_stores_on_both_stores(engine: Engine) -> None:
    """On PostgreSQL ``insert_new`` copies CSV printed by Arrow and ``upsert`` copies the
    driver's values row by row: the stored values must be the same, float for float."""
    frame = _awkward_results()
    with writing(engine) as conn:
        assert insert_new(conn, kpi_results, frame) == len(frame)
        upsert(conn, kpi_results, frame.assign(la_code="999"))
    cols = ", ".join(c.name for c in kpi_results.columns if c.name != "la_code")
    with engine.connect() as conn:
        got = {
            la: conn.execute(
                text(
                    f"SELECT {cols} FROM kpi_results WHERE la_code = :la ORDER BY kpi_id, grain, period_end"
                ),
                {"la": la},
            ).all()
            for la in ("394", "999")
        }
    assert len(got["394"]) == len(frame)
    assert got["394"] == got["999"]
    by_kpi = {(row[0], str(row[3])): row for row in got["394"]}
    assert by_kpi[("cpp_rate", "2024-04-30")][5] == ""  # empty text, not NULL
    assert by_kpi[("x'y", "2024-03-31")][5] == "North,\nSouth"
    assert by_kpi[("é", "2024-05-31")][8] == 1 / 3  # to the last bit
    assert by_kpi[("cpp_rate", "2024-04-30")][8] == float("inf")


def _results_of(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(kpi_results)))


def test_a_full_recompute_that_fails_midway_keeps_the_old_results(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer empties ``kpi_results`` while the tasks run; a task that fails rolls
    that back with everything else, and the next full recompute works."""
    with writing(engine) as conn:
        insert_new(conn, kpi_results, _awkward_results())
    before = _results_of(engine)
    assert len(before) == 6

    def _broken(_tasks: Any, conn: Connection, **kwargs: Any) -> Any:
        kwargs["meanwhile"]()
        if engine.dialect.name == "sqlite":  # PostgreSQL fills a fresh copy instead (store.refill)
            assert conn.execute(select(func.count()).select_from(kpi_results)).scalar_one() == 0
        raise RuntimeError("a worker died")

    monkeypatch.setattr("metrics.recompute.run_tasks", _broken)
    with pytest.raises(RuntimeError, match="a worker died"):
        recompute(engine, full=True)
    assert _results_of(engine) == before
    monkeypatch.undo()
    recompute(engine, full=True)
    assert _results_of(engine) != before
