"""Ingest benchmark: one large LA over five years (or ``--las`` LAs), loaded into SQLite,
beside a floor.

The floor, measured in the same run on the same files: ``pyarrow.csv.read_csv`` of each
file plus a bare ``executemany`` of its rows into an empty SQLite table with the same
columns (no keys, no checks). Prints, per kind, rows and seconds beside the floor's, and
for the whole load the wall time, the CPU time (user + sys of this process, threads
included, ``resource.getrusage``) and the load average, for ours and for the floor: the
machine is shared, and a ratio of CPU times is the one its load inflates least.

The five issue-10 kinds (workforce, vacancies, caseloads, audits, partner measures) are
loaded with the others; their share of the load is printed. ``--without-workforce``
leaves their files out (of the floor too); ``--compare-workforce`` loads the data set
both ways, one after the other in each round, and prints what the five kinds add.
``--repeat N`` runs floor and load N times (alternately) and prints each round and the
fastest. The data set is generated once into data/bench/ and reused.

    .venv/bin/python benchmarks/ingest.py [--children 300000] [--years 5] [--las 1] [--db URL]
        [--repeat N] [--without-workforce | --compare-workforce | --month]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.pipeline import LoadOptions, expand_paths, iter_load  # noqa: E402
from store.engine import open_store  # noqa: E402
from store.extracts import EXTRACTS, WORKFORCE_KINDS  # noqa: E402
from store.measures import default_measures  # noqa: E402
from store.schema import metadata  # noqa: E402
from synthetic import generate  # noqa: E402


def options() -> LoadOptions:
    """A new load's options (pseudonyms are remembered within one load only); the declared
    measures are read beforehand, as `scorecard load` reads them at start-up."""
    return LoadOptions(key=b"benchmark-key-0123456789abcdef", default_la="394", measures=default_measures())


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


# The LAs of a data set of several (--las): the first is the one LA of the usual data set.
LA_CODES = ("394", "390", "391", "392", "393", "800", "801", "802")


def dataset(children: int, years: int, las: int = 1) -> Path:
    """The data set's folder (generated the first time): ``las`` LAs of ``children`` each."""
    name = f"la_{children}_{years}y" if las == 1 else f"la_{las}x{children}_{years}y"
    out = ROOT / "data" / "bench" / name
    if not (out / "population.csv").exists():
        print(
            f"generating {las} LA(s) of {children:,} children over {years} years into {out} ...", flush=True
        )
        t = time.perf_counter()
        codes = list(LA_CODES[:las])
        generate(out, children=children, years=years, start=date(2021, 4, 1), las=codes, seed=7)
        print(f"  generated in {time.perf_counter() - t:.1f} s", flush=True)
    return out


def cpu_seconds() -> float:
    """User + system CPU time of this process, every thread included."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


@dataclass
class Run:
    """One timed pass over the files: per file (wall s, CPU s or None, rows), and the whole."""

    files: dict[str, tuple[float, float | None, int]] = field(default_factory=dict)
    wall: float = 0.0
    cpu: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0

    def start(self) -> tuple[float, float]:
        self.load_before = os.getloadavg()[0]
        return time.perf_counter(), cpu_seconds()

    def stop(self, began: tuple[float, float]) -> None:
        self.wall = time.perf_counter() - began[0]
        self.cpu = cpu_seconds() - began[1]
        self.load_after = os.getloadavg()[0]

    def share(self, names: set[str]) -> float:
        """The fraction of the wall time spent on the named files."""
        return sum(w for n, (w, _, _) in self.files.items() if n in names) / self.wall if self.wall else 0.0


def floor_run(files: list[Path]) -> Run:
    """pyarrow read + bare executemany into empty same-column SQLite tables, per file
    (one thread, so each file's CPU time is its own)."""
    run = Run()
    with tempfile.TemporaryDirectory() as tmp:
        began = run.start()
        conn = sqlite3.connect(Path(tmp) / "floor.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for path in files:
            t, c = time.perf_counter(), cpu_seconds()
            table = pcsv.read_csv(path)
            cols = table.column_names
            name = path.stem
            conn.execute(f'CREATE TABLE "{name}" ({", ".join(f"{c!r}" for c in cols)})')
            rows = zip(*[table.column(c).to_pylist() for c in cols], strict=True)
            conn.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" for _ in cols)})', rows)
            conn.commit()
            run.files[name] = (time.perf_counter() - t, cpu_seconds() - c, table.num_rows)
        conn.close()
        run.stop(began)
    return run


def floor(files: list[Path]) -> dict[str, float]:
    """The floor's wall seconds per file (used by benchmarks/refresh.py too)."""
    return {name: wall for name, (wall, _, _) in floor_run(files).files.items()}


def new_store(url: str | None, tmp: str) -> Engine:
    """A new SQLite store in ``tmp``, or the store at ``url`` emptied (its tables and its
    Alembic revision dropped, so it is made again at the head)."""
    if url is None:
        return open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
    old = open_store(url, create=False)
    metadata.drop_all(old)
    with old.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    old.dispose()
    return open_store(url)


def ours(files: list[Path], url: str | None) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        engine = new_store(url, tmp)
        run = timed_load(engine, files)
        engine.dispose()
    return run


def timed_load(engine: Engine, files: list[Path]) -> Run:
    """Load the files as `scorecard load FOLDER` does: the next file is prepared while this
    one is written, so a file's time is from the end of the previous one to its commit
    (and its CPU time cannot be told apart from the next file's: only the whole's)."""
    run, opts = Run(), options()
    began = run.start()
    t = time.perf_counter()
    for path, outcome in iter_load(engine, files, opts):
        now = time.perf_counter()
        run.files[path.stem] = (now - t, None, outcome.rows_read)
        t = now
        assert outcome.status == "loaded", outcome
    run.stop(began)
    return run


def month_split(folder: Path) -> tuple[Path, Path]:
    """The data set's last month of events (by each kind's main date) apart from the rest:
    folders ``base`` and ``month`` beside it, made once."""
    out = folder.parent / f"{folder.name}_month"
    base, month = out / "base", out / "month"
    if (base / "population.csv").exists():
        return base, month
    tables = {p.stem: read_as_text(p) for p in expand_paths([folder])}
    main = {k: EXTRACTS[k].main_date for k in tables if EXTRACTS[k].main_date}
    last = max(pc.max(tables[k].column(c)).as_py() for k, c in main.items())[:7]
    for part in (base, month):
        part.mkdir(parents=True, exist_ok=True)
    for kind, table in tables.items():
        late = (
            pc.starts_with(table.column(main[kind]), last)
            if kind in main
            else pa.array([False] * table.num_rows)
        )
        pacsv_write(table.filter(pc.invert(late)), base / f"{kind}.csv")
        if kind in main:
            pacsv_write(table.filter(late), month / f"{kind}.csv")
    return base, month


def read_as_text(path: Path) -> pa.Table:
    """A CSV with every value as text, as written (blanks empty, not null)."""
    with path.open(newline="") as f:
        header = next(csv.reader(f))
    return pcsv.read_csv(
        path,
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
        ),
    )


def pacsv_write(table: pa.Table, path: Path) -> None:
    pcsv.write_csv(table, path, write_options=pcsv.WriteOptions(quoting_style="needed"))


def month_run(folder: Path, url: str | None) -> tuple[Run, Run, int]:
    """The last month loaded into a store holding the rest (a partnership's monthly refresh),
    beside the floor of the month's files; also the rows already stored."""
    base, month = month_split(folder)
    with tempfile.TemporaryDirectory() as tmp:
        engine = new_store(url, tmp)
        stored = sum(r for _, _, r in timed_load(engine, expand_paths([base])).files.values())
        files = expand_paths([month])
        floor_of_month = floor_run(files)
        mine = timed_load(engine, files)
        engine.dispose()
    return mine, floor_of_month, stored


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def report(label: str, files: list[Path], mine: Run, base: Run) -> None:
    print(f"\n{label}")
    print(f"{'kind':<17}{'rows':>10}{'load s':>9}{'rows/s':>11}{'floor s':>9}{'floor CPU':>10}{'ratio':>7}")
    for path in files:
        seconds, _, rows = mine.files[path.stem]
        f_wall, f_cpu, _ = base.files[path.stem]
        print(
            f"{path.stem:<17}{rows:>10,}{seconds:>9.2f}{rows / seconds:>11,.0f}"
            f"{f_wall:>9.2f}{f_cpu or 0.0:>10.2f}{seconds / f_wall:>7.1f}"
        )
    rows = sum(r for _, _, r in mine.files.values())
    print(
        f"{'total':<17}{rows:>10,}  ours {mine.wall:.2f} s wall, {mine.cpu:.2f} s CPU "
        f"(load average {mine.load_before:.1f} -> {mine.load_after:.1f});  floor {base.wall:.2f} s wall, "
        f"{base.cpu:.2f} s CPU (load average {base.load_before:.1f} -> {base.load_after:.1f})"
    )
    ratios = f"wall {_ratio(mine.wall, base.wall)}, CPU {_ratio(mine.cpu, base.cpu)}"
    print(f"{'ratio to floor':<17}{'':>10}  {ratios}")
    present = {p.stem for p in files} & set(WORKFORCE_KINDS)
    if present:
        print(f"{'issue-10 kinds':<17}{'':>10}  {mine.share(present):.1%} of our wall time (their files)")


def month_main(folder: Path, url: str | None, repeat: int) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {machine()}")
    runs = []
    for round_no in range(1, repeat + 1):
        mine, base, stored = month_run(folder, url)
        files = [Path(name) for name in mine.files]
        report(f"round {round_no}, the last month into a store of {stored:,} rows", files, mine, base)
        runs.append((mine, base))
    if repeat > 1:
        mine, base = min(runs, key=lambda r: r[0].cpu)
        print(
            f"\nfastest round by CPU time: ours {mine.wall:.2f} s wall / {mine.cpu:.2f} s CPU, floor "
            f"{base.wall:.2f} s / {base.cpu:.2f} s CPU: ratio wall {_ratio(mine.wall, base.wall)}, "
            f"CPU {_ratio(mine.cpu, base.cpu)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument(
        "--las", type=int, default=1, choices=range(1, len(LA_CODES) + 1), help="LAs in the data set"
    )
    parser.add_argument("--db", help="load into this database instead of a new SQLite file")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of floor and load (default 1)")
    kinds = parser.add_mutually_exclusive_group()
    kinds.add_argument(
        "--without-workforce",
        action="store_true",
        help="leave out the workforce, vacancies, caseloads, audits and partner measures files",
    )
    kinds.add_argument(
        "--compare-workforce",
        action="store_true",
        help="load with and without those five kinds in each round and print what they add",
    )
    kinds.add_argument(
        "--month",
        action="store_true",
        help="time only the last month's load into a store holding the rest (a monthly refresh)",
    )
    args = parser.parse_args()
    folder = dataset(args.children, args.years, args.las)
    if args.month:
        month_main(folder, args.db, args.repeat)
        return
    every = expand_paths([folder])
    core = [p for p in every if p.stem not in WORKFORCE_KINDS]
    sets = {"all kinds": every, "without the five issue-10 kinds": core}
    if args.without_workforce:
        del sets["all kinds"]
    elif not args.compare_workforce:
        del sets["without the five issue-10 kinds"]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {machine()}")
    best: dict[str, tuple[Run, Run]] = {}
    for round_no in range(1, args.repeat + 1):
        for label, files in sets.items():
            base = floor_run(files)
            mine = ours(files, args.db)
            report(f"round {round_no}, {label}", files, mine, base)
            if label not in best or mine.cpu < best[label][0].cpu:
                best[label] = (mine, base)
    if args.repeat > 1:
        print("\nfastest round by CPU time:")
        for label, (mine, base) in best.items():
            print(
                f"  {label}: ours {mine.wall:.2f} s wall / {mine.cpu:.2f} s CPU, floor {base.wall:.2f} s / "
                f"{base.cpu:.2f} s CPU: ratio wall {_ratio(mine.wall, base.wall)}, "
                f"CPU {_ratio(mine.cpu, base.cpu)}"
            )
    if len(best) == 2:
        (with_all, _), (without, _) = best["all kinds"], best["without the five issue-10 kinds"]
        print(
            f"\nthe five issue-10 kinds add {with_all.cpu / without.cpu - 1:+.1%} CPU and "
            f"{with_all.wall / without.wall - 1:+.1%} wall to the load (fastest rounds by CPU)"
        )


if __name__ == "__main__":
    main()
