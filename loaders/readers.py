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

import codecs
import csv
import io
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from loaders.values import excel_cell_text


class FileRejectedError(Exception):
    """The whole file cannot be loaded; the message says why and how to fix it.

    ``code`` is the stable machine code of the reason (docs/loading-formats.md).
    """

    def __init__(self, message: str, code: str = "file_rejected") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class RowProblem:
    """A row the reader could not split into cells (it is rejected, not dropped)."""

    row_number: int
    reason: str
    code: str = "wrong_field_count"
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
    # The longest cell, in characters, is at most this (a bound known from the bytes
    # read, such as the longest line of a CSV); None when unknown.
    cells_at_most: int | None = None
    # True when no cell can hold a NUL character (none in the bytes read).
    no_nul: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        """Rows read: the rows with cells plus the rows that could not be split."""
        return len(self.row_numbers) + len(self.problems)


def _strip_column(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Cell text stripped, an empty cell missing (NaN): in Arrow, one pass per column."""
    text = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text).to_pandas()


_TEXT_CHUNK = 1 << 22
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _not_utf8(source: str, detail: str) -> FileRejectedError:
    return FileRejectedError(
        f"{source} is not UTF-8 text{detail}: save it as 'CSV UTF-8' and load it again", code="not_utf8"
    )


def check_utf8(source: str, content: bytes) -> None:
    """Reject UTF-16 text, and text with a byte that is not UTF-8, naming the line.

    Checked in chunks, so a large file is not decoded into memory twice.

    >>> try:
    ...     check_utf8("x.csv", "a,b\\n1,caf\u00e9\\n".encode("cp1252"))
    ... except FileRejectedError as exc:
    ...     print(exc.code, str(exc).split(":")[0])
    not_utf8 x.csv is not UTF-8 text (byte 0xE9 on line 2 is not UTF-8
    """
    head = content[:4096]
    if head.startswith(_UTF16_BOMS) or head.count(b"\x00") > len(head) // 4 > 0:
        raise _not_utf8(source, " (it is UTF-16 text)")
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, max(len(content), 1), _TEXT_CHUNK):
        chunk = content[start : start + _TEXT_CHUNK]
        try:
            decoder.decode(chunk, final=start + _TEXT_CHUNK >= len(content))
        except UnicodeDecodeError as exc:
            at = min(max(start + exc.start, 0), len(content) - 1)
            line = content.count(b"\n", 0, at) + 1
            raise _not_utf8(
                source,
                f" (byte 0x{content[at]:02X} on line {line:,} is not UTF-8: the file may have been "
                "saved as Windows-1252 or Latin-1)",
            ) from None


def _decode_header(content: bytes, source: str) -> list[str]:
    end = content.find(b"\n", 0, 1 << 20)
    first = content[: end if end >= 0 else 1 << 20].decode("utf-8-sig", errors="replace").splitlines()
    lines = [ln for ln in first[:1] if ln.strip()]
    if not lines:
        raise FileRejectedError(f"{source} is empty: expected a header row and data rows", code="empty_file")
    return next(csv.reader([lines[0]]))


def read_csv_bytes(source: str, content: bytes) -> RawTable:
    """A CSV file (UTF-8, with or without BOM) as a raw table.

    Rows are physical records: a quoted value may hold a line break and stays one
    row, but a quote that is never closed (or that runs rows together so they no longer
    have the header's number of fields) is reported as an unclosed quote, and every line
    it swallowed is counted and rejected with it, so rows read = loaded + rejected.
    """
    check_utf8(source, content)
    headers = [h.strip() for h in _decode_header(content, source)]
    table = _read_csv_quickly(content, headers)
    if table is None:
        return _read_csv_slowly(source, content, headers)
    cells = [_strip_column(table.column(i)) for i in range(len(headers))]
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    raw = RawTable(
        source=source,
        headers=headers,
        cells=cells,
        row_numbers=rows,
        cells_at_most=longest_line(content),
        no_nul=b"\x00" not in content,
    )
    return _drop_blank_rows(raw)


def longest_line(content: bytes) -> int:
    """The most bytes of any line (line breaks excluded): a bound on any cell's characters
    in a file read one record per line, found without looking at the cells.

    >>> longest_line(b"ab\\nabcd\\r\\nx"), longest_line(b"")
    (5, 0)
    """
    ends = np.flatnonzero(np.frombuffer(content, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(content)]))
    return int(np.diff(bounds).max()) - 1 if len(content) else 0


def _read_csv_quickly(content: bytes, headers: list[str]) -> pa.Table | None:
    """The data rows with pyarrow, or None when any row needs the careful reader."""
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
    except (pa.ArrowException, ValueError):
        # pyarrow's message quotes the offending row, child id included: never shown.
        return None
    if table.num_columns != len(headers) or not all(pa.types.is_string(c.type) for c in table.columns):
        return None
    # One record per physical line (the header's included): no quoted line breaks, no
    # blank lines, so row numbers are line numbers. Anything else is read carefully.
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    return table if lines == table.num_rows + 1 else None


def _allow_fields_up_to(size: int) -> None:
    # The csv module's field limit (128 KiB by default) is process-wide; a long field is
    # rejected by validation with its row, not by the reader with the whole file.
    if csv.field_size_limit() < size:
        csv.field_size_limit(size)


def _records(source: str, body: str) -> list[tuple[list[str], int]]:
    """Each non-blank record with the number of physical lines it took."""
    _allow_fields_up_to(len(body) + 1)
    reader = csv.reader(io.StringIO(body, newline=""))
    out: list[tuple[list[str], int]] = []
    last_line = 0
    try:
        for row in reader:
            span = reader.line_num - last_line
            last_line = reader.line_num
            if row:
                out.append((row, span))
    except csv.Error:
        raise FileRejectedError(
            f"{source} cannot be read as CSV at line {last_line + 2:,}: "
            "save it as 'CSV UTF-8' and load it again",
            code="bad_csv",
        ) from None
    return out


def _read_csv_slowly(source: str, content: bytes, headers: list[str]) -> RawTable:
    text = content.decode("utf-8-sig")
    body = text.split("\n", 1)[1] if "\n" in text else ""
    records = _records(source, body)
    never_closed = body.count('"') % 2 == 1
    cells: list[list[str]] = []
    numbers: list[int] = []
    problems: list[RowProblem] = []
    n = 0
    for i, (row, span) in enumerate(records):
        n += 1
        runs_on = span > 1 and (len(row) != len(headers) or (never_closed and i == len(records) - 1))
        if runs_on:
            problems.append(
                RowProblem(
                    n,
                    f'a quote (") in this row is not closed, so the next {span - 1:,} line(s) were read '
                    "into it and are rejected with it: close or remove the quote and load the file again",
                    code="unbalanced_quote",
                )
            )
            problems.extend(
                RowProblem(n + j, f"swallowed by the unclosed quote in row {n}", code="unbalanced_quote")
                for j in range(1, span)
            )
            n += span - 1
            continue
        if len(row) != len(headers):
            problems.append(RowProblem(n, f"the row has {len(row)} fields but the header has {len(headers)}"))
            continue
        cells.append(row)
        numbers.append(n)
    table = RawTable(
        source=source,
        headers=headers,
        cells=[_strip_column(pa.array([r[i] for r in cells], type=pa.string())) for i in range(len(headers))],
        row_numbers=np.array(numbers, dtype=np.int64),
        problems=problems,
    )
    return _drop_blank_rows(table)


def _drop_blank_rows(table: RawTable) -> RawTable:
    """Rows with no value in any cell carry nothing to load: they are not rows (noted)."""
    if not table.cells or len(table.row_numbers) == 0:
        return table
    blank = np.logical_and.reduce([np.asarray(s.array.isna(), dtype=bool) for s in table.cells])
    if not blank.any():
        return table
    keep = ~blank
    table.notes.append(f"{int(blank.sum())} blank row(s) ignored")
    table.cells = [s[keep].reset_index(drop=True) for s in table.cells]
    table.row_numbers = table.row_numbers[keep]
    if table.locations is not None:
        table.locations = [loc for loc, k in zip(table.locations, keep, strict=True) if k]
    return table


def is_reader_failure(exc: BaseException) -> bool:
    """True for an error a reader library raised over a bad file (Rust panics included),
    False for an interrupt or exit, which must go on up."""
    return not isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


def _unreadable(source: str) -> FileRejectedError:
    # calamine's own message can quote the file's content: never repeated.
    return FileRejectedError(
        f"{source}: the workbook cannot be read (it is damaged, cut short or its XML is broken): "
        "save it again from Excel (or as CSV UTF-8) and load it again",
        code="bad_workbook",
    )


def workbook_sheets(content: bytes, source: str = "the file") -> list[str]:
    """The sheet names of an XLSX workbook."""
    import python_calamine

    try:
        return list(python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).sheet_names)
    except BaseException as exc:  # calamine raises its own errors, and pyo3 panics, for damaged files
        if not is_reader_failure(exc):
            raise
        raise _unreadable(source) from None


def read_sheet_rows(content: bytes, sheet: str, source: str = "the file") -> list[list[object]]:
    """A sheet's cells as Python values, every row kept (so row numbers match Excel's).

    Call only after ``loaders.workbook_check.check_workbook``: the reader allocates the
    sheet's whole extent.
    """
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        return [list(row) for row in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]
    except BaseException as exc:  # calamine raises its own errors, and pyo3 panics, for damaged files
        if not is_reader_failure(exc):
            raise
        raise _unreadable(source) from None


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
        raise FileRejectedError(
            f"sheet {sheet!r} of {source} is empty: expected a header row", code="empty_file"
        )
    header_row = rows[start]
    width = max((i + 1 for i, v in enumerate(header_row) if excel_cell_text(v) not in (None, "")), default=0)
    headers = [(excel_cell_text(v) or "").strip() for v in header_row[:width]]
    body = rows[start + 1 :]
    cells = [
        _strip_column(
            pa.array([excel_cell_text(r[i]) if i < len(r) else None for r in body], type=pa.string())
        )
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
