"""A full recompute refills ``kpi_results`` (on PostgreSQL through a fresh table swapped
in, ``store.refill``) and leaves the store with the schema the code describes and the
same rows as before."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, inspect, text

from metrics.recompute import recompute
from store.bulk import CopyPayload, copy_payload
from store.engine import open_store, writing
from store.migrate import compare_type
from store.refill import SUFFIX, Refill, RefillError
from store.schema import kpi_results, metadata
from tests.test_recompute_parallel import LAS, extracts, three_las  # noqa: F401  (fixtures)


def _results(engine: Engine) -> list[tuple[Any, ...]]:
    keys = ", ".join(c.name for c in kpi_results.primary_key.columns)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM kpi_results ORDER BY {keys}"))]


def _schema_differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
    return list(compare_metadata(context, metadata))


def test_a_full_recompute_keeps_the_schema_and_stores_the_same_rows_again(
    three_las: Engine,  # noqa: F811
) -> None:
    recompute(three_las, full=True, jobs=2)
    first = _results(three_las)
    assert len(first) > 1000
    again = recompute(three_las, full=True, jobs=2)
    assert again.mode == "full"
    assert _results(three_las) == first
    with three_las.connect() as conn:
        assert _schema_differences(conn) == []
        names = inspect(conn).get_table_names()
        assert f"kpi_results{SUFFIX}" not in names
        assert inspect(conn).get_pk_constraint("kpi_results")["name"] == (
            "kpi_results_pkey" if three_las.dialect.name == "postgresql" else None
        )
        assert [i["name"] for i in inspect(conn).get_indexes("kpi_results")] == []


def _tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(inspect(conn).get_table_names())


def _payload(engine: Engine) -> Any:
    keys = ", ".join(c.name for c in kpi_results.primary_key.columns)
    with engine.connect() as conn:
        frame = pd.read_sql(text(f"SELECT * FROM kpi_results ORDER BY {keys} LIMIT 50"), conn)
    return copy_payload(frame, kpi_results)


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_refill_rolled_back_leaves_the_old_table_and_drops_the_fresh_one(
    three_las: Engine,  # noqa: F811
) -> None:
    """Only PostgreSQL refills through a fresh table (``store.refill``), which is
    committed before the copies: a rollback of the writer must drop it."""
    recompute(three_las, full=True)
    before, tables = _results(three_las), _tables(three_las)
    refill = Refill(three_las, kpi_results, copies=2)
    failing = pytest.raises(RuntimeError, match="the writer failed")
    with failing, refill.dropped_on_error(), writing(three_las) as conn:
        assert refill.start()
        # Other sessions see the fresh table (empty) while it fills.
        assert f"kpi_results{SUFFIX}" in _tables(three_las)
        refill.copy(_payload(three_las))
        assert refill.finish(conn) == 50
        # Inside the transaction the fresh copy has taken the table's place.
        assert conn.execute(text("SELECT count(*) FROM kpi_results")).scalar_one() == 50
        raise RuntimeError("the writer failed")
    assert _results(three_las) == before
    assert _tables(three_las) == tables
    with three_las.connect() as conn:
        assert _schema_differences(conn) == []


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_copy_that_fails_fails_the_refill_and_leaves_the_old_table(
    three_las: Engine,  # noqa: F811
) -> None:
    from psycopg.errors import UniqueViolation

    recompute(three_las, full=True)
    before, tables = _results(three_las), _tables(three_las)
    payload = _payload(three_las)
    refill = Refill(three_las, kpi_results, copies=2)
    failing = pytest.raises(UniqueViolation, match="kpi_results__refill_pkey")
    with failing, refill.dropped_on_error(), writing(three_las) as conn:
        assert refill.start()
        # The same keys twice: the fresh table's primary key refuses the second copy.
        refill.copy(payload)
        refill.copy(payload)
        refill.finish(conn)
    assert _results(three_las) == before
    assert _tables(three_las) == tables


def test_a_refill_does_not_start_on_sqlite(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    refill = Refill(engine, kpi_results, copies=2)
    assert refill.start() is False
    with pytest.raises(RuntimeError, match="before start"):
        refill.copy(CopyPayload(("la_code",), b"", 0))
    refill.discard()
    assert f"kpi_results{SUFFIX}" not in _tables(engine)


def test_a_table_with_other_indexes_is_refused_before_anything_starts(tmp_path: Path) -> None:
    """The fresh copy gets the key only: a table with another index would lose it."""
    indexed = Table("t", MetaData(), Column("k", Integer, primary_key=True), Column("v", Integer, index=True))
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with pytest.raises(ValueError, match=r"a refill of t would lose its indexes \['ix_t_v'\]"):
        Refill(engine, indexed, copies=2)


def _swap_waiting(engine: Engine) -> bool:
    """Whether a request for kpi_results' exclusive lock is waiting."""
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'"
                    " AND relation = 'kpi_results'::regclass"
                )
            ).scalar_one()
        )


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_long_reader_delays_the_swap_without_holding_up_other_readers(
    three_las: Engine,  # noqa: F811
) -> None:
    """The swap's lock waits for a query already reading the old table; the queries that
    come meanwhile must still get through (``store.refill``: the lock is asked for a
    while at a time), and the swap must finish once the long query has."""
    recompute(three_las, full=True)
    before = _results(three_las)
    failures: list[BaseException] = []

    def full_recompute() -> None:
        try:
            recompute(three_las, full=True)
        except BaseException as error:  # handed to the test's thread
            failures.append(error)

    with three_las.connect() as long_reader:
        long_reader.execute(text("SELECT count(*) FROM kpi_results")).scalar_one()
        worker = threading.Thread(target=full_recompute)
        worker.start()
        deadline = time.monotonic() + 120
        while not _swap_waiting(three_las):
            assert worker.is_alive() and time.monotonic() < deadline, failures
            time.sleep(0.02)
        with three_las.connect() as other:
            # Without the lock asked for a while at a time, this waits for the long reader.
            other.execute(text("SET statement_timeout = '20s'"))
            assert other.execute(text("SELECT count(*) FROM kpi_results")).scalar_one() == len(before)
        assert worker.is_alive(), failures
        long_reader.rollback()
    worker.join(timeout=120)
    assert not worker.is_alive() and not failures
    assert _results(three_las) == before
    assert f"kpi_results{SUFFIX}" not in _tables(three_las)


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_swap_that_cannot_get_its_lock_fails_and_leaves_the_old_table(
    three_las: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recompute(three_las, full=True)
    before, tables = _results(three_las), _tables(three_las)
    monkeypatch.setattr("store.refill.LOCK_WAIT_MS", 100)
    monkeypatch.setattr("store.refill.LOCK_PATIENCE_S", 0.0)
    with three_las.connect() as long_reader:
        long_reader.execute(text("SELECT count(*) FROM kpi_results")).scalar_one()
        with pytest.raises(RefillError, match="a query has been reading it for more than 0 s"):
            recompute(three_las, full=True)
        long_reader.rollback()
    assert _results(three_las) == before
    assert _tables(three_las) == tables
