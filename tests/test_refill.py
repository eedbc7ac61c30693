"""A full recompute refills ``kpi_results`` (on PostgreSQL through a fresh table swapped
in, ``store.refill``) and leaves the store with the schema the code describes and the
same rows as before."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, text

from metrics.recompute import recompute
from store.engine import writing
from store.migrate import compare_type
from store.refill import SUFFIX, finish_refill, start_refill
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
        assert [i["name"] for i in inspect(conn).get_indexes("kpi_results")] == ["ix_kpi_results_view"]


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_refill_rolled_back_leaves_the_old_table(three_las: Engine) -> None:  # noqa: F811
    """Only PostgreSQL refills through a fresh table (``store.refill``)."""
    recompute(three_las, full=True)
    before = _results(three_las)
    with writing(three_las) as conn:
        fresh = start_refill(conn, kpi_results)
        assert fresh is not None
        finish_refill(conn, kpi_results, fresh)
        # Inside the transaction the empty copy has taken the table's place.
        assert conn.execute(text("SELECT count(*) FROM kpi_results")).scalar_one() == 0
        conn.rollback()
    assert _results(three_las) == before
    with three_las.connect() as conn:
        assert _schema_differences(conn) == []
