"""Schema migrations: a store made by the release before them upgrades in place; old and
newer stores are refused with a one-line message; a new store just works; times are UTC.

The old store is built from that release's frozen DDL and rows (``tests/pre_migrations.py``)
and the outputs it is compared with were printed by that release's own ``scorecard kpis``
and ``scorecard loads``, so the comparison does not depend on this code.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import StatementError

from scorecard.cli import main
from scorecard.commentary import CommentKey, comment_history, save_comment
from store.engine import open_store, writing
from store.migrate import (
    BASELINE,
    StoreOutdatedError,
    StoreTooNewError,
    _script,
    alembic_config,
    compare_type,
    head_revision,
    include_name,
    schema_state,
)
from store.schema import comments, kpi_results, kpi_runs, loads, metadata
from store.times import UTCDateTime
from tests import pre_migrations

FIXTURES = pre_migrations.FIXTURES
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
# The fixture's times were written by a server in London: 10:30:05 on 2 June 2025 is BST.
SUMMER_LOCAL = datetime(2025, 6, 2, 10, 30, 5)
SUMMER_UTC = datetime(2025, 6, 2, 9, 30, 5, tzinfo=UTC)
WINTER_LOCAL = datetime(2025, 1, 15, 16, 45)


@pytest.fixture
def london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time zone is London's (as the old release's server was)."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def _as_utc(value: Any, *, local: bool = False) -> datetime:
    """A time column as the database holds it, as aware UTC (``local``: a naive value is local time).

    Naive values are read back as UTC unless ``local``; SQLite's text is parsed first.
    """
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None and not local:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)  # a naive value: taken as the machine's local time


TIME_COLUMNS = {
    "loads": ("started_at", "finished_at"),
    "kpi_runs": ("started_at", "finished_at"),
    "comments": ("created_at",),
    "record_views": ("viewed_at",),
}


def _release_columns_csv(text: str) -> str:
    """``scorecard kpis`` CSV cut to the columns the release before migrations wrote."""
    release = (FIXTURES / "pre_migrations_kpis.csv").read_text().splitlines()[0].split(",")
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.DictWriter(out, release, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# What a column added by a later revision holds on the old release's rows.
LATER_DEFAULTS = (None, "full", 0, False)


def _normalised(rows: dict[str, list[tuple[Any, ...]]], *, local: bool) -> dict[str, Any]:
    """Every row, with the time columns as aware UTC (``local``: they were naive local times)."""
    data = pre_migrations.json.loads(pre_migrations.ROWS.read_text())
    out: dict[str, Any] = {}
    for name, table_rows in rows.items():
        if name in ("alembic_version", "scorecard_meta"):
            continue
        columns = data[name]["columns"]
        times = [columns.index(c) for c in TIME_COLUMNS.get(name, ())]
        fixed = []
        for row in table_rows:
            # Columns added by later revisions come after the release's own (add_column
            # appends), null or their server default on the rows it wrote: compared on the
            # release's columns.
            cells = list(row[: len(columns)])
            assert all(extra in LATER_DEFAULTS for extra in row[len(columns) :]), (name, row)
            for i in times:
                cells[i] = _as_utc(cells[i], local=local)
            fixed.append(tuple(cells))
        out[name] = sorted(fixed, key=repr)
    return out


# Tables later revisions add, empty after an upgrade (0004: incremental recompute's state).
TABLES_ADDED_SINCE = ("recompute_spans", "recomputed_loads")


def test_a_store_made_by_the_release_before_upgrades_in_place(
    store_url: str, london: None, capsys: pytest.CaptureFixture[str]
) -> None:
    counts = pre_migrations.build(store_url)
    before = pre_migrations.dump(store_url)
    assert {name: len(rows) for name, rows in before.items()} == counts
    assert all(counts[name] > 0 for name in counts)  # a few rows in every table

    status, out, err = _run(capsys, "upgrade", "--db", store_url)
    assert status == 0, err
    assert "from schema version 1 (the release before migrations) to schema revision" in out

    after = pre_migrations.dump(store_url)
    # Tables added by later revisions start empty; the release's own keep every row.
    added = {n: len(r) for n, r in after.items() if n not in before and n != "alembic_version"}
    assert added == dict.fromkeys(added, 0)
    assert {n: len(r) for n, r in after.items() if n in before} == {
        **counts,
        "scorecard_meta": counts["scorecard_meta"] + 1,
    }
    kept = {n: r for n, r in after.items() if n in before}
    assert _normalised(kept, local=False) == _normalised(before, local=True)
    meta_rows = dict(after["scorecard_meta"])
    assert meta_rows["schema_version"] == "2"  # the release before refuses it now
    assert meta_rows["key_fingerprint"] == dict(before["scorecard_meta"])["key_fingerprint"]
    assert after["alembic_version"] == [(head_revision(),)]

    engine = open_store(store_url)  # accepted now, and its times read back as UTC
    with engine.connect() as conn:
        first = conn.execute(select(loads.c.finished_at).where(loads.c.load_id == 1)).scalar_one()
        edited = conn.execute(select(comments.c.created_at).where(comments.c.comment_id == 2)).scalar_one()
    engine.dispose()
    assert first == SUMMER_UTC and first.tzinfo is not None
    assert edited == WINTER_LOCAL.replace(tzinfo=UTC)  # GMT is UTC

    status, out, err = _run(capsys, "kpis", "--db", store_url)
    assert (status, err) == (0, "")
    # The release's own columns are unchanged; columns added since (coverage) follow them.
    assert _release_columns_csv(out) == (FIXTURES / "pre_migrations_kpis.csv").read_text()
    args = ("kpis", "--db", store_url, "--format", "json", "--from", "2023-10", "--to", "2024-03")
    status, out, _ = _run(capsys, *args)
    expected_json = json.loads((FIXTURES / "pre_migrations_kpis.json").read_text())
    assert [{k: row[k] for k in old} for row, old in zip(json.loads(out), expected_json, strict=True)] == (
        expected_json
    )
    # `scorecard loads` shows the same (UK) times as that release did.
    status, out, _ = _run(capsys, "loads", "--db", store_url, "--format", "csv")
    shown = [(r["load_id"], r["finished_at"]) for r in csv.DictReader(io.StringIO(out))]
    expected = (FIXTURES / "pre_migrations_loads.csv").read_text()
    assert shown == [(r["load_id"], r["finished_at"]) for r in csv.DictReader(io.StringIO(expected))]
    assert shown[0] == ("1", f"{SUMMER_LOCAL:%Y-%m-%d %H:%M:%S}")

    status, out, _ = _run(capsys, "upgrade", "--db", store_url)
    assert status == 0 and "already at schema revision" in out


OLD_STORE_COMMANDS = [
    ["kpis"],
    ["load", str(SAMPLES / "contacts.csv"), "--no-recompute"],
    ["serve", "--port", "8299"],
    ["recompute"],
    ["loads"],
    ["rejects"],
]


@pytest.mark.parametrize("command_args", OLD_STORE_COMMANDS, ids=lambda a: a[0])
def test_a_store_made_before_migrations_is_refused_and_left_as_it_was(
    tmp_path: Path, command_args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    pre_migrations.build(url)
    before = pre_migrations.dump(url)
    status, out, err = _run(capsys, *command_args, "--db", url)
    assert status == 1
    assert out == ""
    assert err == (
        f"scorecard: the database {url} was made by a release of the scorecard before schema "
        "migrations (schema version 1): back it up, run 'scorecard upgrade' on it (same --db or "
        "SCORECARD_DATABASE_URL), then try again\n"
    )
    assert pre_migrations.dump(url) == before  # nothing was changed


def test_a_store_a_revision_behind_is_refused_with_the_revisions(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_store(store_url)
    with writing(engine) as conn:
        command.downgrade(alembic_config(conn), BASELINE)
    with pytest.raises(StoreOutdatedError, match=f"at schema revision {BASELINE}, older than this program's"):
        open_store(store_url)
    status, _, err = _run(capsys, "kpis", "--db", store_url)
    assert status == 1 and "run 'scorecard upgrade'" in err and err.count("\n") == 1
    status, out, _ = _run(capsys, "upgrade", "--db", store_url)
    assert status == 0 and f"from {BASELINE} to schema revision {head_revision()}" in out
    open_store(store_url).dispose()
    engine.dispose()


def test_a_store_newer_than_the_code_is_refused_naming_its_release(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_store(store_url)
    with writing(engine) as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        conn.execute(text("UPDATE scorecard_meta SET value = '9.1.0' WHERE key = 'schema_release'"))
    engine.dispose()
    with pytest.raises(StoreTooNewError):
        open_store(store_url)
    for args in (["kpis"], ["serve", "--port", "8299"], ["upgrade"]):
        status, out, err = _run(capsys, *args, "--db", store_url)
        assert status == 1 and out == ""
        assert err.startswith("scorecard: the database ")
        assert "is at schema revision 0099, made by scorecard 9.1.0, newer than this program" in err
        assert err.endswith("use scorecard 9.1.0 or later with this database\n")


def test_a_new_store_is_created_at_the_head_by_any_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'new.db'}"
    status, out, err = _run(capsys, "loads", "--db", url)
    assert (status, err) == (0, "")
    engine = open_store(url)
    with engine.connect() as conn:
        state = schema_state(conn)
    engine.dispose()
    assert (state.revision, state.legacy_version) == (head_revision(), "2")
    status, out, _ = _run(capsys, "upgrade", "--db", url)
    assert status == 0 and "already at schema revision" in out
    other = f"sqlite:///{tmp_path / 'other.db'}"
    status, out, _ = _run(capsys, "upgrade", "--db", other)
    assert status == 0 and out.startswith(f"created a new store at schema revision {head_revision()}")


def test_opening_a_store_at_the_head_does_not_import_alembic(tmp_path: Path) -> None:
    """The check every command makes reads the head from the revision files (quick_head)."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'head.db'}"
    open_store(url).dispose()
    probe = (
        "import sys; from store.engine import open_store; "
        f"open_store({url!r}).dispose(); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr


def test_the_migrations_build_the_schema_the_code_describes(store_url: str) -> None:
    """Replaying every revision gives the tables ``create_all`` gives (a forgotten revision fails here)."""
    assert len(_script().get_heads()) == 1, (
        f"the migrations have several heads {_script().get_heads()}: set the newer revision's "
        "down_revision to the other (docs/architecture.md, Migrations)"
    )
    engine = pre_migrations.raw_engine(store_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        context = MigrationContext.configure(
            conn, opts={"compare_type": compare_type, "include_name": include_name}
        )
        assert compare_metadata(context, metadata) == []
        # compare_metadata leaves primary keys out; their columns' order decides what they serve.
        keys = {t.name: [c.name for c in t.primary_key.columns] for t in metadata.sorted_tables}
        assert {name: inspect(conn).get_pk_constraint(name)["constrained_columns"] for name in keys} == keys
        # Nor does it compare SQLite's rowid (revision 0014).
        if conn.dialect.name == "sqlite":
            assert _without_rowid(conn) == {
                t.name for t in metadata.sorted_tables if t.dialect_options["sqlite"]["with_rowid"] is False
            }
        replayed = {k: v for k, v in conn.execute(text("SELECT key, value FROM scorecard_meta"))}
    engine.dispose()
    assert replayed == {"schema_version": "2"}


def test_times_are_written_and_read_back_as_utc(engine: Any) -> None:
    key = CommentKey("394", "referrals", "month", datetime(2025, 3, 31).date())
    plus_two = timezone(timedelta(hours=2))
    save_comment(engine, key, "Noted", "A. Analyst", now=datetime(2025, 7, 1, 12, 0, tzinfo=plus_two))
    [saved] = comment_history(engine, key)
    assert saved.created_at == datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    assert saved.created_at.utcoffset() == timedelta(0)
    with pytest.raises(StatementError, match="naive time"):
        save_comment(engine, key, "Again", "A. Analyst", now=datetime(2025, 7, 1, 12, 0))
    with writing(engine) as conn:
        conn.execute(
            kpi_runs.insert().values(
                started_at=datetime.now(UTC), finished_at=datetime.now(UTC), latest_load_id=None, results=0
            )
        )
        stored = conn.execute(text("SELECT finished_at FROM kpi_runs")).scalar_one()
        read = conn.execute(select(kpi_runs.c.finished_at)).scalar_one()
    assert abs(read - datetime.now(UTC)) < timedelta(minutes=5)
    assert _as_utc(stored) == read  # the raw value is UTC too
    assert isinstance(kpi_runs.c.finished_at.type, UTCDateTime)


def _results_rows(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(kpi_results)))


def _sample_results(kpis: tuple[str, ...], months: tuple[int, ...]) -> list[dict[str, Any]]:
    """Monthly results of LAs 394 and 800 for ``kpis`` in ``months`` of 2025."""
    return [
        {
            "la_code": la,
            "kpi_id": kpi,
            "grain": "month",
            "period_start": date(2025, m, 1),
            "period_end": date(2025, m, 28),
            "breakdown": "all",
            "group_name": "all",
            "value": float(m),
            "status": "none",
            "coverage": "full",
        }
        for la in ("394", "800")
        for kpi in kpis
        for m in months
    ]


def test_revision_0012_rekeys_the_results_both_ways_keeping_every_row(engine: Any) -> None:
    """0012 puts the page's columns first in ``kpi_results``' key and drops the view index;
    its downgrade gives the old key and index back; the rows survive both ways."""
    rows = _sample_results(("cpp_rate", "referrals"), (1, 2))
    with writing(engine) as conn:
        conn.execute(kpi_results.insert(), rows)
    stored = _results_rows(engine)
    assert len(stored) == 8

    def shape() -> tuple[list[str], list[str]]:
        with engine.connect() as conn:
            found = inspect(conn)
            key = found.get_pk_constraint("kpi_results")["constrained_columns"]
            return key, sorted(str(i["name"]) for i in found.get_indexes("kpi_results"))

    assert shape() == (["la_code", "grain", "period_end", "breakdown", "kpi_id", "group_name"], [])
    with writing(engine) as conn:
        command.downgrade(alembic_config(conn), "0011")
    assert shape() == (
        ["la_code", "kpi_id", "grain", "period_end", "breakdown", "group_name"],
        ["ix_kpi_results_view"],
    )
    assert _results_rows(engine) == stored
    with writing(engine) as conn:
        command.upgrade(alembic_config(conn), "head")
    assert shape() == (["la_code", "grain", "period_end", "breakdown", "kpi_id", "group_name"], [])
    assert _results_rows(engine) == stored


def _without_rowid(conn: Any) -> set[str]:
    """The SQLite store's tables made ``WITHOUT ROWID``."""
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    return {str(name) for name, sql in rows if str(sql).rstrip().upper().endswith("WITHOUT ROWID")}


def test_revision_0014_drops_the_results_rowid_on_sqlite_both_ways_keeping_every_row(
    sqlite_engine: Any,
) -> None:
    """0014 makes ``kpi_results`` a table without rowid on SQLite; its downgrade gives the
    rowid back; the rows and the key survive both ways."""
    rows = _sample_results(("referrals",), (1, 2, 3))
    with writing(sqlite_engine) as conn:
        conn.execute(kpi_results.insert(), rows)
    stored = _results_rows(sqlite_engine)
    key = ["la_code", "grain", "period_end", "breakdown", "kpi_id", "group_name"]

    def shape() -> tuple[bool, list[str]]:
        with sqlite_engine.connect() as conn:
            found = inspect(conn).get_pk_constraint("kpi_results")["constrained_columns"]
            return "kpi_results" in _without_rowid(conn), found

    assert shape() == (True, key)
    with writing(sqlite_engine) as conn:
        command.downgrade(alembic_config(conn), "0013")
    assert shape() == (False, key)
    assert _results_rows(sqlite_engine) == stored
    with writing(sqlite_engine) as conn:
        command.upgrade(alembic_config(conn), "head")
    assert shape() == (True, key)
    assert _results_rows(sqlite_engine) == stored


def test_revision_0012_refuses_a_results_table_defined_otherwise_and_leaves_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite's re-key rewrites the table's stored definition; one whose key clause is not
    the one revision 0011 left stops the upgrade with one line, and nothing changes."""
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    engine = open_store(url)
    with writing(engine) as conn:
        command.downgrade(alembic_config(conn), "0011")
        made = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'kpi_results'")).scalar_one()
        odd = made.replace(
            "PRIMARY KEY (la_code, kpi_id, grain, period_end, breakdown, group_name)",
            "PRIMARY KEY(la_code,kpi_id,grain,period_end,breakdown,group_name)",
        )
        assert odd != made
        conn.execute(text("DROP TABLE kpi_results"))
        conn.execute(text(odd))
        conn.execute(
            text("CREATE INDEX ix_kpi_results_view ON kpi_results (la_code, grain, period_end, breakdown)")
        )
    engine.dispose()
    status, out, err = _run(capsys, "upgrade", "--db", url)
    assert (status, out) == (1, "")
    assert err.count("\n") == 1 and "is not defined with PRIMARY KEY (la_code, kpi_id" in err
    raw = pre_migrations.raw_engine(url)
    with raw.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0011"
        assert (
            conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'kpi_results'")).scalar_one() == odd
        )
    raw.dispose()
