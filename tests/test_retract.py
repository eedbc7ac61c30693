"""Retractable loads: prior versions are kept, and retracting a load undoes exactly it.

The property: load A, load B, retract B gives the same store and the same ``scorecard
kpis`` output as loading A alone, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, select

from loaders.pipeline import LoadOptions, load_bytes
from loaders.retract import RetractError, retract_load
from metrics.kpi_export import FIRST_COLUMNS, MORE_COLUMNS, export_rows, kpi_table
from metrics.recompute import recompute
from metrics.registry import load_registry
from scorecard.cli import main
from scorecard.safe_export import write_csv
from store.bulk import read_frame
from store.engine import open_store
from store.extracts import EXTRACTS
from store.schema import VERSION_TABLES, kind_table, load_counts, loads, rejects
from tests.conftest import TEST_KEY, _postgres_database
from tests.test_loader_rules import csv_bytes
from tests.test_recompute_incremental import assert_derived_kept, keep_derived

OPTS = LoadOptions(key=TEST_KEY, default_la="394")
HEADER = "contact_id,child_id,contact_date,contact_source,outcome"


def contacts(*rows: str) -> bytes:
    return csv_bytes(HEADER, *rows)


@contextmanager
def fresh_store(backend: str) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = open_store("sqlite://")
        yield engine
        engine.dispose()
        return
    urls = _postgres_database()
    url = next(urls)
    engine = open_store(url)
    try:
        yield engine
    finally:
        engine.dispose()
        urls.close()


def store_state(engine: Engine) -> dict[str, object]:
    """Every record (with its load id and source row), load count, reject and live load."""
    out: dict[str, object] = {}
    with engine.connect() as conn:
        for kind in EXTRACTS:
            for table in (kind_table(kind), VERSION_TABLES[kind]):
                frame = read_frame(conn, table)
                out[table.name] = sorted(map(repr, frame.astype(object).itertuples(index=False)))
        out["rejects"] = sorted(
            map(repr, conn.execute(select(rejects.c.kind, rejects.c.row_number, rejects.c.reason)))
        )
        out["counts"] = sorted(map(repr, conn.execute(select(load_counts))))
        live = select(loads.c.load_id, loads.c.file_name, loads.c.rows_loaded).where(
            loads.c.status != "retracted"
        )
        out["loads"] = sorted(map(repr, conn.execute(live)))
    return out


def kpis_output(engine: Engine) -> str:
    recompute(engine, full=True)  # as `scorecard retract` does after a retraction
    out = io.StringIO()
    for grain in ("month",):
        columns = [*FIRST_COLUMNS, *MORE_COLUMNS]
        write_csv(out, columns, export_rows(kpi_table(engine, load_registry(), grain=grain), columns))
    return out.getvalue()


def test_a_correction_keeps_the_prior_version_and_retracting_it_brings_it_back(sqlite_engine: Engine) -> None:
    first = load_bytes(
        sqlite_engine, "contacts.csv", contacts("K1,C1,2024-05-02,6,referral", "K2,C2,2024-05-03,6,nfa"), OPTS
    )
    fix = load_bytes(
        sqlite_engine, "contacts.csv", contacts("K1,C1,2024-05-02,6,nfa", "K3,C3,2024-05-04,6,nfa"), OPTS
    )
    assert first.load_id == 1 and fix.load_id == 2
    with sqlite_engine.connect() as conn:
        kept = read_frame(conn, VERSION_TABLES["contacts"])
        current = read_frame(conn, kind_table("contacts")).set_index("contact_id")
    # K1 as first loaded is kept as a prior version, superseded by load 2.
    assert kept[["contact_id", "outcome", "load_id", "superseded_by"]].values.tolist() == [
        ["K1", "referral", 1, 2]
    ]
    assert current.loc["K1", "outcome"] == "nfa" and sorted(current.index) == ["K1", "K2", "K3"]
    done = retract_load(sqlite_engine, 2, by="analyst")
    assert (done.removed, done.restored) == (2, 1)
    with sqlite_engine.connect() as conn:
        current = read_frame(conn, kind_table("contacts")).set_index("contact_id")
        status, message = conn.execute(
            select(loads.c.status, loads.c.message).where(loads.c.load_id == 2)
        ).one()
        assert read_frame(conn, VERSION_TABLES["contacts"]).empty
    assert sorted(current.index) == ["K1", "K2"] and current.loc["K1", "outcome"] == "referral"
    assert status == "retracted" and "retracted by analyst" in message


def test_retracting_is_refused_for_a_load_since_superseded_naming_the_later_load(
    sqlite_engine: Engine,
) -> None:
    load_bytes(sqlite_engine, "contacts.csv", contacts("K1,C1,2024-05-02,6,referral"), OPTS)
    load_bytes(sqlite_engine, "contacts_may.csv", contacts("K1,C1,2024-05-02,6,nfa"), OPTS)
    with pytest.raises(RetractError, match=r"load 2 \(contacts_may.csv\) has since replaced"):
        retract_load(sqlite_engine, 1)
    retract_load(sqlite_engine, 2)
    with pytest.raises(RetractError, match="already been retracted"):
        retract_load(sqlite_engine, 2)
    retract_load(sqlite_engine, 1)  # now nothing later replaces its records
    with sqlite_engine.connect() as conn:
        assert read_frame(conn, kind_table("contacts")).empty


def test_an_audit_hook_that_fails_leaves_the_load_in_place(sqlite_engine: Engine) -> None:
    load_bytes(sqlite_engine, "contacts.csv", contacts("K1,C1,2024-05-02,6,referral"), OPTS)
    seen = []

    def refuse(done: object, by: str | None) -> None:
        seen.append((done, by))
        raise RuntimeError("audit trail unavailable")

    with pytest.raises(RuntimeError):
        retract_load(sqlite_engine, 1, by="analyst", audit=refuse)
    assert len(seen) == 1
    with sqlite_engine.connect() as conn:
        assert len(read_frame(conn, kind_table("contacts"))) == 1


def test_a_retracted_file_loads_again_rather_than_unchanged(sqlite_engine: Engine) -> None:
    content = contacts("K1,C1,2024-05-02,6,referral")
    load_bytes(sqlite_engine, "contacts.csv", content, OPTS)
    retract_load(sqlite_engine, 1)
    assert load_bytes(sqlite_engine, "contacts.csv", content, OPTS).status == "loaded"


def test_scorecard_retract_on_the_command_line(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    engine = open_store(url)
    load_bytes(engine, "contacts.csv", contacts("K1,C1,2024-05-02,6,referral"), OPTS)
    load_bytes(engine, "contacts_fix.csv", contacts("K1,C1,2024-05-02,6,nfa"), OPTS)
    assert main(["retract", "1", "--db", url, "--no-recompute"]) == 1
    assert "load 2 (contacts_fix.csv)" in capsys.readouterr().err
    assert main(["retract", "2", "--db", url]) == 0
    assert "retracted load 2 (contacts_fix.csv): 1 records removed, 1 earlier versions restored" in (
        capsys.readouterr().out
    )


# --- The property --------------------------------------------------------------------

IDS = [f"K{i}" for i in range(1, 7)]


@st.composite
def contact_files(draw: st.DrawFn) -> bytes:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=5, unique=True))
    rows = []
    for contact_id in ids:
        child = draw(st.sampled_from(["C1", "C2", "C3"]))
        day = draw(st.integers(1, 28))
        month = draw(st.sampled_from([4, 5, 6]))
        outcome = draw(st.sampled_from(["referral", "nfa", "pending", "early_help"]))
        # Now and then a row the loader rejects (a date in 1980), so rejects are retracted too.
        year = draw(st.sampled_from([2024, 2024, 2024, 1980]))
        rows.append(f"{contact_id},{child},{year}-{month:02d}-{day:02d},6,{outcome}")
    return contacts(*rows)


def _check_property(backend: str, a: bytes, b: bytes) -> None:
    with fresh_store(backend) as both, fresh_store(backend) as alone:
        assert load_bytes(both, "a_contacts.csv", a, OPTS).load_id == 1
        second = load_bytes(both, "b_contacts.csv", b, OPTS)
        if second.status != "unchanged":  # identical bytes add no load: nothing to retract
            assert second.load_id is not None
            retract_load(both, second.load_id)
        load_bytes(alone, "a_contacts.csv", a, OPTS)
        assert store_state(both) == store_state(alone)
        assert kpis_output(both) == kpis_output(alone)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact_files(), contact_files())
def test_load_a_load_b_retract_b_is_load_a_alone_sqlite(a: bytes, b: bytes) -> None:
    _check_property("sqlite", a, b)


@pytest.mark.postgres
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact_files(), contact_files())
def test_load_a_load_b_retract_b_is_load_a_alone_postgres(a: bytes, b: bytes) -> None:
    _check_property("postgres", a, b)


def test_a_retraction_left_unrecomputed_makes_the_next_recompute_a_full_one(tmp_path: object) -> None:
    """`retract --no-recompute` and then a plain `recompute`: the incremental plan sees only
    new loads, so without the retraction clearing the fingerprint it found nothing to do
    and kept the retracted load's results."""
    url = f"sqlite:///{tmp_path}/store.db"
    engine = open_store(url)
    load_bytes(
        engine, "contacts.csv", contacts("K1,C1,2024-05-02,6,referral", "K2,C2,2024-06-03,6,nfa"), OPTS
    )
    recompute(engine)
    load_bytes(engine, "contacts_more.csv", contacts("K3,C3,2024-06-10,6,referral"), OPTS)
    assert recompute(engine).mode == "incremental"
    assert main(["retract", "2", "--db", url, "--no-recompute"]) == 0
    after = recompute(engine)
    assert after.mode == "full"
    assert "retracted" in after.reason
    keep_derived(engine)
    recompute(engine, full=True)
    assert_derived_kept(engine)
    engine.dispose()
