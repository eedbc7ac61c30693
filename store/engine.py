"""Opening the store: one database URL, SQLite by default, PostgreSQL the same way.

Example::

    >>> engine = open_store("sqlite:///:memory:")
    >>> engine.dialect.name
    'sqlite'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import make_url

from store.schema import meta

DEFAULT_DATABASE_URL = "sqlite:///data/scorecard.db"


class StoreError(RuntimeError):
    """The store cannot be opened or used as asked; the message says how to fix it."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (psycopg2 is not installed).

    >>> normalise_url("postgresql://u@localhost/db")
    'postgresql+psycopg://u@localhost/db'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own implicit transactions are switched off so that the
    # "begin" hook below opens every transaction explicitly: a load is then one
    # real transaction, DDL included.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
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


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed at the end, rolled back on any error.

    On SQLite it takes the write lock at its start, waiting (busy_timeout) for another
    writer to finish; on PostgreSQL it is an ordinary transaction.
    """
    with engine.connect() as plain:
        conn = plain.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


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
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
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
