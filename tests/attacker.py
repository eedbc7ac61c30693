"""The attacker: tries to work out every suppressed cell of a shared output from the rest.

It reads only what the output publishes (cell text as written in the file) and what
anyone knows about the scorecard: the indicator types, the related cells of
``metrics/data/disclosure.yaml``, that the groups of a breakdown add up to the whole
LA, that a percentage's numerator is at most its denominator, that 0 is never hidden,
and the status rule (a status beside a hidden value is itself a finding).

Its methods (docs/disclosure.md, "The attacker test"):

1. **Equality**: a hidden cell whose related cell is published.
2. **Description**: a status, direction or SPC published beside a hidden value.
3. **Ratio**: a hidden numerator with its value and denominator published.
4. **Differencing**: for each breakdown with a published total, the hidden cells'
   sum is the total minus the published groups; with each cell's bounds, any cell
   pinned to one value is recovered (the bounds are tightened until nothing moves).

Each success is a :class:`Recovery`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from metrics.disclosure import ADDITIVE, Relations, load_relations
from metrics.registry import Registry, load_registry

HIDDEN = "c"
Cell = tuple[str, str, str, str]  # kpi_id, breakdown, group, part


@dataclass(frozen=True)
class Recovery:
    cell: Cell
    value: float
    how: str


def _number(text: object) -> float | None:
    if text is None:
        return None
    s = str(text).strip().lstrip("'")
    if s in ("", HIDDEN):
        return None
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def attack(
    rows: Iterable[Mapping[str, object]],
    registry: Registry | None = None,
    relations: Relations | None = None,
) -> list[Recovery]:
    """Every hidden cell the attacker can pin down; [] when the output holds.

    ``rows`` are the published rows of one LA and period: ``kpi_id``, ``breakdown``,
    ``group``, ``numerator``, ``denominator``, ``value`` and, if the output has them,
    ``status``, ``direction``, ``variation``, ``assurance`` (as text).
    """
    reg = registry or load_registry()
    rel = relations or load_relations()
    types = {ind.id: ind.type for ind in reg}
    cells: dict[Cell, str] = {}
    described: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        key = (str(row["kpi_id"]), str(row["breakdown"]), str(row["group"]).lstrip("'"))
        for part in ("numerator", "denominator", "value"):
            cells[(*key, part)] = "" if row.get(part) is None else str(row[part])
        described[key] = [
            str(row[c])
            for c in ("status", "direction", "variation", "assurance")
            if row.get(c) not in (None, "")
        ]
    found: list[Recovery] = []
    known: dict[Cell, float] = {c: v for c, t in cells.items() if (v := _number(t)) is not None}
    hidden = [c for c, t in cells.items() if t.strip() == HIDDEN]

    for key, words in described.items():
        if cells.get((*key, "value"), "").strip() == HIDDEN and any(w != HIDDEN for w in words):
            found.append(Recovery((*key, "value"), math.nan, f"described: {words}"))

    for group in rel.same_number:
        parts = [cell.partition(".") for cell in group]
        places = {(b, g) for (_k, b, g, _p) in cells}
        for b, g in places:
            members = [(kpi, b, g, part) for kpi, _, part in parts if (kpi, b, g, part) in cells]
            shown = [known[m] for m in members if m in known]
            for m in members:
                if m in hidden and shown:
                    found.append(Recovery(m, shown[0], "equal to a published related cell"))

    for c in hidden:
        kpi, b, g, part = c
        if part == "numerator" and types.get(kpi) == "percentage":
            value, den = known.get((kpi, b, g, "value")), known.get((kpi, b, g, "denominator"))
            if value is not None and den is not None:
                found.append(Recovery(c, value * den / 100, "value times denominator"))

    found += _differencing(cells, known, types)
    return found


def _differencing(
    cells: Mapping[Cell, str], known: Mapping[Cell, float], types: Mapping[str, str]
) -> list[Recovery]:
    found: list[Recovery] = []
    sets: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kpi, b, g, part in cells:
        if part == "value" and b not in ("all", "kind", "column"):
            sets[(kpi, b)].append(g)
    for (kpi, b), groups in sets.items():
        kind = types.get(kpi, "count")
        for part in ADDITIVE.get(kind, ()):
            col = "value" if kind == "count" else part
            total = known.get((kpi, "all", "all", col))
            if total is None:
                continue
            members = [(kpi, b, g, col) for g in groups]
            unknown = [m for m in members if m not in known and cells.get(m, "").strip() == HIDDEN]
            if not unknown:
                continue
            rest = total - sum(known.get(m, 0.0) for m in members)
            lows, highs = [], []
            for m in unknown:
                if col == "denominator" or kind == "count":
                    lo, hi = 1.0, math.inf
                else:
                    den = known.get((kpi, b, m[2], "denominator"))
                    lo, hi = 0.0, den if (kind == "percentage" and den is not None) else math.inf
                lows.append(lo)
                highs.append(hi)
            for i, m in enumerate(unknown):
                least = max(lows[i], rest - (sum(highs) - highs[i]))
                most = min(highs[i], rest - (sum(lows) - lows[i]))
                if least >= most:
                    found.append(Recovery(m, least, f"total minus the other groups of {b}"))
    return found
