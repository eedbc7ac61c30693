"""Parsing one column's values, column-wise: every distinct value is parsed once.

A column of a few hundred thousand rows has at most a few thousand distinct dates,
codes or flags, so each parser works on the distinct values and the result is mapped
back to the rows (``pandas.factorize``). Each parser returns the typed values and, per
row, the reason the value was rejected (or None).

The accepted forms are those of ``shared/spec/extracts.md``:

>>> parse_date("29/02/2024"), parse_date("2024-02-30")
(datetime.date(2024, 2, 29), 'not a date in the calendar')
>>> parse_bool("a) Yes"), parse_bool("maybe")
(True, 'not a yes/no value: expected true/false, yes/no, y/n or 1/0')
>>> resolve_code("q) 6: Police", "referral_source"), resolve_code("a) Neglect", "cp_category")
('6', 'NEG')
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from store.codes import CODE_LISTS, LABEL_ALIASES
from store.local_authorities import la_number

NULL_TOKENS = frozenset({"", "NULL", "N/A", "#N/A"})

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_LETTER_PREFIX = re.compile(r"^[a-z]{1,2}\)\s*", re.IGNORECASE)
_LA = re.compile(r"^(\d{3}|[EW]\d{8})$")

DATE_FORMS = "YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY"
MAX_ID_LENGTH = 200
MIN_YEAR, MAX_YEAR = 1900, 2099


class Failure(str):
    """A reason a value was rejected (a str, so it can stand beside parsed values).

    ``code`` is the reason's stable machine code (docs/loading-formats.md); a failure
    made without one takes its column type's code in validation.

    >>> Failure("not a number", "not_a_number").code
    'not_a_number'
    """

    code: str

    def __new__(cls, reason: str, code: str = "") -> Failure:
        made = super().__new__(cls, reason)
        made.code = code
        return made


def is_null_token(text: str) -> bool:
    """Blank, NULL, N/A and #N/A mean "not recorded" (any case)."""
    return text.strip().upper() in NULL_TOKENS


def _checked_date(year: int, month: int, day: int) -> date | Failure:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return Failure(f"year {year} is out of range ({MIN_YEAR}-{MAX_YEAR})", "date_out_of_range")
    try:
        return date(year, month, day)
    except ValueError:
        return Failure("not a date in the calendar", "bad_date")


def parse_date(text: str, *, excel_serials: bool = False) -> date | Failure:
    """A date in an accepted form; never MM/DD/YYYY. Times are dropped."""
    m = _ISO.match(text)
    if m:
        return _checked_date(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY.match(text)
    if m:
        return _checked_date(int(m[4]), int(m[3]), int(m[1]))
    if excel_serials and _SERIAL.match(text):
        serial = math.floor(float(text))
        if 1 <= serial <= 73050:  # up to 2099-12-31
            return _EXCEL_EPOCH + timedelta(days=serial)
        return Failure("not an Excel date serial in range", "bad_date")
    return Failure(f"not a date: expected {DATE_FORMS}", "bad_date")


@lru_cache(maxsize=1 << 16)
def parse_date_once(text: str, excel_serials: bool = False) -> date | Failure:
    """``parse_date``, remembered: the same dates (days of the period, dates of birth) recur
    in every column and extract of a load, and a look-up costs a twentieth of a parse.
    Both results are immutable (a date, or a Failure, which is a str).

    >>> parse_date_once("29/02/2024") is parse_date_once("29/02/2024")
    True
    """
    return parse_date(text, excel_serials=excel_serials)


def parse_month(text: str, *, excel_serials: bool = False) -> date | Failure:
    """Any date in a month, as the first of that month (vacancies and caseloads snapshots).

    >>> parse_month("17/03/2025"), parse_month("2025-02-30")
    (datetime.date(2025, 3, 1), 'not a date in the calendar')
    """
    day = parse_date_once(text, excel_serials)
    return day if isinstance(day, Failure) else day.replace(day=1)


_BOOLS = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
    "1.0": True,
    "0.0": False,
}


def parse_bool(text: str) -> bool | Failure:
    """true/false, yes/no, y/n, 1/0 and lettered labels like ``a) Yes`` (any case)."""
    key = _LETTER_PREFIX.sub("", text).strip().lower()
    if key in _BOOLS:
        return _BOOLS[key]
    return Failure("not a yes/no value: expected true/false, yes/no, y/n or 1/0", "bad_boolean")


def normalise_label(text: str) -> str:
    """Lower case with runs of spaces, hyphens and underscores as one ``_``."""
    return re.sub(r"[\s\-_]+", "_", text.strip().lower())


@cache
def _code_lookup(list_name: str) -> dict[str, str]:
    codes = CODE_LISTS[list_name]
    lookup: dict[str, str] = {}
    for code, meaning in codes.items():
        lookup[normalise_label(code)] = code
        lookup.setdefault(normalise_label(meaning), code)
    lookup.update(LABEL_ALIASES.get(list_name, {}))
    return lookup


def resolve_code(text: str, list_name: str) -> str | Failure:
    """The bare code for a bare code or an Annex A label (``q) 6: Police`` → ``6``)."""
    lookup = _code_lookup(list_name)
    candidates = [text]
    stripped = _LETTER_PREFIX.sub("", text).strip()
    candidates.append(stripped)
    if ":" in stripped:
        candidates.append(stripped.split(":", 1)[0])
    for candidate in candidates:
        found = lookup.get(normalise_label(candidate))
        if found is not None:
            return found
    return Failure(f"unknown code: expected one of {_code_summary(list_name)}", "unknown_code")


def _code_summary(list_name: str) -> str:
    codes = list(CODE_LISTS[list_name])
    if len(codes) > 12:
        return ", ".join(codes[:10]) + f" ... ({len(codes)} codes)"
    return ", ".join(codes)


def resolve_codes(text: str, list_name: str) -> str | Failure:
    """A list of codes separated by ``,`` or ``;``, stored as ``1A,2B``."""
    out: list[str] = []
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        code = resolve_code(part.strip(), list_name)
        if isinstance(code, Failure):
            return Failure(
                f"unknown code {part.strip()!r}: expected codes like {_code_summary(list_name)}",
                "unknown_code",
            )
        if code not in out:
            out.append(code)
    return ",".join(out)


def parse_int(text: str, minimum: float | None = None) -> int | Failure:
    """A whole number (``3`` or ``3.0``), at least ``minimum``."""
    try:
        number = float(text)
    except ValueError:
        return Failure("not a whole number", "not_whole_number")
    if not math.isfinite(number) or number != int(number):
        return Failure("not a whole number", "not_whole_number")
    if minimum is not None and number < minimum:
        return Failure(f"must be at least {minimum:g}", "below_minimum")
    return int(number)


def parse_number(text: str) -> float | Failure:
    """A finite number."""
    try:
        number = float(text)
    except ValueError:
        return Failure("not a number", "not_a_number")
    if not math.isfinite(number):
        return Failure("not a number", "not_a_number")
    return number


def parse_bounded_number(
    text: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
) -> float | Failure:
    """A finite number within bounds (a workforce ``fte``: more than 0, at most 1).

    >>> parse_bounded_number("0", minimum=0, maximum=1, exclusive_minimum=True)
    'must be more than 0'
    >>> parse_bounded_number("0.5", minimum=0, maximum=1, exclusive_minimum=True)
    0.5
    """
    number = parse_number(text)
    if isinstance(number, Failure):
        return number
    if minimum is not None and exclusive_minimum and number <= minimum:
        return Failure(f"must be more than {minimum:g}", "below_minimum")
    if minimum is not None and number < minimum:
        return Failure(f"must be at least {minimum:g}", "below_minimum")
    if maximum is not None and number > maximum:
        return Failure(f"must be at most {maximum:g}", "above_maximum")
    return number


def parse_la(text: str) -> str | Failure:
    """A DfE three-digit LA number (``394``) or an ONS code (``E08000024``) of an English LA,
    as its DfE number (``store/local_authorities.py``): both forms are one LA.

    >>> parse_la("E08000024"), str(parse_la("399"))[:47]
    ('394', 'la_code 399 is not a local authority in England')
    """
    value = text.strip().upper()
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    if not _LA.match(value):
        return Failure(
            "not an LA code: expected a DfE number like 394 or an ONS code like E08000024", "bad_la_code"
        )
    number = la_number(value)
    if number is None:
        return Failure(
            f"la_code {value} is not a local authority in England: use the LA's DfE number "
            "(like 394) or ONS code (like E08000024), as listed in store/data/local_authorities.csv",
            "unknown_la",
        )
    return number


@dataclass
class ParsedColumn:
    """A column after parsing: typed values, and per row a rejection reason or None."""

    values: pd.Series
    missing: npt.NDArray[np.bool_]
    failures: npt.NDArray[np.object_]


def parse_column(raw: pd.Series, parse: Callable[[str], object] | None, dtype: str) -> ParsedColumn:
    """Apply ``parse`` to each distinct non-blank value of ``raw`` and map back to rows.

    ``raw`` holds the cell text (already stripped) or NaN; blank and null tokens are missing.
    With ``parse`` None the text is kept as it is (identifiers, free text), without
    looking at each distinct value in Python.
    """
    text = arrow_text(raw)
    missing_arrow = _missing_arrow(text)
    missing = missing_arrow.to_numpy(zero_copy_only=False)
    # Blank cells are already null: only a written null token needs masking.
    kept = pc.if_else(missing_arrow, pa.scalar(None, text.type), text) if missing.any() else text
    if parse is None:
        values = pd.Series(kept.to_pandas(), dtype="str")
        return ParsedColumn(values=values, missing=missing, failures=np.full(len(raw), None, dtype=object))
    # Distinct values in order of first appearance and each row's index into them (-1 when
    # missing), as pandas.factorize gives them, from Arrow's dictionary encoding.
    encoded = pc.dictionary_encode(kept.combine_chunks())
    codes = encoded.indices.fill_null(-1).to_numpy().astype(np.intp)
    results = [parse(u) for u in encoded.dictionary.to_pylist()]
    fail_u = np.array([r if isinstance(r, Failure) else None for r in results] + [None], dtype=object)
    good_u = [None if isinstance(r, Failure) else r for r in results] + [None]
    return ParsedColumn(values=_typed_values(good_u, codes, dtype), missing=missing, failures=fail_u[codes])


def arrow_text(raw: pd.Series) -> pa.ChunkedArray:
    """A column of cell text as Arrow strings (no copy for pandas' ``str`` columns)."""
    if raw.dtype == "str" and hasattr(raw.array, "__arrow_array__"):
        found = raw.array.__arrow_array__()
        if pa.types.is_string(found.type) or pa.types.is_large_string(found.type):
            return pa.chunked_array(found)
    return pa.chunked_array([pa.array(raw.astype("str"), type=pa.large_string(), from_pandas=True)])


def _null_token_spellings() -> pa.Array:
    """Every spelling of the null tokens in any mix of case (25 strings)."""
    spellings: set[str] = set()
    for token in NULL_TOKENS:
        spellings.update("".join(c) for c in itertools.product(*({ch.lower(), ch.upper()} for ch in token)))
    return pa.array(sorted(spellings), type=pa.string())


_NULL_SPELLINGS = _null_token_spellings()


def _missing_arrow(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Blank cells and the null tokens (any case), in Arrow: one hash look-up per cell.

    >>> _missing_arrow(arrow_text(pd.Series(["x", None, "n/A", "Null", "NULLS"], dtype="str"))).to_pylist()
    [False, True, True, True, False]
    """
    spellings = _NULL_SPELLINGS if text.type == _NULL_SPELLINGS.type else _NULL_SPELLINGS.cast(text.type)
    return pc.or_(pc.is_null(text), pc.is_in(text, value_set=spellings))


def _typed_values(good_u: list[Any], codes: npt.NDArray[np.intp], dtype: str) -> pd.Series:
    if dtype == "date":
        arr = np.array(good_u, dtype="datetime64[D]")  # None is NaT
        return pd.Series(arr[codes].astype("datetime64[s]"))
    if dtype == "float":
        arr = np.array([np.nan if v is None else v for v in good_u], dtype=float)
        return pd.Series(arr[codes])
    # The last unique is the missing value, so a row code of -1 (missing) takes it.
    pandas_dtype = {"bool": "boolean", "int": "Int64"}.get(dtype, "str")
    return pd.Series(pd.array(good_u, dtype=cast(Any, pandas_dtype)).take(codes))


def excel_cell_text(value: object) -> str | None:
    """A workbook cell as text: dates as ISO, whole numbers without ``.0``, booleans as words."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value)
