"""Properties of loading, for arbitrary input (hypothesis)."""

from __future__ import annotations

import csv
import io

import hypothesis.strategies as st
from hypothesis import given, settings
from sqlalchemy import Engine, func, select

from loaders.pipeline import LoadOptions, load_bytes
from loaders.readers import FileRejectedError, read_csv_bytes
from loaders.validate import validate
from store.bulk import read_frame
from store.engine import open_store
from store.extracts import EXTRACTS
from store.schema import kind_table, load_counts, loads, rejects
from tests.conftest import TEST_KEY

# Cell values per column type: valid ones, near misses and blanks.
CELLS = {
    "id": ["A1", "A2", "A3", "B1", " A1 ", "", "NULL"],
    "child": ["P1", "P2", "P3", "", "#N/A"],
    "worker": ["W1", "W2", "P1", "", "NULL"],
    "text": ["Team A", "Locality 1", "", "=cmd"],
    "date": ["2024-02-29", "29/02/2024", "2023-02-29", "2024-01-05 10:00:00", "12/25/2024", "", "soon"],
    "month": ["2024-02-29", "01/02/2024", "2024-02-30", "", "Feb"],
    "bool": ["true", "no", "Y", "a) Yes", "maybe", ""],
    "code": [
        *("6", "q) 6: Police", "2A", "NEG", "referral", "nfa", "school", "RC9", "N4", "xx", ""),
        *("sw", "good", "3", "Health"),
    ],
    "codes": ["1A", "1A;2B", "RB", ""],
    "int": ["0", "2", "-1", "2.5", ""],
    "number": ["3", "4.5", "x", "", "0.5", "0", "-1"],
    "la": ["394", "390", "E08000024", "39", ""],
}

KINDS = [k for k in EXTRACTS if k != "population"]


@st.composite
def extract_files(draw: st.DrawFn, kind: str | None = None) -> tuple[str, bytes]:
    """A CSV for some kind: any subset and order of its columns (plus junk), any cells."""
    kind = kind or draw(st.sampled_from(KINDS))
    columns = list(EXTRACTS[kind].all_columns)
    chosen = draw(
        st.lists(st.sampled_from(columns), unique_by=lambda c: c.name, min_size=1, max_size=len(columns))
    )
    chosen = draw(st.permutations(chosen))
    headers = [c.name for c in chosen]
    if draw(st.booleans()):
        headers.append("Notes")
    n_rows = draw(st.integers(min_value=0, max_value=25))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for _ in range(n_rows):
        row = [draw(st.sampled_from(CELLS[c.type])) for c in chosen]
        if len(headers) > len(chosen):
            row.append("note")
        writer.writerow(row)
    return f"{kind}.csv", out.getvalue().encode()


@settings(max_examples=300)
@given(extract_files())
def test_every_row_read_is_loaded_or_rejected(file: tuple[str, bytes]) -> None:
    name, content = file
    kind = name.removesuffix(".csv")
    table = read_csv_bytes(name, content)
    try:
        v = validate(table, EXTRACTS[kind], default_la="394", key=TEST_KEY)
    except FileRejectedError:
        return  # a whole-file rejection: every row is rejected (checked through the store below)
    data_rows = sum(1 for line in content.decode().splitlines()[1:] if line.strip(",\n "))
    assert v.rows_read == v.rows_loaded + v.rows_rejected == data_rows
    assert v.counts[["rows_read", "rows_loaded", "rows_rejected"]].sum().tolist() == [
        v.rows_read,
        v.rows_loaded,
        v.rows_rejected,
    ]
    assert len(v.rejects) == v.rows_rejected and v.rejects["reason"].notna().all()


def _memory_store() -> Engine:
    return open_store("sqlite://")


def _state(engine: Engine) -> dict[str, object]:
    """The store's content, less what depends on load order (load ids and times)."""
    out: dict[str, object] = {}
    with engine.connect() as conn:
        for kind in EXTRACTS:
            frame = read_frame(conn, kind_table(kind)).drop(columns=["load_id"])
            out[kind] = sorted(map(repr, frame.astype(object).itertuples(index=False)))
        out["rejects"] = sorted(
            map(repr, conn.execute(select(rejects.c.kind, rejects.c.row_number, rejects.c.reason)).all())
        )
        out["counts"] = sorted(
            map(
                repr, conn.execute(select(load_counts.c.kind, load_counts.c.la_code, load_counts.c.rows_read))
            )
        )
    return out


@settings(max_examples=40)
@given(extract_files())
def test_through_the_store_totals_reconcile_and_reloading_is_a_no_op(file: tuple[str, bytes]) -> None:
    name, content = file
    engine = _memory_store()
    options = LoadOptions(key=TEST_KEY, default_la="394")
    first = load_bytes(engine, name, content, options)
    assert first.rows_read == first.rows_loaded + first.rows_rejected
    with engine.connect() as conn:
        table = kind_table(name.removesuffix(".csv"))
        stored = conn.execute(select(func.count()).select_from(table)).scalar_one()
        counted = conn.execute(select(func.sum(load_counts.c.rows_read))).scalar_one() or 0
        recorded = conn.execute(select(loads.c.rows_read, loads.c.rows_loaded, loads.c.rows_rejected)).one()
    assert stored == first.rows_loaded  # an empty store gains exactly the rows loaded
    assert counted == first.rows_read == recorded.rows_read
    assert (recorded.rows_loaded, recorded.rows_rejected) == (first.rows_loaded, first.rows_rejected)
    before = _state(engine)
    again = load_bytes(engine, name, content, options)
    assert again.status in ("unchanged", "rejected")
    assert _state(engine) == before


@settings(max_examples=25)
@given(
    st.lists(st.sampled_from(KINDS), min_size=2, max_size=4, unique=True).flatmap(
        lambda kinds: st.tuples(*[extract_files(kind) for kind in kinds])
    )
)
def test_the_order_in_which_kinds_are_loaded_does_not_change_the_result(
    files: tuple[tuple[str, bytes], ...],
) -> None:
    options = LoadOptions(key=TEST_KEY, default_la="394")
    forward, backward = _memory_store(), _memory_store()
    for name, content in files:
        load_bytes(forward, name, content, options)
    for name, content in reversed(files):
        load_bytes(backward, name, content, options)
    assert _state(forward) == _state(backward)
