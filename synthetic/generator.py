"""``generate()``: write a deterministic synthetic set of canonical extracts.

One CSV per extract kind (``contacts.csv`` ... ``early_help.csv``) plus
``population.csv``, in the canonical columns of ``store/extracts.py`` (UTF-8, no
BOM, ISO dates, ``true``/``false``), every row carrying its ``la_code``. Each LA is
simulated on its own random stream, seeded by ``seed`` and the LA code, so an LA's
rows do not depend on which other LAs are generated with it; ids restart in every
LA (``C000001`` occurs in each), as they are unique only within an LA.

Example::

    >>> import tempfile
    >>> from datetime import date
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp())
    >>> files = generate(out, children=300, years=1, start=date(2023, 4, 1))
    >>> files["referrals"].path.name, files["population"].rows
    ('referrals.csv', 3)
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np

from metrics.calendar import calendar_range
from store.extracts import EVENT_KINDS, EXTRACTS
from store.local_authorities import la_number
from store.measures import MeasureCatalogue
from synthetic import params
from synthetic.output import Columns, population_table, to_tables
from synthetic.simulate import Simulation
from synthetic.timeline import years_later
from synthetic.workforce import workforce_tables

LA_CODE = re.compile(r"^(\d{3}|[EW]\d{8})$")
MAX_YEARS = 20
_SPECIAL = (",", '"', "\n", "\r")
_CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class GeneratedFile:
    """One written file: where it is and how many data rows it has (header excluded)."""

    path: Path
    rows: int


def window(start: date, years: int) -> tuple[np.datetime64, np.datetime64]:
    """First and last day of ``years`` years from ``start`` (2022-04-01, 3 -> 2025-03-31).

    Example::

        >>> [str(d) for d in window(date(2022, 4, 1), 3)]
        ['2022-04-01', '2025-03-31']
    """
    first = np.datetime64(start, "D")
    last = years_later(np.array([first]), years)[0] - np.timedelta64(1, "D")
    return first, last


def validate(
    out_dir: Path, children: int, years: int, start: date, las: Sequence[str], seed: int = 0
) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is expected.

    Example::

        >>> validate(Path("out"), 0, 3, date(2022, 4, 1), ("394",))
        Traceback (most recent call last):
        ...
        ValueError: children must be a whole number, at least 1 (per LA), got 0
        >>> validate(Path("out"), 10, 3, date(2022, 4, 1), ("804",))
        Traceback (most recent call last):
        ...
        ValueError: LA code '804' is not a local authority in England (store/data/local_authorities.csv)
    """
    if isinstance(children, bool) or not isinstance(children, int) or children < 1:
        raise ValueError(f"children must be a whole number, at least 1 (per LA), got {children!r}")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be a whole number from 1 to {MAX_YEARS}, got {years!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if not isinstance(start, date):
        raise ValueError(f"start must be a date (YYYY-MM-DD), got {start!r}")
    _check_calendar(start, years)
    if isinstance(las, str) or not las:
        raise ValueError(f"las must be a non-empty list of LA codes, got {las!r}")
    for la in las:
        if not isinstance(la, str) or not LA_CODE.match(la):
            raise ValueError(
                f"LA code {la!r} is not valid: use the DfE three-digit number (e.g. 394) "
                "or the ONS code (e.g. E08000024)"
            )
        if la_number(la) is None:
            # The loader rejects every row of such an LA: its extracts would load nothing.
            raise ValueError(
                f"LA code {la!r} is not a local authority in England (store/data/local_authorities.csv)"
            )
    dupes = sorted({la for la in las if list(las).count(la) > 1})
    if dupes:
        raise ValueError(f"LA codes must not repeat: {', '.join(dupes)}")
    _check_out_dir(out_dir)


def _check_calendar(start: date, years: int) -> None:
    first, last = window(start, years)
    table_first, table_last = calendar_range()
    oldest = years_later(np.array([first]), -params.WRITTEN_HISTORY_YEARS)[0]
    if oldest < table_first or last > table_last:
        raise ValueError(
            f"start {start.isoformat()} with years={years} spans {first} to {last}, and plans "
            f"open on the first day may have started up to {params.WRITTEN_HISTORY_YEARS} "
            f"years before it, but working days are only known from {table_first} to "
            f"{table_last} (the bank-holiday table); choose a start and years inside it, "
            "or extend the table with scripts/freeze_bank_holidays.py"
        )


def _check_out_dir(out_dir: Path) -> None:
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"out_dir {path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"out_dir {path} cannot be created: {exc.strerror or exc}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"out_dir {path} is not writable")


def csv_fields(values: list[str]) -> list[str]:
    """Text values as CSV fields: quoted (RFC 4180) only when they hold , " or a newline.

    Example::

        >>> csv_fields(["3A,4B", "NEG", 'a "b" c'])
        ['"3A,4B"', 'NEG', '"a ""b"" c"']
    """
    joined = "\x00".join(values)
    if not any(ch in joined for ch in _SPECIAL):
        return values
    return [_quote(v) if any(ch in v for ch in _SPECIAL) else v for v in values]


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def la_seed(seed: int, la_code: str, stream: int = 0) -> np.random.Generator:
    """The random stream of one LA: the seed and the LA code, nothing else.

    Stream 1 is the workforce's (``synthetic.workforce``), so adding those kinds left
    the journey's stream, and its files, as they were.
    """
    parts = [int(seed) & 0xFFFFFFFFFFFFFFFF, zlib.crc32(la_code.encode())]
    return np.random.default_rng([*parts, stream] if stream else parts)


class _Writers:
    """One open CSV per kind, written to a temporary name and renamed when complete."""

    def __init__(self, out_dir: Path, kinds: Sequence[str]) -> None:
        self.paths = {k: Path(out_dir) / f"{k}.csv" for k in kinds}
        self.rows = dict.fromkeys(kinds, 0)
        self.files: dict[str, BinaryIO] = {}
        for kind, path in self.paths.items():
            fh = path.with_name(path.name + ".tmp").open("wb")
            names = [c.name for c in EXTRACTS[kind].all_columns]
            fh.write((",".join(names) + "\n").encode("utf-8"))
            self.files[kind] = fh

    def write(self, kind: str, table: Columns) -> None:
        """Append rows (text columns, put in the header's order), quoting only where needed."""
        if not table:
            return
        n = len(next(iter(table.values())))
        blank = np.full(n, "")
        table = {c.name: table.get(c.name, blank) for c in EXTRACTS[kind].all_columns}
        for lo in range(0, n, _CHUNK_ROWS):
            columns = [csv_fields(c[lo : lo + _CHUNK_ROWS].tolist()) for c in table.values()]
            text = "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"
            self.files[kind].write(text.encode("utf-8"))
        self.rows[kind] += n

    def close(self, keep: bool) -> None:
        for kind, fh in self.files.items():
            fh.close()
            tmp = self.paths[kind].with_name(self.paths[kind].name + ".tmp")
            if keep:
                os.replace(tmp, self.paths[kind])
            else:
                tmp.unlink(missing_ok=True)


def generate(
    out_dir: Path,
    *,
    children: int = 2000,
    years: int = 3,
    start: date = date(2022, 4, 1),
    las: Sequence[str] = ("394",),
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
    measures: MeasureCatalogue | None = None,
) -> dict[str, GeneratedFile]:
    """Write one canonical CSV per extract kind and ``population.csv`` into ``out_dir``.

    ``children`` is the 0-17 population of each LA; events follow England-like rates
    for ``years`` years from ``start``. The same arguments always give byte-identical
    files. The partner figures are for ``measures`` (``scorecard generate`` passes the
    configured measures file; None: the shipped example). Returns, per kind
    (``contacts`` ... ``early_help``, ``population``), the path and the number of rows
    written.

    Example::

        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp())
        >>> files = generate(out, children=200, years=1, las=("394", "390"), seed=7)
        >>> sorted(files) == sorted([*EVENT_KINDS, "population"])
        True
    """
    validate(Path(out_dir), children, years, start, las, seed)
    say = progress or (lambda _msg: None)
    first, last = window(start, years)
    kinds = [*EVENT_KINDS, "population"]
    writers = _Writers(Path(out_dir), kinds)
    ok = False
    try:
        for la in las:
            say(f"LA {la}: simulating {children:,} children, {first} to {last}")
            sim = Simulation(la_seed(seed, la), children, first, last)
            sim.run()
            for kind, table in to_tables(sim, la).items():
                writers.write(kind, table)
            for kind, table in workforce_tables(sim, la, la_seed(seed, la, stream=1), measures).items():
                writers.write(kind, table)
            pop = population_table(sim, la, start.year - 1, int(str(last)[:4]))
            writers.write("population", pop)
            say(f"LA {la}: done")
        ok = True
    finally:
        writers.close(keep=ok)
    files = {k: GeneratedFile(writers.paths[k], writers.rows[k]) for k in kinds}
    for f in files.values():
        say(f"{f.path.name}: {f.rows:,} rows")
    return files
