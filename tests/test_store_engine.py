"""The store's connections: SQLite reads never wait for each other or for a writer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from store.engine import normalise_url, open_store, writing
from store.schema import loads


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


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
