"""Hostile extract files, built from a valid one: the cases of issue 14.

Every child id in them starts ``RAWKID`` so a test can scan every message, log line and
stream for a raw id. Small files are also committed under ``tests/fixtures/hostile``
(written by ``python -m tests.hostile_files``); the big ones are made in the test.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

RAW_PREFIX = "RAWKID"
HEADER = ["contact_id", "child_id", "contact_date", "contact_source", "outcome", "decision_date", "team"]
FIXTURES = Path(__file__).parent / "fixtures" / "hostile"


def rows(n: int = 5) -> list[list[str]]:
    """``n`` valid contact rows."""
    return [
        [f"C{i}", f"{RAW_PREFIX}{i:04d}", f"2024-03-{i % 27 + 1:02d}", "6", "nfa", "", "Duty A"]
        for i in range(1, n + 1)
    ]


def csv_of(table: list[list[str]], header: list[str] = HEADER) -> bytes:
    return ("\n".join(",".join(r) for r in [header, *table]) + "\n").encode("utf-8")


def valid_csv(n: int = 5) -> bytes:
    return csv_of(rows(n))


def _cell_xml(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def sheet_xml(table: list[list[str]], extra: str = "") -> str:
    """A worksheet of inline strings (header first), ``extra`` XML after the last row."""
    body = []
    for r, values in enumerate([HEADER, *table], start=1):
        cells = "".join(_cell_xml(f"{chr(65 + c)}{r}", v) for c, v in enumerate(values))
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}{extra}</sheetData></worksheet>"
    )


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="contacts" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


def _workbook_rels(shared: bool) -> str:
    extra = (
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/>'
        if shared
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet1.xml"/>{extra}</Relationships>'
    )


def workbook(sheet: str | bytes, shared_strings: bytes | None = None) -> bytes:
    """A minimal .xlsx holding one sheet named ``contacts``."""
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _workbook_rels(shared_strings is not None),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            # A fixed time, so the same content gives the same bytes (committed fixtures).
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def valid_xlsx(n: int = 5) -> bytes:
    return workbook(sheet_xml(rows(n)))


def far_cell_xlsx() -> bytes:
    """One stray cell at XFD1048576 beyond valid data."""
    return workbook(sheet_xml(rows(3), extra=f'<row r="1048576">{_cell_xml("XFD1048576", "x")}</row>'))


def shared_strings_bomb(strings: int = 3_000_000) -> bytes:
    """A sheet that points at a huge table of shared strings (tiny zipped)."""
    table = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t></t></si>" * strings
        + b"</sst>"
    )
    return workbook(sheet_xml(rows(2)), shared_strings=table)


def sheet_cut_short() -> bytes:
    xml = sheet_xml(rows(5))
    return workbook(xml[: len(xml) * 2 // 3])


def zip_but_not_workbook() -> bytes:
    return b"PK\x03\x04" + b"\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4


def truncated_xlsx() -> bytes:
    content = valid_xlsx(40)
    return content[: len(content) // 2]


def corrupt_xlsx() -> bytes:
    content = bytearray(valid_xlsx(40))
    middle = len(content) // 3
    for i in range(middle, middle + 64):
        content[i] ^= 0x5A
    return bytes(content)


def huge_field_csv(size: int = 200 * 1024) -> bytes:
    table = rows(5)
    table[1][6] = "T" * size
    return csv_of(table)


def bad_utf8_csv() -> bytes:
    return (
        valid_csv(3)
        + "C9,RAWKID0009,2024-03-05,6,nfa,,Caf\u00e9\n".encode("cp1252")
        + csv_of(rows(2))[len(",".join(HEADER)) + 1 :].replace(b"C1,", b"C21,").replace(b"C2,", b"C22,")
    )


def header_twice_csv() -> bytes:
    return csv_of([[*r, r[2]] for r in rows(3)], header=[*HEADER, "contact_date"])


def nul_csv() -> bytes:
    table = rows(5)
    table[1][6] = "Duty\x00A"
    table[3][1] = "RAWKID\x000004"
    return csv_of(table)


def extra_field_csv() -> bytes:
    """Row 2 has one field more than the header (pyarrow's error quotes the row)."""
    table = rows(5)
    table[1] = [*table[1], "surplus"]
    return csv_of(table)


def unbalanced_quote_csv() -> bytes:
    """A quote opened in data row 3 of 5 and never closed."""
    table = rows(5)
    table[2][6] = '"Duty A'
    return csv_of(table)


def utf16_csv() -> bytes:
    return valid_csv(3).decode("utf-8").encode("utf-16")


# name → (content builder, expected: "rejected" (whole file) or "rows" (loaded, some rows rejected))
SMALL_CASES = {
    "contacts_far_cell.xlsx": (far_cell_xlsx, "rejected"),
    "contacts_sheet_cut_short.xlsx": (sheet_cut_short, "rejected"),
    "contacts_zip_but_not.xlsx": (zip_but_not_workbook, "rejected"),
    "contacts_truncated.xlsx": (truncated_xlsx, "rejected"),
    "contacts_corrupt.xlsx": (corrupt_xlsx, "rejected"),
    "contacts_bad_utf8.csv": (bad_utf8_csv, "rejected"),
    "contacts_utf16.csv": (utf16_csv, "rejected"),
    "contacts_header_twice.csv": (header_twice_csv, "rejected"),
    "contacts_nul.csv": (nul_csv, "rows"),
    "contacts_extra_field.csv": (extra_field_csv, "rows"),
    "contacts_unbalanced_quote.csv": (unbalanced_quote_csv, "rows"),
}
BIG_CASES = {
    "contacts_shared_strings_bomb.xlsx": (shared_strings_bomb, "rejected"),
    "contacts_huge_field.csv": (huge_field_csv, "rows"),
}


def write_fixtures(folder: Path = FIXTURES) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (build, _) in SMALL_CASES.items():
        (folder / name).write_bytes(build())


if __name__ == "__main__":
    write_fixtures()
