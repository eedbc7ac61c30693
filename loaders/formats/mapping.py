"""Helpers shared by the multi-kind readers: building canonical tables, and the links.

A reader turns its format into one :class:`~loaders.readers.RawTable` per canonical kind
with canonical headers; the normal validation then checks every value. What is here:

- ``canonical_table``: a RawTable from canonical columns of cell text;
- ``key_dates`` / ``key_codes``: a column's values normalised for deriving ids, so the
  same record gets the same id whether a date was typed, a date cell or an Excel
  serial (a value that does not parse is kept as written: its row is rejected anyway);
- ``sex_label`` / ``ethnicity_code``: the child's sex and ethnicity as the project
  writes them (``Male``, ``Female``, ``Unknown``; DfE codes like ``WBRI``);
- ``valid_referrals`` and ``ReferralIndex``: the referrals that will load, to link
  contacts, assessments and S47s to them by the spec's rules.

Example::

    >>> t = canonical_table("f.xlsx", "cin_plans", {"cin_plan_id": ["A", " "]}, [2, 3])
    >>> t.headers, t.cells[0].isna().tolist(), t.row_numbers.tolist()
    (['cin_plan_id'], [False, True], [2, 3])
    >>> sex_label("b) Female"), sex_label("1"), sex_label("c) Not stated/recorded")
    ('Female', 'Male', 'Unknown')
    >>> ethnicity_code("a) WBRI"), ethnicity_code("WBRI - White British")
    ('WBRI', 'WBRI')
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial

import numpy as np
import pandas as pd

from loaders import values as v
from loaders.formats import derived_id
from loaders.readers import RawTable
from loaders.validate import validate
from store.extracts import EXTRACTS

# How a child's sex is written, normalised (lower case, letter prefix removed) -> the
# project's spelling. DfE GenderCurrent: 0 not known, 1 male, 2 female, 9 not specified;
# CIN census Sex (2024 on) is seen both as codes (1, 2) and letters (M, F, U); Annex A
# writes labels (a) Male, b) Female, c) Not stated/recorded). Anything else is kept as written.
SEX_LABELS: dict[str, str] = {
    "1": "Male",
    "m": "Male",
    "male": "Male",
    "2": "Female",
    "f": "Female",
    "female": "Female",
    "0": "Unknown",
    "9": "Unknown",
    "u": "Unknown",
    "unknown": "Unknown",
    "not known": "Unknown",
    "not stated": "Unknown",
    "not recorded": "Unknown",
    "not specified": "Unknown",
    "not stated/recorded": "Unknown",
    "not stated / recorded": "Unknown",
}

_LETTER_PREFIX = re.compile(r"^[a-z]{1,2}\)\s*", re.IGNORECASE)
_ETHNICITY_CODE = re.compile(r"^([A-Z]{4})(?:\s*[-:–]\s*.*)?$")


def without_letter(text: str) -> str:
    """An Annex A label without its letter: ``b) Female`` -> ``Female``."""
    return _LETTER_PREFIX.sub("", text.strip()).strip()


def sex_label(text: str | None) -> str | None:
    """``Male``, ``Female`` or ``Unknown`` where the value says so; else as written."""
    if text is None or v.is_null_token(text):
        return None
    bare = without_letter(text)
    return SEX_LABELS.get(re.sub(r"\s+", " ", bare.lower()), bare)


def ethnicity_code(text: str | None) -> str | None:
    """The DfE ethnicity code of ``a) WBRI`` or ``WBRI - White British``; else as written."""
    if text is None or v.is_null_token(text):
        return None
    bare = without_letter(text)
    m = _ETHNICITY_CODE.match(bare)
    return m[1] if m else bare


def canonical_table(
    source: str,
    kind: str,
    columns: Mapping[str, Sequence[str | None]],
    row_numbers: Sequence[int] | np.ndarray,
    *,
    sheet: str | None = None,
    locations: list[str] | None = None,
    excel_serials: bool = False,
    notes: Iterable[str] = (),
) -> RawTable:
    """A RawTable of ``kind`` from canonical column name -> cell text (None for blank)."""
    cells = []
    for values in columns.values():
        series = pd.Series(list(values), dtype="str").str.strip()
        cells.append(series.where(series != "", np.nan))
    return RawTable(
        source=source,
        headers=list(columns),
        cells=cells,
        row_numbers=np.asarray(row_numbers, dtype=np.int64),
        kind=kind,
        sheet=sheet,
        locations=locations,
        excel_serials=excel_serials,
        notes=list(notes),
    )


def key_dates(texts: pd.Series, *, excel_serials: bool) -> list[str | None]:
    """Each cell as an ISO date where it parses, else as written (for deriving ids)."""
    parsed = v.parse_column(texts, partial(v.parse_date, excel_serials=excel_serials), "date")
    iso = pd.Series(parsed.values).dt.strftime("%Y-%m-%d")
    either = iso.where(iso.notna(), texts.reset_index(drop=True))
    return [None if pd.isna(x) else str(x) for x in either.tolist()]


def key_codes(texts: pd.Series, list_name: str) -> list[str | None]:
    """Each cell as its bare code where it resolves, else as written (for deriving ids)."""
    parsed = v.parse_column(texts, partial(v.resolve_code, list_name=list_name), "str")
    return [
        (str(code) if pd.notna(code) else (None if pd.isna(raw) else str(raw)))
        for code, raw in zip(parsed.values, texts, strict=True)
    ]


def record_id(prefix: str, key: bytes, child: str | None, *parts: str | None) -> str:
    """The derived id of a record: its kind's prefix, the child and its date(s), keyed.

    Every format derives ids this way, so the same referral (child and date) gets the
    same id from an Annex A workbook and a CIN census file, and a later file supersedes it.

    >>> key = b"k" * 32
    >>> record_id("REF", key, "P1", "2024-01-05") == record_id("REF", key, "P1", "2024-01-05")
    True
    >>> record_id("REF", key, "P1", "2024-01-05")[4:] == record_id("S47", key, "P1", "2024-01-05")[4:]
    False
    """
    return derived_id(prefix, key, prefix, child, *parts)


def as_date(text: str | None) -> date | None:
    """An ISO date string (as ``key_dates`` gives) as a date, or None."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass
class ReferralIndex:
    """The referrals that will load, per (LA, child), in date order, for linking.

    >>> idx = ReferralIndex()
    >>> idx.add("394", "P1", date(2024, 1, 5), "REF-a")
    >>> idx.add("394", "P1", date(2024, 3, 1), "REF-b")
    >>> idx.latest_on_or_before("394", "P1", date(2024, 2, 1))
    'REF-a'
    >>> idx.any_within("394", "P1", date(2024, 2, 23), 7), idx.any_within("394", "P1", date(2024, 2, 22), 7)
    (True, False)
    """

    _dates: dict[tuple[str, str | None], list[date]] = field(default_factory=dict)
    _ids: dict[tuple[str, str | None], list[str]] = field(default_factory=dict)

    def add(self, la: str, child: str, when: date, referral_id: str) -> None:
        key = (la, child)
        dates = self._dates.setdefault(key, [])
        ids = self._ids.setdefault(key, [])
        at = bisect.bisect_right(dates, when)
        dates.insert(at, when)
        ids.insert(at, referral_id)

    def ids(self) -> set[str]:
        """Every referral id indexed."""
        return {i for ids in self._ids.values() for i in ids}

    def latest_on_or_before(self, la: str, child: str | None, when: date | None) -> str | None:
        """The id of the child's latest referral dated on or before ``when``."""
        dates = self._dates.get((la, child))
        if not dates or when is None:
            return None
        at = bisect.bisect_right(dates, when)
        return self._ids[(la, child)][at - 1] if at else None

    def any_within(self, la: str, child: str | None, when: date | None, days: int) -> bool:
        """Whether the child has a referral dated from ``when`` to ``when`` + ``days``."""
        dates = self._dates.get((la, child))
        if not dates or when is None:
            return False
        at = bisect.bisect_left(dates, when)
        return at < len(dates) and (dates[at] - when).days <= days


def valid_referrals(
    table: RawTable,
    *,
    children: Sequence[str | None],
    dates: Sequence[str | None],
    las: Sequence[str],
    default_la: str | None,
    key: bytes,
) -> ReferralIndex:
    """Index the rows of a referrals table that pass validation (the ones that will load).

    Links name only these, so a link never points at a rejected referral (the spec's
    fallback does not apply to a referral_id that names nothing).
    ``children``/``dates``/``las`` are the table's rows' child text, ISO date and LA.
    """
    index = ReferralIndex()
    if table.n_rows == 0:
        return index
    checked = validate(table, EXTRACTS["referrals"], default_la=default_la, key=key)
    loaded = set(checked.frame["source_row"].astype(int).tolist())
    ids = table.cells[table.headers.index("referral_id")].tolist()
    for i, row in enumerate(table.row_numbers.tolist()):
        when = as_date(dates[i])
        child = children[i]
        if row in loaded and when is not None and child is not None:
            index.add(las[i], child, when, str(ids[i]))
    return index
