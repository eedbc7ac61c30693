"""The one writer of every tabular output: CSV, JSON and Excel cells, formula-safe.

Every file or stream of rows the command line and the dashboard produce (``scorecard
kpis``, ``loads``, ``rejects``, ``load --json``, the scorecard export, the records
download, the tables' download links) is written here, so none can forget the escape.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by spreadsheet programs; prefixing a single quote makes it plain text.
Numbers are left alone: only text is escaped. JSON is escaped the same way, because
JSON exports are opened in spreadsheets too (Power Query, "Get data").

Example::

    >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-5"), safe_cell(-5), safe_cell("Team A")
    ('\\'=HYPERLINK("http://x")', "'-5", -5, 'Team A')
    >>> import io
    >>> out = io.StringIO()
    >>> write_csv(out, ["team", "n"], [["=cmd|' /C calc'!A0", 3.0]], lineterminator="\\n")
    >>> out.getvalue()
    "team,n\\n'=cmd|' /C calc'!A0,3\\n"
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TextIO, TypeVar

import pandas as pd

T = TypeVar("T")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: T) -> T | str:
    """The value, with text that a spreadsheet would run as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def is_blank(value: Any) -> bool:
    """None, NaN, NaT and pandas' missing values."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell(value: Any) -> Any:
    """A value as written: blank as None, a whole float as an int, a date in ISO form,
    numpy scalars as Python ones, text formula-safe.

    >>> cell(float("nan")), cell(12.0), cell(2.5), cell(date(2024, 3, 1)), cell("+44")
    (None, 12, 2.5, '2024-03-01', "'+44")
    """
    if is_blank(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, str)):
        return safe_cell(value)
    return safe_cell(str(value))


def write_csv(
    out: TextIO,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    lineterminator: str = "\r\n",
) -> None:
    """Rows as CSV under a header, every cell through :func:`cell` (blanks empty)."""
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([cell(c) for c in columns])
    writer.writerows([cell(v) for v in row] for row in rows)


def write_records_csv(
    out: TextIO, records: Iterable[Mapping[str, Any]], columns: Sequence[str], *, lineterminator: str = "\r\n"
) -> None:
    """Dicts as CSV, in ``columns`` order (a missing key is blank)."""
    write_csv(out, columns, ([r.get(c) for c in columns] for r in records), lineterminator=lineterminator)


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text, CRLF line ends (fields holding \\r or \\n are quoted).

    >>> csv_text(pd.DataFrame({"Agency": ["=cmd", "Police"], "Contacts": [1200, 35]})).splitlines()
    ['Agency,Contacts', "'=cmd,1200", 'Police,35']
    """
    out = io.StringIO()
    write_csv(out, [str(c) for c in frame.columns], frame.itertuples(index=False))
    return out.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV as UTF-8 with a byte-order mark, so spreadsheet programs read it as UTF-8."""
    return ("\ufeff" + csv_text(frame)).encode("utf-8")


def json_value(value: Any) -> Any:
    """A value for JSON: :func:`cell`, inside lists and dicts too."""
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return cell(value)


def write_json(out: TextIO, data: Any, *, indent: int = 2) -> None:
    """Records (or any structure of them) as JSON, every value through :func:`cell`."""
    json.dump(json_value(data), out, indent=indent)
    out.write("\n")


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as a list of dicts, ready for :func:`write_json`."""
    return [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(index=False)]


def xlsx_text(value: Any) -> str:
    """A text cell for an Excel worksheet (``write_string``), formula-safe."""
    return str(safe_cell(str(value)))
