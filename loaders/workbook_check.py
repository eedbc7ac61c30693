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

from loaders.limits import ReadLimits
from loaders.readers import FileRejectedError

_CHUNK = 1 << 20
_TAIL = 256  # bytes kept between chunks, so a tag split across two chunks is still seen
_DIMENSION = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref="(?:[A-Z]+[0-9]+:)?([A-Z]{1,4})([0-9]{1,9})"'
)
_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="([A-Z]{1,4})([0-9]{1,9})"')
_UNREFERENCED_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])(?![^>]*\br=")')
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb'\br="([A-Z]{0,4})([0-9]{1,9})"')
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")


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
    """The extent of one sheet, fed the sheet XML a window at a time.

    Each window is the last ``_TAIL`` bytes of the previous one plus a new chunk; only
    tags that end inside the new chunk are taken, so none is seen twice or missed.
    Cells are placed by their reference, or by position in their row when they have none.
    """

    rows: int = 0
    columns: int = 0
    by_position: bool = False
    _row: int = 0
    _col: int = 0

    def feed(self, window: bytes, tail: int) -> None:
        dim = _DIMENSION.search(window)
        if dim and dim.end() > tail:
            self.rows = max(self.rows, int(dim.group(2)))
            self.columns = max(self.columns, column_number(dim.group(1)))
        if not self.by_position and _UNREFERENCED_CELL.search(window) is None:
            # Every cell has its reference (Excel, and every common library): the extent is
            # the largest column and row referenced, found at C speed.
            refs = _REF.findall(window)
            if refs:
                self.columns = max(self.columns, *(column_number(x) for x in {c for c, _ in refs}))
                self.rows = max(self.rows, *(int(x) for x in {r for _, r in refs}))
            return
        if not self.by_position:
            self.by_position = True
            self._row = self.rows  # placed after every row seen so far: never under-counted
        self._walk(window, tail)

    def _walk(self, window: bytes, tail: int) -> None:
        for m in _ROW_OR_CELL.finditer(window):
            if m.end() <= tail:
                continue
            ref = _R_ATTR.search(m.group(2))
            if m.group(1) == b"row":
                self._row = int(ref.group(2)) if ref else self._row + 1
                self._col = 0
                continue
            if ref and ref.group(1):
                self._col = column_number(ref.group(1))
                self._row = max(self._row, int(ref.group(2)))
            else:
                self._col += 1
            self.rows = max(self.rows, self._row)
            self.columns = max(self.columns, self._col)


def _stream_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, budget: int, feed: Callable[[bytes, int], None]
) -> int:
    """Decompress a part in a bounded stream, feeding windows to ``feed``; its size."""
    size = 0
    window = b""
    try:
        with zf.open(info) as part:
            while chunk := part.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise _too_big(source)
                tail = len(window[-_TAIL:])
                window = window[-_TAIL:] + chunk
                feed(window, tail)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise _damaged(source) from None
    return size


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
            scan = _SheetScan()
            budget -= _stream_part(zf, info, source, budget, scan.feed)
            _check_extent(source, _sheet_number(name), scan, limits)
        elif name == "xl/sharedstrings.xml":
            strings = [0]

            def count(window: bytes, tail: int, strings: list[int] = strings) -> None:
                strings[0] += sum(1 for m in _SHARED_STRING.finditer(window) if m.end() > tail)
                if strings[0] > limits.max_shared_strings:
                    raise _too_big(source)

            budget -= _stream_part(zf, info, source, budget, count)
        else:
            budget -= _stream_part(zf, info, source, budget, lambda _w, _t: None)
