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

So the rows go into a fresh table (``CREATE TABLE ... (LIKE t INCLUDING ALL EXCLUDING
INDEXES)``: columns, collations, defaults and checks) with the primary key, under a
temporary name: each LA's rows come in key order, so they go into the key's B-tree page
by page, and the key still refuses a duplicate at once. A table refilled this way has
its key and no other index (``kpi_results`` since revision 0012): building one at the
end, alone, took 0.48 s for the 2-LA store's results and 2.25-2.4 s for the 8-LA
region's, so a table that has one is refused.

**The copies run side by side.** One connection copying the LAs one after the other
kept one server process busy while the other core waited: in the 2-LA store the
writer's two ``COPY``s took 0.86-1.02 s each, after both workers had finished. Each
``copy`` now runs in a thread of its own on a connection of its own (``copies`` of them,
one per job), each ``COPY`` committed by itself, while the writer goes on storing the
rest in its transaction: the full recompute of that store went from 3.82-4.47 s to
3.40-3.66 s (docs/performance.md, twelfth session). For that, the fresh table is
created and committed first, before the copies: other sessions can see it, empty or
filling, under its temporary name, but nothing reads it. Autovacuum is off on it until
the swap: a vacuum that started on it would hold up the swap at the end until
it was cancelled (``deadlock_timeout``, a second). The writer holds the store's write
lock throughout (``store.engine.writing``), so no other refill runs meanwhile; a
refill that fails or is rolled back drops the fresh table (``Refill.dropped_on_error``),
and one left behind by a process killed midway is dropped by the next ``start``.
``copy`` blocks while twice ``copies`` payloads wait or run: the memory they hold stays
bounded by the connections, not the number of LAs.

At the end (``finish``), in the writer's one transaction: the old table is dropped,
the new one renamed with its key to the old names, autovacuum reset on it, and
``ANALYZE`` gives the planner its statistics at once. Readers keep reading the old
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
        self.engine = engine
        self.table = table
        self.copies = max(1, copies)
        self.fresh: Table | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(2 * self.copies)
        self._pending: list[Future[int]] = []

    def start(self) -> bool:
        """On PostgreSQL, create and commit the fresh empty copy with its primary key and
        no other index, and return True; False on other stores."""
        if self.engine.dialect.name != "postgresql":
            return False
        with self.engine.begin() as conn:
            self.fresh = _create_fresh(conn, self.table)
        self._pool = ThreadPoolExecutor(max_workers=self.copies, thread_name_prefix="refill-copy")
        return True

    def copy(self, payload: CopyPayload) -> None:
        """``COPY`` the rows into the fresh table on a connection of its own, in a thread:
        returns at once unless ``2 * copies`` payloads are waiting or running already.
        A copy that failed is raised here, or by ``finish``."""
        if self._pool is None or self.fresh is None:
            raise RuntimeError("copy() before start() returned True")
        self._raise_failed()
        self._slots.acquire()
        future = self._pool.submit(self._copy, self.fresh, payload)
        future.add_done_callback(lambda _: self._slots.release())
        self._pending.append(future)

    def finish(self, conn: Connection) -> int:
        """Wait for the copies, then put the fresh table in the old one's place inside the
        writer's transaction ``conn``; returns the rows copied."""
        if self.fresh is None:
            raise RuntimeError("finish() before start() returned True")
        copied = sum(future.result() for future in self._pending)
        self._shut_down()
        _swap(conn, self.table, self.fresh)
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
                conn.execute(text(f"DROP TABLE IF EXISTS {_q(conn, self.fresh.name)}"))
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

    def _copy(self, fresh: Table, payload: CopyPayload) -> int:
        with self.engine.begin() as conn:
            return copy_in(conn, fresh, payload)

    def _raise_failed(self) -> None:
        for future in self._pending:
            if future.done() and future.exception() is not None:
                future.result()

    def _shut_down(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _create_fresh(conn: Connection, table: Table) -> Table:
    fresh = f"{table.name}{SUFFIX}"
    columns = ", ".join(_q(conn, c.name) for c in table.primary_key.columns)
    conn.execute(text(f"DROP TABLE IF EXISTS {_q(conn, fresh)}"))
    conn.execute(
        text(
            f"CREATE TABLE {_q(conn, fresh)} (LIKE {_q(conn, table.name)} INCLUDING ALL EXCLUDING INDEXES)"
            " WITH (autovacuum_enabled = false)"
        )
    )
    conn.execute(
        text(f"ALTER TABLE {_q(conn, fresh)} ADD CONSTRAINT {_key(conn, fresh)} PRIMARY KEY ({columns})")
    )
    return Table(fresh, MetaData(), *(Column(c.name, c.type, nullable=c.nullable) for c in table.columns))


def _swap(conn: Connection, table: Table, fresh: Table) -> None:
    """Put ``fresh`` in the place of ``table`` under its name (the old table dropped),
    inside the caller's transaction."""
    key = _q(conn, inspect(conn).get_pk_constraint(table.name)["name"] or f"{table.name}_pkey")
    _lock_old_table(conn, table)
    conn.execute(text(f"DROP TABLE {_q(conn, table.name)}"))
    conn.execute(text(f"ALTER TABLE {_q(conn, fresh.name)} RENAME TO {_q(conn, table.name)}"))
    conn.execute(
        text(f"ALTER TABLE {_q(conn, table.name)} RENAME CONSTRAINT {_key(conn, fresh.name)} TO {key}")
    )
    conn.execute(text(f"ALTER TABLE {_q(conn, table.name)} RESET (autovacuum_enabled)"))
    conn.execute(text(f"ANALYZE {_q(conn, table.name)}"))


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


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)
