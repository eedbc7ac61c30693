"""Opening the store: one database URL, SQLite by default, PostgreSQL the same way.

Example::

    >>> engine = open_store("sqlite:///:memory:")
    >>> engine.dialect.name
    'sqlite'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url

from store.schema import meta

DEFAULT_DATABASE_URL = "sqlite:///data/scorecard.db"


class StoreError(RuntimeError):
    """The store cannot be opened or used as asked; the message says how to fix it."""


def shared_store(url: Any) -> bool:
    """Whether another connection or process can open the store at ``url`` (a URL or its
    text): anything but an in-memory SQLite database, named either way SQLite allows
    (``:memory:``, or a ``file:`` URI that is ``:memory:`` or has ``mode=memory``, whose
    options SQLAlchemy parses out of the database name into the URL's query).

    >>> shared_store("sqlite:///s.db"), shared_store("sqlite://"), shared_store("postgresql://h/db")
    (True, False, True)
    >>> shared_store("sqlite:///file::memory:?cache=shared&uri=true")
    False
    >>> shared_store("sqlite:///file:scratch?mode=memory&cache=shared&uri=true")
    False
    >>> shared_store("sqlite:///file:s.db?mode=ro&uri=true")
    True
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    return not in_memory and parsed.query.get("mode") != "memory"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (psycopg2 is not installed).

    >>> normalise_url("postgresql://u@localhost/db")
    'postgresql+psycopg://u@localhost/db'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _create_private_file(path: Path) -> None:
    """Create a new SQLite file readable by its owner only (0600): its WAL and shared-memory
    files take the same permissions from it. An existing file is left as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own implicit transactions are switched off so that the
    # "begin" hook below opens every transaction explicitly: a load is then one
    # real transaction, DDL included.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # The wait first: two processes opening a new file at once both switch it to WAL.
    cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    # Before WAL, which writes a new file's first page: the page size of a new store
    # (an existing file keeps its own, ``PAGE_SIZE``).
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-262144")
    cur.close()


def _sqlite_on_begin(conn: Any) -> None:
    # Reads take no lock (WAL lets them run beside a writer). A transaction that reads and
    # then writes asks for the write lock at its start (``writing``): taken later, the lock
    # could fail at once with "database is locked" if another writer committed meanwhile.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_OPTION = "scorecard_write"
# The PostgreSQL advisory lock every write transaction holds: one writer at a time, as
# SQLite has (a load checks "already loaded?" and writes under it, so two loads of the
# same file cannot both write, and two new stores' tables are not created twice).
WRITE_LOCK_KEY = 0x5C0_2EC0
WAITING_MESSAGE = "another load is running on this store: waiting for it to finish"
# How long a write waits for another writer when it was told it would wait (a load).
LONG_WAIT_MS = 30 * 60 * 1000
_BUSY_TIMEOUT_MS = 30000
# A new SQLite store's page size. With 16 KiB pages instead of SQLite's 4 KiB, a full
# recompute of the 2-LA benchmark store, which writes 480,424 results and builds their
# indexes, took 2.18-2.35 s instead of 2.41-2.61 s (docs/performance.md, twelfth
# session): fewer pages to split, link and write for the same rows. Reading every data
# table took the same time. An existing store keeps the page size it was made with
# (changing it takes a VACUUM with the store closed to everything else; docs/deployment.md).
PAGE_SIZE = 16384
# The names under which a write transaction attaches files (``store.rows_file``).
ATTACHED_PREFIX = "rows_file_"


@contextmanager
def writing(engine: Engine, *, on_wait: Callable[[str], None] | None = None) -> Iterator[Connection]:
    """A write transaction: committed at the end, rolled back on any error.

    It holds the store's write lock from its start (SQLite: BEGIN IMMEDIATE; PostgreSQL:
    an advisory lock), waiting for another writer to finish. With ``on_wait``, a writer
    that finds the lock taken says so once (``WAITING_MESSAGE``) and waits up to 30
    minutes; without, SQLite waits its busy timeout (30 s).
    """
    with engine.connect() as plain:
        conn = plain.execution_options(**{WRITE_OPTION: True})
        waited = engine.dialect.name == "sqlite" and on_wait is not None and _sqlite_lock_taken(conn)
        if waited:
            assert on_wait is not None
            on_wait(WAITING_MESSAGE)
            _sqlite_busy_timeout(conn, LONG_WAIT_MS)
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    _postgres_write_lock(conn, on_wait)
                yield conn
        finally:
            if waited:
                _sqlite_busy_timeout(conn, _BUSY_TIMEOUT_MS)
            if engine.dialect.name == "sqlite" and not conn.invalidated:
                # Files attached within the transaction (``store.rows_file``) can only go
                # now that it has ended; the pooled connection must not keep them.
                _detach_files(conn.connection.driver_connection)


def _detach_files(raw: Any) -> None:
    for row in raw.execute("PRAGMA database_list").fetchall():
        if str(row[1]).startswith(ATTACHED_PREFIX):
            raw.execute(f"DETACH DATABASE {row[1]}")


def _sqlite_busy_timeout(conn: Connection, ms: int) -> None:
    conn.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={int(ms)}")  # type: ignore[union-attr]


def _sqlite_lock_taken(conn: Connection) -> bool:
    """True when another connection holds SQLite's write lock now (probed, not kept)."""
    import sqlite3

    raw: Any = conn.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        raw.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")


def _postgres_write_lock(conn: Connection, on_wait: Callable[[str], None] | None) -> None:
    key = {"key": WRITE_LOCK_KEY}
    if conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), key).scalar():
        return
    if on_wait is not None:
        on_wait(WAITING_MESSAGE)
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), key)


def open_store(url: str = DEFAULT_DATABASE_URL, *, create: bool = True) -> Engine:
    """Open the store at ``url``: a new one is created at the current schema revision.

    A store whose schema is older or newer than this program's is refused
    (:mod:`store.migrate`); ``create=False`` skips that check and creates nothing
    (``scorecard upgrade`` opens the store that way).
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            _create_private_file(Path(database).expanduser())
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_pre_ping=True)
    else:
        raise StoreError(
            f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
            "use sqlite:///path/to/file.db or postgresql://user@host/dbname"
        )
    if create:
        init_store(engine)
    return engine


def init_store(engine: Engine) -> None:
    """Create a new store at the current schema revision; refuse an older or newer one."""
    from store.migrate import check_store

    check_store(engine, describe_url(engine.url.render_as_string(hide_password=False)))


def get_meta(engine: Engine, key: str) -> str | None:
    """A value from the store's key/value table, or None."""
    with engine.connect() as conn:
        return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)
