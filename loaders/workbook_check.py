"""Checking a workbook's zip container before any spreadsheet reader opens it.

A spreadsheet reader trusts the file: it allocates the rectangle from A1 to the last
cell it is told about, and it decompresses every part it needs in full. So before
calamine sees a workbook, this module decompresses each part in a bounded stream
(stopping at :class:`~loaders.limits.ReadLimits`' budget, whatever sizes the zip's
directory claims, and checking each part's CRC), and, while the sheet XML streams
past, notes the extent every cell reference and ``<dimension>`` implies and the
count of shared strings. A file that is not a zip, is cut short, or is damaged is
rejected whole with one sentence; nothing of its content is repeated in the message.

Readings: the extent is counted from A1 (the reader allocates from A1, and row
numbers must match Excel's), so a sheet's "cells" are last row × last column. Cells
written without a reference (rare; Excel and every common library write one) are
counted by position within their row.

Example::

    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("xl/workbook.xml", "<workbook/>")
    ...     z.writestr("xl/worksheets/sheet1.xml", '<worksheet><sheetData><row r="1">'
    ...                '<c r="XFD1048576"/></row></sheetData></worksheet>')
    >>> try:
    ...     check_workbook("big.xlsx", buf.getvalue(), ReadLimits())
    ... except FileRejectedError as exc:
    ...     print(exc.code, str(exc)[:75])
    workbook_too_large big.xlsx: sheet 1 reaches cell XFD1048576 (1,048,576 rows × 16,384 columns)
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from loaders.limits import ReadLimits
from loaders.readers import FileRejectedError

_CHUNK = 1 << 20
_DIMENSION = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref="(?:[A-Z]+[0-9]+:)?([A-Z]{1,4})([0-9]{1,9})"'
)
# The form every common writer uses: the reference is the cell's first attribute.
_PLAIN_ROW = re.compile(rb'<c r="[A-Z]{1,4}([0-9]{1,9})"')
_PLAIN_WIDE = re.compile(rb'<c r="([A-Z]{2,4})[0-9]')  # columns beyond Z (rare in extracts)
_PLAIN_COLUMN = re.compile(rb'<c r="([A-Z]{1,4})[0-9]')
_ANY_CELL = (b"<c ", b"<c>", b"<c/>")
# Tabs and line breaks between a tag's name and its attributes are spaces to XML.
_WHITESPACE_AS_SPACE = bytes.maketrans(b"\t\n\r", b"   ")
_CELL_REF = re.compile(r"([A-Z]{1,4})([0-9]{1,9})$")


class _NeedsParserError(Exception):
    """A sheet not in the plain form: its extent is found with an XML parser instead."""


def _damaged(source: str) -> FileRejectedError:
    return FileRejectedError(
        f"{source} starts like an Excel workbook (.xlsx) but cannot be read as one: it is damaged, "
        "cut short or not really a workbook. Save it again from Excel (or as CSV UTF-8) and load it again",
        code="bad_workbook",
    )


def column_number(letters: bytes | str) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27, ``XFD`` → 16384.

    >>> column_number("XFD")
    16384
    """
    text = letters.decode("ascii") if isinstance(letters, bytes) else letters
    n = 0
    for ch in text:
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letters(number: int) -> str:
    """``16384`` → ``XFD``.

    >>> column_letters(28)
    'AB'
    """
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


@dataclass
class _SheetScan:
    """The extent of a sheet in the plain form, fed its XML a piece at a time.

    Each piece ends at a ``>``, so a tag is never split between two pieces. In the plain
    form every cell's first attribute is its reference (``<c r="B7"``), found at C speed;
    anything else (a cell without one, attributes in another order or quoting, a
    namespace prefix) raises ``_NeedsParserError``.
    """

    rows: int = 0
    columns: int = 0
    exact_above: int = 0  # the cell count above which columns are counted exactly
    _first: bool = True

    def feed(self, piece: bytes) -> None:
        if self._first:
            self._first = False
            dim = _DIMENSION.search(piece)
            if dim:
                self.rows = int(dim.group(2))
                self.columns = column_number(dim.group(1))
        piece = piece.translate(_WHITESPACE_AS_SPACE)
        if b":c" in piece:  # a namespace prefix on the cells (or anything else): parsed instead
            raise _NeedsParserError
        rows = _PLAIN_ROW.findall(piece)
        if sum(piece.count(tag) for tag in _ANY_CELL) != len(rows):
            raise _NeedsParserError
        if not rows:
            return
        self.rows = max(self.rows, *map(int, set(rows)))
        wide = _PLAIN_WIDE.findall(piece)
        # Columns A-Z count as 26 unless that alone would break a limit: then exactly.
        narrow = 26 if len(wide) < len(rows) else 0
        if wide:
            narrow = max(narrow, *(column_number(x) for x in set(wide)))
        if narrow == 26 and self.rows * 26 > self.exact_above:
            narrow = max(column_number(x) for x in set(_PLAIN_COLUMN.findall(piece)))
        self.columns = max(self.columns, narrow)


def _parsed_extent(stream: IO[bytes]) -> _SheetScan:
    """A sheet's extent by parsing its XML (any form): cells by reference, else by position."""
    from defusedxml.ElementTree import iterparse

    extent = _SheetScan()
    row = col = 0
    for event, element in iterparse(stream, events=("start", "end")):
        tag = element.tag.rsplit("}", 1)[-1]
        if event == "end":
            if tag == "row":
                element.clear()
            continue
        if tag == "dimension":
            ref = _CELL_REF.search(str(element.get("ref", "")))
            if ref:
                extent.rows = max(extent.rows, int(ref.group(2)))
                extent.columns = max(extent.columns, column_number(ref.group(1)))
        elif tag == "row":
            given = str(element.get("r", ""))
            row = int(given) if given.isdigit() else row + 1
            col = 0
        elif tag == "c":
            ref = _CELL_REF.search(str(element.get("r", "")))
            if ref:
                col, row = column_number(ref.group(1)), max(row, int(ref.group(2)))
            else:
                col += 1
            extent.rows = max(extent.rows, row)
            extent.columns = max(extent.columns, col)
    return extent


class _Bounded(io.RawIOBase):
    """A part's stream that rejects the file once ``budget`` bytes have been read."""

    def __init__(self, part: IO[bytes], budget: int, source: str) -> None:
        self.part, self.left, self.source = part, budget, source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.part.read(min(len(buffer), _CHUNK))
        self.left -= len(data)
        if self.left < 0:
            raise _too_big(self.source)
        buffer[: len(data)] = data
        return len(data)


_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _stream_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, budget: int, feed: Callable[[bytes], None]
) -> int:
    """Decompress a part in a bounded stream, feeding pieces that end at a ``>``; its size."""
    size = 0
    carry = b""
    try:
        with zf.open(info) as part:
            while chunk := part.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise _too_big(source)
                data = carry + chunk
                cut = data.rfind(b">") + 1
                if cut == 0 and len(data) < 4 * _CHUNK:
                    carry = data
                    continue
                cut = cut or len(data)
                feed(data[:cut])
                carry = data[cut:]
            if carry:
                feed(carry)
    except _READ_ERRORS:
        raise _damaged(source) from None
    return size


def _sheet_extent(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, budget: int, limits: ReadLimits
) -> tuple[_SheetScan, int]:
    """The sheet's extent and decompressed size: the plain form's fast scan, else a parser."""
    scan = _SheetScan(exact_above=min(limits.max_cells, 26 * limits.max_rows))
    try:
        return scan, _stream_part(zf, info, source, budget, scan.feed)
    except _NeedsParserError:
        pass
    try:
        with zf.open(info) as part:
            bounded = _Bounded(part, budget, source)
            return _parsed_extent(io.BufferedReader(bounded)), budget - bounded.left
    except FileRejectedError:
        raise
    except Exception:  # a parse error, a DTD or entities refused, a damaged stream
        raise _damaged(source) from None


def _too_big(source: str) -> FileRejectedError:
    return FileRejectedError(
        f"{source}: the workbook decompresses to more than this scorecard reads at once "
        "(it may be a 'zip bomb', or hold far more than an extract): save the data alone as "
        "CSV UTF-8 and load it again",
        code="workbook_too_large",
    )


def _check_ratio(info: zipfile.ZipInfo, source: str, limits: ReadLimits) -> None:
    if info.file_size <= limits.ratio_floor_bytes:
        return
    if info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
        raise _too_big(source)


def _check_extent(source: str, sheet: int, extent: _SheetScan, limits: ReadLimits) -> None:
    cells = extent.rows * extent.columns
    if extent.rows <= limits.max_rows and extent.columns <= limits.max_columns and cells <= limits.max_cells:
        return
    corner = f"{column_letters(extent.columns)}{extent.rows}"
    raise FileRejectedError(
        f"{source}: sheet {sheet} reaches cell {corner} ({extent.rows:,} rows × {extent.columns:,} columns), "
        f"more than this scorecard reads ({limits.max_rows:,} rows, {limits.max_columns:,} columns, "
        f"{limits.max_cells:,} cells): delete the stray cells beyond the data (or save the data as "
        "CSV UTF-8) and load it again",
        code="workbook_too_large",
    )


def _sheet_number(name: str) -> int:
    digits = re.findall(r"\d+", name.rsplit("/", 1)[-1])
    return int(digits[-1]) if digits else 0


def check_workbook(source: str, content: bytes, limits: ReadLimits) -> None:
    """Raise FileRejectedError unless the workbook can be read within ``limits``."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _damaged(source) from None
    if not any(i.filename.lower() == "xl/workbook.xml" for i in infos):
        raise _damaged(source)
    budget = limits.max_decompressed_bytes
    for info in infos:
        if info.is_dir():
            continue
        _check_ratio(info, source, limits)
        if info.file_size > budget:
            raise _too_big(source)
        name = info.filename.lower()
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            extent, size = _sheet_extent(zf, info, source, budget, limits)
            budget -= size
            _check_extent(source, _sheet_number(name), extent, limits)
        elif name == "xl/sharedstrings.xml":
            strings = [0]

            def count(piece: bytes, strings: list[int] = strings) -> None:
                strings[0] += (
                    piece.count(b"<si>") + piece.count(b"<si ") + piece.count(b":si>") + piece.count(b":si ")
                )
                if strings[0] > limits.max_shared_strings:
                    raise _too_big(source)

            budget -= _stream_part(zf, info, source, budget, count)
        else:
            budget -= _stream_part(zf, info, source, budget, lambda _piece: None)
