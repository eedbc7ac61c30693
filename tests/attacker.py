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
5. **Differencing between periods** (:func:`attack_periods`, for an output holding
   several grains): a quarter, year or rolling year minus its published months (or
   quarters) pins a hidden one the same way, and a hidden coarser period whose finer
   periods are all published is their sum. The attacker assumes every count, numerator
   and denominator adds up over time; where it does not (distinct children, counts on
   the last day) the "recovered" number is wrong, so the test counts a recovery only
   when it equals the true number.

Each success is a :class:`Recovery`.
"""

from __future__ import annotations

import itertools
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
    cell: tuple[str, ...]  # a Cell, or a PeriodCell from attack_periods
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
                # the others' bounds summed without this cell (inf - inf would be nan)
                others_high = sum(h for j, h in enumerate(highs) if j != i)
                least = max(lows[i], rest - others_high)
                most = min(highs[i], rest - (sum(lows) - lows[i]))
                if least >= most:
                    found.append(Recovery(m, least, f"total minus the other groups of {b}"))
    return found


PeriodCell = tuple[str, str, str, str, str, str]  # kpi_id, breakdown, group, grain, period_end, part
_FINER = {"quarter": ("month",), "year": ("month", "quarter"), "r12": ("month", "quarter")}


def attack_periods(rows: Iterable[Mapping[str, object]], registry: Registry | None = None) -> list[Recovery]:
    """Every hidden cell pinned by differencing between the periods of one output.

    ``rows`` are published rows with ``grain``, ``period_start`` and ``period_end``
    (ISO dates as text) besides the columns :func:`attack` reads. A recovery's cell is
    a :data:`PeriodCell`.
    """
    reg = registry or load_registry()
    types = {ind.id: ind.type for ind in reg}
    cells: dict[PeriodCell, str] = {}
    spans: dict[tuple[str, str, str], dict[str, list[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in rows:
        kpi, b, g = str(row["kpi_id"]), str(row["breakdown"]), str(row["group"]).lstrip("'")
        grain, start, end = str(row["grain"]), str(row["period_start"])[:10], str(row["period_end"])[:10]
        spans[(kpi, b, g)][grain].append((start, end))
        for part in ("numerator", "denominator", "value"):
            cells[(kpi, b, g, grain, end, part)] = "" if row.get(part) is None else str(row[part])
    found: list[Recovery] = []
    for (kpi, b, g), by_grain in spans.items():
        kind = types.get(kpi, "count")
        for grain, periods in by_grain.items():
            for finer in _FINER.get(grain, ()):
                for start, end in periods:
                    inside = sorted(p for p in by_grain.get(finer, []) if p[0] >= start and p[1] <= end)
                    if not inside or inside[0][0] != start or inside[-1][1] != end or not _end_to_end(inside):
                        continue
                    for part in ADDITIVE.get(kind, ()):
                        col = "value" if kind == "count" else part
                        total = (kpi, b, g, grain, end, col)
                        members = [(kpi, b, g, finer, e, col) for _s, e in inside]
                        found += _pin(cells, total, members, kind, col)
    return found


def _end_to_end(periods: list[tuple[str, str]]) -> bool:
    from datetime import date, timedelta

    return all(
        date.fromisoformat(b[0]) == date.fromisoformat(a[1]) + timedelta(days=1)
        for a, b in itertools.pairwise(periods)
    )


def _pin(
    cells: Mapping[PeriodCell, str], total: PeriodCell, members: list[PeriodCell], kind: str, col: str
) -> list[Recovery]:
    known = {m: v for m in [total, *members] if (v := _number(cells.get(m))) is not None}
    hidden = [m for m in members if m not in known and cells.get(m, "").strip() == HIDDEN]
    how = f"{total[3]} {total[4]} and its {members[0][3]}s"
    if total not in known:
        # the sum of the members gives the total only when every member is a number (a
        # quarterly partner measure has blank months: nothing to add up)
        if cells.get(total, "").strip() == HIDDEN and all(m in known for m in members):
            return [Recovery(total, sum(known[m] for m in members), how)]
        return []
    rest = known[total] - sum(known.get(m, 0.0) for m in members)
    lows, highs = [], []
    for m in hidden:
        if col == "denominator" or kind == "count":
            lo, hi = 1.0, math.inf
        else:
            den = _number(cells.get((*m[:5], "denominator")))
            lo, hi = 0.0, den if (kind == "percentage" and den is not None) else math.inf
        lows.append(lo)
        highs.append(hi)
    out = []
    for i, m in enumerate(hidden):
        least = max(lows[i], rest - sum(h for j, h in enumerate(highs) if j != i))
        most = min(highs[i], rest - (sum(lows) - lows[i]))
        # least > most: no values fit, so the part does not add up over time (a count on
        # the last day) and the subtraction says nothing.
        if math.isclose(least, most, abs_tol=1e-9):
            out.append(Recovery(m, least, how))
    return out
