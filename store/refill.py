"""Refilling a table whole on PostgreSQL: a fresh copy, filled by copies on connections of
their own beside the writer's transaction, and swapped in at its end.

A full recompute replaces every row of ``kpi_results``. On PostgreSQL, deleting the old
rows and copying the new ones into the same table costs twice over: each new row goes
into the primary key's B-tree (and, before revision 0012, the view index) one at a time,
and each key meets the deleted row of the same key there, whose visibility the unique
check has to look up.
In the 2-LA benchmark store's second full recompute the ``COPY`` of one LA's 232,596
results took 2.0-3.5 s that way; into a fresh table without indexes 0.4-0.6 s, with
its primary key only 0.75-0.9 s (docs/performance.md, eleventh session).

So the rows go into fresh tables, under temporary names, and the old table is kept for
the readers until the end.

**One table per LA, side by side, attached at the end.** ``kpi_results`` is partitioned
by LA on PostgreSQL (revision 0013). The fresh table (``start``) is an empty partitioned
table with the key, created and committed before anything is copied. For each LA,
``copy`` runs in a thread of its own on a connection of its own (``copies`` of them, one
per job) while the writer goes on storing the rest in its transaction: it creates the
LA's table (``LIKE t INCLUDING ALL EXCLUDING INDEXES``: columns, collations, defaults,
checks; with ``CHECK (la_code = ...)``), ``COPY``s the LA's rows into it with no key
yet, adds the key (one sorted build) and gathers its statistics (from 3,000 rows,
``STATISTICS_TARGET``), and commits. At the end (``finish``), in the writer's
transaction, each LA's table is attached to the fresh table as its partition: the check
spares the scan that would prove its rows belong, and its key's index becomes the
partition's part of the key (0.01 s for two LAs). A default partition takes the rows of
an LA that has none yet (an incremental recompute of an LA before its first full one).
Filling the 2-LA store's results this way took 0.65-0.91 s, against 1.02-1.29 s copying
them into one fresh table that had the key (``COPY`` into a key's B-tree one row at a
time) and then ``ANALYZE``-ing it, and 1.13-1.39 s building the key of one table after
the copies (docs/performance.md, thirteenth session). Before that, one connection
copying the LAs one after the other had kept one server process busy while the other
core waited (twelfth session).

A table refilled this way has its key and no other index (``kpi_results`` since
revision 0012): building one at the end, alone, took 0.48 s for the 2-LA store's
results and 2.25-2.4 s for the 8-LA region's, so a table that has one is refused.
Other sessions can see the fresh tables, empty or filling, under their temporary names
(``kpi_results__refill...``), but nothing reads them. Autovacuum is off on each LA's
table until the swap: a vacuum that started on one would hold up the swap at the end
until it was cancelled (``deadlock_timeout``, a second). The writer holds the store's
write lock throughout (``store.engine.writing``), so no other refill runs meanwhile; a
refill that fails or is rolled back drops the fresh tables (``Refill.dropped_on_error``),
and those left behind by a process killed midway are dropped by the next ``start``.
``copy`` blocks while twice ``copies`` payloads wait or run: the memory they hold stays
bounded by the connections, not the number of LAs.

The swap, in the writer's transaction: the old table is dropped with its partitions,
the new one and its partitions renamed, with their keys, to the table's own names
(``kpi_results``, ``kpi_results__p0``, ..., ``kpi_results__default``), and autovacuum
reset on each partition. The partitions have their statistics already; the
partitioned table gets none of its own (the pages' queries all name an LA, and an
``ANALYZE`` of it would sample every partition again). Readers keep reading the old
table until the commit; only the last statements take its exclusive lock, and new
queries wait the few milliseconds to the commit. A rollback leaves the old table as it
was.

**A long reader does not stall the pages.** The exclusive lock has to wait for the
queries already reading the old table, and every query that comes after it queues
behind it: one long export would have held up every page for as long as it ran. The
swap asks for the lock for at most ``LOCK_WAIT_MS`` at a time (``lock_timeout``, inside
a savepoint); when that runs out it lets the queued queries through, pauses, and asks
again, for up to ``LOCK_PATIENCE_S`` before it fails the recompute with a message that
says why (``tests/test_refill.py`` holds a reader open and checks that another one
still gets through).

SQLite has no such cost worth a swap (its copies go in key order: ``store.rows_file``),
and one connection writes at a time: ``start``
returns False there, and the caller writes into the table itself.

Example::

    >>> from store.engine import open_store
    >>> from store.schema import kpi_results
    >>> Refill(open_store("sqlite://"), kpi_results, copies=2).start()
    False
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import Column, Connection, Engine, MetaData, Table, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from store.bulk import CopyPayload, copy_in

log = logging.getLogger(__name__)

# The fresh table's name: the table's own with this suffix (its key: with "_pkey" too).
SUFFIX = "__refill"
# How long the swap asks for the old table's lock at a time, the pause between asks (the
# queries queued behind it run then), and how long it keeps asking in all.
LOCK_WAIT_MS = 2000
LOCK_PAUSE_S = 0.5
LOCK_PATIENCE_S = 600.0
# The column the refilled table is partitioned by (``LIST``), one partition per value.
PARTITION_COLUMN = "la_code"
# The statistics target of each LA's ANALYZE (PostgreSQL samples 300 rows per unit; its
# default is 100).
STATISTICS_TARGET = 10
# PostgreSQL's SQLSTATE for a lock not taken within lock_timeout.
_LOCK_NOT_AVAILABLE = "55P03"


class RefillError(RuntimeError):
    """The fresh table could not be swapped in; the message says why and what to do."""


class Refill:
    """One refill of ``table`` through a fresh copy (PostgreSQL; nothing elsewhere)."""

    def __init__(self, engine: Engine, table: Table, *, copies: int) -> None:
        if table.indexes:
            # The fresh table gets the key only (module docstring): another index would be lost.
            names = sorted(str(i.name) for i in table.indexes)
            raise ValueError(f"a refill of {table.name} would lose its indexes {names}")
        partition_by = table.dialect_options["postgresql"]["partition_by"]
        if partition_by != f"LIST ({PARTITION_COLUMN})":
            raise ValueError(
                f"a refill of {table.name} needs it partitioned by LIST ({PARTITION_COLUMN}) "
                f"on PostgreSQL, not {partition_by!r}"
            )
        self.engine = engine
        self.table = table
        self.copies = max(1, copies)
        self.fresh: Table | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(2 * self.copies)
        self._pending: list[Future[int]] = []
        # Each LA's table in the fresh parent: (LA code, its table's name).
        self._parts: list[tuple[str, str]] = []

    def start(self) -> bool:
        """On PostgreSQL, create and commit the fresh empty copy with its primary key and
        no other index, and return True; False on other stores."""
        if self.engine.dialect.name != "postgresql":
            return False
        with self.engine.begin() as conn:
            self.fresh = _create_fresh(conn, self.table)
        self._pool = ThreadPoolExecutor(max_workers=self.copies, thread_name_prefix="refill-copy")
        return True

    def copy(self, payload: CopyPayload, la_code: str) -> None:
        """Fill a table of the LA's own with its rows (``la_code``'s, every one), its key
        and its statistics, on a connection of its own, in a thread: returns at once
        unless ``2 * copies`` payloads are waiting or running already. ``finish`` attaches
        it to the fresh table as the LA's partition. A copy that failed is raised here,
        or by ``finish``."""
        if self._pool is None or self.fresh is None:
            raise RuntimeError("copy() before start() returned True")
        self._raise_failed()
        part = f"{self.fresh.name}__p{len(self._parts)}"
        self._parts.append((la_code, part))
        self._slots.acquire()
        future = self._pool.submit(self._copy, self.fresh, part, la_code, payload)
        future.add_done_callback(lambda _: self._slots.release())
        self._pending.append(future)

    def finish(self, conn: Connection) -> int:
        """Wait for the copies, then put the fresh table in the old one's place inside the
        writer's transaction ``conn``; returns the rows copied."""
        if self.fresh is None:
            raise RuntimeError("finish() before start() returned True")
        copied = sum(future.result() for future in self._pending)
        self._shut_down()
        for la_code, part in self._parts:
            conn.execute(
                text(
                    f"ALTER TABLE {_q(conn, self.fresh.name)} ATTACH PARTITION {_q(conn, part)}"
                    f" FOR VALUES IN ({_literal(la_code)})"
                )
            )
        default = f"{self.fresh.name}__default"
        conn.execute(
            text(f"CREATE TABLE {_q(conn, default)} PARTITION OF {_q(conn, self.fresh.name)} DEFAULT")
        )
        _swap(conn, self.table, self.fresh, [*(part for _, part in self._parts), default])
        return copied

    def discard(self) -> None:
        """Stop the copies and drop the fresh table (a failed or rolled-back refill). A
        store that cannot be reached keeps it until the next ``start`` drops it."""
        if self.fresh is None:
            return
        for future in self._pending:
            future.cancel()
        self._shut_down()
        try:
            with self.engine.begin() as conn:
                _drop_fresh(conn, self.fresh.name)
        except SQLAlchemyError as error:
            log.warning("could not drop %s (the next full recompute will): %s", self.fresh.name, error)

    @contextmanager
    def dropped_on_error(self) -> Iterator[Refill]:
        """The refill, discarded if the block raises (wrap the writer's transaction, so
        that a failed commit after ``finish`` drops the fresh table too)."""
        try:
            yield self
        except BaseException:
            self.discard()
            raise

    def _copy(self, fresh: Table, part: str, la_code: str, payload: CopyPayload) -> int:
        columns = ", ".join(_q(self.engine, c.name) for c in self.table.primary_key.columns)
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    f"CREATE TABLE {_q(conn, part)} (LIKE {_q(conn, self.table.name)} INCLUDING ALL"
                    f" EXCLUDING INDEXES, CHECK ({PARTITION_COLUMN} = {_literal(la_code)}))"
                    " WITH (autovacuum_enabled = false)"
                )
            )
            rows = copy_in(conn, _named(fresh, part), payload)
            conn.execute(
                text(
                    f"ALTER TABLE {_q(conn, part)} ADD CONSTRAINT {_key(conn, part)} PRIMARY KEY ({columns})"
                )
            )
            # A sample of 3,000 rows, not 30,000: 0.016 s an LA of the 2-LA store against
            # 0.10 s, and the pages' queries (an LA's grain, period and breakdown, a seek in
            # the key) plan the same (docs/performance.md, fourteenth session).
            conn.execute(text(f"SET LOCAL default_statistics_target = {STATISTICS_TARGET}"))
            conn.execute(text(f"ANALYZE {_q(conn, part)}"))
        return rows

    def _raise_failed(self) -> None:
        for future in self._pending:
            if future.done() and future.exception() is not None:
                future.result()

    def _shut_down(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _drop_fresh(conn: Connection, fresh: str) -> None:
    """Drop the fresh table with its partitions, and the LAs' tables not yet attached."""
    conn.execute(text(f"DROP TABLE IF EXISTS {_q(conn, fresh)}"))
    left = conn.execute(
        text(
            "SELECT tablename FROM pg_tables"
            " WHERE schemaname = current_schema() AND starts_with(tablename, :p)"
        ),
        {"p": f"{fresh}__"},
    ).scalars()
    for name in list(left):
        conn.execute(text(f"DROP TABLE IF EXISTS {_q(conn, name)}"))


def _create_fresh(conn: Connection, table: Table) -> Table:
    fresh = f"{table.name}{SUFFIX}"
    columns = ", ".join(_q(conn, c.name) for c in table.primary_key.columns)
    _drop_fresh(conn, fresh)
    conn.execute(
        text(
            f"CREATE TABLE {_q(conn, fresh)} (LIKE {_q(conn, table.name)} INCLUDING ALL EXCLUDING INDEXES)"
            f" PARTITION BY LIST ({PARTITION_COLUMN})"
        )
    )
    conn.execute(
        text(f"ALTER TABLE {_q(conn, fresh)} ADD CONSTRAINT {_key(conn, fresh)} PRIMARY KEY ({columns})")
    )
    return _named(table, fresh)


def _named(table: Table, name: str) -> Table:
    """``table``'s columns under another table's name (for the statements that name it)."""
    return Table(name, MetaData(), *(Column(c.name, c.type, nullable=c.nullable) for c in table.columns))


def _swap(conn: Connection, table: Table, fresh: Table, parts: list[str]) -> None:
    """Put ``fresh`` in the place of ``table`` under its name (the old table dropped with
    its partitions), and its partitions ``parts`` under names of the table's own, inside
    the caller's transaction. Each partition's statistics were gathered as it was
    filled; the parent needs none of its own for the pages' queries, which all name an
    LA (and ``ANALYZE`` of a partitioned table samples every partition again)."""
    key = _q(conn, inspect(conn).get_pk_constraint(table.name)["name"] or f"{table.name}_pkey")
    _lock_old_table(conn, table)
    conn.execute(text(f"DROP TABLE {_q(conn, table.name)}"))
    conn.execute(text(f"ALTER TABLE {_q(conn, fresh.name)} RENAME TO {_q(conn, table.name)}"))
    conn.execute(
        text(f"ALTER TABLE {_q(conn, table.name)} RENAME CONSTRAINT {_key(conn, fresh.name)} TO {key}")
    )
    for part in parts:
        final = table.name + part.removeprefix(fresh.name)
        part_key = inspect(conn).get_pk_constraint(part)["name"] or f"{part}_pkey"
        conn.execute(text(f"ALTER TABLE {_q(conn, part)} RENAME TO {_q(conn, final)}"))
        conn.execute(
            text(
                f"ALTER TABLE {_q(conn, final)} RENAME CONSTRAINT {_q(conn, part_key)} TO {_key(conn, final)}"
            )
        )
        conn.execute(text(f"ALTER TABLE {_q(conn, final)} RESET (autovacuum_enabled)"))


def _lock_old_table(conn: Connection, table: Table) -> None:
    """Take ``table``'s exclusive lock in the caller's transaction, asking for it
    ``LOCK_WAIT_MS`` at a time so that the queries queued behind the request are not held
    up for longer than that (module docstring)."""
    previous = conn.execute(text("SHOW lock_timeout")).scalar_one()
    deadline = time.monotonic() + LOCK_PATIENCE_S
    while True:
        conn.execute(text("SAVEPOINT refill_lock"))
        conn.execute(text(f"SET LOCAL lock_timeout = '{int(LOCK_WAIT_MS)}ms'"))
        try:
            conn.execute(text(f"LOCK TABLE {_q(conn, table.name)} IN ACCESS EXCLUSIVE MODE"))
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            conn.execute(text("ROLLBACK TO SAVEPOINT refill_lock"))
            if time.monotonic() >= deadline:
                raise RefillError(
                    f"the new results could not replace {table.name}: a query has been reading it "
                    f"for more than {LOCK_PATIENCE_S:.0f} s (see pg_stat_activity); run the "
                    "recompute again when it has finished"
                ) from error
            log.info("waiting for the queries reading %s to finish before the swap", table.name)
            time.sleep(LOCK_PAUSE_S)
            continue
        conn.execute(text("SELECT set_config('lock_timeout', :previous, true)"), {"previous": previous})
        conn.execute(text("RELEASE SAVEPOINT refill_lock"))
        return


def _key(conn: Connection, fresh: str) -> str:
    return _q(conn, f"{fresh}_pkey")


def _q(conn: Connection | Engine, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _literal(value: str) -> str:
    """``value`` as an SQL string literal (DDL takes no bound values).

    >>> _literal("39'4")
    "'39''4'"
    """
    if "\x00" in value:
        raise ValueError(f"an LA code with a NUL byte: {value!r}")
    return "'" + value.replace("'", "''") + "'"
