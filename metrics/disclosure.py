"""Disclosure control: what every output for sharing shows of a period's results.

``metrics.suppression`` is the primary rule of ``shared/spec/kpis.md`` (a count, or a
ratio's numerator or denominator, from 1 to the threshold is ``c``), applied row by
row. A row hidden on its own can still be worked out from what is published beside it,
so :func:`disclose` takes all the results of one LA, grain and period (every breakdown
and group) and adds (docs/disclosure.md gives each rule with the DfE and ONS guidance):

1. **Everything that describes a hidden value is hidden**: status, direction of travel,
   SPC variation and assurance become ``c`` (a status of "within tolerance" of a target
   gives a range of the value, and with a small denominator the range is one value).
2. **The denominator of a ratio is shown when it is above the threshold**, even if the
   numerator is small. Reading: kpis.md protects small numbers; a group of 13 referrals
   is not one, and is published anyway as the Referrals count. A hidden cell that can be
   read off the row above protects nothing and would fail the attacker test.
3. **Related cells are hidden together** (``data/disclosure.yaml``): the same number
   published twice (Referrals and the re-referral denominator; Assessments completed
   and the median's count) is hidden in both places or in neither.
4. **Secondary suppression across breakdowns**: the groups of a breakdown add up to
   the whole-LA total, so one hidden group is the total minus the others. Within each
   breakdown, for each additive part (a count; a percentage's numerator and denominator;
   a rate's numerator; a median's count), while some hidden cell could be solved from
   the total, the bounds (0 ≤ numerator ≤ denominator) and the other groups, the smallest
   published non-zero group is hidden as well; when there is none, the total is.

5. **Secondary suppression across periods**, when one output holds several grains or
   periods (``scorecard kpis --audience board`` over every grain; the board pack of a
   quarter or year beside its monthly charts): a quarter, year or rolling year is the
   sum of the months (or quarters) it is made of, so a hidden month is the quarter
   minus the other months. The same rule as 4 is applied to every coarser period whose
   finer periods are all in the output, end to end (the months of a quarter, the months
   or quarters of a year), for each group of each breakdown. Reading: only the parts
   that do add up are treated as additive, judged on the true numbers (an event count
   adds up over months; a count of distinct children or a count on the last day does
   not, and its quarter is not the sum of the months, so subtracting recovers nothing).
   Where the true numbers happen to add up, the part is protected anyway: more hidden,
   never less. An output that shows one period (every page and file but those two) has
   nothing to difference, and the same period is hidden alike in all of them except
   that a month beside its quarter may lose one more cell.

Rules 3, 4 and 5 run until nothing changes. Cells stay display-ready as in
``metrics.suppression``: ``int``/``float``, ``"c"`` or ``""``.

Example: two teams, one with 3 referrals, the LA with 40::

    >>> f = pd.DataFrame({"kpi_id": ["referrals"] * 3, "breakdown": ["all", "team", "team"],
    ...     "group_name": ["all", "A", "B"], "numerator": [40.0, 3.0, 37.0],
    ...     "denominator": [None] * 3, "value": [40.0, 3.0, 37.0], "status": ["none"] * 3})
    >>> disclose(f)[["value", "status", "suppression"]].values.tolist()
    [[40, 'none', ''], ['c', 'c', 'primary'], ['c', 'c', 'secondary']]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Engine, and_, select

from metrics.periods import period_for
from metrics.registry import Registry, load_registry
from metrics.suppression import BLANK, DEFAULT_THRESHOLD, SUPPRESSED, suppress_arrays
from store.schema import kpi_results, kpi_spc

Audience = Literal["sharing", "operational"]
SHARING: Audience = "sharing"
OPERATIONAL: Audience = "operational"
DESCRIBING = ("status", "direction", "spc", "variation", "assurance")
"""Columns that describe a value, hidden with it (rule 1)."""
PARTS = ("numerator", "denominator", "value")
ADDITIVE: dict[str, tuple[str, ...]] = {
    "count": ("numerator",),
    "percentage": ("numerator", "denominator"),
    "rate": ("numerator",),
    "median": ("denominator",),
    "number": ("numerator", "denominator"),
}
"""The parts of each indicator type that add up across the groups of a breakdown."""
_KEYS = ("la_code", "kpi_id", "grain", "period_end")


def audience_line(audience: str, threshold: int) -> str:
    """The first row of every file: who it is for.

    >>> audience_line("operational", 5)[:40]
    'OPERATIONAL - NOT FOR SHARING: small num'
    >>> audience_line("sharing", 5)[:36]
    'FOR SHARING: counts from 1 to 5 and '
    """
    if audience == SHARING:
        return (
            f"FOR SHARING: counts from 1 to {threshold} and the cells that would reveal them "
            f"are shown as '{SUPPRESSED}'"
        )
    return (
        "OPERATIONAL - NOT FOR SHARING: small numbers are NOT suppressed. "
        "Do not share outside the organisation."
    )


def own_rows_line(agency: str, threshold: int) -> str:
    """The first row of a partner's operational file: its own agency's rows as stored,
    every other cell as shared (the partners' reading is in ``scorecard.access``).

    >>> own_rows_line("Police", 5)[:62]
    "OPERATIONAL - NOT FOR SHARING: Police's own rows are as stored"
    """
    return (
        f"OPERATIONAL - NOT FOR SHARING: {agency}'s own rows are as stored (small numbers NOT "
        f"suppressed); every other cell is as shared: counts from 1 to {threshold} and the cells "
        f"that would reveal them are shown as '{SUPPRESSED}'. Do not share outside the organisation."
    )


class Relations(BaseModel):
    """``data/disclosure.yaml``: groups of cells that hold the same number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    same_number: tuple[tuple[str, ...], ...]

    @field_validator("same_number")
    @classmethod
    def _cells(cls, groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        for group in groups:
            for cell in group:
                kpi, _, part = cell.partition(".")
                if part not in PARTS or not kpi:
                    raise ValueError(f"{cell!r}: write a related cell as <kpi_id>.<{'|'.join(PARTS)}>")
        return groups

    def check(self, registry: Registry) -> None:
        """Raise ValueError naming a related cell whose indicator is not in the registry."""
        for group in self.same_number:
            for cell in group:
                if cell.partition(".")[0] not in registry:
                    raise ValueError(f"data/disclosure.yaml: {cell!r} names no indicator of the registry")


@cache
def load_relations() -> Relations:
    """The shipped related cells, validated once per process."""
    text = resources.files("metrics").joinpath("data", "disclosure.yaml").read_text("utf-8")
    return Relations.model_validate(yaml.safe_load(text))


@dataclass
class _Cells:
    """True numbers and what is hidden, per row (positions into the frame)."""

    types: np.ndarray
    true: dict[str, np.ndarray]
    hidden: dict[str, np.ndarray]
    secondary: np.ndarray
    known: np.ndarray | None = None  # rows the audience sees as stored: never hidden

    def hide(self, i: int, parts: Iterable[str]) -> bool:
        if self.known is not None and self.known[i]:
            return False
        changed = False
        for part in parts:
            if not self.hidden[part][i] and not math.isnan(self.true[part][i]):
                self.hidden[part][i] = True
                changed = True
        # A hidden numerator or denominator hides the value (it is their ratio), and a hidden
        # count value hides its numerator (the same number).
        if self.types[i] != "median" and (self.hidden["numerator"][i] or self.hidden["denominator"][i]):
            changed |= self._mark(i, "value")
            changed |= self._mark(i, "numerator")
        if self.types[i] == "count" and self.hidden["value"][i]:
            changed |= self._mark(i, "numerator")
        if changed:
            self.secondary[i] = True
        return changed

    def _mark(self, i: int, part: str) -> bool:
        if self.hidden[part][i] or math.isnan(self.true[part][i]):
            return False
        self.hidden[part][i] = True
        return True


def _bounds(cells: _Cells, i: int, part: str) -> tuple[float, float]:
    """What an attacker knows of a hidden cell before any sum: its possible range."""
    kind = cells.types[i]
    if part == "denominator":
        return 1.0, math.inf
    if kind == "count":
        return 1.0, math.inf  # 0 is published as 0
    if kind == "percentage" and not cells.hidden["denominator"][i]:
        return 0.0, float(cells.true["denominator"][i])
    return 0.0, math.inf


def solvable(total: float, lows: list[float], highs: list[float]) -> bool:
    """True when a sum and bounds pin some term to one value.

    >>> solvable(10, [1], [math.inf]), solvable(10, [1, 1], [math.inf, math.inf])
    (True, False)
    >>> solvable(2, [1, 1], [math.inf, math.inf]), solvable(13, [0, 0], [6, 7])
    (True, True)
    """
    if len(lows) == 1:
        return True
    low_sum, high_sum = sum(lows), sum(highs)
    for lo, hi in zip(lows, highs, strict=True):
        least = max(lo, total - (high_sum - hi))
        most = min(hi, total - (low_sum - lo))
        if least >= most:
            return True
    return False


AdditiveSet = tuple[int, np.ndarray, tuple[str, ...]]
"""(position of a total, positions of the cells that add up to it, the parts that do)."""

_FINER = {"quarter": ("month",), "year": ("month", "quarter"), "r12": ("month", "quarter")}
"""The finer grains whose periods can make up a period of each coarser grain."""


def _additive_sets(frame: pd.DataFrame, types: np.ndarray) -> list[AdditiveSet]:
    """Rule 4's sets: (the whole-LA total, one breakdown's groups, the additive parts of
    the indicator's type), for every indicator, LA, grain, period and breakdown with a total."""
    keys = [k for k in _KEYS if k in frame.columns]
    columns = [frame[k].to_numpy(dtype=object) for k in keys]
    codes = list(zip(*columns, strict=True)) if keys else [()] * len(frame)
    breakdown = frame["breakdown"].to_numpy(dtype=object)
    totals: dict[tuple[object, ...], int] = {}
    members: dict[tuple[tuple[object, ...], str], list[int]] = {}
    for i, (code, b) in enumerate(zip(codes, breakdown, strict=True)):
        if b == "all":
            totals[code] = i
        elif b not in ("kind", "column"):
            members.setdefault((code, b), []).append(i)
    return [
        (totals[code], np.asarray(found), ADDITIVE[str(types[totals[code]])])
        for (code, _), found in members.items()
        if code in totals
    ]


def _period_starts(frame: pd.DataFrame) -> np.ndarray | None:
    """Each row's first day (``period_start``, or worked out from grain and end)."""
    if "period_start" in frame.columns:
        return pd.to_datetime(frame["period_start"]).to_numpy(dtype="datetime64[D]")
    try:
        starts = [
            period_for(g, pd.Timestamp(e).date()).start
            for g, e in zip(frame["grain"], frame["period_end"], strict=True)
        ]
    except (ValueError, KeyError):
        return None
    return pd.to_datetime(pd.Series(starts)).to_numpy(dtype="datetime64[D]")


def _tiling(found: list[int], total: int, starts: np.ndarray, ends: np.ndarray) -> list[int]:
    """The rows among ``found`` (one finer grain) that make up row ``total``'s period end to
    end (each starting the day after the one before), or [] when they do not."""
    inside = sorted(
        (i for i in found if starts[i] >= starts[total] and ends[i] <= ends[total]), key=lambda i: starts[i]
    )
    if not inside or starts[inside[0]] != starts[total] or ends[inside[-1]] != ends[total]:
        return []
    one_day = np.timedelta64(1, "D")
    if any(starts[b] != ends[a] + one_day for a, b in itertools.pairwise(inside)):
        return []
    return inside


def _adding_up(cells: _Cells, total: int, members: np.ndarray) -> tuple[str, ...]:
    """The additive parts of the total's type whose true numbers are the members' sum."""
    return tuple(
        part
        for part in ADDITIVE[str(cells.types[total])]
        if not np.isnan(cells.true[part][[total, *members]]).any()
        and math.isclose(float(cells.true[part][members].sum()), float(cells.true[part][total]), abs_tol=1e-6)
    )


def _period_sets(frame: pd.DataFrame, cells: _Cells) -> list[AdditiveSet]:
    """Rule 5's sets: (a coarser period's row, the finer rows that tile it, the additive
    parts that add up), for every indicator, LA, breakdown and group of an output that
    holds more than one grain."""
    if not {"grain", "period_end"} <= set(frame.columns) or frame["grain"].nunique() < 2:
        return []
    starts = _period_starts(frame)
    if starts is None:
        return []
    ends = pd.to_datetime(frame["period_end"]).to_numpy(dtype="datetime64[D]")
    grains = frame["grain"].to_numpy(dtype=object)
    keys = [c for c in ("la_code", "kpi_id", "breakdown", "group_name") if c in frame.columns]
    rows: dict[tuple[object, ...], dict[str, list[int]]] = {}
    for i, place in enumerate(zip(*(frame[c].to_numpy(dtype=object) for c in keys), strict=True)):
        rows.setdefault(place, {}).setdefault(str(grains[i]), []).append(i)
    out: list[AdditiveSet] = []
    for by_grain in rows.values():
        for grain, totals in by_grain.items():
            for finer in _FINER.get(grain, ()):
                for total in totals:
                    inside = _tiling(by_grain.get(finer, []), total, starts, ends)
                    parts = _adding_up(cells, total, np.asarray(inside)) if inside else ()
                    if parts:
                        out.append((total, np.asarray(inside), parts))
    return out


def _secondary(cells: _Cells, sets: list[AdditiveSet]) -> bool:
    """Rules 4 and 5 once over every additive set; True when something more was hidden."""
    changed = False
    for total, members, parts in sets:
        changed |= _protect(cells, total, members, parts)
    return changed


def _protect(cells: _Cells, total: int, members: np.ndarray, parts: tuple[str, ...]) -> bool:
    changed = False
    for part in parts:
        while not cells.hidden[part][total]:
            hidden = [int(i) for i in members if cells.hidden[part][i]]
            if not hidden:
                break
            bounds = [_bounds(cells, i, part) for i in hidden]
            s = float(sum(cells.true[part][i] for i in hidden))
            if not solvable(s, [b[0] for b in bounds], [b[1] for b in bounds]):
                break
            shown = [
                int(i)
                for i in members
                if not cells.hidden[part][i]
                and cells.true[part][i] > 0
                and (cells.known is None or not cells.known[i])
            ]
            if shown:
                pick = min(shown, key=lambda i: (cells.true[part][i], i))
                cells.hide(pick, [part])
            else:
                cells.hide(total, [part])
            changed = True
    return changed


def _related(cells: _Cells, frame: pd.DataFrame, relations: Relations) -> bool:
    """Rule 3 once: a number hidden in one related cell is hidden in all of them."""
    changed = False
    place = [c for c in ("la_code", "grain", "period_end", "breakdown", "group_name") if c in frame.columns]
    columns = [frame[c].to_numpy(dtype=object) for c in ("kpi_id", *place)]
    index = {key: i for i, key in enumerate(zip(*columns, strict=True))}
    for group in relations.same_number:
        parts = [cell.partition(".") for cell in group]
        for key in index:
            if key[0] != parts[0][0]:
                continue
            members = [(index.get((kpi, *key[1:])), part) for kpi, _, part in parts]
            found = [(j, part) for j, part in members if j is not None]
            if any(cells.hidden[part][j] for j, part in found):
                for j, part in found:
                    changed |= cells.hide(j, [part])
    return changed


def disclose(
    frame: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    registry: Registry | None = None,
    relations: Relations | None = None,
    known: Iterable[bool] | None = None,
) -> pd.DataFrame:
    """The results as shared: numbers display-ready, hidden ones ``c``, with a column
    ``suppression`` saying why a row's value is hidden (``primary``, ``secondary`` or "").

    ``frame`` holds rows of ``kpi_results`` (``group_name`` names the group), ideally all
    breakdowns of each LA, grain and period, as an output may show any of them.

    ``known`` (one flag per row) marks the rows the audience knows as stored (a partner's
    own agency's rows, ``scorecard.sharing``), which it can subtract like any published
    cell: the cells hidden from everyone are found first, then the known rows are shown
    and the secondary rules run again, never choosing a known row. What is hidden then
    includes everything hidden from everyone else (but the known rows). A whole-LA row
    is never ``known``.

    >>> f = pd.DataFrame({"kpi_id": ["referrals"] * 4, "breakdown": ["all"] + ["agency"] * 3,
    ...     "group_name": ["all", "Police", "Health", "Schools"], "numerator": [40.0, 3.0, 4.0, 33.0],
    ...     "denominator": [None] * 4, "value": [40.0, 3.0, 4.0, 33.0]})
    >>> disclose(f)["value"].tolist()   # Police and Health protect each other
    [40, 'c', 'c', 33]
    >>> disclose(f, known=[False, True, False, False])["value"].tolist()   # Police knows its 3
    [40, 3, 'c', 'c']
    """
    reg = registry if registry is not None else load_registry()
    rel = relations if relations is not None else load_relations()
    if frame.empty:
        out = frame.copy()
        out["suppression"] = pd.Series(dtype=object)
        return out
    types = frame["kpi_id"].map({ind.id: ind.type for ind in reg}).to_numpy(dtype=object)
    primary = suppress_arrays(types, frame["numerator"], frame["denominator"], frame["value"], threshold)
    true = {p: pd.to_numeric(frame[p], errors="coerce").to_numpy(dtype=np.float64) for p in PARTS}
    small_den = (true["denominator"] >= 1) & (true["denominator"] <= threshold)
    hidden = {
        "numerator": primary.suppressed & ~np.isnan(true["numerator"]),
        "denominator": primary.suppressed & ~np.isnan(true["denominator"]) & small_den,
        "value": primary.suppressed & ~np.isnan(true["value"]),
    }
    # A median is hidden for its count only; its own value (the median) follows the row.
    cells = _Cells(types, true, hidden, np.zeros(len(frame), dtype=bool))
    seen = np.zeros(len(frame), dtype=bool)
    if threshold > 0:
        sets = _additive_sets(frame, types) + _period_sets(frame, cells)
        while _related(cells, frame, rel) | _secondary(cells, sets):
            pass
        if known is not None:
            # From what everyone else is shown: the known rows revealed, then protected again
            # (so this audience's hidden cells include everybody's, but the known rows).
            seen = np.asarray(list(known), dtype=bool) & (frame["breakdown"].to_numpy(dtype=object) != "all")
            for part in PARTS:
                cells.hidden[part] &= ~seen
            cells.known = seen
            while _related(cells, frame, rel) | _secondary(cells, sets):
                pass
    out = frame.copy()
    whole = np.isin(types, ("count", "median"))
    for part in PARTS:
        display: list[object] = []
        for i, x in enumerate(true[part]):
            if math.isnan(x):
                display.append(BLANK)
            elif cells.hidden[part][i]:
                display.append(SUPPRESSED)
            elif (part != "value" or whole[i]) and float(x).is_integer():
                display.append(int(x))
            else:
                display.append(float(x))
        out[part] = pd.Series(display, index=frame.index, dtype=object)
    value_hidden = cells.hidden["value"] | cells.hidden["numerator"]
    for column in DESCRIBING:
        if column in out.columns:
            out[column] = out[column].astype(object).where(~value_hidden, SUPPRESSED)
    reason = np.where(
        primary.suppressed & ~seen, "primary", np.where(cells.secondary & value_hidden, "secondary", "")
    )
    out["suppression"] = pd.Series(reason, index=frame.index, dtype=object)
    return out


def related_closure(kpi_ids: Iterable[str], relations: Relations | None = None) -> set[str]:
    """The indicators whose cells can change what is hidden of ``kpi_ids``: themselves and,
    through the related cells, every indicator linked to them (rule 4 works within one
    indicator, rule 3 across the related cells only).

    >>> sorted(related_closure(["contacts"]))
    ['contacts', 'contacts_rate']
    """
    rel = relations if relations is not None else load_relations()
    found = set(kpi_ids)
    while True:
        more = {
            cell.partition(".")[0]
            for group in rel.same_number
            if any(cell.partition(".")[0] in found for cell in group)
            for cell in group
        }
        if more <= found:
            return found
        found |= more


def period_cube(
    engine: Engine,
    la_code: str,
    grain: str,
    period_end: date,
    with_spc: bool = True,
    kpi_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every stored result of one LA, grain and period (all breakdowns and groups; only
    ``kpi_ids`` when given), with the SPC variation and assurance of each monthly series
    when ``with_spc``."""
    r, s = kpi_results.c, kpi_spc.c
    columns = [r[c] for c in (*_KEYS, "period_start", "breakdown", "group_name", *PARTS)]
    columns += [r.target, r.status, r.direction, r.spc, r.note]
    source: Any = kpi_results
    if with_spc:
        source = kpi_results.outerjoin(
            kpi_spc,
            and_(
                s.la_code == r.la_code,
                s.kpi_id == r.kpi_id,
                s.breakdown == r.breakdown,
                s.group_name == r.group_name,
            ),
        )
        columns += [s.variation, s.assurance]
    # In a fixed order: rule 4's greedy choice of the cells that protect others goes
    # through the sets in the order their rows come (the key's order before revision
    # 0012, which put the indicator first).
    query = (
        select(*columns)
        .select_from(source)
        .where(r.la_code == la_code, r.grain == grain, r.period_end == period_end)
        .order_by(r.kpi_id, r.breakdown, r.group_name)
    )
    if kpi_ids is not None:
        query = query.where(r.kpi_id.in_(sorted(set(kpi_ids))))
    with engine.connect() as conn:
        result = conn.execute(query)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    for part in (*PARTS, "target"):
        frame[part] = pd.to_numeric(frame[part], errors="coerce").astype("float64")
    return frame


def shared_view(
    engine: Engine,
    la_code: str,
    grain: str,
    period_end: date,
    audience: Audience,
    threshold: int,
    registry: Registry | None = None,
    kpi_ids: Iterable[str] | None = None,
    known_groups: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """The period's results for an audience: for sharing, disclosed as a whole (every
    breakdown at once, so any selection of it is protected); operational, as stored.

    With ``kpi_ids`` only those indicators come back, disclosed with every indicator
    their hidden cells depend on (:func:`related_closure`): the same cells as the whole.
    ``known_groups``: the groups of the breakdown by agency the audience sees as stored
    (a partner's own agency, :func:`disclose`'s ``known``)."""
    wanted = None if kpi_ids is None else set(kpi_ids)
    cube = period_cube(
        engine, la_code, grain, period_end, kpi_ids=None if wanted is None else related_closure(wanted)
    )
    if audience == OPERATIONAL:
        cube["suppression"] = ""
        out = cube
    else:
        known = (cube["breakdown"] == "agency") & cube["group_name"].isin(sorted(known_groups))
        out = disclose(cube, threshold, registry, known=known if known_groups else None)
    if wanted is not None:
        out = out[out["kpi_id"].isin(wanted)].reset_index(drop=True)
    return out


def shared_kpi_table(
    engine: Engine, registry: Registry, threshold: int, by: str = "all", **where: Any
) -> pd.DataFrame:
    """``metrics.kpi_export.kpi_table`` as shared (``scorecard kpis --audience board``).

    Every breakdown is read and disclosed together, whatever ``by`` asks for, so the
    cells hidden are the same as in every other output for sharing; then the rows of
    ``by`` are kept. The describing columns are ``c`` where a value is hidden."""
    from metrics.kpi_export import BREAKDOWNS_FOR, kpi_table

    parts = [kpi_table(engine, registry, by=b, **where) for b in BREAKDOWNS_FOR]
    frame = pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True)
    if frame.empty:
        return frame
    out = disclose(frame.rename(columns={"group": "group_name"}), threshold, registry)
    out = out.drop(columns="suppression").rename(columns={"group_name": "group"})
    keep = out["breakdown"].isin(BREAKDOWNS_FOR[by])
    original = kpi_table(engine, registry, by=by, **where)
    key = ["la_code", "kpi_id", "period_end", "breakdown", "group"]
    return original[key].merge(out[keep], on=key, how="left")[list(original.columns)]
