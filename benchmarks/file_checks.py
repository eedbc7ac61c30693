"""What the hostile-file checks cost, beside the work they guard (issue 14).

Prints, for a large contacts CSV and workbook made from the committed samples:
the UTF-8 check and the line-break check beside pyarrow's own read (the floor), and
the workbook check beside calamine's read of the same sheet (the floor).

    .venv/bin/python benchmarks/file_checks.py [ROWS]
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pyarrow.csv as pcsv
import xlsxwriter

from loaders.limits import ReadLimits
from loaders.readers import check_utf8, read_sheet_rows
from loaders.workbook_check import check_workbook

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "contacts.csv"


def _best(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main(rows: int) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    table = [body[i % len(body)] for i in range(rows)]
    content = ("\n".join([header, *table]) + "\n").encode("utf-8")
    arrow = pcsv.read_csv(io.BytesIO(content))
    read = _best(lambda: pcsv.read_csv(io.BytesIO(content)))
    utf8 = _best(lambda: check_utf8("c.csv", content))
    breaks = _best(lambda: content.count(b"\n") == arrow.num_rows + 1)
    print(
        f"CSV {rows:,} rows, {len(content) / 1e6:.0f} MB: pyarrow read (floor) {read:.2f} s; "
        f"UTF-8 check {utf8:.2f} s; line-break check {breaks:.2f} s"
    )
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("contacts")
    for r, line in enumerate([header, *table[: rows // 4]]):
        sheet.write_row(r, 0, line.split(","))
    book.close()
    workbook = buf.getvalue()
    check = _best(lambda: check_workbook("c.xlsx", workbook, ReadLimits()), repeat=2)
    floor = _best(lambda: read_sheet_rows(workbook, "contacts"), repeat=2)
    print(
        f"XLSX {rows // 4:,} rows, {len(workbook) / 1e6:.1f} MB: calamine read (floor) {floor:.2f} s; "
        f"workbook check {check:.2f} s ({check / floor:.0%} of the floor)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400_000)
