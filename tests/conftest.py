"""Shared fixtures: real stores (a SQLite file, and a PostgreSQL database per test).

PostgreSQL tests need ``SCORECARD_TEST_POSTGRES_URL`` (``make test`` starts a throwaway
server and sets it); without it they are skipped with that reason.

One Hypothesis profile, "scorecard", for the whole suite: no deadline (a shared or
loaded machine makes single examples slow, which is not a failure; speed is measured
in benchmarks/, never asserted), 100 examples unless a test asks for more or fewer,
and no "too slow" / "data too large" health checks (the examples are whole extracts).
"""

from __future__ import annotations

import os
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


def _postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server: set SCORECARD_TEST_POSTGRES_URL (make test starts one)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An opened, empty store (both backends)."""
    eng = open_store(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """An opened, empty SQLite store, for tests that need only one backend."""
    eng = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def shared_dir() -> Path:
    """The sector's shared folder (CI has it; a user's clone may not)."""
    if not SHARED.is_dir():
        pytest.skip(f"the shared folder {SHARED} is not here (it sits beside the project in CI)")
    return SHARED
