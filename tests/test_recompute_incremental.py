"""Incremental and parallel recomputes store exactly what a full recompute stores.

Small generated extracts of two LAs are cut into pieces (per LA, kind and half of the
date range, plus a correction that changes recorded teams and localities) and loaded as
random subsets in random order, recomputing incrementally after some loads. Every row of
every derived table must then equal a full recompute of the same store, and that full
recompute must equal the whole-store computation the recompute used to be.

The stores each test starts from are built once per module and copied per test: a
SQLite file (``shutil.copy``), or on PostgreSQL a database cloned with ``CREATE
DATABASE ... TEMPLATE`` (``tests.conftest._postgres_database``). Loading them again for
every test or example took most of this file's time and tested nothing more: the loads
themselves are the same every time.

A test keeps the derived tables inside the store (``keep_derived``) and compares them
with the full recompute's in SQL, exactly (``assert_derived_kept``), rather than reading
both into pandas. The later-month properties run 5 examples on SQLite and 2 on
PostgreSQL (8 and 3 before): at about 10 s an example on a slow 2-core machine they were
the suite's longest tests, and `make test` must stay under 15 minutes there; each run of
the suite draws new examples (CI keeps no Hypothesis database).
"""

from __future__ import annotations

import io
import os
import random
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from sqlalchemy import Connection, Engine, Table, text, update
from sqlalchemy.engine import make_url

from loaders.pipeline import LoadOptions, load_bytes
from metrics.compute import compute_indicators
from metrics.compute.core import Context
from metrics.dependencies import indicator_kinds
from metrics.outcome_scores import outcome_score_changes
from metrics.recompute import add_assessment, add_coverage, add_spc, recompute, reporting_windows
from metrics.registry import load_registry
from metrics.snapshot import read_snapshot
from metrics.targets import load_targets
from store.bulk import read_frame, upsert
from store.engine import open_store
from store.extracts import EVENT_KINDS, EXTRACTS
from store.schema import (
    eh_outcome_scores,
    kind_table,
    kpi_results,
    kpi_spc,
    la_windows,
    loads,
    recompute_spans,
)
from store.times import utc_now
from synthetic.generator import generate
from tests.conftest import TEST_KEY, _postgres_database

LAS = ["394", "390"]
DERIVED = (kpi_results, kpi_spc, la_windows, eh_outcome_scores, recompute_spans)
CUT = "2023-04-01"
# The generated extracts end in March 2024: their last month is a monthly refresh.
LAST_MONTH = "2024-03-01"
OPTS = LoadOptions(key=TEST_KEY)


def _pieces(folder: Path) -> dict[str, tuple[str, bytes]]:
    """Named files: per LA and kind, the rows before and from CUT; population; a correction."""
    out: dict[str, tuple[str, bytes]] = {}
    for kind in [*EVENT_KINDS, "population"]:
        frame = pd.read_csv(folder / f"{kind}.csv", dtype=str, keep_default_na=False)
        for la in LAS:
            mine = frame[frame["la_code"] == la]
            if kind == "population":
                out[f"{la}-population"] = (f"{kind}.csv", _csv(mine))
                continue
            main = str(EXTRACTS[kind].main_date)
            early = mine[main] < CUT
            # The last month's rows: those reaching into it (a quarter's figure by its end,
            # which stretches the axis: store.extracts span_end).
            last = mine[EXTRACTS[kind].span_end or main] >= LAST_MONTH
            out[f"{la}-{kind}-early"] = (f"{kind}.csv", _csv(mine[early]))
            out[f"{la}-{kind}-late"] = (f"{kind}.csv", _csv(mine[~early & ~last]))
            out[f"{la}-{kind}-last"] = (f"{kind}.csv", _csv(mine[last]))
            if kind in ("referrals", "cp_plans"):
                fixed = mine.head(40).copy()
                for col in ("team", "locality"):
                    if col in fixed:
                        fixed[col] = "Corrected " + col
                out[f"{la}-{kind}-fix"] = (f"{kind}.csv", _csv(fixed))
    return out


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


@pytest.fixture(scope="module")
def pieces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, bytes]]:
    folder = tmp_path_factory.mktemp("extracts")
    generate(folder, children=250, years=2, start=date(2022, 4, 1), las=LAS, seed=7)
    return _pieces(folder)


def derived(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every derived table, sorted by its key."""
    with engine.connect() as conn:
        return {table.name: _sorted_by_key(conn, table) for table in DERIVED}


def _sorted_by_key(conn: Connection, table: Table) -> pd.DataFrame:
    frame = read_frame(conn, table)
    keys = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns][:4]
    return frame.sort_values(keys).reset_index(drop=True)


KEPT = "kept_"


def keep_derived(engine: Engine) -> None:
    """Copy every derived table inside the store (``kept_<name>``), for
    ``assert_derived_kept`` to compare a later state with, row for row, in SQL.

    Reading 150,000 results into pandas twice and comparing the frames was a third of
    each Hypothesis example's time here (``fetchall`` alone over 1.5 s); the copy and
    the comparison in the store take a small part of that. The comparison is exact:
    every value equal, where ``assert_frame_equal`` allowed a relative 1e-5 on floats."""
    with engine.begin() as conn:
        for table in DERIVED:
            conn.execute(text(f"DROP TABLE IF EXISTS {KEPT}{table.name}"))
            conn.execute(text(f"CREATE TABLE {KEPT}{table.name} AS SELECT * FROM {table.name}"))


def assert_derived_kept(engine: Engine) -> None:
    """Every derived table holds exactly the rows ``keep_derived`` kept: as many rows,
    and none in one that is not in the other (SQL's ``EXCEPT`` takes two nulls as the
    same, and each table's key makes its rows distinct). On a difference the message
    names the table and shows up to ten rows found only now and only in the copy (read
    in SQL too: reading both whole tables into frames took seconds)."""
    with engine.connect() as conn:
        for table in DERIVED:
            names = ", ".join(c.name for c in table.columns)
            now, kept = table.name, f"{KEPT}{table.name}"
            counts = [conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() for name in (now, kept)]
            extra = conn.execute(
                text(
                    f"SELECT count(*) FROM (SELECT {names} FROM {now} EXCEPT SELECT {names} FROM {kept}) AS d"
                )
            ).scalar_one()
            if counts[0] != counts[1] or extra:
                raise AssertionError(_difference(conn, table, kept, names, counts))


def assert_run_counted(engine: Engine) -> None:
    """The last run records as many results as the store holds (an incremental run counts
    the LAs it did not touch while its tasks run, ``metrics.recompute``)."""
    with engine.connect() as conn:
        recorded = conn.execute(
            text("SELECT results FROM kpi_runs ORDER BY run_id DESC LIMIT 1")
        ).scalar_one()
        assert recorded == conn.execute(text("SELECT count(*) FROM kpi_results")).scalar_one()


def _difference(conn: Connection, table: Table, kept: str, names: str, counts: list[int]) -> str:
    """Where ``table`` and its kept copy differ (over the columns ``names`` lists): their
    counts and a few rows of each side."""
    keys = ", ".join(c.name for c in table.primary_key.columns) or names

    def only(one: str, other: str) -> list[tuple[object, ...]]:
        query = f"SELECT {names} FROM {one} EXCEPT SELECT {names} FROM {other} ORDER BY {keys} LIMIT 10"
        return [tuple(row) for row in conn.execute(text(query))]

    lines = [f"{table.name} differs from what was kept: {counts[0]} rows now, {counts[1]} kept"]
    lines.append(f"  columns:   {names}")
    lines += [f"  only now:  {row!r}" for row in only(table.name, kept)]
    lines += [f"  only kept: {row!r}" for row in only(kept, table.name)]
    return "\n".join(lines)


def _load(engine: Engine, piece: tuple[str, bytes]) -> None:
    name, content = piece
    outcome = load_bytes(engine, name, content, OPTS)
    assert outcome.status in ("loaded", "unchanged"), outcome.message


def _steps() -> st.SearchStrategy[list[tuple[str, bool]]]:
    names = [
        f"{la}-{kind}-{part}" for la in LAS for kind in EVENT_KINDS for part in ("early", "late", "last")
    ]
    names += [f"{la}-population" for la in LAS] + [
        f"{la}-{k}-fix" for la in LAS for k in ("referrals", "cp_plans")
    ]
    return st.lists(st.tuples(st.sampled_from(sorted(names)), st.booleans()), min_size=1, max_size=10)


def _check_sequence(url: str, pieces: dict[str, tuple[str, bytes]], steps: list[tuple[str, bool]]) -> None:
    engine = open_store(url)
    try:
        for name, recompute_now in steps:
            _load(engine, pieces[name])
            if recompute_now:
                recompute(engine)
        last = recompute(engine)
        assert_run_counted(engine)
        keep_derived(engine)
        recompute(engine, full=True)
        assert_derived_kept(engine)
        assert last.mode in ("full", "incremental")
    finally:
        engine.dispose()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps())
def test_incremental_recompute_equals_a_full_one_on_sqlite(
    tmp_path_factory: pytest.TempPathFactory,
    pieces: dict[str, tuple[str, bytes]],
    steps: list[tuple[str, bool]],
) -> None:
    path = tmp_path_factory.mktemp("store") / "store.db"
    _check_sequence(f"sqlite:///{path}", pieces, steps)


@pytest.mark.postgres
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps())
def test_incremental_recompute_equals_a_full_one_on_postgres(
    pieces: dict[str, tuple[str, bytes]], postgres_template: str, steps: list[tuple[str, bool]]
) -> None:
    databases = _postgres_database(template=postgres_template)  # an empty, migrated store
    url = next(databases)
    try:
        _check_sequence(url, pieces, steps)
    finally:
        databases.close()


def _month_steps() -> st.SearchStrategy[list[tuple[str, bool]]]:
    """A later month's extracts, kind by kind, in any order, recomputing after some."""
    names = [f"{la}-{kind}-last" for la in LAS for kind in EVENT_KINDS]
    return st.lists(st.tuples(st.sampled_from(names), st.booleans()), min_size=1, max_size=8)


def _before_last(pieces: dict[str, tuple[str, bytes]]) -> list[str]:
    """Every piece before the last month (the corrections hold rows of any month)."""
    return sorted(n for n in pieces if not n.endswith(("-last", "-fix")))


@pytest.fixture(scope="module")
def before_last_month(tmp_path_factory: pytest.TempPathFactory, pieces: dict[str, tuple[str, bytes]]) -> Path:
    """Everything but the last month loaded and recomputed, in a SQLite file to copy."""
    path = tmp_path_factory.mktemp("before_last") / "store.db"
    engine = open_store(f"sqlite:///{path}")
    for name in _before_last(pieces):
        _load(engine, pieces[name])
    recompute(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _check_later_month(url: str, pieces: dict[str, tuple[str, bytes]], steps: list[tuple[str, bool]]) -> None:
    engine = open_store(url)
    try:
        modes = []
        for name, recompute_now in steps:
            _load(engine, pieces[name])
            if recompute_now:
                modes.append(recompute(engine).mode)
        modes.append(recompute(engine).mode)
        keep_derived(engine)
        recompute(engine, full=True)
        assert_derived_kept(engine)
        # The month's periods only: no fall-back to a full recompute.
        assert set(modes) == {"incremental"}
    finally:
        engine.dispose()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_month_steps())
def test_a_later_month_recomputed_from_its_periods_equals_a_full_recompute_on_sqlite(
    tmp_path_factory: pytest.TempPathFactory,
    pieces: dict[str, tuple[str, bytes]],
    before_last_month: Path,
    steps: list[tuple[str, bool]],
) -> None:
    path = tmp_path_factory.mktemp("month") / "store.db"
    shutil.copy(before_last_month, path)
    _check_later_month(f"sqlite:///{path}", pieces, steps)


@pytest.fixture(scope="module")
def before_last_month_postgres(pieces: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """``before_last_month`` on PostgreSQL: the name of a database to clone."""
    databases = _postgres_database()
    url = next(databases)
    engine = open_store(url)
    for name in _before_last(pieces):
        _load(engine, pieces[name])
    recompute(engine)
    engine.dispose()
    yield str(make_url(url).database)
    databases.close()


@pytest.mark.postgres
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_month_steps())
def test_a_later_month_recomputed_from_its_periods_equals_a_full_recompute_on_postgres(
    pieces: dict[str, tuple[str, bytes]], before_last_month_postgres: str, steps: list[tuple[str, bool]]
) -> None:
    databases = _postgres_database(template=before_last_month_postgres)
    url = next(databases)
    try:
        _check_later_month(url, pieces, steps)
    finally:
        databases.close()


def _load_all(engine: Engine, pieces: dict[str, tuple[str, bytes]]) -> None:
    order = sorted(pieces)
    random.Random(3).shuffle(order)
    for name in order:
        _load(engine, pieces[name])


@pytest.fixture(scope="module")
def sqlite_loaded_template(
    tmp_path_factory: pytest.TempPathFactory, pieces: dict[str, tuple[str, bytes]]
) -> Path:
    """Every piece loaded once into a SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    engine = open_store(f"sqlite:///{path}")
    _load_all(engine, pieces)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def postgres_loaded_template(pieces: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """``sqlite_loaded_template`` on PostgreSQL: the name of a database to clone."""
    databases = _postgres_database()
    url = next(databases)
    engine = open_store(url)
    _load_all(engine, pieces)
    engine.dispose()
    yield str(make_url(url).database)
    databases.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def loaded(
    request: pytest.FixtureRequest, tmp_path: Path, pieces: dict[str, tuple[str, bytes]]
) -> Iterator[Engine]:
    """Every piece loaded (nothing recomputed yet): a copy of the module's template store."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copy(request.getfixturevalue("sqlite_loaded_template"), path)
        engine = open_store(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    databases = _postgres_database(template=request.getfixturevalue("postgres_loaded_template"))
    engine = open_store(next(databases))
    yield engine
    engine.dispose()
    databases.close()


def whole_store_results(engine: Engine, reference_url: str) -> dict[str, pd.DataFrame]:
    """What the recompute computed before it went LA by LA (one pass over the whole store),
    written to a second store through the same writer and read back the same way."""
    registry = load_registry()
    snapshot = read_snapshot(engine)
    computed = compute_indicators(snapshot, registry)
    windows = reporting_windows(snapshot)
    computed = add_coverage(computed, snapshot, windows, registry)
    results, series = add_spc(add_assessment(computed, registry, load_targets(None, registry)), windows)
    reference = open_store(reference_url)
    with reference.begin() as conn:
        upsert(conn, kpi_results, results[[c.name for c in kpi_results.columns]])
        upsert(conn, kpi_spc, series[[c.name for c in kpi_spc.columns]])
        upsert(conn, la_windows, windows)
        upsert(conn, eh_outcome_scores, outcome_score_changes(snapshot))
    out = derived(reference)
    reference.dispose()
    return out


def test_a_full_recompute_la_by_la_equals_one_pass_over_the_whole_store(
    loaded: Engine, tmp_path: Path
) -> None:
    summary = recompute(loaded, full=True)
    assert summary.mode == "full" and summary.las == sorted(LAS)
    stored = derived(loaded)
    want = whole_store_results(loaded, f"sqlite:///{tmp_path / 'reference.db'}")
    for name in ("kpi_results", "kpi_spc", "la_windows", "eh_outcome_scores"):
        pd.testing.assert_frame_equal(stored[name], want[name], obj=name)


def test_a_load_of_one_kind_recomputes_only_its_la_and_the_indicators_reading_it(loaded: Engine) -> None:
    recompute(loaded)
    # The same referrals again with corrected teams: the window and periods stay as they were.
    _load(loaded, ("referrals.csv", _relabel(loaded)))
    summary = recompute(loaded)
    assert (summary.mode, summary.las) == ("incremental", ["394"])
    reg = load_registry()
    expected = {i.id for i in reg if indicator_kinds(i) & {"referrals", "loads"}}
    assert summary.details[0]["kpis"] == len(expected)
    keep_derived(loaded)
    recompute(loaded, full=True)
    assert_derived_kept(loaded)


def _relabel(engine: Engine) -> bytes:
    with engine.connect() as conn:
        frame = read_frame(conn, kind_table("referrals"), where_sql="la_code = '394'")
    rows = frame.head(30)
    out = pd.DataFrame(
        {
            "la_code": rows["la_code"],
            "referral_id": rows["referral_id"],
            "child_id": [f"X{i}" for i in range(len(rows))],
            "referral_date": rows["referral_date"].dt.strftime("%Y-%m-%d"),
            "referral_source": rows["referral_source"],
            "referral_nfa": "false",
            "team": "Relabelled",
        }
    )
    return _csv(out)


def test_the_kept_tables_tell_a_changed_value_and_a_missing_row(loaded: Engine) -> None:
    """The comparison the tests above rely on fails when one value moves by a billionth
    or one row goes, and names the table."""
    recompute(loaded)
    keep_derived(loaded)
    assert_derived_kept(loaded)
    with loaded.begin() as conn:
        conn.execute(text("UPDATE kpi_results SET value = value * (1 + 1e-9) WHERE value > 0"))
    with pytest.raises(AssertionError, match="kpi_results"):
        assert_derived_kept(loaded)
    keep_derived(loaded)
    with loaded.begin() as conn:
        conn.execute(text("DELETE FROM kpi_spc WHERE kpi_id = (SELECT min(kpi_id) FROM kpi_spc)"))
    with pytest.raises(AssertionError, match="kpi_spc"):
        assert_derived_kept(loaded)


def test_nothing_pending_recomputes_nothing(loaded: Engine) -> None:
    recompute(loaded)
    again = recompute(loaded)
    assert (again.mode, again.las, again.results) == ("incremental", [], 0)


def test_every_computation_reads_only_the_kinds_its_indicator_declares() -> None:
    """Trace each indicator's reads of the tables, the population and the load records."""
    from metrics.compute.results import encode
    from metrics.snapshot import StoreSnapshot
    from metrics.snapshot_builder import build_snapshot
    from metrics.wiring import measure_of

    rows = {kind: [{}] for kind in EVENT_KINDS}
    snapshot = build_snapshot(
        **rows,
        population=[{"year": 2023, "population_0_17": 1000}],
        loads=[{"kind": "contacts", "rows_read": 2, "rows_rejected": 1, "loaded_at": "2024-05-03"}],
    )
    seen: set[str] = set()

    class Traced(dict):  # type: ignore[type-arg]
        def __getitem__(self, key: str) -> object:
            seen.add(key)
            return super().__getitem__(key)

    class TracedSnapshot:
        tables = Traced(snapshot.tables)
        whole = None

        @property
        def load_counts(self) -> pd.DataFrame:
            seen.add("loads")
            return snapshot.load_counts

    registry = load_registry()
    for indicator in registry:
        ctx = Context.from_snapshot(StoreSnapshot(dict(snapshot.tables), snapshot.load_counts))
        # The child-id vocabulary spans every kind but only numbers children: not a read.
        ctx.cached("child_vocab", ctx._child_codes)
        ctx.tables, ctx._la_index = Traced(ctx.tables), Traced(ctx._la_index)
        ctx.snapshot = TracedSnapshot()  # type: ignore[assignment]
        seen.clear()
        measure = measure_of(indicator)
        for breakdown in indicator.breakdowns:
            encode(ctx, indicator, breakdown, measure(ctx, breakdown))
        assert seen <= indicator_kinds(indicator), (indicator.id, seen - indicator_kinds(indicator))


def test_load_dates_in_a_new_month_redo_the_rejected_rows_of_every_la(
    sqlite_engine: Engine, pieces: dict[str, tuple[str, bytes]]
) -> None:
    for name in ("394-contacts-early", "390-contacts-early", "390-contacts-late"):
        _load(sqlite_engine, pieces[name])
    # The loads so far happened two months ago: the next one's date adds periods to
    # dq_rejected_rows for both LAs, though it names only one.
    with sqlite_engine.begin() as conn:
        conn.execute(update(loads).values(finished_at=utc_now() - timedelta(days=62)))
    recompute(sqlite_engine, full=True)
    _load(sqlite_engine, pieces["394-contacts-late"])
    summary = recompute(sqlite_engine)
    assert (summary.mode, summary.las) == ("incremental", ["390", "394"])
    assert [d["kpis"] for d in summary.details if d["la"] == "390"] == [1]
    keep_derived(sqlite_engine)
    recompute(sqlite_engine, full=True)
    assert_derived_kept(sqlite_engine)


def test_a_later_month_redoes_only_the_periods_from_that_month(
    tmp_path: Path, pieces: dict[str, tuple[str, bytes]], before_last_month: Path
) -> None:
    path = tmp_path / "store.db"
    shutil.copy(before_last_month, path)
    engine = open_store(f"sqlite:///{path}")
    try:
        for kind in ("contacts", "referrals"):
            _load(engine, pieces[f"394-{kind}-last"])
        summary = recompute(engine)
        # LA 390 gains the new month's periods too (the shared range grew): both from March.
        assert summary.mode == "incremental"
        assert {d["la"]: d["from"] for d in summary.details} == {"390": LAST_MONTH, "394": LAST_MONTH}
        keep_derived(engine)
        recompute(engine, full=True)
        assert_derived_kept(engine)
    finally:
        engine.dispose()


def _earlier_rows(engine: Engine, kpi_id: str) -> pd.DataFrame:
    """The indicator's stored rows of LA 390 before the last month (on PostgreSQL with
    ``xmin``, the transaction that wrote each: a row written again gets a new one)."""
    version = "xmin::text" if engine.dialect.name == "postgresql" else "NULL"
    with engine.connect() as conn:
        query = text(
            f"SELECT {version} AS version, grain, period_end, breakdown, group_name, numerator, "
            "denominator, value, direction, spc FROM kpi_results "
            "WHERE la_code = '390' AND kpi_id = :k AND period_end < :month"
        )
        return pd.read_sql(query, conn, params={"k": kpi_id, "month": date.fromisoformat(LAST_MONTH)})


def _log_written(engine: Engine, kpi_id: str) -> None:
    """Log the keys of the indicator's rows of LA 390 before the last month as they are
    written (a SQLite trigger: the recompute writes through its own connections)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE test_written (grain TEXT, period_end TEXT, breakdown TEXT, group_name TEXT)"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER test_written_log AFTER INSERT ON kpi_results "
            f"WHEN NEW.la_code = '390' AND NEW.kpi_id = '{kpi_id}' AND NEW.period_end < '{LAST_MONTH}' "
            "BEGIN INSERT INTO test_written "
            "VALUES (NEW.grain, NEW.period_end, NEW.breakdown, NEW.group_name); END"
        )


def _written(engine: Engine) -> pd.DataFrame:
    with engine.begin() as conn:
        found = pd.read_sql(text("SELECT * FROM test_written"), conn)
        conn.exec_driver_sql("DROP TRIGGER test_written_log")
    return found


REWRITE_KEYS = ["grain", "period_end", "breakdown", "group_name"]


def _check_month_rewrites(engine: Engine, pieces: dict[str, tuple[str, bytes]], jobs: int) -> None:
    """Load the month's assessment of a referral of 29 February and recompute: some earlier
    rows of ``referral_to_assessment`` change, exactly those are written again, and the
    store equals a full recompute."""
    kpi = "referral_to_assessment"
    before = _earlier_rows(engine, kpi)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _log_written(engine, kpi)
    # Its team and locality are known already: a group that appears sends the LA back to
    # every period.
    name, content = pieces["390-assessments-last"]
    header, *lines = content.decode().splitlines()
    _load(engine, (name, "\n".join([header, *(x for x in lines if ",R000012," in x)]).encode()))
    summary = recompute(engine, jobs=jobs)
    assert {d["la"]: d["from"] for d in summary.details}["390"] == LAST_MONTH
    assert_run_counted(engine)
    after = _earlier_rows(engine, kpi)
    both = before.merge(after, on=REWRITE_KEYS, suffixes=("_was", "_now"))
    assert len(both) == len(before) == len(after)
    same = pd.concat(
        [
            (both[f"{v}_was"] == both[f"{v}_now"]) | (both[f"{v}_was"].isna() & both[f"{v}_now"].isna())
            for v in ["numerator", "denominator", "value", "direction", "spc"]
        ],
        axis=1,
    ).all(axis=1)
    assert (~same).sum() > 0 and same.sum() > 0
    written = (
        _written(engine) if sqlite else both.loc[both["version_was"] != both["version_now"], REWRITE_KEYS]
    )
    assert_frame_equal(_in_order(written), _in_order(both.loc[~same, REWRITE_KEYS]))
    keep_derived(engine)
    recompute(engine, full=True)
    assert_derived_kept(engine)


def _in_order(keys: pd.DataFrame) -> pd.DataFrame:
    return keys.astype(str).sort_values(REWRITE_KEYS).reset_index(drop=True)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_later_month_rewrites_only_the_earlier_rows_it_changes(
    tmp_path: Path, pieces: dict[str, tuple[str, bytes]], before_last_month: Path, jobs: int
) -> None:
    """The month's assessment links to a referral of the month before, so some earlier rows
    of ``referral_to_assessment`` change: exactly those are written again, the others stay
    as stored (``metrics.recompute_rewrite``). In one process and in a worker, which read
    the stored rows differently (``store.arrow_read``)."""
    if jobs > 1:
        pytest.importorskip("adbc_driver_sqlite")
    path = tmp_path / "store.db"
    shutil.copy(before_last_month, path)
    engine = open_store(f"sqlite:///{path}")
    try:
        _check_month_rewrites(engine, pieces, jobs)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_later_month_rewrites_only_the_earlier_rows_it_changes_on_postgres(
    pieces: dict[str, tuple[str, bytes]], before_last_month_postgres: str
) -> None:
    """The same on PostgreSQL, where a row written again has a new ``xmin``."""
    databases = _postgres_database(template=before_last_month_postgres)
    engine = open_store(next(databases))
    try:
        _check_month_rewrites(engine, pieces, 2)
    finally:
        engine.dispose()
        databases.close()


@pytest.mark.parametrize("las", [["394"], LAS])
def test_a_later_month_recomputed_in_worker_processes_equals_a_full_recompute(
    tmp_path: Path, pieces: dict[str, tuple[str, bytes]], before_last_month: Path, las: list[str]
) -> None:
    """With two jobs the month's LAs are computed in worker processes, which read the
    store through Arrow (``store.arrow_read``), one LA as well as two; a group that
    appears (the corrected teams) sends a worker back to every period."""
    pytest.importorskip("adbc_driver_sqlite")
    path = tmp_path / "store.db"
    shutil.copy(before_last_month, path)
    engine = open_store(f"sqlite:///{path}")
    try:
        for la in las:
            for kind in ("contacts", "referrals", "s47", "cin_plans"):
                _load(engine, pieces[f"{la}-{kind}-last"])
        summary = recompute(engine, jobs=2)
        assert summary.mode == "incremental"
        # The month's periods only, for one LA at least (an LA may still need them all).
        assert LAST_MONTH in {d["from"] for d in summary.details}
        # In a worker process, not the writer's.
        assert all(d["pid"] != os.getpid() for d in summary.details)
        _load(engine, pieces[f"{las[0]}-referrals-fix"])
        fixed = recompute(engine, jobs=2)
        # The month's indicators are split across the two workers (metrics.recompute_split):
        # those that read the corrected referrals' teams go back to every period.
        assert None in [d["from"] for d in fixed.details]
        keep_derived(engine)
        recompute(engine, full=True)
        assert_derived_kept(engine)
    finally:
        engine.dispose()
