"""Reject reason codes (issue 8) and formula-safe outputs (issue 14), on both stores.

Each row of the fixture breaks exactly one rule, worked out by hand, so each expected
code below is read off the row, not off the code's output.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from loaders.pipeline import LoadOptions, load_bytes
from metrics.results import reject_reasons
from scorecard.cli import main
from store.schema import rejects
from tests.conftest import TEST_KEY

HEADER = "contact_id,child_id,contact_date,contact_source,outcome,decision_date,la_code,team"
ROWS = [
    "K1,P1,2024-03-01,6,nfa,,394,Duty A",  # 1 fine
    "K2,,2024-03-01,6,nfa,,394,Duty A",  # 2 required_blank (child_id)
    "K3,P3,soon,6,nfa,,394,Duty A",  # 3 bad_date
    "K4,P4,2023-02-30,6,nfa,,394,Duty A",  # 4 bad_date (another value, same code)
    "K5,P5,1066-03-01,6,nfa,,394,Duty A",  # 5 date_out_of_range
    "K6,P6,2024-03-01,zz,nfa,,394,Duty A",  # 6 unknown_code
    "K7,P7,2024-03-05,6,nfa,2024-03-01,394,Duty A",  # 7 end_before_start
    "K1,P8,2024-03-01,6,nfa,,394,Duty A",  # 8 duplicate_id (K1 again)
    "K9,P9,2024-03-01,6,nfa,,39,Duty A",  # 9 bad_la_code
    "K10,P10,2024-03-01,6,nfa,,394,Duty A,surplus",  # 10 wrong_field_count
    "K11,P11,2024-03-01,6,nfa,,394,Duty\x00A",  # 11 nul_character
    "K12,P12,2024-03-01,6,nfa,,394," + "T" * 40_000,  # 12 field_too_long
]
EXPECTED = {
    2: "required_blank",
    3: "bad_date",
    4: "bad_date",
    5: "date_out_of_range",
    6: "unknown_code",
    7: "end_before_start",
    8: "duplicate_id",
    9: "bad_la_code",
    10: "wrong_field_count",
    11: "nul_character",
    12: "field_too_long",
}
CONTENT = ("\n".join([HEADER, *ROWS]) + "\n").encode("utf-8")
OPTS = LoadOptions(key=TEST_KEY, default_la="394")


def test_every_reject_has_its_code_beside_its_sentence(engine: object) -> None:
    out = load_bytes(engine, "contacts.csv", CONTENT, OPTS)  # type: ignore[arg-type]
    assert (out.rows_read, out.rows_loaded, out.rows_rejected) == (12, 1, 11)
    with engine.connect() as conn:  # type: ignore[attr-defined]
        found = conn.execute(select(rejects.c.row_number, rejects.c.reason_code, rejects.c.reason)).all()
    assert {r.row_number: r.reason_code for r in found} == EXPECTED
    assert all(r.reason for r in found)


def test_the_data_quality_reasons_group_by_code_not_by_sentence(engine: object) -> None:
    load_bytes(engine, "contacts.csv", CONTENT, OPTS)  # type: ignore[arg-type]
    grouped = reject_reasons(engine)  # type: ignore[arg-type]
    dates = grouped[grouped["reason_code"] == "bad_date"]
    assert dates["rows"].tolist() == [2]  # "soon" and 2023-02-30: two sentences, one rule
    assert len(grouped) == len(set(EXPECTED.values()))


def test_a_file_rejected_whole_has_its_code(engine: object) -> None:
    out = load_bytes(engine, "contacts.csv", b"contact_id,child_id\nK1,P1\n", OPTS)  # type: ignore[arg-type]
    assert out.status == "rejected" and out.reason_code == "missing_column"
    with engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.execute(select(rejects.c.reason_code)).scalars().all() == ["missing_column"]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCORECARD_SECRET_KEY", TEST_KEY.decode())
    monkeypatch.setenv("SCORECARD_DATABASE_URL", store_url)
    monkeypatch.delenv("SCORECARD_DEFAULT_LA", raising=False)
    return store_url


def test_scorecard_rejects_by_code(cli_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_bytes(CONTENT)
    main(["load", "contacts.csv", "--la", "394", "--no-recompute"])
    capsys.readouterr()
    assert main(["rejects", "--by-code", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {(r["column"], r["code"]): int(r["rows"]) for r in rows}[("contact_date", "bad_date")] == 2
    assert sum(int(r["rows"]) for r in rows) == 11
    assert main(["rejects", "--format", "csv"]) == 0
    listed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {int(r["row_number"]): r["code"] for r in listed} == EXPECTED


TEAM = "=cmd|' /C calc'!A0"


def test_kpis_by_team_is_formula_safe_in_csv_and_json(
    cli_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = [f"T{i},Q{i},2024-03-{i % 27 + 1:02d},6,nfa,,394,{TEAM}" for i in range(30)]
    (tmp_path / "contacts.csv").write_bytes(("\n".join([HEADER, *rows]) + "\n").encode())
    assert main(["load", "contacts.csv", "--la", "394"]) == 0
    capsys.readouterr()
    assert main(["kpis", "--by", "team"]) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    cells = [c for row in table for c in row]
    assert "'" + TEAM in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert main(["kpis", "--by", "team", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["group"] for r in records} == {"'" + TEAM}
    assert all(isinstance(r["numerator"], (int, float, type(None))) for r in records)


def test_outputs_of_every_command_escape_formulas(
    cli_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    name = "-contacts.csv"  # a file name is text a spreadsheet would run too
    (tmp_path / name).write_bytes(CONTENT)
    main(["load", "--la", "394", "--no-recompute", "--", name])
    capsys.readouterr()
    for args in (
        ["loads", "--format", "csv"],
        ["rejects", "--format", "csv"],
        ["rejects", "--by-code", "--format", "csv"],
    ):
        assert main(args) == 0
        text = capsys.readouterr().out
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), cells
        if args[0] == "loads" or "--by-code" not in args:
            assert "'-contacts.csv" in cells


# Files that serialise for themselves, never for a user: why each is not an output.
NOT_OUTPUTS = {
    "safe_export.py": "the one writer",
    "recompute_plan.py": "json.dumps digests the shared inputs into a fingerprint kept in scorecard_meta",
}


def test_no_output_is_written_outside_the_one_writer() -> None:
    """CSV and JSON writers, and Excel text cells, appear only in scorecard/safe_export.py."""
    import re

    root = Path(__file__).resolve().parents[1]
    writers = re.compile(
        r"csv\.writer\(|csv\.DictWriter\(|json\.dumps?\(|(?<!exports)\.to_csv\(|\.to_excel\(|\.to_json\(orient"
    )
    text_cell = re.compile(r"write_string\((?:[^,]*,){2}\s*+(?!xlsx_text\()")
    found = []
    for path in [
        root / "app.py",
        *(p for d in ("scorecard", "metrics", "loaders", "store") for p in (root / d).rglob("*.py")),
    ]:
        if path.name in NOT_OUTPUTS:
            continue
        source = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {m.group(0)}" for m in writers.finditer(source)]
        found += [f"{path.name}: {m.group(0)}" for m in text_cell.finditer(source)]
    assert found == []
