"""Fast bulk writes and reads of typed frames, one code path per dialect.

Writes are upserts on the table's primary key, inside the caller's transaction:
SQLite through the driver's ``executemany``; PostgreSQL through ``COPY`` into a
temporary table followed by ``INSERT ... ON CONFLICT``. Row-by-row ORM inserts or
``DataFrame.to_sql`` are several times slower (see docs/performance.md). Reads on
PostgreSQL are a ``COPY (SELECT ...) TO STDOUT`` in CSV parsed by Arrow, with no Python
object per value.

Example::

    >>> import pandas as pd
    >>> from store.engine import open_store
    >>> from store.schema import kind_table
    >>> engine = open_store("sqlite:///:memory:")
    >>> frame = pd.DataFrame({"la_code": ["394"], "year": [2024], "population_0_17": [1000],
    ...                       "load_id": [1]})
    >>> with engine.begin() as conn:
    ...     upsert(conn, kind_table("population"), frame)
    1
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Boolean, Connection, Date, DateTime, Executable, Float, Integer, Table

from store.engine import shared_store
from store.times import UTCDateTime, uk_wall_clock

_stage_counter = itertools.count()


def _python_values(array: pa.ChunkedArray | pa.Array, sql_type: object, dialect: str) -> list[Any]:
    """Column values as Python objects the driver accepts, None for missing."""
    if isinstance(sql_type, UTCDateTime):
        # Aware UTC (a naive time is refused); SQLite gets the text SQLAlchemy would write.
        moments = [sql_type.process_bind_param(v, None) for v in array.to_pylist()]
        if dialect == "sqlite":
            return [None if m is None else f"{m:%Y-%m-%d %H:%M:%S.%f}" for m in moments]
        return moments
    if isinstance(sql_type, Date):
        if pa.types.is_timestamp(array.type) or pa.types.is_date64(array.type):
            array = array.cast(pa.date32())
        if dialect == "sqlite":
            return array.cast(pa.string()).to_pylist()
        return array.to_pylist()
    if isinstance(sql_type, Boolean):
        if dialect == "sqlite":
            return array.cast(pa.int8()).to_pylist()
        return array.to_pylist()
    if isinstance(sql_type, Integer) and pa.types.is_floating(array.type):
        return array.cast(pa.int64()).to_pylist()
    if isinstance(sql_type, Float):
        values = array.to_pylist()
        return [None if v is None or math.isnan(v) else float(v) for v in values]
    return array.to_pylist()


def arrow_store_column(column: pd.Series, sql_type: object, dialect: str) -> pa.Array:
    """The column as Arrow values that store as ``_python_values``' do, for writers that
    bind Arrow columns or print them as CSV: SQLite's dates as ISO text and flags as
    0/1; integers of a float column as integers; NaN as null; a column with no value at
    all (Arrow's null type) as the SQL type's. UTC times are refused: they go through
    ``_python_values``."""
    if isinstance(sql_type, UTCDateTime):
        raise TypeError("UTC times go through the driver's values (_python_values)")
    array = pa.array(column, from_pandas=True)
    if isinstance(sql_type, Date):
        if (
            pa.types.is_timestamp(array.type)
            or pa.types.is_date64(array.type)
            or pa.types.is_null(array.type)
        ):
            array = array.cast(pa.date32())
        return array.cast(pa.string()) if dialect == "sqlite" else array
    if isinstance(sql_type, Boolean):
        return array.cast(pa.int8() if dialect == "sqlite" else pa.bool_())
    if isinstance(sql_type, Integer) and (pa.types.is_floating(array.type) or pa.types.is_null(array.type)):
        return array.cast(pa.int64())
    if isinstance(sql_type, Float) and pa.types.is_null(array.type):
        return array.cast(pa.float64())
    if pa.types.is_null(array.type):
        return array.cast(pa.string())
    return array


def _csv_payload(frame: pd.DataFrame, table: Table, names: Sequence[str]) -> bytes | None:
    """The frame's ``names`` columns as CSV for PostgreSQL's ``COPY ... (FORMAT csv)``,
    printed by Arrow in C (shortest round-trip floats, text always quoted, null as an
    unquoted empty field); None when a column must go through the driver's values."""
    if any(isinstance(table.c[n].type, UTCDateTime) for n in names):
        return None
    arrow = pa.table({n: arrow_store_column(frame[n], table.c[n].type, "postgresql") for n in names})
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(arrow, sink, pa_csv.WriteOptions(include_header=False))
    return bytes(sink.getvalue())


@dataclass(frozen=True)
class DriverColumns:
    """A frame's columns as the driver takes them (Python values, None for missing),
    built once so that several statements over the same rows (a load's superseded
    versions by key, then its upsert) do not convert the frame again."""

    names: list[str]
    values: list[list[Any]]
    n_rows: int

    def rows(self, names: Sequence[str] | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows as tuples, of ``names`` only when given (in that order)."""
        if names is None:
            return zip(*self.values, strict=True)
        return zip(*(self.values[self.names.index(n)] for n in names), strict=True)


def driver_columns(
    frame: pd.DataFrame, table: Table, dialect: str, constants: dict[str, Any] | None = None
) -> DriverColumns:
    """The frame's columns that the table has, as driver values, plus ``constants`` (one
    value for every row, such as the load's id: no copy of the frame to add it)."""
    extra = dict(constants or {})
    names = [c.name for c in table.columns if c.name in frame.columns and c.name not in extra]
    # One Arrow array per column (NaN as null, as Table.from_pandas has it), without the
    # frame-wide conversion's per-frame set-up: most of a small file's write.
    values = [_python_values(pa.array(frame[n], from_pandas=True), table.c[n].type, dialect) for n in names]
    values.extend([v] * len(frame) for v in extra.values())
    return DriverColumns(names=[*names, *extra], values=values, n_rows=len(frame))


def _pk_names(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def upsert(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Upsert the frame's rows on the primary key; returns the number of rows written."""
    if frame.empty:
        return 0
    return upsert_columns(conn, table, driver_columns(frame, table, conn.dialect.name))


def upsert_columns(conn: Connection, table: Table, columns: DriverColumns) -> int:
    """``upsert`` of columns already in the driver's values (``driver_columns``)."""
    if not columns.n_rows:
        return 0
    dialect = conn.dialect.name
    if dialect == "sqlite":
        _sqlite_upsert(conn, table, columns.names, columns.rows())
    elif dialect == "postgresql":
        _postgres_upsert(conn, table, columns.names, columns.rows())
    else:  # pragma: no cover - open_store refuses other dialects
        raise ValueError(f"no bulk writer for {dialect}")
    return columns.n_rows


def insert_new(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert rows the caller knows are new (their keys were just deleted): no conflict
    handling, and on PostgreSQL a ``COPY`` straight into the table, with no staging."""
    if frame.empty:
        return 0
    dialect = conn.dialect.name
    if dialect == "postgresql":
        payload = copy_payload(frame, table)
        if payload is not None:
            return copy_in(conn, table, payload)
    columns = driver_columns(frame, table, dialect)
    # The rows go to the driver one tuple at a time, never as a list: a list of a few
    # hundred thousand tuples sets off Python's full garbage collections, each scanning
    # every object of the writer's process (the 2-LA store's full recompute: 2.8 s to
    # convert its 480,000 results with the list, 1.9 s without, docs/performance.md).
    rows = columns.rows()
    cols = ", ".join(_quote(conn, n) for n in columns.names)
    target = _quote(conn, table.name)
    driver = conn.connection.driver_connection
    if dialect == "postgresql":
        with driver.cursor() as cur, cur.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns.names)
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(f"INSERT INTO {target} ({cols}) VALUES ({marks})", rows)
        finally:
            cursor.close()
    return columns.n_rows


@dataclass(frozen=True)
class CopyPayload:
    """Rows as the CSV text of PostgreSQL's ``COPY ... (FORMAT csv)``, made where the rows
    are (a recompute's worker), copied in by the one writer (``copy_in``)."""

    names: tuple[str, ...]
    data: bytes
    rows: int


def copy_payload(frame: pd.DataFrame, table: Table) -> CopyPayload | None:
    """The frame's columns that ``table`` has, as ``COPY`` text in the frame's row order;
    None when a column must go through the driver's values (``_csv_payload``)."""
    names = [c.name for c in table.columns if c.name in frame.columns]
    data = _csv_payload(frame, table, names)
    return None if data is None else CopyPayload(tuple(names), data, len(frame))


def copy_in(conn: Connection, table: Table, payload: CopyPayload) -> int:
    """``COPY`` of CSV text: a full recompute's 480,000 results went from 6.8 s of Python
    per value and row (``_python_values``, ``write_row``) to a fraction of a second
    (docs/performance.md, "Handing the results over in files")."""
    cols = ", ".join(_quote(conn, n) for n in payload.names)
    driver = conn.connection.driver_connection
    statement = f"COPY {_quote(conn, table.name)} ({cols}) FROM STDIN (FORMAT csv)"
    with driver.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
        copy.write(payload.data)
    return payload.rows


def _conflict_clause(conn: Connection, table: Table, names: Sequence[str]) -> str:
    pk = _pk_names(table)
    others = [n for n in names if n not in pk]
    target = ", ".join(_quote(conn, n) for n in pk)
    if not others:
        return f"ON CONFLICT ({target}) DO NOTHING"
    sets = ", ".join(f"{_quote(conn, n)} = excluded.{_quote(conn, n)}" for n in others)
    return f"ON CONFLICT ({target}) DO UPDATE SET {sets}"


def _sqlite_upsert(
    conn: Connection, table: Table, names: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    # OR REPLACE deletes a row with the same key and inserts the new one: a whole-record
    # supersession, at a third of the cost of ON CONFLICT ... DO UPDATE (docs/performance.md).
    cols = ", ".join(_quote(conn, n) for n in names)
    marks = ", ".join("?" for _ in names)
    sql = f"INSERT OR REPLACE INTO {_quote(conn, table.name)} ({cols}) VALUES ({marks})"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _postgres_upsert(
    conn: Connection, table: Table, names: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    stage = f"stage_{table.name}_{next(_stage_counter)}"
    cols = ", ".join(_quote(conn, n) for n in names)
    driver = conn.connection.driver_connection
    with driver.cursor() as cur:  # type: ignore[union-attr]
        cur.execute(
            f"CREATE TEMP TABLE {stage} (LIKE {_quote(conn, table.name)} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        with cur.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(
            f"INSERT INTO {_quote(conn, table.name)} ({cols}) SELECT {cols} FROM {stage} "
            f"{_conflict_clause(conn, table, names)}"
        )
        cur.execute(f"DROP TABLE {stage}")


def copy_matching(
    conn: Connection, source: Table, target: Table, columns: DriverColumns, extra: dict[str, Any]
) -> int:
    """Copy the rows of ``source`` whose primary key is among ``columns``' rows (driver
    values, ``driver_columns``: the rows about to be upserted; their key columns are
    picked, repeated keys once) into ``target`` (the same columns plus ``extra``'s, one
    value each for every row), upserted on ``target``'s key; returns how many rows were
    copied.

    The keys go to a temporary table (``executemany`` on SQLite, ``COPY`` on PostgreSQL)
    and the rows are copied by one ``INSERT ... SELECT`` joined on the key, so no stored
    row comes back to Python: a load's superseded versions cost one statement, not a
    read of the records it replaces.
    """
    names = _pk_names(source)
    if not set(names) <= set(columns.names):
        raise ValueError(f"copy_matching needs the key of {source.name}, not {columns.names}")
    rows = list(dict.fromkeys(columns.rows(names)))
    if not rows:
        return 0
    dialect = conn.dialect.name
    stage = f"keys_{source.name}_{next(_stage_counter)}"
    key_cols = ", ".join(_quote(conn, n) for n in names)
    stored = [c.name for c in source.columns]
    written = ", ".join(_quote(conn, n) for n in [*stored, *extra])
    mark = "%s" if dialect == "postgresql" else "?"
    chosen = ", ".join([*(f"s.{_quote(conn, n)}" for n in stored), *(mark for _ in extra)])
    join = " AND ".join(f"s.{_quote(conn, n)} = k.{_quote(conn, n)}" for n in names)
    copy = (
        f"INSERT INTO {_quote(conn, target.name)} ({written}) SELECT {chosen} "
        f"FROM {_quote(conn, source.name)} AS s JOIN {stage} AS k ON {join}"
    )
    driver = conn.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        if dialect == "postgresql":
            cursor.execute(
                f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "
                f"SELECT {key_cols} FROM {_quote(conn, source.name)} WITH NO DATA"
            )
            with cursor.copy(f"COPY {stage} ({key_cols}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)
            copy += " " + _conflict_clause(conn, target, [*stored, *extra])
        else:
            cursor.execute(f"CREATE TEMP TABLE {stage} ({key_cols})")
            cursor.executemany(f"INSERT INTO {stage} VALUES ({', '.join('?' for _ in names)})", rows)
            # As upsert does: OR REPLACE, a whole-record replacement on the target's key.
            copy = copy.replace("INSERT INTO", "INSERT OR REPLACE INTO", 1)
        cursor.execute(copy, list(extra.values()))
        copied = cursor.rowcount
        cursor.execute(f"DROP TABLE {stage}")
    finally:
        cursor.close()
    return int(copied)


@dataclass(frozen=True)
class Read:
    """One ``read_frame`` call as data, so that a reader can run several at once
    (``store.arrow_read.ArrowReader.read_all``)."""

    table: Table
    columns: Sequence[str] | None = None
    where_sql: str = ""
    params: dict[str, Any] | None = None
    distinct: bool = False


def rows_side_by_side(
    conn: Connection,
    statements: Sequence[tuple[Executable, Mapping[str, Any] | None]],
    jobs: int = 2,
) -> list[list[tuple[Any, ...]]]:
    """Each statement's rows as tuples, in the order given: ``jobs`` at a time on
    connections of their own when another connection can open the store (a SQLite file:
    ``sqlite3`` lets other threads run while a query runs; PostgreSQL: the server runs
    them at once), else one after another through ``conn``.

    The other connections read what is committed, so the caller must not have written
    in its transaction yet; a writer that holds the store's write lock (``writing``)
    then reads the same state through them as through its own connection. For scans
    that are each a pass over a large table (a full plan's ``recompute_spans``: 4-5 s
    of a region's recompute on one core, docs/performance.md)."""
    if not shared_store(conn.engine.url) or jobs < 2 or len(statements) < 2:
        return [[tuple(r) for r in conn.execute(sql, dict(params or {}))] for sql, params in statements]
    engine = conn.engine

    def run(statement: tuple[Executable, Mapping[str, Any] | None]) -> list[tuple[Any, ...]]:
        with engine.connect() as own:
            return [tuple(r) for r in own.execute(statement[0], dict(statement[1] or {}))]

    with ThreadPoolExecutor(max_workers=min(jobs, len(statements))) as pool:
        return list(pool.map(run, statements))


def read_each(conn: Connection, reads: Mapping[str, Read]) -> dict[str, pd.DataFrame]:
    """Each named read through ``conn``, one after another (``read_frame``)."""
    return {
        name: read_frame(conn, r.table, r.columns, r.where_sql, r.params, distinct=r.distinct)
        for name, r in reads.items()
    }


def read_frame(
    conn: Connection,
    table: Table,
    columns: Sequence[str] | None = None,
    where_sql: str = "",
    params: dict[str, Any] | None = None,
    in_values: tuple[str, Sequence[Any]] | None = None,
    distinct: bool = False,
) -> pd.DataFrame:
    """Read a table into a typed frame: dates as ``datetime64[s]``, booleans as ``boolean``.

    ``in_values`` (a column and values) adds ``column IN (values)`` to the condition,
    bound as one expanding parameter (thousands of values cost one compile, not one each).
    ``distinct`` reads each combination of the columns once (``SELECT DISTINCT``).

    Times (:class:`store.times.UTCDateTime`) come out as UK wall-clock ``datetime64[s]``.

    ``where_sql`` is an optional SQL condition with ``:name`` parameters. Rows come
    through the driver's cursor and are turned into columns in C (``zip``), and each
    column is typed in one vectorised step: the store is read once per recompute, so
    this is the recompute's largest fixed cost.
    """
    names = list(columns) if columns is not None else [c.name for c in table.columns]
    compiled = select_sql(conn.dialect, table, names, where_sql, params, in_values, distinct)
    if conn.dialect.name == "postgresql":
        return _postgres_read(conn, table, names, str(compiled), compiled.params)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), positional(compiled, conn.dialect.name))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    matrix = np.array(rows, dtype=object) if rows else np.empty((0, len(names)), dtype=object)
    if matrix.ndim != 2:  # every value of a one-column result a sequence: keep rows whole
        matrix = np.empty((len(rows), len(names)), dtype=object)
        matrix[:] = rows
    dialect = conn.dialect.name
    return pd.DataFrame({n: typed(matrix[:, i], table.c[n].type, dialect) for i, n in enumerate(names)})


def select_sql(
    dialect: Any,
    table: Table,
    names: Sequence[str],
    where_sql: str = "",
    params: dict[str, Any] | None = None,
    in_values: tuple[str, Sequence[Any]] | None = None,
    distinct: bool = False,
) -> Any:
    """``read_frame``'s query, compiled for ``dialect`` (its ``params`` and ``positiontup``
    give the values)."""
    from sqlalchemy import bindparam, text

    quote = dialect.identifier_preparer.quote
    select = "SELECT DISTINCT" if distinct else "SELECT"
    sql = f"{select} {', '.join(quote(n) for n in names)} FROM {quote(table.name)}"
    conditions = [f"({where_sql})"] if where_sql else []
    binds: list[Any] = [bindparam(k, v) for k, v in (params or {}).items()]
    if in_values is not None:
        conditions.append(f"{quote(in_values[0])} IN :in_values")
        binds.append(bindparam("in_values", list(in_values[1]), expanding=True))
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return text(sql).bindparams(*binds).compile(dialect=dialect, compile_kwargs={"render_postcompile": True})


def _arrow_type(sql_type: object) -> pa.DataType:
    """How a column arrives from PostgreSQL's COPY CSV: dates, flags and numbers parsed in C."""
    if isinstance(sql_type, Date):
        return pa.date32()
    if isinstance(sql_type, Boolean):
        return pa.bool_()
    if isinstance(sql_type, Integer):
        return pa.int64()
    if isinstance(sql_type, Float):
        return pa.float64()
    return pa.large_string()


def _postgres_read(
    conn: Connection, table: Table, names: Sequence[str], sql: str, params: dict[str, Any]
) -> pd.DataFrame:
    """A PostgreSQL read through ``COPY (SELECT ...) TO STDOUT`` as CSV, parsed by Arrow.

    In PostgreSQL's CSV a NULL is an unquoted empty field and an empty text a quoted one,
    so the two stay apart. Timestamps come as text and are parsed as in ``typed``.
    """
    import pyarrow.csv as pacsv

    chunks: list[bytes] = []
    driver = conn.connection.driver_connection
    with (
        driver.cursor() as cur,  # type: ignore[union-attr]
        cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params or None) as copy,
    ):
        chunks.extend(bytes(block) for block in copy)
    data = b"".join(chunks)
    sql_types = [table.c[n].type for n in names]
    types = {
        f"c{i}": pa.large_string() if isinstance(t, DateTime | UTCDateTime) else _arrow_type(t)
        for i, t in enumerate(sql_types)
    }
    if not data:
        arrow = pa.table({k: pa.array([], type=v) for k, v in types.items()})
    else:
        arrow = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=list(types), block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
    out = {}
    for i, (name, sql_type) in enumerate(zip(names, sql_types, strict=True)):
        column = arrow.column(f"c{i}")
        if isinstance(sql_type, Date):
            days = column.cast(pa.timestamp("s"))
            out[name] = pd.Series(days.to_numpy().astype("datetime64[s]"))
        elif isinstance(sql_type, DateTime | UTCDateTime):
            out[name] = typed(column.to_numpy(zero_copy_only=False), sql_type, "postgresql")
        elif isinstance(sql_type, Boolean):
            out[name] = pd.Series(column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get))
        elif isinstance(sql_type, Integer):
            out[name] = pd.Series(column.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
        elif isinstance(sql_type, Float):
            out[name] = pd.Series(column.to_numpy())
        else:
            out[name] = text_series(column)
    return pd.DataFrame(out)


def positional(compiled: Any, dialect: str) -> Any:
    """The compiled query's values as the driver takes them (a tuple for SQLite's ``?``)."""
    params = compiled.params
    if dialect == "sqlite":
        return tuple(params[name] for name in compiled.positiontup or ())
    return params


def typed(values: npt.NDArray[np.object_], sql_type: object, dialect: str) -> pd.Series:
    """One column of driver values (None for NULL) as a typed pandas column, via Arrow."""
    if isinstance(sql_type, Date):
        # ISO text from SQLite, date objects from PostgreSQL.
        as_read = pa.array(values, type=pa.string() if dialect == "sqlite" else pa.date32())
        days = as_read.cast(pa.date32()).cast(pa.timestamp("s"))
        return pd.Series(days.to_numpy(zero_copy_only=False).astype("datetime64[s]"))
    if isinstance(sql_type, UTCDateTime):
        return uk_wall_clock(values)
    if isinstance(sql_type, DateTime):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[s]"))
    if isinstance(sql_type, Boolean):
        flags = pa.array(values, type=pa.int8() if dialect == "sqlite" else pa.bool_()).cast(pa.bool_())
        return pd.Series(flags.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get))
    if isinstance(sql_type, Integer):
        ints = pa.array(values, type=pa.int64())
        return pd.Series(ints.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
    if isinstance(sql_type, Float):
        return pd.Series(pa.array(values, type=pa.float64()).to_numpy(zero_copy_only=False))
    return text_series(pa.array(values, type=pa.large_string()))


# pandas' ``str`` dtype: Arrow storage, NaN for a missing value.
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def text_series(strings: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Arrow strings as a pandas ``str`` column. The array is made with that dtype, not
    converted to it afterwards (``pd.Series(..., dtype="str")``): a store read makes a
    column per table and column read, and the conversion was 0.13 ms of each, three
    times the rest (docs/performance.md).

    >>> text_series(pa.array(["a", None])).tolist(), str(text_series(pa.array(["a"])).dtype)
    (['a', nan], 'str')
    """
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    if strings.type != pa.large_string():
        strings = strings.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(strings, dtype=_TEXT))  # type: ignore[call-arg]
