"""The shared machinery: the computing context, table rows, breakdown groups, measures.

A ``Context`` holds one snapshot restricted to the LAs asked for, the period table
and caches, so that event-level work (month indices, working days, de-duplication,
links) is done once and reused by every indicator and breakdown.

Groups ("cells"): every result row belongs to a cell, an (LA, group) pair. For
breakdown ``all`` the cells are the LAs (every LA with a loaded event row, so that
an LA without rows of a kind still gets its blank row); for ``locality``/``team``
each distinct trimmed value of the LA's table, a blank one being "Not recorded";
for ``agency`` the roll-up of ``store.codes`` (contacts and referrals by source
code, early help by lead agency label). Groups come from the stored table, so a
group that occurs only in a removed same-day duplicate still gets its zero rows.

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> ctx = Context.from_snapshot(build_snapshot(contacts=[{"locality": " North "}, {}]))
    >>> cells = ctx.rows("contacts").cells("locality")[0]
    >>> cells.group.tolist()
    ['North', 'Not recorded']
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from metrics.compute.axis import (
    Bools,
    Days,
    Ints,
    Objects,
    PeriodTable,
    build_period_table,
    clipped_span,
)
from metrics.snapshot import StoreSnapshot
from store.codes import AGENCY_LABELS, EH_LEAD_AGENCY_LABELS, REFERRAL_SOURCE_AGENCY
from store.extracts import EVENT_KINDS, EXTRACTS

Floats = npt.NDArray[np.float64]
T = TypeVar("T")

ALL_GROUP = "all"
# The kinds whose rows are ever linked or counted by child.
CHILD_KINDS = frozenset(k for k in EVENT_KINDS if EXTRACTS[k].has_child) - {"contacts"}
NOT_RECORDED = "Not recorded"

# Breakdown "agency": the code column of each kind and the roll-up it maps through.
AGENCY_COLUMNS: dict[str, tuple[str, dict[str, str]]] = {
    "contacts": ("contact_source", REFERRAL_SOURCE_AGENCY),
    "referrals": ("referral_source", REFERRAL_SOURCE_AGENCY),
    "early_help": ("lead_agency", EH_LEAD_AGENCY_LABELS),
    "audits": ("auditor_agency", AGENCY_LABELS),
}


@dataclass(frozen=True)
class SharedPeriods:
    """What every LA shares, worked out once from the whole store: the main and load
    date spans (clipped to the calendar), the warnings about dates outside it, and the
    LAs that have any event row."""

    main_span: tuple[date, date] | None
    load_span: tuple[date, date] | None
    warnings: tuple[str, ...]
    event_las: tuple[str, ...]

    def table(self) -> PeriodTable:
        return build_period_table(self.main_span, self.load_span)


@dataclass(frozen=True)
class Cells:
    """The (LA, group) pairs of one breakdown of one table, in output order."""

    la: Objects
    group: Objects
    la_index: Ints

    def __len__(self) -> int:
        return len(self.la)


@dataclass(frozen=True)
class Measure:
    """Numerator and denominator of each cell × period, before type encoding.

    ``undecided`` holds, per cell × period, the earliest date outside the
    bank-holiday table that a needed working-day count touched (NaT elsewhere);
    ``blank`` a note for cells whose source has no rows at all (None elsewhere);
    ``missing`` a note per cell × period with no value for want of figures (a partner's
    month not reported), None elsewhere.
    """

    cells: Cells
    numerator: Floats
    denominator: Floats | None = None
    undecided: Days | None = None
    blank: Objects | None = None
    missing: Objects | None = None


def notes_where(missing: Bools, note: str) -> Objects:
    """An object array: ``note`` where ``missing``, None elsewhere."""
    out = np.full(len(missing), None, dtype=object)
    out[missing] = note
    return out


def _label(value: str, roll_up: dict[str, str] | None) -> str:
    """A group's label: blank is "Not recorded"; an agency code outside the roll-up is
    shown as written rather than hidden in another group."""
    if not value:
        return NOT_RECORDED
    return value if roll_up is None else roll_up.get(value, value)


# What ``str.strip()`` removes: every character for which ``str.isspace()`` is true.
WHITESPACE = "".join(chr(c) for c in (*range(9, 14), *range(28, 33), 0x85, 0xA0, 0x1680))
WHITESPACE += "".join(chr(c) for c in (*range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000))


def nonblank_text(values: pd.Series) -> Bools:
    """True where an Arrow-backed text column holds more than whitespace (``str.strip``'s),
    worked out in Arrow without a Python string per row.

    >>> nonblank_text(pd.Series([" a", "  ", None, "\\u3000"], dtype="str")).tolist()
    [True, False, False, False]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim(pa.array(values.array), characters=WHITESPACE)
    filled = pc.fill_null(pc.not_equal(trimmed, ""), False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _trimmed(values: pd.Series) -> tuple[Ints, list[str]]:
    """Codes and trimmed unique values of a text column (factorised: strip uniques only)."""
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), list(pd.Index(uniques).astype(str).str.strip())


class Rows:
    """The rows of one table (or of a subset of it) with cached column arrays."""

    def __init__(self, ctx: Context, kind: str, frame: pd.DataFrame, la_index: Ints, pos: Ints):
        self.ctx = ctx
        self.kind = kind
        self.frame = frame
        self.la_index = la_index
        # Positions of these rows in the kind's (filtered) stored table.
        self.pos = pos
        self._cache: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def _cached(self, key: Hashable, fn: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = fn()
        value: T = self._cache[key]
        return value

    def days(self, col: str) -> Days:
        """A date column as ``datetime64[D]`` (NaT for blank)."""
        return self._cached(("days", col), lambda: self.frame[col].to_numpy("datetime64[D]"))

    def month(self, col: str) -> Ints:
        """Month index on the period axis of a date column (``NEVER`` for blank)."""
        return self._cached(("month", col), lambda: self.ctx.periods.month_index(self.days(col)))

    def known(self, col: str) -> Bools:
        return self._cached(("known", col), lambda: self.frame[col].notna().to_numpy(bool))

    def equals(self, col: str, value: str | bool) -> Bools:
        """True where the column equals ``value`` (blank is never equal)."""
        return self._cached(
            ("eq", col, value),
            lambda: self.frame[col].eq(value).to_numpy(dtype=bool, na_value=False),
        )

    def child(self) -> Ints:
        """The child as an integer, the same across kinds for the same (LA, child_key)."""
        return self._cached("child", lambda: self.ctx.child_ids(self))

    def subset(self, keep: Bools | Ints) -> Rows:
        mask_or_positions = np.asarray(keep)
        idx: Ints = (
            np.flatnonzero(mask_or_positions).astype(np.int64)
            if mask_or_positions.dtype == bool
            else mask_or_positions.astype(np.int64)
        )
        frame = self.frame.iloc[idx].reset_index(drop=True)
        out = Rows(self.ctx, self.kind, frame, self.la_index[idx], self.pos[idx])
        if "child" in self._cache:
            out._cache["child"] = self._cache["child"][idx]
        return out

    def cells(self, breakdown: str) -> tuple[Cells, Ints]:
        """The cells of a breakdown of this kind, and the cell of each of these rows."""
        cells, row_cell = self.ctx.cells(self.kind, breakdown)
        return cells, row_cell[self.pos]


# How far back a kind whose main date does not span the periods (workforce start dates:
# long-serving staff) still stretches the axis: the last years before each LA's latest.
RECENT_YEARS_SPANNING = 3
RECENT_SPAN = np.timedelta64(365 * RECENT_YEARS_SPANNING, "D")


def recent_span(first: Days, last: Days) -> Days:
    """The dates a non-spanning kind adds to the period axis, from each LA's first and
    last main date: the later of its first and RECENT_YEARS_SPANNING years before its
    last, and its last (so an LA that sends only its workforce still has periods).

    Worked from each LA's first and last date alone, so ``metrics.recompute_plan`` gets
    the same axis from the stored spans as a full recompute gets from the rows.

    >>> first = np.array(["1985-04-01", "2024-02-01"], dtype="datetime64[D]")
    >>> last = np.array(["2025-03-31", "2024-06-30"], dtype="datetime64[D]")
    >>> [str(d) for d in recent_span(first, last)]
    ['2022-04-01', '2024-02-01', '2025-03-31', '2024-06-30']
    """
    first = np.asarray(first, dtype="datetime64[D]")
    last = np.asarray(last, dtype="datetime64[D]")
    return np.concatenate([np.maximum(first, last - RECENT_SPAN), last])


def _spanning_dates(kind: str, days: Days, la_codes: tuple[Ints, list[str]]) -> Days:
    """The main dates of a kind that stretch the period axis: all of them, or for a kind
    with ``spans_periods`` false each LA's ``recent_span``."""
    if EXTRACTS[kind].spans_periods or not len(days):
        return days
    codes, uniques = la_codes
    frame = pd.DataFrame({"la": np.asarray([*uniques, ""], dtype=object)[codes], "day": days})
    frame = frame[~np.isnat(days)]
    if frame.empty:
        return np.array([], dtype="datetime64[D]")
    by_la = frame.groupby("la")["day"].agg(["min", "max"])
    return recent_span(by_la["min"].to_numpy("datetime64[D]"), by_la["max"].to_numpy("datetime64[D]"))


class Context:
    """A snapshot restricted to the LAs asked for, with the periods and caches."""

    def __init__(
        self,
        tables: dict[str, pd.DataFrame],
        la_index: dict[str, Ints],
        las: list[str],
        snapshot: StoreSnapshot,
        periods: PeriodTable,
        warnings: list[str],
        wanted_las: set[str] | None = None,
    ):
        self.tables = tables
        self.las = np.array(las, dtype=object)
        self.snapshot = snapshot
        self.periods = periods
        self.warnings = warnings
        # The LAs asked for (trimmed), or None for every LA.
        self.wanted_las = wanted_las
        self._la_index = la_index
        self._cache: dict[Hashable, Any] = {}

    @classmethod
    def from_snapshot(
        cls,
        snapshot: StoreSnapshot,
        la_codes: Iterable[str] | None = None,
        *,
        shared: SharedPeriods | None = None,
    ) -> Context:
        """Periods from every LA's data; tables restricted to ``la_codes`` (all when None).

        ``shared`` gives the periods and the LAs with event rows as worked out from the
        whole store (``metrics.recompute_plan``), for a snapshot that holds only some LAs
        or some kinds: then nothing about them is inferred from the snapshot itself.
        """
        warnings: list[str] = [] if shared is None else list(shared.warnings)
        wanted = None if la_codes is None else {c.strip() for c in la_codes}
        tables: dict[str, pd.DataFrame] = {}
        la_index: dict[str, Ints] = {}
        event_las: set[str] = set()
        la_codes_of = {k: _trimmed(snapshot.tables[k]["la_code"]) for k in EVENT_KINDS}
        for _, uniques in la_codes_of.values():
            event_las.update(uniques)
        if shared is not None:
            event_las = set(shared.event_las)
        las = sorted(event_las if wanted is None else event_las & wanted)
        position = {la: i for i, la in enumerate(las)}
        main_dates: list[Days] = []
        for kind in EVENT_KINDS:
            frame = snapshot.tables[kind]
            main = frame[EXTRACTS[kind].main_date].to_numpy("datetime64[D]")
            main_dates.append(_spanning_dates(kind, main, la_codes_of[kind]))
            if EXTRACTS[kind].span_end:  # a figure's period end (partner_measures)
                main_dates.append(frame[EXTRACTS[kind].span_end].to_numpy("datetime64[D]"))
            codes, uniques = la_codes_of[kind]
            mapped = np.array([position.get(u, -1) for u in uniques] + [-1], dtype=np.int64)
            idx = mapped[codes]
            if (idx < 0).any():
                frame = frame[idx >= 0].reset_index(drop=True)
                idx = idx[idx >= 0]
            tables[kind] = frame
            la_index[kind] = idx
        if shared is not None:
            return cls(tables, la_index, las, snapshot, shared.table(), warnings, wanted)
        if snapshot.whole is not None:
            raise ValueError("a snapshot read in part needs the shared periods")
        main_span = clipped_span(np.concatenate(main_dates), "main dates", warnings)
        event_loads = snapshot.load_counts["kind"].isin(EVENT_KINDS).to_numpy(bool)
        load_span = clipped_span(
            snapshot.load_counts["loaded_at"].to_numpy("datetime64[D]")[event_loads],
            "load dates",
            warnings,
        )
        periods = build_period_table(main_span, load_span, warnings)
        return cls(tables, la_index, las, snapshot, periods, warnings, wanted)

    def cached(self, key: Hashable, fn: Callable[[], T]) -> T:
        """``fn()`` computed once per context."""
        if key not in self._cache:
            self._cache[key] = fn()
        value: T = self._cache[key]
        return value

    def rows(self, kind: str) -> Rows:
        """The stored rows of a kind for the LAs of this context."""

        def build() -> Rows:
            idx = self._la_index[kind]
            return Rows(self, kind, self.tables[kind], idx, np.arange(len(idx), dtype=np.int64))

        return self.cached(("rows", kind), build)

    def has_rows(self, kind: str) -> Bools:
        """Per LA of ``self.las``: whether it has any loaded row of the kind (in the whole
        table, for a snapshot read in part)."""
        whole = self.snapshot.whole
        if whole is not None:
            known = whole.has_rows.get(kind, frozenset())
            return self.cached(("has_rows", kind), lambda: np.array([la in known for la in self.las], bool))
        return self.cached(
            ("has_rows", kind),
            lambda: np.bincount(self._la_index[kind], minlength=len(self.las)) > 0,
        )

    def cells(self, kind: str, breakdown: str) -> tuple[Cells, Ints]:
        """The cells of a breakdown of a kind's table and the cell of each stored row."""
        return self.cached(("cells", kind, breakdown), lambda: self._build_cells(kind, breakdown))

    def _build_cells(self, kind: str, breakdown: str) -> tuple[Cells, Ints]:
        la_idx = self._la_index[kind]
        if breakdown == "all":
            n = len(self.las)
            cells = Cells(self.las, np.full(n, ALL_GROUP, dtype=object), np.arange(n))
            return cells, la_idx
        codes, label_values, extra_la, extra_codes = self._group_labels(kind, breakdown)
        # Sorted label ids, so that cells come out ordered by (LA, group).
        order = np.argsort(np.array(label_values, dtype=object)) if label_values else np.zeros(0)
        rank = np.empty(len(label_values), np.int64)
        rank[order.astype(np.int64)] = np.arange(len(label_values))
        n_labels = max(len(label_values), 1)
        key = la_idx * n_labels + rank[codes] if len(codes) else np.zeros(0, np.int64)
        # Groups of rows left out of a snapshot read in part still get their cells.
        extra = extra_la * n_labels + rank[extra_codes] if len(extra_codes) else np.zeros(0, np.int64)
        unique_keys, every_cell = np.unique(np.concatenate([key, extra]), return_inverse=True)
        row_cell = every_cell[: len(key)]
        sorted_labels = np.array(label_values, dtype=object)[order.astype(np.int64)]
        cells = Cells(
            la=self.las[unique_keys // n_labels],
            group=sorted_labels[unique_keys % n_labels] if len(unique_keys) else np.zeros(0, object),
            la_index=(unique_keys // n_labels).astype(np.int64),
        )
        return cells, row_cell.astype(np.int64)

    def _group_labels(self, kind: str, breakdown: str) -> tuple[Ints, list[str], Ints, Ints]:
        """Each row's group label, as codes into a list of distinct labels; and the LA
        (index) and label code of each group known only from rows left out of the snapshot."""
        if breakdown in ("locality", "team") or (breakdown, kind) == ("theme", "audits"):
            column, roll_up = breakdown, None
        elif breakdown == "agency" and kind in AGENCY_COLUMNS:
            column, roll_up = AGENCY_COLUMNS[kind]
        else:
            raise ValueError(f"{kind} has no breakdown {breakdown!r}")
        codes, uniques = self.text_codes(kind, column)
        extra_la, extra_values = self._whole_groups(kind, column)
        labels = [_label(u, roll_up) for u in [*uniques, "", *extra_values]]
        label_codes, distinct = pd.factorize(np.array(labels, dtype=object))
        label_codes = label_codes.astype(np.int64)
        # codes == -1 (blank) picks the NOT_RECORDED entry after the uniques.
        row_labels = label_codes[: len(uniques) + 1][codes]
        return row_labels, [str(v) for v in distinct], extra_la, label_codes[len(uniques) + 1 :]

    def _whole_groups(self, kind: str, column: str) -> tuple[Ints, list[str]]:
        """The (LA index, trimmed value) pairs of the whole table, for a snapshot read in part."""
        whole = self.snapshot.whole
        found = None if whole is None else whole.groups.get((kind, column))
        if found is None or found.empty:
            return np.zeros(0, np.int64), []
        position = {la: i for i, la in enumerate(self.las)}
        la = [position.get(str(code).strip(), -1) for code in found["la_code"]]
        values = ["" if pd.isna(v) else str(v).strip() for v in found["value"]]
        keep = [i for i, p in enumerate(la) if p >= 0]
        return np.array([la[i] for i in keep], np.int64), [values[i] for i in keep]

    def text_codes(self, kind: str, column: str) -> tuple[Ints, list[str]]:
        """A text column of a kind factorised: codes (−1 blank) and trimmed distinct values."""
        return self.cached(("text", kind, column), lambda: _trimmed(self.tables[kind][column]))

    def child_ids(self, rows: Rows) -> Ints:
        """Integer child ids shared by every kind: (LA, child_key) → one number."""
        if rows.kind not in CHILD_KINDS:
            raise ValueError(f"{rows.kind}: no indicator links its rows by child")
        codes, size = self.cached("child_vocab", self._child_codes)
        ids = rows.la_index * (size + 1) + codes[rows.kind][rows.pos]
        return np.asarray(ids, dtype=np.int64)

    def _child_codes(self) -> tuple[dict[str, Ints], int]:
        """Per kind, each stored row's child as an index into one vocabulary of child_keys."""
        # Contacts never need the child (no contact indicator looks at it): skip the
        # largest table.
        per_kind = {k: pd.factorize(self.tables[k]["child_key"]) for k in EVENT_KINDS if k in CHILD_KINDS}
        # Factorising the concatenated per-kind uniques maps each kind's codes into one
        # shared vocabulary without touching every row again.
        shared, vocab = pd.factorize(
            np.concatenate([np.asarray(u, dtype=object) for _, u in per_kind.values()])
        )
        codes: dict[str, Ints] = {}
        offset = 0
        for kind, (kind_codes, uniques) in per_kind.items():
            mapped = np.append(shared[offset : offset + len(uniques)], -1).astype(np.int64)
            codes[kind] = mapped[kind_codes]
            offset += len(uniques)
        return codes, len(vocab)
