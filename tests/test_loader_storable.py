"""A CSV read by the quick reader skips the per-column storable checks only when its bytes
prove them needless (no NUL byte, no line longer than the field limit): each case below
is a well-formed file (one record per line, so the quick reader takes it), worked out by hand.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from loaders.limits import ReadLimits
from loaders.pipeline import LoadOptions, load_bytes
from loaders.readers import read_csv_bytes
from store.schema import rejects
from tests.conftest import TEST_KEY

HEADER = "cin_plan_id,child_id,start_date,team"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _codes(engine: Engine, load_id: int | None) -> dict[int, str]:
    with engine.connect() as conn:
        found = conn.execute(
            select(rejects.c.row_number, rejects.c.reason_code).where(rejects.c.load_id == load_id)
        ).all()
    return {int(r.row_number): str(r.reason_code) for r in found}


def test_the_reader_bounds_cells_by_the_longest_line_and_sees_a_nul() -> None:
    # Lines: the header 36 bytes (11 + 8 + 10 + 4 characters and 3 commas), then
    # "A,P1,2024-01-05,Duty" 20 and "B,P2,2024-01-05,D<NUL>" 18.
    table = read_csv_bytes("cin_plans.csv", _csv("A,P1,2024-01-05,Duty", "B,P2,2024-01-05,D\x00"))
    assert (table.cells_at_most, table.no_nul) == (36, False)
    clean = read_csv_bytes("cin_plans.csv", _csv("A,P1,2024-01-05,Duty"))
    assert (clean.cells_at_most, clean.no_nul) == (36, True)


@pytest.mark.parametrize("limit", [30, 40])  # below and above the longest line (36 bytes)
def test_short_cells_in_long_lines_all_load(engine: Engine, limit: int) -> None:
    # Every cell is at most 10 characters; the header line is 36 bytes.
    options = LoadOptions(key=TEST_KEY, default_la="394", limits=ReadLimits(max_field_chars=limit))
    out = load_bytes(engine, "cin_plans.csv", _csv("A,P1,2024-01-05,Duty", "B,P2,2024-01-06,Team"), options)
    assert (out.rows_read, out.rows_loaded, out.rows_rejected) == (2, 2, 0)


def test_a_nul_and_a_long_cell_in_a_well_formed_file_are_rejected(engine: Engine) -> None:
    # Row 2's team holds a NUL; row 3's team is 25 characters against a limit of 20.
    options = LoadOptions(key=TEST_KEY, default_la="394", limits=ReadLimits(max_field_chars=20))
    content = _csv("A,P1,2024-01-05,Duty", "B,P2,2024-01-05,Du\x00ty", "C,P3,2024-01-05," + "T" * 25)
    out = load_bytes(engine, "cin_plans.csv", content, options)
    assert (out.rows_read, out.rows_loaded, out.rows_rejected) == (3, 1, 2)
    assert _codes(engine, out.load_id) == {2: "nul_character", 3: "field_too_long"}
