"""Ofsted ILACS Annex A workbooks (sheets ``List 1`` ... ``List 11``), mapped onto the kinds.

List 1 -> contacts, List 2 -> early_help, List 3 -> referrals, List 4 -> assessments,
List 5 -> s47, List 6 -> cin_plans, List 7 -> cp_plans plus one cp_visits row from
"Date of the Last Statutory Visit" and one cp_reviews row from "Date of latest review
conference". Lists 8-11 are read and reported as not used. Each list's headers are
matched through ``annex_a_layout.LISTS`` (the spellings differ between versions); the
values are left as written for the normal validation to parse or reject, with the
sheet and the spreadsheet's own row number.

What Annex A does not carry is derived:

- ids: a keyed hash (``mapping.record_id``) of the kind, the child and the record's date
  (contacts: and the source), so the same workbook, or the same records re-saved or in a
  later workbook, give the same ids (a reload supersedes, never duplicates);
- contact outcome: ``referral`` when the child has a (loadable) List 3 referral dated
  0 to 7 days after the contact, else ``pending``;
- early help lead agency: from the "Organisation completing assessment" text
  (``annex_a_layout.LEAD_AGENCY_WORDS``; blank or not recognised: ``other``);
- assessments and S47s: the referral_id of the child's latest List 3 referral dated on
  or before their start.

Worker names ("Allocated Worker") and the organisation's own text are never carried.

Example::

    >>> sheet_list_number("LIST1"), sheet_list_number(" List 10 "), sheet_list_number("Notes")
    (1, 10, None)
    >>> header_key("Referral NFA?"), header_key(" Child's  Legal Status ")
    ('referral nfa', 'childs legal status')
    >>> lead_agency("Top Town Academy"), lead_agency("Early Help Locality 2"), lead_agency("Unknown Org")
    ('school', 'early_help_service', 'other')
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loaders import values as v
from loaders.formats import READERS, FormatRead, FormatReader, ReadContext
from loaders.formats.annex_a_layout import COMMON_FIELDS, LEAD_AGENCY_WORDS, LISTS, ListSpec
from loaders.formats.mapping import (
    ReferralIndex,
    as_date,
    canonical_table,
    ethnicity_code,
    key_codes,
    key_dates,
    record_id,
    sex_label,
    valid_referrals,
)
from loaders.readers import FileRejectedError, RawTable, table_from_sheet_rows
from store.extracts import KIND_ORDER

NAME = "annex_a"
TITLE = "Ofsted ILACS Annex A workbook"

# A contact became a referral when the child has a referral this many days after it, or fewer.
CONTACT_TO_REFERRAL_DAYS = 7

_LIST_SHEET = re.compile(r"^\s*list[\s_\-]*0?(\d{1,2})(?!\d)", re.IGNORECASE)


def sheet_list_number(sheet: str) -> int | None:
    """The list number of a sheet named like ``List 1`` (any case, space or none)."""
    m = _LIST_SHEET.match(sheet)
    if m and 1 <= int(m[1]) <= 11:
        return int(m[1])
    return None


def header_key(text: str) -> str:
    """How Annex A headers are compared: case, apostrophes and punctuation ignored."""
    text = re.sub(r"['’‘`]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _bare_key(text: str) -> str:
    """The header without a bracketed part: ``Age of Child (Years)`` -> ``age of child``."""
    return header_key(re.sub(r"\([^)]*\)", " ", text))


_LEAD_AGENCY_PATTERNS = [
    (agency, re.compile(r"\b(?:" + "|".join(words) + r")\b")) for agency, words in LEAD_AGENCY_WORDS
]


def lead_agency(organisation: str | None) -> str:
    """The early help lead agency code for an organisation's name (``other`` if unknown)."""
    if organisation is None or v.is_null_token(organisation):
        return "other"
    text = header_key(organisation.replace("_", " "))
    for agency, pattern in _LEAD_AGENCY_PATTERNS:
        if pattern.search(text):
            return agency
    return "other"


# ---------------------------------------------------------------------------
# Recognising and reading the sheets


def matches(name: str, content: bytes, sheets: list[str] | None) -> bool:
    """A workbook with at least one sheet named like ``List 1`` ... ``List 11``."""
    return sheets is not None and any(sheet_list_number(s) is not None for s in sheets)


@dataclass
class ListSheet:
    """One list's sheet: its rows' Excel numbers and each mapped field's cell text."""

    spec: ListSpec
    sheet: str
    row_numbers: np.ndarray
    cells: dict[str, pd.Series]
    unused: list[str]
    notes: list[str]
    empty: bool = False

    @property
    def n_rows(self) -> int:
        return len(self.row_numbers)

    def col(self, name: str) -> pd.Series:
        """The field's cell text (all blank when the sheet has no such column)."""
        if name in self.cells:
            return self.cells[name]
        return pd.Series(np.full(self.n_rows, np.nan), dtype="str")

    def text(self, name: str) -> list[str | None]:
        return [None if pd.isna(x) else str(x) for x in self.col(name)]


def _aliases(spec: ListSpec) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spellings in {**COMMON_FIELDS, **spec.fields}.items():
        for spelling in spellings:
            out[header_key(spelling)] = name
    return out


def _header_row(rows: list[list[object]], aliases: dict[str, str]) -> int:
    """The index of the header row: the first of the top 20 with a child id header."""
    for i, row in enumerate(rows[:20]):
        if any(aliases.get(header_key(v.excel_cell_text(c) or "")) == "child_id" for c in row):
            return i
    return 0


def _map_headers(raw: RawTable, spec: ListSpec, aliases: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    unused: list[str] = []
    for i, header in enumerate(raw.headers):
        name = aliases.get(header_key(header)) or aliases.get(_bare_key(header))
        if name is None:
            if header:
                unused.append(header)
        elif name in found:
            raise FileRejectedError(
                f"{raw.source}: sheet {raw.sheet!r}: the headers {raw.headers[found[name]]!r} and {header!r} "
                f"both mean {name}: remove or rename one of them and load the file again",
                code="duplicate_column",
            )
        else:
            found[name] = i
    if "child_id" not in found:
        # No header row found: the first row may be data, so it is not shown (it may hold child ids).
        raise FileRejectedError(
            f"{raw.source}: sheet {raw.sheet!r} (Annex A list {spec.number}, {spec.title}) has no header row "
            f"with a child identifier column (a header like {_spelling(spec, 'child_id')!r}) in its first "
            "20 rows: add the Annex A headers and load the file again.",
            code="no_matching_columns",
        )
    missing = [f for f in spec.required if f not in found]
    if missing:
        wanted = "; ".join(f"{f} (a header like {_spelling(spec, f)!r})" for f in missing)
        listed = ", ".join(h for h in raw.headers if h) or "(none)"
        raise FileRejectedError(
            f"{raw.source}: sheet {raw.sheet!r} (Annex A list {spec.number}, {spec.title}) has no column for "
            f"{wanted}; the columns found are: {listed}. Rename the column and load the file again.",
            code="missing_column",
        )
    return found, unused


def _spelling(spec: ListSpec, name: str) -> str:
    return {**COMMON_FIELDS, **spec.fields}[name][0]


def _read_list(source: str, sheet: str, rows: list[list[object]], spec: ListSpec) -> ListSheet:
    aliases = _aliases(spec)
    start = _header_row(rows, aliases)
    try:
        raw = table_from_sheet_rows(source, sheet, [[] for _ in rows[:start]] + rows[start:])
    except FileRejectedError:  # an empty sheet, not even a header: nothing listed
        return ListSheet(spec, sheet, np.zeros(0, dtype=np.int64), {}, [], [], empty=True)
    if spec.kind is None:
        return ListSheet(spec, sheet, raw.row_numbers, {}, [], [])
    found, unused = _map_headers(raw, spec, aliases)
    cells = {name: raw.cells[i] for name, i in found.items()}
    notes = [f"{sheet}: {note}" for note in raw.notes]
    return ListSheet(spec, sheet, raw.row_numbers, cells, unused, notes)


def _workbook_lists(source: str, content: bytes) -> tuple[dict[int, ListSheet], list[str]]:
    """Every list sheet read (the first sheet of each number), and notes."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception:  # calamine raises its own error types; their text may quote the file
        raise FileRejectedError(
            f"{source}: the workbook cannot be opened: save it again from Excel and load it again",
            code="bad_workbook",
        ) from None
    lists: dict[int, ListSheet] = {}
    notes: list[str] = []
    other: list[str] = []
    for sheet in book.sheet_names:
        number = sheet_list_number(sheet)
        if number is None or number in lists:
            other.append(sheet)
            continue
        rows: list[list[object]] = [
            list(r) for r in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        ]
        lists[number] = _read_list(source, sheet, rows, LISTS[number])
    if other:
        notes.append(f"sheets not used: {', '.join(other)}")
    return lists, notes


# ---------------------------------------------------------------------------
# Building the canonical tables


@dataclass
class _Context:
    """What every list's mapping needs: the file, the key and the LA of each row."""

    source: str
    key: bytes
    default_la: str | None

    def las(self, sheet: ListSheet) -> list[str]:
        out = []
        for text in sheet.text("la_code"):
            if text is None or v.is_null_token(text):
                out.append(self.default_la or "")
                continue
            parsed = v.parse_la(text)
            out.append(text if isinstance(parsed, v.Failure) else parsed)
        return out

    def ids(self, prefix: str, *columns: list[str | None]) -> list[str]:
        return [record_id(prefix, self.key, *parts) for parts in zip(*columns, strict=True)]


def _common(sheet: ListSheet) -> dict[str, list[str | None]]:
    """The columns common to every extract that Annex A carries."""
    out: dict[str, list[str | None]] = {}
    for name in ("la_code", "team", "date_of_birth"):
        if name in sheet.cells:
            out[name] = sheet.text(name)
    if "sex" in sheet.cells:
        out["sex"] = [sex_label(x) for x in sheet.text("sex")]
    if "ethnicity" in sheet.cells:
        out["ethnicity"] = [ethnicity_code(x) for x in sheet.text("ethnicity")]
    return out


def _own(sheet: ListSheet, *names: str) -> dict[str, list[str | None]]:
    """The sheet's columns for these canonical names, where the sheet has them."""
    return {n: sheet.text(n) for n in names if n in sheet.cells}


def _table(ctx: _Context, sheet: ListSheet, kind: str, columns: dict[str, list[str | None]]) -> RawTable:
    return canonical_table(
        ctx.source,
        kind,
        columns,
        sheet.row_numbers,
        sheet=sheet.sheet,
        excel_serials=True,
        notes=sheet.notes,
    )


def _dates(sheet: ListSheet, name: str) -> list[str | None]:
    return key_dates(sheet.col(name), excel_serials=True)


def _referrals(ctx: _Context, sheet: ListSheet) -> tuple[RawTable, ReferralIndex]:
    child, dates = sheet.text("child_id"), _dates(sheet, "referral_date")
    columns: dict[str, list[str | None]] = {
        "referral_id": list(ctx.ids("REF", child, dates)),
        "child_id": child,
        **_own(sheet, "referral_date", "referral_source", "referral_nfa"),
        **_common(sheet),
    }
    table = _table(ctx, sheet, "referrals", columns)
    index = valid_referrals(
        table, children=child, dates=dates, las=ctx.las(sheet), default_la=ctx.default_la, key=ctx.key
    )
    return table, index


def _contacts(ctx: _Context, sheet: ListSheet, referrals: ReferralIndex) -> RawTable:
    child, dates = sheet.text("child_id"), _dates(sheet, "contact_date")
    sources = key_codes(sheet.col("contact_source"), "referral_source")
    outcome: list[str | None] = [
        "referral" if referrals.any_within(la, c, as_date(d), CONTACT_TO_REFERRAL_DAYS) else "pending"
        for la, c, d in zip(ctx.las(sheet), child, dates, strict=True)
    ]
    columns: dict[str, list[str | None]] = {
        "contact_id": list(ctx.ids("CON", child, dates, sources)),
        "child_id": child,
        **_own(sheet, "contact_date", "contact_source"),
        "outcome": outcome,
        **_common(sheet),
    }
    return _table(ctx, sheet, "contacts", columns)


def _early_help(ctx: _Context, sheet: ListSheet) -> RawTable:
    child = sheet.text("child_id")
    columns: dict[str, list[str | None]] = {
        "episode_id": list(ctx.ids("EH", child, _dates(sheet, "start_date"))),
        "child_id": child,
        **_own(sheet, "start_date", "assessment_date"),
        "lead_agency": [lead_agency(x) for x in sheet.text("organisation")],
        **_common(sheet),
    }
    return _table(ctx, sheet, "early_help", columns)


def _linked_to_referrals(
    ctx: _Context,
    sheet: ListSheet,
    kind: str,
    prefix: str,
    start: str,
    own: tuple[str, ...],
    refs: ReferralIndex,
) -> RawTable:
    """Assessments and S47s: linked to the child's latest referral on or before the start."""
    child, dates = sheet.text("child_id"), _dates(sheet, start)
    links: list[str | None] = [
        refs.latest_on_or_before(la, c, as_date(d)) if c is not None else None
        for la, c, d in zip(ctx.las(sheet), child, dates, strict=True)
    ]
    id_column = "assessment_id" if kind == "assessments" else "s47_id"
    columns: dict[str, list[str | None]] = {
        id_column: list(ctx.ids(prefix, child, dates)),
        "child_id": child,
        "referral_id": links,
        **_own(sheet, start, *own),
        **_common(sheet),
    }
    return _table(ctx, sheet, kind, columns)


def _assessments(ctx: _Context, sheet: ListSheet, refs: ReferralIndex) -> RawTable:
    own = ("authorisation_date", "child_seen", "outcome_in_need")
    return _linked_to_referrals(ctx, sheet, "assessments", "ASM", "start_date", own, refs)


def _s47(ctx: _Context, sheet: ListSheet, refs: ReferralIndex) -> RawTable:
    own = ("icpc_not_required", "icpc_date", "icpc_outcome_plan")
    return _linked_to_referrals(ctx, sheet, "s47", "S47", "strategy_date", own, refs)


def _cin_plans(ctx: _Context, sheet: ListSheet) -> RawTable:
    child = sheet.text("child_id")
    columns: dict[str, list[str | None]] = {
        "cin_plan_id": list(ctx.ids("CIN", child, _dates(sheet, "start_date"))),
        "child_id": child,
        **_own(sheet, "start_date", "end_date"),
        **_common(sheet),
    }
    return _table(ctx, sheet, "cin_plans", columns)


def _cp_tables(ctx: _Context, sheet: ListSheet) -> tuple[list[RawTable], list[str]]:
    """The plans, and one visit and one review per plan row that has their date."""
    child = sheet.text("child_id")
    plan_ids = ctx.ids("CPP", child, _dates(sheet, "start_date"))
    columns: dict[str, list[str | None]] = {
        "plan_id": list(plan_ids),
        "child_id": child,
        **_own(sheet, "start_date", "initial_category", "end_date", "latest_category", "previous_plans"),
        **_common(sheet),
    }
    plans = _table(ctx, sheet, "cp_plans", columns)
    visits, visit_note = _one_per_plan_row(ctx, sheet, "cp_visits", "visit_date", "CPV", plan_ids)
    reviews, review_note = _one_per_plan_row(ctx, sheet, "cp_reviews", "review_date", "CPR", plan_ids)
    return [plans, visits, reviews], [n for n in (visit_note, review_note) if n]


_EVENT_COLUMNS = {
    "cp_visits": ("visit_id", "visit_date", ("seen_alone",), "statutory visit"),
    "cp_reviews": ("review_id", "review_date", (), "review conference"),
}


def _one_per_plan_row(
    ctx: _Context, sheet: ListSheet, kind: str, date_field: str, prefix: str, plan_ids: list[str]
) -> tuple[RawTable, str | None]:
    """A visit or review from each List 7 row with its date; the same child's same date once."""
    id_column, date_column, extra, label = _EVENT_COLUMNS[kind]
    raw_dates = sheet.text(date_field)
    keys = _dates(sheet, date_field)
    child, las = sheet.text("child_id"), ctx.las(sheet)
    seen: set[tuple[str, str, str | None]] = set()
    keep: list[int] = []
    repeated = 0
    for i, text in enumerate(raw_dates):
        if text is None or v.is_null_token(text):
            continue
        c = child[i]
        if c is not None and (las[i], c, keys[i]) in seen:
            repeated += 1
            continue
        if c is not None:
            seen.add((las[i], c, keys[i]))
        keep.append(i)

    def pick(xs: list[str | None]) -> list[str | None]:
        return [xs[i] for i in keep]

    columns: dict[str, list[str | None]] = {
        id_column: pick(list(ctx.ids(prefix, child, keys))),
        "child_id": pick(child),
    }
    if kind == "cp_reviews":
        columns["plan_id"] = pick(list(plan_ids))
    columns[date_column] = pick(raw_dates)
    columns.update({n: pick(sheet.text(n)) for n in extra if n in sheet.cells})
    columns.update({n: pick(xs) for n, xs in _common(sheet).items()})
    table = canonical_table(
        ctx.source,
        kind,
        columns,
        sheet.row_numbers[keep],
        sheet=sheet.sheet,
        excel_serials=True,
    )
    note = (
        f"{sheet.sheet}: {repeated} {label} date(s) repeated for the same child on another plan row, "
        "taken once"
        if repeated
        else None
    )
    return table, note


# ---------------------------------------------------------------------------
# The reader


def _check_la(source: str, lists: dict[int, ListSheet], default_la: str | None) -> None:
    if default_la is None and not any("la_code" in s.cells for s in lists.values()):
        raise FileRejectedError(
            f"{source}: an Ofsted Annex A workbook does not say which LA it comes from: "
            "give the LA (scorecard load --la 394, or the LA option when uploading) and load it again",
            code="no_la_code",
        )


def _list_notes(lists: dict[int, ListSheet]) -> list[str]:
    notes: list[str] = []
    for number, spec in LISTS.items():
        sheet = lists.get(number)
        if sheet is None:
            if spec.kind is not None:
                notes.append(f"no List {number} ({spec.title}) in the workbook: no {spec.kind} from it")
            continue
        if spec.kind is None:
            notes.append(f"{sheet.sheet} ({spec.title}): {sheet.n_rows} rows read, not used by the scorecard")
        elif sheet.empty:
            notes.append(f"{sheet.sheet} ({spec.title}) is empty: no {spec.kind} from it")
        elif sheet.unused:
            notes.append(f"{sheet.sheet}: columns not used: {', '.join(sheet.unused)}")
    return notes


def read(name: str, content: bytes, ctx: ReadContext) -> FormatRead:
    """Read an Annex A workbook into one raw table per canonical kind."""
    lists, notes = _workbook_lists(name, content)
    present = {n: s for n, s in lists.items() if LISTS[n].kind is not None}
    if not present:
        found = ", ".join(s.sheet for s in lists.values())
        raise FileRejectedError(
            f"{name}: the workbook's Annex A sheets ({found}) include none of Lists 1-7, the ones the "
            "scorecard uses (contacts, early help, referrals, assessments, section 47 enquiries, children "
            "in need and child protection): load a workbook with those lists",
            code="unknown_kind",
        )
    used = {n: s for n, s in present.items() if not s.empty}
    _check_la(name, used, ctx.default_la)
    c = _Context(name, ctx.key, ctx.default_la)
    tables: list[RawTable] = []
    refs = ReferralIndex()
    if 3 in used:
        referrals, refs = _referrals(c, used[3])
        tables.append(referrals)
    builders: dict[int, Callable[[ListSheet], RawTable]] = {
        1: lambda s: _contacts(c, s, refs),
        2: lambda s: _early_help(c, s),
        4: lambda s: _assessments(c, s, refs),
        5: lambda s: _s47(c, s, refs),
        6: lambda s: _cin_plans(c, s),
    }
    for number, build in builders.items():
        if number in used:
            tables.append(build(used[number]))
    if 7 in used:
        cp_tables, cp_notes = _cp_tables(c, used[7])
        tables.extend(cp_tables)
        notes.extend(cp_notes)
    tables.sort(key=lambda t: KIND_ORDER.index(str(t.kind)))
    return FormatRead(format=NAME, tables=tables, notes=_list_notes(lists) + notes)


READER = FormatReader(name=NAME, title=TITLE, matches=matches, read=read)

if not any(r.name == NAME for r in READERS):
    READERS.append(READER)
