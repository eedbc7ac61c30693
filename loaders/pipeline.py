"""Loading extract files into the store: prepare (read and validate), then commit.

``prepare_bytes`` reads and validates a file without writing anything, so the
dashboard can show what would be loaded and rejected before the user confirms;
``commit`` writes it in one transaction: the load record, rows read / loaded /
rejected per kind and LA, the rejected rows with reasons, and the records (upserted on
LA and id, so a corrected extract supersedes the records whose ids it contains). A
failure part way, including the process being killed, leaves the store as it was.
Loading byte-identical content again changes nothing and says so.

Example::

    >>> from store.engine import open_store
    >>> engine = open_store("sqlite:///:memory:")
    >>> opts = LoadOptions(key=b"k" * 32, default_la="394")
    >>> csv = b"cin_plan_id,child_id,start_date\\nA,P1,2024-01-05\\nB,,2024-01-05\\n"
    >>> out = commit(engine, prepare_bytes(engine, "cin_plans.csv", csv, opts))
    >>> (out.status, out.rows_read, out.rows_loaded, out.rows_rejected)
    ('loaded', 2, 1, 1)
    >>> prepare_bytes(engine, "copy.csv", csv, LoadOptions(key=b"k" * 32, kind="cin_plans",
    ...               default_la="394")).outcome.status
    'unchanged'
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError, SQLAlchemyError

from loaders import formats
from loaders.limits import ReadLimits
from loaders.pseudonym import PseudonymKeyError, key_fingerprint
from loaders.readers import (
    FileRejectedError,
    RawTable,
    is_reader_failure,
    read_csv_bytes,
    read_sheet_rows,
    table_from_sheet_rows,
    workbook_sheets,
)
from loaders.retract import keep_superseded
from loaders.sanity import DateLimits
from loaders.validate import REJECT_COLUMNS, Validated, header_key, shown_value, validate
from loaders.workbook_check import check_workbook
from store.bulk import driver_columns, upsert, upsert_columns
from store.engine import writing
from store.extracts import EXTRACTS, KIND_ORDER
from store.measures import MeasureCatalogue
from store.schema import RETRACTED, kind_table, load_counts, loads, meta, rejects
from store.times import utc_now

Status = Literal["loaded", "unchanged", "rejected", "preview"]
FILE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xml")


@dataclass(frozen=True)
class LoadOptions:
    """How to load: the pseudonymisation key, and what the file itself may not say."""

    key: bytes = field(repr=False)
    kind: str | None = None
    default_la: str | None = None
    partner: str | None = None
    loaded_by: str | None = None
    # Dates after this day (plus the grace) are rejected; None is the day of the load.
    load_date: date | None = None
    date_grace_days: int = 0
    progress: Callable[[str], None] | None = field(default=None, compare=False)
    # Told once when another load holds the store's write lock and this one waits.
    on_wait: Callable[[str], None] | None = field(default=None, compare=False)
    limits: ReadLimits = field(default_factory=ReadLimits)
    # The partnership's declared measures (partner_measures); the shipped example when None.
    measures: MeasureCatalogue | None = field(default=None, compare=False, repr=False)
    # Pseudonyms made during this load (several files share children); memory only.
    pseudonyms: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class KindCounts:
    rows_read: int
    rows_loaded: int
    rows_rejected: int


@dataclass
class FileOutcome:
    """What happened to one file."""

    file: str
    kind: str
    format: str
    status: Status
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    load_id: int | None = None
    message: str | None = None
    reason_code: str | None = None
    warnings: list[str] = field(default_factory=list)
    by_kind: dict[str, KindCounts] = field(default_factory=dict)

    @property
    def next_step(self) -> str | None:
        """What the user should do next, if anything."""
        if self.status == "rejected":
            return "fix the file as the message says and load it again"
        if self.rows_rejected and self.load_id is not None:
            return f"see the rejected rows with: scorecard rejects --load {self.load_id}"
        if self.rows_rejected:
            return "see the rejected rows below; confirm to load the rest"
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "format": self.format,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "status": self.status,
            "load_id": self.load_id,
            "message": self.message,
            "reason_code": self.reason_code,
            "warnings": self.warnings,
            "next_step": self.next_step,
            "by_kind": {k: vars(c) for k, c in self.by_kind.items()},
        }


@dataclass
class PreparedLoad:
    """A file read and validated, not yet written."""

    outcome: FileOutcome
    file_hash: str
    options: LoadOptions
    tables: list[Validated] = field(default_factory=list)
    rejected_counts: pd.DataFrame | None = None  # per kind and LA, for a file rejected whole

    @property
    def rejects(self) -> pd.DataFrame:
        """Every rejected row, child ids masked (for a file rejected whole: one row)."""
        if self.outcome.status == "rejected":
            return pd.DataFrame(
                [
                    {
                        "kind": self.outcome.kind,
                        "la_code": self.options.default_la,
                        "row_number": None,
                        "sheet": None,
                        "location": None,
                        "column_name": None,
                        "value": None,
                        "reason": self.outcome.message,
                        "reason_code": self.outcome.reason_code,
                    }
                ],
                columns=REJECT_COLUMNS,
            )
        frames = [t.rejects for t in self.tables if len(t.rejects)]
        if not frames:
            return pd.DataFrame(columns=REJECT_COLUMNS)
        return pd.concat(frames, ignore_index=True)


def kind_from_name(name: str) -> str | None:
    """The extract kind named in a file name: ``referrals_2024-03.xlsx`` → ``referrals``.

    >>> kind_from_name("LA394 Early-Help episodes.csv"), kind_from_name("notes.csv")
    ('early_help', None)
    >>> kind_from_name("contacts2024.csv"), kind_from_name("cp_plans.xlsx")
    ('contacts', 'cp_plans')
    """
    stem = header_key(Path(name).stem)
    found = [k for k in EXTRACTS if re.search(rf"(^|_){re.escape(k)}(_|\d|$)", stem)]
    if not found and stem.startswith("s47"):
        found = ["s47"]
    found = [k for k in found if not any(k != o and k in o for o in found)]
    return found[0] if len(found) == 1 else None


def _unknown_kind_message(name: str) -> str:
    kinds = ", ".join(k for k in KIND_ORDER)
    return (
        f"cannot tell which extract {name} is: name the file after its kind "
        f"(contacts.csv, referrals_2024-03.xlsx, ...) or give the kind (--kind KIND); kinds: {kinds}"
    )


def _is_workbook(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04"


def _looks_like_xml(content: bytes) -> bool:
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _choose_sheet(sheets: list[str], kind: str) -> str:
    for sheet in sheets:
        if header_key(sheet) == kind:
            return sheet
    return sheets[0]


def _read_single_kind(name: str, content: bytes, kind: str, sheets: list[str] | None) -> RawTable:
    """One kind's table: the sheet named after the kind (or the first) of a workbook, or the CSV."""
    if sheets is not None:
        sheet = _choose_sheet(sheets, kind)
        table = table_from_sheet_rows(name, sheet, read_sheet_rows(content, sheet, name))
    else:
        table = read_csv_bytes(name, content)
    table.kind = kind
    return table


def _file_format(content: bytes, reader: formats.FormatReader | None) -> str:
    if reader is not None:
        return reader.name
    return "xlsx" if _is_workbook(content) else "csv"


def _previous_load_query(file_hash: str, kind: str, default_la: str | None) -> Any:
    return (
        select(loads.c.load_id, loads.c.status, loads.c.message)
        .where(loads.c.file_hash == file_hash, loads.c.kind == kind, loads.c.status != RETRACTED)
        .where(loads.c.la_default == default_la if default_la else loads.c.la_default.is_(None))
        .order_by(loads.c.load_id.desc())
        .limit(1)
    )


def _previous_load(engine: Engine, file_hash: str, kind: str, default_la: str | None) -> Any:
    with engine.connect() as conn:
        return conn.execute(_previous_load_query(file_hash, kind, default_la)).first()


def _whole_file_counts(table: RawTable | None, kind: str, default_la: str | None) -> pd.DataFrame:
    """Rows read per LA of a file rejected whole (all of them rejected)."""
    la = pd.Series([default_la or ""] * (table.n_rows if table else 0), dtype=object)
    if table is not None:
        for header, cells in zip(table.headers, table.cells, strict=True):
            if header_key(header) == "la_code":
                written = cells.astype(object).where(cells.notna(), None)
                la = written.reindex(range(table.n_rows)).fillna(default_la or "")
                break
    counts = la.value_counts()
    return pd.DataFrame(
        {
            "kind": kind,
            "la_code": counts.index.astype(str),
            "rows_read": counts.to_numpy(),
            "rows_loaded": 0,
            "rows_rejected": counts.to_numpy(),
        }
    )


def prepare_bytes(engine: Engine, name: str, content: bytes, options: LoadOptions) -> PreparedLoad:
    """Read and validate one file without writing anything.

    Whatever the file holds, this returns: a file that cannot be read is rejected whole
    with one sentence naming it (nothing of its content, which may hold a child's
    identifier, is repeated). Only a failure of the store itself goes on up.
    """
    fmt = "xlsx" if _is_workbook(content) else ("xml" if _looks_like_xml(content) else "csv")
    outcome = FileOutcome(
        file=name, kind=options.kind or kind_from_name(name) or "unknown", format=fmt, status="preview"
    )
    prepared = PreparedLoad(outcome=outcome, file_hash=hashlib.sha256(content).hexdigest(), options=options)
    try:
        return _prepare(engine, prepared, content)
    except SQLAlchemyError:
        raise
    except FileRejectedError as exc:
        return _reject_whole(prepared, str(exc), None, exc.code)
    except BaseException as exc:
        if not is_reader_failure(exc):
            raise
        # A reader library failed in a way we did not foresee: the file is rejected whole,
        # and the error's text (which may quote a row) is not repeated.
        message = (
            f"{name} cannot be read ({type(exc).__name__}): check that it is a CSV UTF-8, "
            ".xlsx or CIN XML extract, save it again and load it again"
        )
        return _reject_whole(prepared, message, None, "unreadable_file")


def _prepare(engine: Engine, prepared: PreparedLoad, content: bytes) -> PreparedLoad:
    outcome, options, name = prepared.outcome, prepared.options, prepared.outcome.file
    say = options.progress or (lambda _msg: None)
    sheets: list[str] | None = None
    if _is_workbook(content):
        check_workbook(name, content, options.limits)
        sheets = workbook_sheets(content, name)
    reader = formats.detect(name, content, sheets) if (sheets or _looks_like_xml(content)) else None
    outcome.format = _file_format(content, reader)
    kind = reader.name if reader else (options.kind or kind_from_name(name))
    if kind is None and sheets:
        kind = next((header_key(s) for s in sheets if header_key(s) in EXTRACTS), None)
    outcome.kind = kind or "unknown"
    if kind is None:
        return _reject_whole(
            prepared, _unknown_kind_message(name), _table_for_counting(name, content), "unknown_kind"
        )
    previous = _previous_load(engine, prepared.file_hash, kind, options.default_la)
    if previous is not None:
        return _previous_outcome(prepared, previous)
    say(f"{name}: reading")
    table: RawTable | None = None
    try:
        if reader is not None:
            found = reader.read(name, content, formats.ReadContext(options.key, options.default_la))
            outcome.warnings.extend(found.notes)
            tables = found.tables
        else:
            table = _read_single_kind(name, content, kind, sheets)
            tables = [table]
        say(f"{name}: validating {sum(t.n_rows for t in tables):,} rows")
        for raw in tables:
            assert raw.kind is not None
            prepared.tables.append(
                validate(
                    raw,
                    EXTRACTS[raw.kind],
                    default_la=options.default_la,
                    key=options.key,
                    pseudonyms=options.pseudonyms,
                    max_field_chars=options.limits.max_field_chars,
                    dates=DateLimits(options.load_date or date.today(), options.date_grace_days),
                    measures=options.measures,
                    partner=options.partner,
                )
            )
    except FileRejectedError as exc:
        prepared.tables.clear()
        return _reject_whole(prepared, str(exc), table, exc.code)
    _summarise(prepared)
    return prepared


def _table_for_counting(name: str, content: bytes) -> RawTable | None:
    """The file's rows, read only to count them for a file rejected whole (best effort)."""
    try:
        if _is_workbook(content):
            sheet = workbook_sheets(content, name)[0]
            return table_from_sheet_rows(name, sheet, read_sheet_rows(content, sheet, name))
        return read_csv_bytes(name, content)
    except FileRejectedError:
        return None


def _previous_outcome(prepared: PreparedLoad, previous: Any) -> PreparedLoad:
    out = prepared.outcome
    out.load_id = previous.load_id
    if previous.status == "rejected":
        out.status = "rejected"
        out.message = f"identical to load {previous.load_id}, which was rejected: {previous.message}"
        out.reason_code = "identical_to_rejected"
    else:
        out.status = "unchanged"
        out.message = f"identical to load {previous.load_id}: nothing to do"
    return prepared


def _reject_whole(prepared: PreparedLoad, message: str, table: RawTable | None, code: str) -> PreparedLoad:
    out = prepared.outcome
    out.status = "rejected"
    out.message = message
    out.reason_code = code
    counts = _whole_file_counts(table, out.kind, prepared.options.default_la)
    prepared.rejected_counts = counts
    out.rows_read = out.rows_rejected = int(counts["rows_read"].sum())
    return prepared


def _summarise(prepared: PreparedLoad) -> None:
    out = prepared.outcome
    for t in prepared.tables:
        out.by_kind[t.kind] = KindCounts(t.rows_read, t.rows_loaded, t.rows_rejected)
        out.warnings.extend(f"{t.kind}: {w}" if len(prepared.tables) > 1 else w for w in t.warnings)
    out.rows_read = sum(c.rows_read for c in out.by_kind.values())
    out.rows_loaded = sum(c.rows_loaded for c in out.by_kind.values())
    out.rows_rejected = sum(c.rows_rejected for c in out.by_kind.values())


def commit(engine: Engine, prepared: PreparedLoad) -> FileOutcome:
    """Write a prepared file in one transaction and return what happened."""
    out = prepared.outcome
    if out.status == "unchanged" or (
        out.status == "rejected" and (out.load_id is not None or not prepared.file_hash)
    ):
        return out
    say = prepared.options.progress or (lambda _msg: None)
    started = utc_now()
    # One load writes at a time (SQLite's write lock, a PostgreSQL advisory lock), so two
    # loads of the same file cannot both pass the check below.
    with writing(engine, on_wait=prepared.options.on_wait) as conn:
        # Identical content may have been committed since it was prepared (a file prepared
        # ahead, or two uploads at once): checked again under the write lock.
        previous = conn.execute(
            _previous_load_query(prepared.file_hash, out.kind, prepared.options.default_la)
        ).first()
        if previous is not None:
            return _previous_outcome(prepared, previous).outcome
        _check_key(conn, prepared.options.key)
        load_id = _insert_load(conn, prepared, started)
        if out.status == "rejected":
            _insert_counts(conn, load_id, prepared.rejected_counts)
            conn.execute(insert(rejects), [_whole_file_reject(load_id, prepared)])
        else:
            for t in prepared.tables:
                say(f"{out.file}: writing {t.rows_loaded:,} {t.kind} rows")
                _write_table(conn, load_id, t)
            out.status = "loaded"
    out.load_id = load_id
    return out


def _check_key(conn: Connection, key: bytes) -> None:
    fingerprint = key_fingerprint(key)
    stored = conn.execute(select(meta.c.value).where(meta.c.key == "key_fingerprint")).scalar()
    if stored is None:
        conn.execute(insert(meta).values(key="key_fingerprint", value=fingerprint))
    elif stored != fingerprint:
        raise PseudonymKeyError(
            f"this database was loaded with a different pseudonymisation key (fingerprint {stored}, "
            f"this key {fingerprint}): children would not link across loads. Use the original key "
            "(SCORECARD_SECRET_KEY or SCORECARD_SECRET_KEY_FILE) or a new database."
        )


def _insert_load(conn: Connection, prepared: PreparedLoad, started: datetime) -> int:
    out = prepared.outcome
    status = "rejected" if out.status == "rejected" else "loaded"
    result = conn.execute(
        insert(loads).values(
            file_name=printable(out.file),
            file_hash=prepared.file_hash,
            kind=out.kind,
            format=out.format,
            la_default=prepared.options.default_la,
            partner=prepared.options.partner,
            status=status,
            rows_read=out.rows_read,
            rows_loaded=out.rows_loaded,
            rows_rejected=out.rows_rejected,
            message=printable(out.message),
            warnings=printable("\n".join(out.warnings) or None),
            loaded_by=prepared.options.loaded_by,
            started_at=started,
            finished_at=utc_now(),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _insert_counts(
    conn: Connection, load_id: int, counts: pd.DataFrame | None, kind: str | None = None
) -> None:
    """The counts per LA (and kind: the frame's, else ``kind``), one row each."""
    if counts is None or counts.empty:
        return
    names = [str(c) for c in counts.columns]
    fixed: dict[str, Any] = {"load_id": load_id} if kind is None else {"load_id": load_id, "kind": kind}
    rows = [
        {**fixed, **{n: _plain(v) for n, v in zip(names, r, strict=True)}}
        for r in zip(*(counts[n].tolist() for n in names), strict=True)
    ]
    conn.execute(insert(load_counts), rows)


def printable(text: str | None) -> str | None:
    """Text as stored: a NUL character (which PostgreSQL refuses) written as ``\\x00``.

    >>> printable("sheet\\x001")
    'sheet\\\\x001'
    """
    return None if text is None else shown_value(str(text), limit=1_000_000)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _whole_file_reject(load_id: int, prepared: PreparedLoad) -> dict[str, Any]:
    return {
        "load_id": load_id,
        "kind": prepared.outcome.kind,
        "la_code": prepared.options.default_la,
        "row_number": None,
        "reason": printable(prepared.outcome.message),
        "reason_code": prepared.outcome.reason_code,
    }


def _write_table(conn: Connection, load_id: int, table: Validated) -> None:
    _insert_counts(conn, load_id, table.counts, kind=table.kind)
    if len(table.rejects):
        frame = table.rejects.assign(load_id=load_id)
        for column in ("sheet", "location", "column_name", "value", "reason"):
            frame[column] = frame[column].map(printable, na_action="ignore")
        upsert(conn, rejects, frame)
    if len(table.frame):
        # The rows are turned into the driver's values once, the load id added as a
        # constant: the superseded versions are found by their keys, then the rows upserted.
        target = kind_table(table.kind)
        columns = driver_columns(table.frame, target, conn.dialect.name, {"load_id": load_id})
        keep_superseded(conn, table.kind, columns, load_id)
        upsert_columns(conn, target, columns)


def load_bytes(engine: Engine, name: str, content: bytes, options: LoadOptions) -> FileOutcome:
    """Prepare and commit one file's content."""
    return commit(engine, prepare_bytes(engine, name, content, options))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the extract files inside folders, in journey order.

    Raises FileNotFoundError naming a path that does not exist.
    """
    out: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        if path.is_dir():
            found = [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in FILE_SUFFIXES]
            out.extend(sorted(found, key=_journey_order))
        else:
            out.append(path)
    return out


def _journey_order(path: Path) -> tuple[int, str]:
    kind = kind_from_name(path.name)
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), path.name)


def iter_load(
    engine: Engine, files: Sequence[Path], options: LoadOptions
) -> Iterator[tuple[Path, FileOutcome]]:
    """Load files one transaction each, yielding each outcome as it is committed.

    The next file is read and validated in a worker thread while this one is written,
    so both cores work (the SQLite and Arrow calls release the interpreter lock).
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare") as pool:
        ahead: Future[PreparedLoad] | None = None
        for i, path in enumerate(files):
            current = ahead or pool.submit(_prepare_path, engine, path, options)
            ahead = pool.submit(_prepare_path, engine, files[i + 1], options) if i + 1 < len(files) else None
            yield path, commit_or_report(engine, current.result())


def commit_or_report(engine: Engine, prepared: PreparedLoad) -> FileOutcome:
    """``commit``, but a file whose rows the database refuses is reported, not raised.

    The transaction is rolled back, so nothing of the file is stored (not even a record
    of the attempt); the next file of a batch goes on. A store that cannot be reached or
    a key that does not match still stops the batch: every file would fail the same way.
    """
    try:
        return commit(engine, prepared)
    except (DataError, IntegrityError, ProgrammingError) as exc:
        out = prepared.outcome
        out.status = "rejected"
        out.load_id = None
        out.reason_code = "not_stored"
        out.message = (
            f"{out.file}: the database refused the file's rows ({type(exc.orig).__name__}), so nothing "
            "of it was stored: check the file for unusual characters and load it again"
        )
        return out


def _prepare_path(engine: Engine, path: Path, options: LoadOptions) -> PreparedLoad:
    try:
        content = path.read_bytes()
    except OSError as exc:
        prepared = PreparedLoad(
            outcome=FileOutcome(
                file=path.name, kind=kind_from_name(path.name) or "unknown", format="", status="preview"
            ),
            file_hash="",
            options=options,
        )
        reason = exc.strerror or type(exc).__name__
        prepared = _reject_whole(prepared, f"{path.name} cannot be read: {reason}", None, "unreadable_file")
        return prepared  # no hash: commit records nothing, the store never saw the content
    return prepare_bytes(engine, path.name, content, options)


def load_paths(engine: Engine, paths: Iterable[Path], options: LoadOptions) -> list[FileOutcome]:
    """Load files and folders, one transaction per file."""
    return [outcome for _, outcome in iter_load(engine, expand_paths(paths), options)]
