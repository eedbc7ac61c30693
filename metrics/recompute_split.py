"""A monthly refresh of fewer LAs than cores, split by indicators across the idle cores.

A full recompute keeps every core busy with an LA each. A partner's month touches one
LA, whose refresh (``metrics.recompute_tail``) ran as one task in one worker while the
other core waited. Its indicators are independent once the shared periods are known, so
such a task is cut into parts, one per idle core, each computing some of its indicators
in a worker of its own: the writer stores each part as it would an LA (its deletes name
the part's indicators), and the rows stored are the same. In the store of four LAs, LA
800's month in two parts took 0.38-0.42 s against 0.47-0.60 s for one task
(docs/performance.md, fourteenth session).

Readings:

- Only the month of an LA of at most ``SPLIT_MAX_ROWS`` rows is split: the parts read
  much the same kinds, and for a large LA reading them twice cost more than the split
  saved.
- Only a month's tail is split: a task that recomputes every period of an LA is a full
  recompute's, which has LAs enough for the cores (or one LA, whose memory one process
  should hold once).
- Indicators that read the same kinds go to the same part (each part reads only the
  kinds its indicators need, ``metrics.dependencies``), the groups dealt to the part
  with the fewest indicators, largest group first; each part keeps the registry's order.
- Only the first part also computes the LA's early help outcome scores.
- A part that finds a group appeared or went recomputes every period of its own
  indicators, as a whole task would of all of them.

Example::

    >>> from metrics.registry import load_registry
    >>> reg = load_registry()
    >>> ids = [i.id for i in reg]
    >>> parts = dealt(indicator_groups(reg, ids), 2)
    >>> len(parts), sorted(parts[0] + parts[1]) == sorted(ids), abs(len(parts[0]) - len(parts[1])) <= 8
    (2, True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from metrics.dependencies import indicator_kinds
from metrics.recompute_la import LaTask
from metrics.registry import Registry

# The most rows an LA may have for its month to be split (``la_rows``: its stored rows of
# every kind). Each part reads the kinds its indicators need, and most read the same
# large ones: for the large LA (888,748 rows) two parts took its month from 2.05-2.09 s
# to 2.14-2.31 s, for an LA of 89,692 rows from 0.96-0.98 s to 0.89-0.92 s, for one of
# 34,662 rows from 0.84-0.92 s to 0.72-0.80 s (docs/performance.md, fourteenth session).
# Between 90,000 and 890,000 rows it was not measured.
SPLIT_MAX_ROWS = 200_000


def split_for_cores(
    tasks: list[LaTask], cores: int, registry: Registry, rows: dict[str, int] | None = None
) -> list[LaTask]:
    """The tasks, each month's tail of an LA of at most ``SPLIT_MAX_ROWS`` rows (``rows``
    per LA) cut into parts by indicators when there are fewer tasks than ``cores``."""
    per_task = cores // max(1, len(tasks))
    if per_task < 2:
        return tasks
    out: list[LaTask] = []
    for task in tasks:
        small = (rows or {}).get(task.la_code, 0) <= SPLIT_MAX_ROWS
        out.extend(_parts(task, per_task, registry) if task.tail is not None and small else [task])
    return out


def _parts(task: LaTask, count: int, registry: Registry) -> list[LaTask]:
    order = {i.id: n for n, i in enumerate(registry)}
    ids = list(task.kpi_ids) if task.kpi_ids is not None else list(order)
    parts = [p for p in dealt(indicator_groups(registry, ids), count) if p]
    if len(parts) < 2 or not set(ids) <= set(order):
        # An id the registry lacks would fall out of every part: the task stays whole.
        return [task]
    return [
        replace(task, kpi_ids=tuple(sorted(part, key=order.__getitem__)), scores=task.scores and n == 0)
        for n, part in enumerate(parts)
    ]


def indicator_groups(registry: Registry, kpi_ids: Sequence[str]) -> list[list[str]]:
    """``kpi_ids`` grouped by the kinds each reads, largest group first."""
    wanted = set(kpi_ids)
    groups: dict[frozenset[str], list[str]] = {}
    for indicator in registry:
        if indicator.id in wanted:
            groups.setdefault(frozenset(indicator_kinds(indicator)), []).append(indicator.id)
    return sorted(groups.values(), key=len, reverse=True)


def dealt(groups: list[list[str]], count: int) -> list[list[str]]:
    """The groups dealt into ``count`` parts, each to the part with the fewest so far.

    >>> dealt([["a", "b", "c"], ["d", "e"], ["f"]], 2)
    [['a', 'b', 'c'], ['d', 'e', 'f']]
    """
    parts: list[list[str]] = [[] for _ in range(count)]
    for group in groups:
        min(parts, key=len).extend(group)
    return parts
