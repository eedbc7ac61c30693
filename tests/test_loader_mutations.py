"""Mutated extracts of every kind and format never break the loader (issue 14).

Hypothesis takes a valid extract (a CSV and a workbook of every kind, an Annex A
workbook, a CIN census file) and mutates it: bit flips, truncation, stray quotes,
dropped and repeated columns, other encodings, NUL bytes, huge fields, broken
workbooks (damaged zip, damaged or cut-short sheet XML). For every mutant, reading,
validating and writing it raises nothing, and the file either reconciles (rows read =
loaded + rejected, each reject with a code) or is rejected whole with a message that
names it. No message repeats a raw child id. Examples are bounded so that it runs in
``make test`` in seconds.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine

from loaders.pipeline import LoadOptions, commit_or_report, prepare_bytes
from store.engine import open_store, writing
from store.extracts import EXTRACTS
from store.schema import meta, metadata
from tests.conftest import POSTGRES_URL, TEST_KEY
from tests.test_format_annex_a import MESSY as ANNEX_A
from tests.test_format_annex_a import workbook
from tests.test_format_cin_xml import CHILD_1, CHILD_2, message

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
RAW_CHILD_IDS = ("BX0001", "BX0002")  # in the CIN fixture; sample ids are checked by pattern


def _sample_lines(kind: str, n: int = 8) -> list[str]:
    return (SAMPLES / f"{kind}.csv").read_text(encoding="utf-8").splitlines()[:n]


def _csv(kind: str) -> bytes:
    return ("\n".join(_sample_lines(kind)) + "\n").encode("utf-8")


def _xlsx(kind: str) -> bytes:
    rows = [line.split(",") for line in _sample_lines(kind)]
    return workbook({kind: rows})


BASES: dict[str, bytes] = {
    **{f"{k}.csv": _csv(k) for k in EXTRACTS},
    **{f"{k}.xlsx": _xlsx(k) for k in ("contacts", "referrals", "cp_plans", "population")},
    "annex_a.xlsx": ANNEX_A,
    "cin_census.xml": message(CHILD_1 + CHILD_2),
}


def _rezip(content: bytes, change: object) -> bytes:
    """The workbook with each sheet's XML changed by ``change`` (bytes → bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml":
                data = change(data)  # type: ignore[operator]
            dst.writestr(info.filename, data)
    return out.getvalue()


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(BASES)))
    content = BASES[name]
    kind = draw(
        st.sampled_from(
            ["flip", "truncate", "quote", "nul", "huge", "encoding", "drop_column", "repeat_column", "xml"]
        )
    )
    at = draw(st.integers(0, max(len(content) - 1, 0)))
    if kind == "flip":
        flips = draw(
            st.lists(st.tuples(st.integers(0, len(content) - 1), st.integers(0, 7)), min_size=1, max_size=8)
        )
        data = bytearray(content)
        for pos, bit in flips:
            data[pos] ^= 1 << bit
        return name, bytes(data)
    if kind == "truncate":
        return name, content[:at]
    if kind == "quote":
        return name, content[:at] + b'"' + content[at:]
    if kind == "nul":
        return name, content[:at] + b"\x00" + content[at:]
    if kind == "huge":
        return name, content[:at] + b"x" * draw(st.sampled_from([40_000, 140_000])) + content[at:]
    if kind == "encoding":
        if name.endswith(".xlsx"):
            return name, content
        codec = draw(st.sampled_from(["utf-16", "cp1252", "latin-1", "utf-32"]))
        text = content.decode("utf-8-sig").replace("BX0002", "BX000\u00e92")
        return name, text.encode(codec, errors="replace")
    if name.endswith(".csv") and kind in ("drop_column", "repeat_column"):
        lines = content.decode("utf-8").split("\n")
        col = draw(st.integers(0, 5))
        where = draw(st.sampled_from(["header", "all", "one_row"]))
        row = draw(st.integers(0, len(lines) - 1))
        out = []
        for i, line in enumerate(lines):
            fields = line.split(",")
            touched = where == "all" or (where == "header" and i == 0) or (where == "one_row" and i == row)
            if touched and col < len(fields):
                fields = fields[:col] + fields[col + 1 :] if kind == "drop_column" else [*fields, fields[col]]
            out.append(",".join(fields))
        return name, "\n".join(out).encode("utf-8")
    if name.endswith(".xlsx"):
        cut = draw(st.floats(0.1, 0.95))
        how = draw(st.sampled_from(["cut", "flip", "tag"]))

        def change(xml: bytes) -> bytes:
            if how == "cut":
                return xml[: int(len(xml) * cut)]
            if how == "tag":
                return xml.replace(b"</row>", b"</rowx>", 1)
            i = int(len(xml) * cut)
            return xml[:i] + bytes([xml[i] ^ 0x20]) + xml[i + 1 :] if xml else xml

        return name, _rezip(content, change)
    return name, content[:at] + b"<broken" + content[at:]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('mutations') / 'store.db'}")
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server: set SCORECARD_TEST_POSTGRES_URL (make test starts one)")
    from tests.conftest import _postgres_database

    for url in _postgres_database():
        engine = open_store(url)
        yield engine
        engine.dispose()


def _empty(engine: Engine) -> None:
    with writing(engine) as conn:
        for table in reversed(metadata.sorted_tables):
            # The audit log is append-only (its triggers refuse DELETE) and loads never write it.
            if table is not meta and table.name != "audit_log":
                conn.execute(table.delete())


def _assert_no_raw_id(text: str) -> None:
    for raw in RAW_CHILD_IDS:
        assert raw not in text, text
    assert not __import__("re").search(r"\bP\d{7}\b", text), text  # the samples' child ids
    assert not __import__("re").search(r"\bW\d{5}\b", text), text  # the samples' worker ids


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)
@given(mutants())
def test_a_mutated_extract_reconciles_or_is_rejected_whole_with_a_message(
    store: Engine, mutant: tuple[str, bytes]
) -> None:
    name, content = mutant
    _empty(store)  # each example meets the same store: an earlier identical mutant is not "unchanged"
    prepared = prepare_bytes(store, name, content, LoadOptions(key=TEST_KEY, default_la="394"))
    out = commit_or_report(store, prepared)
    _assert_no_raw_id(f"{out.message} {out.warnings}")
    if out.status == "rejected":
        assert out.message and name in out.message, out.message
        assert out.reason_code
        return
    assert out.status in ("loaded", "unchanged"), out
    if out.status == "loaded":
        assert out.rows_read == out.rows_loaded + out.rows_rejected
        for counts in out.by_kind.values():
            assert counts.rows_read == counts.rows_loaded + counts.rows_rejected
        assert prepared.rejects["reason_code"].notna().all()
        for reason in prepared.rejects["reason"]:
            _assert_no_raw_id(str(reason))
