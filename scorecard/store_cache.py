"""Answers of the store's costly read queries, kept by the app until the store changes.

Some pages aggregate many stored rows on each request: how current each partner's data
is (the latest event date per load, over every stored row of the LA), and the reasons
rows were rejected (every rejected row of the chosen loads). On a pooled region store
these take a second of CPU and more, yet their answer changes only when a load or a
recompute writes to the store. A :class:`StoreCache` belongs to one running app (in its
``AppContext``; nothing is kept at module level) and keeps such answers under the
store's fingerprint.

Design choices, each with its reason:

- **The fingerprint** (:func:`store_fingerprint`) is the number of recomputes and the
  latest one's id, the number of loads, the highest load id and how many loads are
  retracted: every write that can change a cached answer adds a load (its rows and its
  counts commit with it), retracts one or adds a recompute. Counts as well as the
  highest ids, because on PostgreSQL loads can commit out of id order. It is read with
  one query over the two small tables (about a millisecond), so a cached answer is never
  served after the store changed, whichever process changed it.
- **What is cached is the same for everyone**: the store's answer before any user's
  scope is applied. The pages filter it for the signed-in user after (``scorecard.scope``,
  ``scorecard.sharing``) exactly as they filter a fresh answer, so what each role sees
  is unchanged.
- **Bounded**: at most ``max_entries`` answers, the least recently used dropped first,
  and all of them when the fingerprint changes; an answer is a small frame (tens of
  rows), so the cache stays small however large the region is.
- **Lasting answers** (:meth:`StoreCache.lasting`): an answer about something that never
  changes once stored (a load's rejected rows, named by its id, file hash and finish
  time) is kept across store changes, so after a new load only that load's answer is
  computed, not every load's again.
- **Copies out**: a frame is copied when served, so a caller that changes its frame
  cannot change the next caller's.
- **Thread-safe**: the server answers several requests at once. Two requests that miss
  the same key both compute it (no lock is held while querying, so a slow query never
  blocks other pages); the answer is the same.

Example::

    >>> from store.engine import open_store
    >>> engine = open_store("sqlite:///:memory:")
    >>> cache = StoreCache(max_entries=2)
    >>> calls = []
    >>> def answer():
    ...     calls.append(1)
    ...     return pd.DataFrame({"n": [len(calls)]})
    >>> cache.get(engine, ("a",), answer)["n"].tolist(), cache.get(engine, ("a",), answer)["n"].tolist()
    ([1], [1])
    >>> len(calls)
    1
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Engine, func, select

from store.schema import RETRACTED, kpi_runs, loads

T = TypeVar("T")

Fingerprint = tuple[Any, ...]


def store_fingerprint(engine: Engine) -> Fingerprint:
    """What identifies the store's loads and results: (recomputes, latest run id, loads,
    highest load id, retracted loads). Any load, retraction or recompute changes it."""
    runs, ld = kpi_runs.c, loads.c
    query = select(
        select(func.count()).select_from(kpi_runs).scalar_subquery(),
        select(func.max(runs.run_id)).scalar_subquery(),
        select(func.count()).select_from(loads).scalar_subquery(),
        select(func.max(ld.load_id)).scalar_subquery(),
        select(func.count()).select_from(loads).where(ld.status == RETRACTED).scalar_subquery(),
    )
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return tuple(row)


def _copied(value: T) -> T:
    if isinstance(value, pd.DataFrame):
        return value.copy()
    return value


class StoreCache:
    """Answers keyed by the caller's key, valid while the store's fingerprint is unchanged."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._fingerprint: Fingerprint | None = None
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lasting: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, engine: Engine, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for ``key``, or ``compute()``'s, kept for the store as it is now."""
        fingerprint = store_fingerprint(engine)
        with self._lock:
            if fingerprint != self._fingerprint:
                self._entries.clear()
                self._fingerprint = fingerprint
            if key in self._entries:
                self._entries.move_to_end(key)
                return _copied(self._entries[key])
        value = compute()
        with self._lock:
            # Kept only if the store did not change meanwhile: otherwise ``value`` may
            # describe the store before the change, and the fingerprint after it.
            if fingerprint == self._fingerprint:
                self._entries[key] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return _copied(value)

    def lasting(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer for ``key``, or ``compute()``'s, kept whatever the store does next:
        only for a key that names content which never changes (the caller's reading)."""
        with self._lock:
            if key in self._lasting:
                self._lasting.move_to_end(key)
                return _copied(self._lasting[key])
        value = compute()
        with self._lock:
            self._lasting[key] = value
            while len(self._lasting) > self.max_entries:
                self._lasting.popitem(last=False)
        return _copied(value)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
