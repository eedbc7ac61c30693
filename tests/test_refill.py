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
from store.migrate import compare_type, include_name
from store.refill import SUFFIX, Refill, RefillError
from store.schema import kpi_results, metadata
from tests.test_recompute_parallel import LAS, extracts, three_las  # noqa: F401  (fixtures)


def _results(engine: Engine) -> list[tuple[Any, ...]]:
    keys = ", ".join(c.name for c in kpi_results.primary_key.columns)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM kpi_results ORDER BY {keys}"))]


def _schema_differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": compare_type, "include_name": include_name}
    )
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


def _payload(engine: Engine) -> tuple[Any, str]:
    """The first 50 results in key order (all of the first LA's), and that LA."""
    keys = ", ".join(c.name for c in kpi_results.primary_key.columns)
    with engine.connect() as conn:
        frame = pd.read_sql(text(f"SELECT * FROM kpi_results ORDER BY {keys} LIMIT 50"), conn)
    assert frame["la_code"].nunique() == 1
    return copy_payload(frame, kpi_results), str(frame["la_code"].iloc[0])


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
        refill.copy(*_payload(three_las))
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
    from psycopg.errors import CheckViolation

    recompute(three_las, full=True)
    before, tables = _results(three_las), _tables(three_las)
    payload, la_code = _payload(three_las)
    refill = Refill(three_las, kpi_results, copies=2)
    failing = pytest.raises(CheckViolation, match="kpi_results__refill__p1")
    with failing, refill.dropped_on_error(), writing(three_las) as conn:
        assert refill.start()
        refill.copy(payload, la_code)
        # Another LA's rows: its table's check refuses them.
        refill.copy(payload, la_code + "x")
        refill.finish(conn)
    assert _results(three_las) == before
    assert _tables(three_las) == tables


def _partitions(engine: Engine) -> dict[str, str]:
    """kpi_results' partitions on PostgreSQL and their bounds."""
    query = text(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
        " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'kpi_results'::regclass"
    )
    with engine.connect() as conn:
        return {str(name): str(bound) for name, bound in conn.execute(query)}


def _rows_in(engine: Engine, table: str) -> dict[str, int]:
    with engine.connect() as conn:
        found = conn.execute(text(f'SELECT la_code, count(*) FROM "{table}" GROUP BY la_code'))
        return {str(la): int(n) for la, n in found}


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_full_recompute_gives_each_la_a_partition_and_other_rows_go_to_the_default(
    three_las: Engine,  # noqa: F811
) -> None:
    """On PostgreSQL each LA's results are a partition of their own after a full recompute
    (``store.refill``); rows of an LA without one (before its first full recompute) go to
    the default partition, and the next full recompute gives it its own."""
    recompute(three_las, full=True)
    parts = _partitions(three_las)
    per_la = _rows_in(three_las, "kpi_results")
    assert len(per_la) == len(LAS) and all(n > 0 for n in per_la.values())
    assert parts.pop("kpi_results__default") == "DEFAULT"
    assert sorted(parts.values()) == sorted(f"FOR VALUES IN ('{la}')" for la in per_la)
    for name, bound in parts.items():
        [la] = [la for la in per_la if bound == f"FOR VALUES IN ('{la}')"]
        assert _rows_in(three_las, name) == {la: per_la[la]}
    assert _rows_in(three_las, "kpi_results__default") == {}

    row = {
        "la_code": "999",
        "kpi_id": "contacts",
        "grain": "month",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "breakdown": "all",
        "group_name": "all",
        "status": "none",
    }
    with writing(three_las) as conn:
        conn.execute(kpi_results.insert(), [row])
    assert _rows_in(three_las, "kpi_results__default") == {"999": 1}
    recompute(three_las, full=True)
    assert _rows_in(three_las, "kpi_results") == per_la  # a full recompute redoes every row
    assert len(_partitions(three_las)) == len(LAS) + 1


def test_a_refill_does_not_start_on_sqlite(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    refill = Refill(engine, kpi_results, copies=2)
    assert refill.start() is False
    with pytest.raises(RuntimeError, match="before start"):
        refill.copy(CopyPayload(("la_code",), b"", 0), "394")
    refill.discard()
    assert f"kpi_results{SUFFIX}" not in _tables(engine)


def test_a_table_with_other_indexes_is_refused_before_anything_starts(tmp_path: Path) -> None:
    """The fresh copy gets the key only: a table with another index would lose it."""
    indexed = Table("t", MetaData(), Column("k", Integer, primary_key=True), Column("v", Integer, index=True))
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with pytest.raises(ValueError, match=r"a refill of t would lose its indexes \['ix_t_v'\]"):
        Refill(engine, indexed, copies=2)


def test_a_table_not_partitioned_by_la_is_refused_before_anything_starts(tmp_path: Path) -> None:
    """Each LA's rows become a partition: the table must be declared ``LIST (la_code)``."""
    plain = Table("t", MetaData(), Column("la_code", Integer, primary_key=True))
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with pytest.raises(ValueError, match=r"a refill of t needs it partitioned by LIST \(la_code\)"):
        Refill(engine, plain, copies=2)


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_an_la_handed_back_as_a_frame_goes_into_its_partition_too(
    three_las: Engine,  # noqa: F811
) -> None:
    """A task's results that come as a frame, not COPY text, go through the refill as
    well: the fresh table has no partition for them to go into otherwise."""
    from metrics.recompute import _store_la
    from metrics.recompute_la import LaResult

    recompute(three_las, full=True)
    before = _results(three_las)
    la = LAS[0]
    with three_las.connect() as conn:
        frame = pd.read_sql(text("SELECT * FROM kpi_results WHERE la_code = :la"), conn, params={"la": la})
    done = LaResult(la, None, frame, pd.DataFrame(), None, 0, 0.0, 0.0, 0)
    refill = Refill(three_las, kpi_results, copies=2)
    with refill.dropped_on_error(), writing(three_las) as conn:
        assert refill.start()
        _store_la(conn, done, replace=False, refill=refill)
        assert refill.finish(conn) == len(frame)
    assert _results(three_las) == [row for row in before if row[0] == la]


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
