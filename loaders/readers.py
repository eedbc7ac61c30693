"""Reading extract files into raw tables of cell text, before any validation.

Every reader returns :class:`RawTable` objects: the file's headers as written, each
column's cell text (stripped; NaN where the cell is empty) and where each row came
from (data row number, sheet, or a location such as an XML element path), so a
rejected row can be found again. CSV is read with pyarrow (fast path), falling back to
the ``csv`` module when rows have the wrong number of fields, so that only those rows
are rejected. Workbooks are read with calamine.

Example::

    >>> t = read_csv_bytes("contacts.csv", b"contact_id,child_id\\n1, P1 \\n")
    >>> t.headers, t.cells[1].tolist(), t.row_numbers.tolist()
    (['contact_id', 'child_id'], ['P1'], [1])
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from loaders.values import excel_cell_text


class FileRejectedError(Exception):
    """The whole file cannot be loaded; the message says why and how to fix it."""


@dataclass
class RowProblem:
    """A row the reader could not split into cells (it is rejected, not dropped)."""

    row_number: int
    reason: str
    sheet: str | None = None
    location: str | None = None


@dataclass
class RawTable:
    """One table of cell text as read from a file, for one extract kind (if known)."""

    source: str
    headers: list[str]
    # One series of cell text per header, by position (two headers may share a name).
    cells: list[pd.Series]
    row_numbers: npt.NDArray[np.int64]
    kind: str | None = None
    sheet: str | None = None
    locations: list[str] | None = None
    excel_serials: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        """Rows read: the rows with cells plus the rows that could not be split."""
        return len(self.row_numbers) + len(self.problems)


def _strip_column(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.strip()
    return text.where(text != "", np.nan)


def _decode_header(content: bytes, source: str) -> list[str]:
    end = content.find(b"\n", 0, 1 << 20)
    try:
        first = content[: end if end >= 0 else 1 << 20].decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise FileRejectedError(
            f"{source} is not UTF-8 text: save it as 'CSV UTF-8' and load it again"
        ) from None
    lines = [ln for ln in first[:1] if ln.strip()]
    if not lines:
        raise FileRejectedError(f"{source} is empty: expected a header row and data rows")
    return next(csv.reader([lines[0]]))


def read_csv_bytes(source: str, content: bytes) -> RawTable:
    """A CSV file (UTF-8, with or without BOM) as a raw table."""
    headers = [h.strip() for h in _decode_header(content, source)]
    try:
        table = pcsv.read_csv(
            io.BytesIO(content),
            read_options=pcsv.ReadOptions(skip_rows=1, autogenerate_column_names=True),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(len(headers))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise FileRejectedError(
                f"{source} is not UTF-8 text: save it as 'CSV UTF-8' and load it again"
            ) from None
        return _read_csv_slowly(source, content, headers)
    if table.num_columns != len(headers):
        # Arrow counts the columns from the first data row: rows shorter (or longer) than the
        # header are told apart row by row, each a reject naming its field count.
        return _read_csv_slowly(source, content, headers)
    cells = [_strip_column(table.column(i).to_pandas()) for i in range(len(headers))]
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    return _drop_blank_rows(RawTable(source=source, headers=headers, cells=cells, row_numbers=rows))


def _read_csv_slowly(source: str, content: bytes, headers: list[str]) -> RawTable:
    text = content.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    cells: list[list[str]] = []
    numbers: list[int] = []
    problems: list[RowProblem] = []
    n = 0
    for row in reader:
        if not row:
            continue
        n += 1
        if len(row) != len(headers):
            problems.append(RowProblem(n, f"the row has {len(row)} fields but the header has {len(headers)}"))
            continue
        cells.append(row)
        numbers.append(n)
    table = RawTable(
        source=source,
        headers=headers,
        cells=[_strip_column(pd.Series([r[i] for r in cells], dtype="str")) for i in range(len(headers))],
        row_numbers=np.array(numbers, dtype=np.int64),
        problems=problems,
    )
    return _drop_blank_rows(table)


def _drop_blank_rows(table: RawTable) -> RawTable:
    """Rows with no value in any cell carry nothing to load: they are not rows (noted)."""
    if not table.cells or len(table.row_numbers) == 0:
        return table
    blank = np.logical_and.reduce([s.isna().to_numpy() for s in table.cells])
    if not blank.any():
        return table
    keep = ~blank
    table.notes.append(f"{int(blank.sum())} blank row(s) ignored")
    table.cells = [s[keep].reset_index(drop=True) for s in table.cells]
    table.row_numbers = table.row_numbers[keep]
    if table.locations is not None:
        table.locations = [loc for loc, k in zip(table.locations, keep, strict=True) if k]
    return table


def workbook_sheets(content: bytes) -> list[str]:
    """The sheet names of an XLSX workbook."""
    import python_calamine

    try:
        return list(python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).sheet_names)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise FileRejectedError(f"cannot open the workbook: {exc}") from None


def read_sheet_rows(content: bytes, sheet: str) -> list[list[object]]:
    """A sheet's cells as Python values, every row kept (so row numbers match Excel's)."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    return [list(row) for row in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]


def table_from_sheet_rows(source: str, sheet: str, rows: list[list[object]]) -> RawTable:
    """A raw table from a sheet's rows: the first non-empty row is the header.

    Row numbers are the spreadsheet's own (the header on row 1 puts the first data row
    on row 2), so a user can go straight to the row in Excel.
    """
    start = next(
        (i for i, r in enumerate(rows) if any(excel_cell_text(v) not in (None, "") for v in r)),
        None,
    )
    if start is None:
        raise FileRejectedError(f"sheet {sheet!r} of {source} is empty: expected a header row")
    header_row = rows[start]
    width = max((i + 1 for i, v in enumerate(header_row) if excel_cell_text(v) not in (None, "")), default=0)
    headers = [(excel_cell_text(v) or "").strip() for v in header_row[:width]]
    body = rows[start + 1 :]
    cells = [
        _strip_column(pd.Series([excel_cell_text(r[i]) if i < len(r) else None for r in body], dtype="str"))
        for i in range(len(headers))
    ]
    numbers = np.arange(start + 2, start + 2 + len(body), dtype=np.int64)
    table = RawTable(
        source=source,
        headers=headers,
        cells=cells,
        row_numbers=numbers,
        sheet=sheet,
        excel_serials=True,
    )
    return _drop_blank_rows(table)
