"""Refilling a table whole on PostgreSQL: a fresh copy, swapped in at the end.

A full recompute replaces every row of ``kpi_results``. On PostgreSQL, deleting the old
rows and copying the new ones into the same table costs twice over: each new row goes
into the primary key's B-tree and the view index one at a time, and each key meets the
deleted row of the same key there, whose visibility the unique check has to look up.
In the 2-LA benchmark store's second full recompute the ``COPY`` of one LA's 232,596
results took 2.0-3.5 s that way; into a fresh table without indexes 0.4-0.6 s, with
its primary key only 0.75-0.9 s (docs/performance.md, eleventh session).

So the writer copies the rows into a fresh table (``CREATE TABLE ... (LIKE t INCLUDING
ALL EXCLUDING INDEXES)``: columns, collations, defaults and checks) that has the primary
key only, under a temporary name: each LA's rows come in key order, so they go into the
key's B-tree page by page, beside the workers, and the key still refuses a duplicate at
once. At the end it builds the other indexes (the view index of both LAs' results:
0.53 s; of the 8-LA region's 2M results 2.25-2.4 s), and then, all in its one
transaction, drops the old table and renames the new one, its key and its indexes to
the old names. Readers keep reading the old table until the commit; only the last
statements take its exclusive lock (they wait for queries running on it, and new
queries wait the few milliseconds to the commit). ``ANALYZE`` gives the planner the new
table's statistics at once. A rollback leaves the old table as it was.

SQLite has no such cost worth a swap (its copies go in key order, and its index is
rebuilt once: ``store.rows_file``): ``start_refill`` returns None there, and the caller
writes into the table itself.

Example::

    >>> from store.engine import open_store, writing
    >>> from store.schema import kpi_results
    >>> with writing(open_store("sqlite://")) as conn:
    ...     start_refill(conn, kpi_results) is None
    True
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, MetaData, Table, inspect, text

# The fresh table's name: the table's own with this suffix (its key: with "_pkey" too).
SUFFIX = "__refill"


def start_refill(conn: Connection, table: Table) -> Table | None:
    """On PostgreSQL, a fresh empty copy of ``table`` with its primary key and no other
    index, inside the caller's transaction, for the rows that will replace the table's
    (``finish_refill``); None on other stores."""
    if conn.dialect.name != "postgresql":
        return None
    fresh = f"{table.name}{SUFFIX}"
    columns = ", ".join(_q(conn, c.name) for c in table.primary_key.columns)
    conn.execute(text(f"DROP TABLE IF EXISTS {_q(conn, fresh)}"))
    conn.execute(
        text(f"CREATE TABLE {_q(conn, fresh)} (LIKE {_q(conn, table.name)} INCLUDING ALL EXCLUDING INDEXES)")
    )
    conn.execute(
        text(f"ALTER TABLE {_q(conn, fresh)} ADD CONSTRAINT {_key(conn, fresh)} PRIMARY KEY ({columns})")
    )
    return Table(fresh, MetaData(), *(Column(c.name, c.type, nullable=c.nullable) for c in table.columns))


def finish_refill(conn: Connection, table: Table, fresh: Table) -> None:
    """Give ``fresh`` the other indexes of ``table``, then put it in its place under its
    name (the old table dropped), inside the caller's transaction."""
    key = _q(conn, inspect(conn).get_pk_constraint(table.name)["name"] or f"{table.name}_pkey")
    renames = []
    for n, index in enumerate(sorted(table.indexes, key=lambda i: str(i.name))):
        temporary = f"{fresh.name}_ix{n}"
        columns = ", ".join(_q(conn, c.name) for c in index.columns)
        unique = "UNIQUE " if index.unique else ""
        conn.execute(
            text(f"CREATE {unique}INDEX {_q(conn, temporary)} ON {_q(conn, fresh.name)} ({columns})")
        )
        renames.append((temporary, str(index.name)))
    conn.execute(text(f"DROP TABLE {_q(conn, table.name)}"))
    conn.execute(text(f"ALTER TABLE {_q(conn, fresh.name)} RENAME TO {_q(conn, table.name)}"))
    conn.execute(
        text(f"ALTER TABLE {_q(conn, table.name)} RENAME CONSTRAINT {_key(conn, fresh.name)} TO {key}")
    )
    for temporary, name in renames:
        conn.execute(text(f"ALTER INDEX {_q(conn, temporary)} RENAME TO {_q(conn, name)}"))
    conn.execute(text(f"ANALYZE {_q(conn, table.name)}"))


def _key(conn: Connection, fresh: str) -> str:
    return _q(conn, f"{fresh}_pkey")


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)
