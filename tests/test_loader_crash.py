"""A load killed part way (SIGKILL, no clean-up at all) leaves the store exactly as before."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import Engine, select

from loaders.pipeline import load_bytes
from store.schema import kind_table, load_counts, loads, meta, rejects
from tests.test_loader_rules import CONTACT_HEADER, csv_bytes
from tests.test_loader_store import GOOD, OPTS

# The child process loads a file and kills itself with SIGKILL right after the first bulk
# write inside the load's transaction: the database must roll that transaction back.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from loaders import pipeline
    from loaders.pipeline import LoadOptions, load_bytes
    from store.engine import open_store

    real = pipeline.upsert
    def write_then_die(conn, table, frame):
        real(conn, table, frame)
        os.kill(os.getpid(), signal.SIGKILL)
    pipeline.upsert = write_then_die
    engine = open_store(sys.argv[1])
    options = LoadOptions(key=b"test-key-0123456789abcdef0123456789", default_la="394")
    load_bytes(engine, "contacts.csv", Path(sys.argv[2]).read_bytes(), options)
    print("not killed")
    """
)


def _everything(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return [
            sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
            for t in (loads, load_counts, rejects, meta, kind_table("contacts"))
        ]


def test_a_killed_load_changes_nothing(engine: Engine, store_url: str, tmp_path: Path) -> None:
    load_bytes(engine, "contacts.csv", GOOD, OPTS)
    before = _everything(engine)
    rows = [f"K{i},P{i},2024-01-05,6,{'nfa' if i % 50 else 'bogus'}," for i in range(5000)]
    extract = tmp_path / "big_contacts.csv"
    extract.write_bytes(csv_bytes(CONTACT_HEADER, *rows))
    engine.dispose()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, store_url, str(extract)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -9, result.stdout + result.stderr  # killed by SIGKILL
    assert _everything(engine) == before
