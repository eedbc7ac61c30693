"""The store's connections: SQLite reads never wait for each other or for a writer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

from store.bulk import rows_side_by_side
from store.engine import PAGE_SIZE, normalise_url, open_store, writing
from store.schema import loads, meta


def test_two_readers_and_a_writer_do_not_block_each_other(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    with engine.connect() as first, engine.connect() as second:
        first.execute(select(loads)).all()  # holds a read transaction open
        second.execute(select(loads)).all()  # a second reader is not locked out
        with writing(engine) as conn:  # nor is a writer
            conn.exec_driver_sql("CREATE TABLE t (x)")
        first.rollback()
        second.rollback()


def test_a_write_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        with writing(engine) as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 't'").first() is None


def _page_size(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("PRAGMA page_size").fetchone()[0])


def test_a_new_store_has_large_pages_and_an_existing_one_keeps_its_own(tmp_path: Path) -> None:
    assert PAGE_SIZE == 16384
    new = tmp_path / "new.db"
    open_store(f"sqlite:///{new}").dispose()
    assert _page_size(new) == PAGE_SIZE
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as raw:
        raw.execute("PRAGMA page_size=4096")
        raw.execute("CREATE TABLE t (x)")
    engine = open_store(f"sqlite:///{old}")
    with writing(engine) as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()
    assert _page_size(old) == 4096


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_statements_side_by_side_read_what_is_committed_on_a_store_others_can_open(engine: Engine) -> None:
    """``rows_side_by_side`` runs statements on connections of its own where another
    connection can open the store (a SQLite file, PostgreSQL): they see the committed
    state, not the caller's unwritten transaction, and give each statement's rows in
    the order given."""
    meta_rows = select(meta.c.key).where(meta.c.key == "side-by-side")
    statements = [(meta_rows, None), (text("SELECT :a + 1"), {"a": 41}), (meta_rows, None)]
    with writing(engine) as conn:
        conn.execute(insert(meta).values(key="side-by-side", value="x"))
        assert rows_side_by_side(conn, statements, jobs=2) == [[], [(42,)], []]
        # One at a time they go through the caller's connection, and see its write.
        assert rows_side_by_side(conn, statements, jobs=1) == [
            [("side-by-side",)],
            [(42,)],
            [("side-by-side",)],
        ]
    with writing(engine) as conn:
        assert rows_side_by_side(conn, statements, jobs=2)[0] == [("side-by-side",)]


def test_statements_side_by_side_on_a_store_in_memory_use_the_callers_connection() -> None:
    engine = open_store("sqlite://")
    with writing(engine) as conn:
        conn.execute(insert(meta).values(key="side-by-side", value="x"))
        found = rows_side_by_side(
            conn, [(select(meta.c.key).where(meta.c.key == "side-by-side"), None)] * 2, jobs=2
        )
    assert found == [[("side-by-side",)], [("side-by-side",)]]
