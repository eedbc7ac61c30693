"""Reading a SQLite store's tables straight into Arrow, for the recompute's workers.

``store.bulk.read_frame`` reads SQLite through the ``sqlite3`` module: a Python object
per value (``fetchall``), then a column typed in one step. For a large LA that is most
of a worker's time (4.1 s of its 6.4 s of CPU for one LA of 889k rows, most of it in
``fetchall`` and the typing). ADBC's SQLite driver (``adbc-driver-sqlite``, from the
Arrow project) builds the Arrow columns in C instead; ``ArrowReader.read`` then gives
exactly the frame ``read_frame`` gives (same query, same types, same values; the test
compares them on every kind's table).

Readings and choices:

- SQLite is typed by value. The driver infers each column's Arrow type from the rows
  of its first batch and widens it within the batch (integers and reals to double,
  anything with text to text) but refuses a later batch that does not fit, so the
  whole result is read as one batch (the memory is what ``fetchall`` used, and less).
- A column of the type its SQL type says (text for text and dates, integers for
  integers and flags, numbers for floats) is converted in Arrow. Anything else (a
  column with no value at all, which the driver types as integers, or a value the
  loaders should not have stored) goes through ``store.bulk.typed`` as the
  ``sqlite3`` path does, so it fails or succeeds the same way.
- Only a worker process's reads use it: they need no transaction of their own (the
  recompute's writer holds the write lock, so the committed state they read is the
  one it planned from). A read through the writer's own connection (one process, or
  an in-memory store) keeps ``read_frame``. The reader is opened only where no
  ``sqlite3`` connection to the same file is open in the process: two SQLite
  libraries' locks on one file in one process can release each other's (SQLite's
  "multiple copies of SQLite in the same program").
- Without the driver installed, ``arrow_reader`` returns None and the callers read
  as before.

Example::

    >>> import tempfile, os
    >>> from store.engine import open_store
    >>> from store.schema import kind_table
    >>> path = os.path.join(tempfile.mkdtemp(), "s.db")
    >>> _ = open_store(f"sqlite:///{path}")
    >>> reader = arrow_reader(f"sqlite:///{path}")
    >>> reader is None or reader.read(kind_table("population")).empty
    True
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, Table, Text
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from store.bulk import Read, positional, select_sql, text_series, typed
from store.engine import shared_store
from store.times import UTCDateTime

# Rows per batch: more than any table holds, so that a result is one batch (above);
# the driver refuses 2**31 - 1.
_ONE_BATCH = str(10**9)


# Reads at once in ``read_all``: a worker's reads come while the writer's process
# waits for it, so a lone task (one LA's monthly refresh) has both cores of a 2-core
# machine; more threads than that gained nothing there (docs/performance.md).
READ_THREADS = 2


class ArrowReader:
    """A read-only use of one SQLite file through ADBC; close it (or use ``with``)."""

    def __init__(self, connection: Any, connect: Callable[[], Any] | None = None) -> None:
        self._conn = connection
        self._connect = connect
        self._dialect = sqlite.dialect()

    def __enter__(self) -> ArrowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def read(
        self,
        table: Table,
        columns: Sequence[str] | None = None,
        where_sql: str = "",
        params: dict[str, Any] | None = None,
        distinct: bool = False,
    ) -> pd.DataFrame:
        """What ``store.bulk.read_frame`` returns for the same arguments."""
        names = list(columns) if columns is not None else [c.name for c in table.columns]
        compiled = select_sql(self._dialect, table, names, where_sql, params, distinct=distinct)
        cursor = self._conn.cursor()
        try:
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": _ONE_BATCH})
            cursor.execute(str(compiled), positional(compiled, "sqlite"))
            arrow = cursor.fetch_arrow_table()
        finally:
            cursor.close()
        return pd.DataFrame({n: arrow_column(arrow.column(i), table.c[n].type) for i, n in enumerate(names)})

    def read_all(self, reads: Mapping[str, Read], threads: int = READ_THREADS) -> dict[str, pd.DataFrame]:
        """Each named read, ``threads`` at a time in the order given, each thread through
        a connection of its own (SQLite runs a query on one core; the driver lets go of
        the GIL while it reads). Every connection reads the same committed state while
        the recompute's writer holds the write lock (module docstring)."""
        if threads <= 1 or self._connect is None or len(reads) <= 1:
            return {name: self._read(r) for name, r in reads.items()}
        local = threading.local()
        opened: list[ArrowReader] = []
        lock = threading.Lock()

        def read(r: Read) -> pd.DataFrame:
            mine = getattr(local, "reader", None)
            if mine is None:
                assert self._connect is not None
                mine = local.reader = ArrowReader(self._connect())
                with lock:
                    opened.append(mine)
            return mine._read(r)

        try:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                frames = list(pool.map(read, reads.values()))
        finally:
            for reader in opened:
                reader.close()
        return dict(zip(reads, frames, strict=True))

    def _read(self, r: Read) -> pd.DataFrame:
        return self.read(r.table, r.columns, r.where_sql, r.params, distinct=r.distinct)


def arrow_reader(url: str) -> ArrowReader | None:
    """A reader of the SQLite file ``url`` names; None for another store, a store in
    memory, or without the driver."""
    if not arrow_readable(url):
        return None
    try:
        import adbc_driver_sqlite.dbapi as adbc
    except ImportError:
        return None
    database = make_url(url).database
    return ArrowReader(adbc.connect(database), partial(adbc.connect, database))


def arrow_readable(url: str) -> bool:
    """Whether a worker process could read the store ``url`` names through Arrow: a SQLite
    file, with the driver installed (found, not imported: this process may hold the file
    through ``sqlite3``).

    >>> arrow_readable("sqlite://"), arrow_readable("postgresql://h/db")
    (False, False)
    """
    from importlib.util import find_spec

    if make_url(url).get_backend_name() != "sqlite" or not shared_store(url):
        return False
    return find_spec("adbc_driver_sqlite") is not None


def arrow_column(column: pa.ChunkedArray, sql_type: object) -> pd.Series:
    """One column as ``store.bulk.typed`` gives it from the same values.

    >>> arrow_column(pa.chunked_array([["2024-05-02", None]]), Date()).tolist()
    [Timestamp('2024-05-02 00:00:00'), NaT]
    >>> arrow_column(pa.chunked_array([[1, 0, None]]), Boolean()).tolist()
    [True, False, <NA>]
    >>> arrow_column(pa.chunked_array([[None, None]], pa.int64()), Text()).tolist()
    [nan, nan]
    """
    kind = column.type
    if column.null_count == len(column) or isinstance(sql_type, DateTime | UTCDateTime):
        return typed(np.asarray(column.to_pylist(), dtype=object), sql_type, "sqlite")
    if isinstance(sql_type, Date) and pa.types.is_string(kind):
        days = column.cast(pa.date32()).cast(pa.timestamp("s"))
        return pd.Series(days.to_numpy().astype("datetime64[s]"))
    if isinstance(sql_type, Boolean) and pa.types.is_int64(kind):
        flags = column.cast(pa.int8()).cast(pa.bool_())
        return pd.Series(flags.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get))
    if isinstance(sql_type, Integer) and pa.types.is_int64(kind):
        return pd.Series(column.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
    if isinstance(sql_type, Float) and (pa.types.is_float64(kind) or pa.types.is_int64(kind)):
        return pd.Series(column.cast(pa.float64()).to_numpy())
    if isinstance(sql_type, String | Text) and pa.types.is_string(kind):
        return text_series(column)
    return typed(np.asarray(column.to_pylist(), dtype=object), sql_type, "sqlite")
