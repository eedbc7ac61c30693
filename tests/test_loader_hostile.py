"""Hostile files never take the process down or leak (issue 14), on SQLite and PostgreSQL.

Each case runs through ``scorecard load`` as a user meets it: one line naming the file,
exit 1 for a file rejected whole, no traceback, no raw child id in stdout, stderr or
the log, and nothing of a rejected file in the store. In a batch the next files still
load and the recompute still runs.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loaders.limits import ReadLimits
from loaders.pipeline import LoadOptions, prepare_bytes
from scorecard.cli import main
from store.engine import open_store
from store.schema import kind_table, load_counts, loads, rejects
from tests.conftest import TEST_KEY
from tests.hostile_files import (
    BIG_CASES,
    FIXTURES,
    RAW_PREFIX,
    SMALL_CASES,
    shared_strings_bomb,
    valid_csv,
    valid_xlsx,
)

CASES: dict[str, tuple[Callable[[], bytes], str]] = {**SMALL_CASES, **BIG_CASES}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCORECARD_SECRET_KEY", TEST_KEY.decode())
    for name in ("SCORECARD_DATABASE_URL", "SCORECARD_DEFAULT_LA", "SCORECARD_MAX_SHEET_CELLS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _content(name: str) -> bytes:
    """The committed fixture for a small case; the big ones are made here."""
    build, _ = CASES[name]
    committed = FIXTURES / name
    return committed.read_bytes() if committed.is_file() else build()


def _no_leak(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text
        assert RAW_PREFIX not in text, text


def test_the_committed_fixtures_are_the_builders_output() -> None:
    for name, (build, _) in SMALL_CASES.items():
        assert (FIXTURES / name).read_bytes() == build(), f"run python -m tests.hostile_files ({name})"


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_file_gets_one_line_and_leaks_nothing(
    name: str,
    store_url: str,
    env: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    path = env / name
    path.write_bytes(_content(name))
    status = main(["load", str(path), "--la", "394", "--db", store_url, "--no-recompute"])
    out, err = capsys.readouterr()
    _no_leak(out, err, caplog.text)
    lines = [ln for ln in out.splitlines() if not ln.startswith("    ")]
    assert len(lines) == 1 and lines[0].startswith(f"{path}: "), out
    expected = CASES[name][1]
    engine = open_store(store_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(kind_table("contacts"))).scalar()
            load = conn.execute(select(loads)).one()
            reasons = conn.execute(select(rejects.c.reason, rejects.c.reason_code, rejects.c.value)).all()
            counts = conn.execute(
                select(func.sum(load_counts.c.rows_loaded), func.sum(load_counts.c.rows_rejected))
            ).one()
    finally:
        engine.dispose()
    _no_leak(*(str(r) for r in reasons), str(load.message))
    assert all(code for _, code, _ in reasons)
    if expected == "rejected":
        assert status == 1
        assert "REJECTED" in lines[0]
        assert stored == 0  # nothing of the file is stored
        assert load.status == "rejected"
    else:
        assert status == 0
        assert load.rows_read == load.rows_loaded + load.rows_rejected == 5
        assert stored == load.rows_loaded == counts[0]
        assert load.rows_rejected == counts[1] == len(reasons) > 0


def test_unbalanced_quote_counts_and_rejects_the_lines_it_swallowed(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = env / "contacts_unbalanced_quote.csv"
    path.write_bytes(_content(path.name))
    assert main(["load", str(path), "--la", "394", "--no-recompute"]) == 0
    assert "5 read, 2 loaded, 3 rejected" in capsys.readouterr().out
    main(["rejects", "--format", "csv"])
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [r.split(",")[5] for r in rows] == ["3", "4", "5"]
    assert all(",unbalanced_quote," in r for r in rows)
    assert "the next 2 line(s) were read into it" in rows[0]


def test_a_batch_goes_on_after_hostile_files_and_recomputes(
    store_url: str, env: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    folder = env / "in"
    folder.mkdir()
    for name in SMALL_CASES:
        (folder / name).write_bytes(_content(name))
    (folder / "contacts_zz_good.csv").write_bytes(valid_csv(4).replace(b"C", b"G"))
    status = main(["load", str(folder), "--la", "394", "--db", store_url])
    out, err = capsys.readouterr()
    _no_leak(out, err, caplog.text)
    assert status == 1
    assert "contacts_zz_good.csv: contacts: 4 read, 4 loaded, 0 rejected" in out
    assert "recomputed indicators" in out
    assert sum(1 for ln in out.splitlines() if ": REJECTED (" in ln) == sum(
        1 for _, want in SMALL_CASES.values() if want == "rejected"
    )


def test_the_upload_preview_of_a_far_cell_workbook_is_a_rejection_not_an_abort(sqlite_engine: object) -> None:
    prepared = prepare_bytes(
        sqlite_engine,  # type: ignore[arg-type]
        "contacts.xlsx",
        _content("contacts_far_cell.xlsx"),
        LoadOptions(key=TEST_KEY, default_la="394"),
    )
    assert prepared.outcome.status == "rejected"
    assert prepared.outcome.reason_code == "workbook_too_large"
    assert "XFD1048576" in str(prepared.outcome.message)


def _outcome(content: bytes, limits: ReadLimits, engine: object) -> tuple[str, str | None]:
    out = prepare_bytes(
        engine,  # type: ignore[arg-type]
        "contacts.xlsx",
        content,
        LoadOptions(key=TEST_KEY, default_la="394", limits=limits),
    ).outcome
    return out.status, out.reason_code


def test_every_workbook_limit_is_checked_and_configurable(sqlite_engine: object) -> None:
    good = valid_xlsx(50)
    assert _outcome(good, ReadLimits(), sqlite_engine) == ("preview", None)
    assert _outcome(good, ReadLimits(max_cells=7 * 50), sqlite_engine)[1] == "workbook_too_large"
    assert _outcome(good, ReadLimits(max_rows=50), sqlite_engine)[1] == "workbook_too_large"
    assert _outcome(good, ReadLimits(max_decompressed_bytes=2000), sqlite_engine)[1] == "workbook_too_large"
    bomb = shared_strings_bomb(300_000)
    trusting = ReadLimits(max_compression_ratio=1e9)  # the ratio check off: the count still stops it
    assert _outcome(bomb, trusting.model_copy(update={"max_shared_strings": 1000}), sqlite_engine)[1] == (
        "workbook_too_large"
    )


def test_a_zip_directory_that_understates_sizes_is_caught_while_decompressing(sqlite_engine: object) -> None:
    content = bytearray(valid_xlsx(200))
    # Rewrite the sheet's uncompressed size in the central directory to 10 bytes.
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    name_at = content.find(b"xl/worksheets/sheet1.xml", content.find(b"PK\x01\x02"))
    central = content.rfind(b"PK\x01\x02", 0, name_at)
    content[central + 24 : central + 28] = (10).to_bytes(4, "little")
    assert info.file_size > 10
    status, code = _outcome(bytes(content), ReadLimits(), sqlite_engine)
    assert status == "rejected" and code == "bad_workbook"


def test_the_sheet_cell_limit_comes_from_the_settings(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = env / "contacts.xlsx"
    path.write_bytes(valid_xlsx(5))
    assert main(["load", str(path), "--la", "394", "--no-recompute"]) == 0
    capsys.readouterr()
    other = env / "contacts_2.xlsx"
    other.write_bytes(valid_xlsx(6))
    monkeypatch.setenv("SCORECARD_MAX_SHEET_CELLS", "20")
    assert main(["load", str(other), "--la", "394", "--no-recompute"]) == 1
    assert "more than this scorecard reads" in capsys.readouterr().out


@pytest.mark.parametrize(
    "far_cell",
    [
        '<c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c>',  # the reference not first
        "<c r='XFD1048576' t=\"inlineStr\"><is><t>x</t></is></c>",  # single quotes
        '<c x=">" r="XFD1048576"/>',  # a ">" inside an attribute
        '<c\nr="XFD1048576"/>',  # a line break before the attribute
    ],
)
def test_a_far_cell_in_any_xml_form_is_found_before_reading(far_cell: str, sqlite_engine: object) -> None:
    from tests.hostile_files import rows, sheet_xml, workbook

    content = workbook(sheet_xml(rows(3), extra=f'<row r="1048576">{far_cell}</row>'))
    assert _outcome(content, ReadLimits(), sqlite_engine) == ("rejected", "workbook_too_large")


def test_cells_without_references_are_placed_by_position(sqlite_engine: object) -> None:
    from tests.hostile_files import rows, sheet_xml, workbook

    wide = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(30))
    content = workbook(sheet_xml(rows(3), extra=f"<row>{wide}</row>"))
    assert _outcome(content, ReadLimits(max_columns=29), sqlite_engine) == ("rejected", "workbook_too_large")
    assert _outcome(content, ReadLimits(max_columns=30), sqlite_engine)[0] == "preview"
