"""Shared fixtures: real stores (a SQLite file, and a PostgreSQL database per test).

PostgreSQL tests need ``SCORECARD_TEST_POSTGRES_URL`` (``make test`` starts a throwaway
server and sets it); without it they are skipped with that reason.

One Hypothesis profile, "scorecard", for the whole suite: no deadline (a shared or
loaded machine makes single examples slow, which is not a failure; speed is measured
in benchmarks/, never asserted), 100 examples unless a test asks for more or fewer,
and no "too slow" / "data too large" health checks (the examples are whole extracts).

A PostgreSQL test that asks for ``engine`` gets a database cloned (``CREATE DATABASE ...
TEMPLATE``) from one migrated once per pytest process (``postgres_template``), not one
migrated again (on the loaded shared machine, 2.9 s a database to create and migrate,
0.28 s to clone; docs/performance.md, "The test suite's time"). A SQLite test that asks
for ``engine`` (or ``sqlite_engine``) likewise gets a copy of a file created once per
process (``empty_sqlite_template``). The clone is what
``open_store`` built, and ``open_store`` still opens it (and checks its revision) in
the fixture. A test that asks only for ``store_url`` still
gets an empty database: the migration tests build the schema themselves.

The schedule (``make test``: ``-n 2 --dist loadfile --no-loadscope-reorder``): each test
file runs whole on one worker (module fixtures are built once), and files are handed
out in collection order, which ``pytest_collection_modifyitems`` puts longest first
(``LONGEST_FIRST``, from measured CPU time; the rest keep pytest's order, where the
browser tests come first and the doctests last). xdist's default for ``loadfile``
sorts the files by their number of tests instead, so files with few but slow tests
(a browser module, a property test) started last and left one worker running alone
for minutes while the other had nothing left.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from store.engine import open_store

settings.register_profile(
    "scorecard",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("scorecard")

# The scripts that made the frozen fixtures ran on an earlier release: not collected.
collect_ignore = ["fixtures"]

POSTGRES_URL = os.environ.get("SCORECARD_TEST_POSTGRES_URL")
SHARED = Path(__file__).resolve().parents[2] / "shared"
TEST_KEY = b"test-key-0123456789abcdef0123456789"


# Test files by the CPU time of their pytest process measured on 2 December 2026
# (docs/performance.md, "The test suite's time"), longest first; the PostgreSQL
# server's and the browser's time come on top. A file not listed runs after these,
# in pytest's order (the browser modules, then tests/test_*.py, then the doctests).
LONGEST_FIRST = (
    "tests/test_recompute_incremental.py",  # 98 s in 3 of its 13 tests (Hypothesis)
    "tests/test_records.py",  # 85 s
    "tests/test_recompute_parallel.py",  # 34 s, and its worker processes
    "tests/test_plain_english.py",  # 24 s
    "tests/test_loader_properties.py",  # 19 s
    "tests/test_compute_properties.py",  # 17 s
    "tests/test_security_store.py",  # 16 s
    "tests/test_loader_workforce.py",  # 15 s
    "tests/test_disclosure.py",  # 14 s
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the files of ``LONGEST_FIRST`` first, in its order (a stable sort: each file's
    tests, and every other file, keep their order)."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def _postgres_database(template: str | None = None) -> Iterator[str]:
    """A new database's URL (a copy of ``template`` when given), dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server: set SCORECARD_TEST_POSTGRES_URL (make test starts one)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    # FILE_COPY (PostgreSQL 15+): copying the small files beats PostgreSQL 15's default,
    # which writes the whole template through the WAL (1.0 s against 0.28 s a database).
    copy = (f' TEMPLATE "{template}"' if template else "") + " STRATEGY FILE_COPY"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a PostgreSQL database that ``open_store`` migrated, made once per pytest
    process (each xdist worker has its own: a template must have no other connection
    while it is copied)."""
    databases = _postgres_database()
    url = next(databases)
    open_store(url).dispose()
    yield str(make_url(url).database)
    databases.close()


@pytest.fixture(scope="session")
def empty_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store that ``open_store`` created, once per pytest process, for the
    fixtures below to copy (0.01 s, against 0.1-0.3 s to create and migrate one)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "store.db"
    open_store(f"sqlite:///{path}").dispose()
    return path


def _sqlite_store(request: pytest.FixtureRequest, path: Path) -> str:
    """The URL of a copy of ``empty_sqlite_template`` at ``path`` (its 0600 mode kept)."""
    shutil.copy(request.getfixturevalue("empty_sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store: a SQLite file, then a PostgreSQL database (already
    migrated, from ``empty_sqlite_template`` or ``postgres_template``, when the test also asks
    for ``engine``)."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        yield _sqlite_store(request, path) if "engine" in request.fixturenames else f"sqlite:///{path}"
    elif "engine" in request.fixturenames:
        yield from _postgres_database(request.getfixturevalue("postgres_template"))
    else:
        yield from _postgres_database()


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An opened, empty store (both backends)."""
    eng = open_store(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An opened, empty SQLite store, for tests that need only one backend."""
    eng = open_store(_sqlite_store(request, tmp_path / "store.db"))
    yield eng
    eng.dispose()


@pytest.fixture
def shared_dir() -> Path:
    """The sector's shared folder (CI has it; a user's clone may not)."""
    if not SHARED.is_dir():
        pytest.skip(f"the shared folder {SHARED} is not here (it sits beside the project in CI)")
    return SHARED
