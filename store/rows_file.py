"""Handing many rows to the writer in a SQLite file of their own, instead of one by one.

A full recompute's writer stores about 240,000 results per LA. Through the driver's
``executemany`` that is a Python tuple per row and a Python value per column, bound one
at a time: 4 s of the writer's time per LA of the 2-LA benchmark store, while the
workers took 3.3 s to compute both LAs side by side (docs/performance.md, "Handing the
results over in a file"). Instead, a worker writes its LA's results into a file of its
own through ADBC's SQLite driver (Arrow columns bound in C: 0.5 s for one LA), and the
writer copies them in one statement, ``INSERT INTO main.t SELECT ... FROM file.t``,
inside its transaction (1.2 s for one LA).

Readings and choices:

- The file's table has the target's columns with the same declared types and no
  constraints, so each value gets the same affinity twice (in the file, then in the
  store) and is stored exactly as ``store.bulk.insert_new`` stores it: dates as ISO
  text, NaN as NULL, integers of a float column as integers (the test compares the
  rows and SQLite's ``typeof`` of every value).
- The rows are written in the order given: the caller passes them in the target's key
  order, so that the writer's copy fills its B-tree page by page.
- SQLite lets a transaction ``ATTACH`` a file but not ``DETACH`` it before the end
  (the file is then locked), and a connection holds at most
  ``SQLITE_LIMIT_ATTACHED`` files (10 in the usual builds): ``attach_room`` says how
  many more it takes, and ``store.engine.writing`` detaches them all after its commit
  or rollback. The caller hands the rest over as frames.
- The file is written without sync (a journal in memory, for an append that fails):
  it is a scratch copy that the writer reads once, in a private temporary folder
  removed after the commit. Several processes may append to one file, one at a time,
  which is how more LAs than SQLite can attach are handed over
  (``metrics.recompute.with_results_files``).
- Without the ADBC driver, ``rows_file_writable`` is False and callers keep frames.

Example::

    >>> import os, tempfile
    >>> import pandas as pd
    >>> from store.engine import open_store, writing
    >>> from store.schema import kpi_results
    >>> folder = tempfile.mkdtemp()
    >>> engine = open_store(f"sqlite:///{os.path.join(folder, 's.db')}")
    >>> frame = pd.DataFrame({"la_code": ["394"], "kpi_id": ["referrals"], "grain": ["month"],
    ...     "period_start": [pd.Timestamp("2024-03-01")], "period_end": [pd.Timestamp("2024-03-31")],
    ...     "breakdown": ["all"], "group_name": ["all"], "numerator": [3.0], "denominator": [None],
    ...     "value": [3.0], "status": ["none"]})
    >>> path = os.path.join(folder, "rows.db")
    >>> rows_file_writable() and write_rows_file(path, kpi_results, frame) == 1 or not rows_file_writable()
    True
    >>> with writing(engine) as conn:
    ...     copied = insert_from_file(conn, kpi_results, path) if rows_file_writable() else 1
    >>> copied
    1
"""

from __future__ import annotations

import itertools
import sqlite3
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import sqlite

from store.bulk import arrow_store_column
from store.engine import ATTACHED_PREFIX

_aliases = itertools.count()
# How long an append waits for another process's append to the same file.
_WAIT_MS = 10 * 60 * 1000


def rows_file_writable() -> bool:
    """Whether this process can write a rows file (the ADBC SQLite driver is installed)."""
    from importlib.util import find_spec

    return find_spec("adbc_driver_sqlite") is not None


def write_rows_file(path: str, table: Table, frame: pd.DataFrame) -> int:
    """Append the frame's columns that ``table`` has to the table of that name in the
    SQLite file at ``path`` (both made when missing); returns the number of rows.
    Processes may append to one file together: each waits for the others' appends."""
    import adbc_driver_sqlite.dbapi as adbc

    names = [c.name for c in table.columns if c.name in frame.columns]
    arrow = pa.table({n: arrow_store_column(frame[n], table.c[n].type, "sqlite") for n in names})
    columns = ", ".join(f'"{n}" {table.c[n].type.compile(dialect=sqlite.dialect())}' for n in names)
    with adbc.connect(path, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout={_WAIT_MS}")
        # An append that fails is rolled back (a journal in memory costs nothing here:
        # appended pages have no old content to keep).
        cursor.execute("PRAGMA journal_mode=MEMORY")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute(f'CREATE TABLE IF NOT EXISTS "{table.name}" ({columns})')
        cursor.adbc_ingest(table.name, arrow, mode="append")
    return len(frame)


def attach_room(conn: Connection) -> int:
    """How many more files the connection's SQLite can attach now."""
    raw: Any = conn.connection.driver_connection
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)
    # The limit counts neither "main" nor "temp".
    attached = sum(row[1] not in ("main", "temp") for row in raw.execute("PRAGMA database_list"))
    return max(limit - attached, 0)


def insert_from_file(conn: Connection, table: Table, path: str) -> int:
    """Copy the rows of ``write_rows_file``'s file into ``table``, inside the caller's
    transaction; returns the number of rows. The file stays attached until the end of
    the transaction (``store.engine.writing`` detaches it)."""
    raw: Any = conn.connection.driver_connection
    alias = f"{ATTACHED_PREFIX}{next(_aliases)}"
    raw.execute(f"ATTACH DATABASE ? AS {alias}", (path,))
    names = [row[1] for row in raw.execute(f'PRAGMA {alias}.table_info("{table.name}")')]
    unknown = sorted(set(names) - set(table.columns.keys()))
    if not names or unknown:
        raise ValueError(f"{path}: no table {table.name!r} of its columns (unknown: {unknown})")
    cols = ", ".join(f'"{n}"' for n in names)
    target = f'"{table.name}"'
    cursor = raw.execute(f"INSERT INTO main.{target} ({cols}) SELECT {cols} FROM {alias}.{target}")
    return int(cursor.rowcount)
