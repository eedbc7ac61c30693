"""Ingest benchmark: one large LA over five years, loaded into SQLite, beside a floor.

The floor, measured in the same run on the same files: ``pyarrow.csv.read_csv`` of each
file plus a bare ``executemany`` of its rows into an empty SQLite table with the same
columns (no keys, no checks). Prints seconds and rows/s per kind, the totals and the
ratio to the floor. The data set is generated once into data/bench/ and reused.

    .venv/bin/python benchmarks/ingest.py [--children 300000] [--years 5] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow.csv as pcsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.pipeline import LoadOptions, expand_paths, iter_load  # noqa: E402
from store.engine import open_store  # noqa: E402
from synthetic import generate  # noqa: E402


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


def dataset(children: int, years: int) -> Path:
    out = ROOT / "data" / "bench" / f"la_{children}_{years}y"
    if not (out / "population.csv").exists():
        print(f"generating {children:,} children over {years} years into {out} ...", flush=True)
        t = time.perf_counter()
        generate(out, children=children, years=years, start=date(2021, 4, 1), las=["394"], seed=7)
        print(f"  generated in {time.perf_counter() - t:.1f} s", flush=True)
    return out


def floor(files: list[Path]) -> dict[str, float]:
    """pyarrow read + bare executemany into empty same-column SQLite tables, per file."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "floor.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for path in files:
            t = time.perf_counter()
            table = pcsv.read_csv(path)
            cols = table.column_names
            name = path.stem
            conn.execute(f'CREATE TABLE "{name}" ({", ".join(f"{c!r}" for c in cols)})')
            rows = zip(*[table.column(c).to_pylist() for c in cols], strict=True)
            conn.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" for _ in cols)})', rows)
            conn.commit()
            out[name] = time.perf_counter() - t
        conn.close()
    return out


def ours(files: list[Path], url: str | None) -> dict[str, tuple[float, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        options = LoadOptions(key=b"benchmark-key-0123456789abcdef", default_la="394")
        out: dict[str, tuple[float, int]] = {}
        # As `scorecard load FOLDER` does: the next file is prepared while this one is
        # written, so a file's time is from the end of the previous one to its commit.
        t = time.perf_counter()
        for path, outcome in iter_load(engine, files, options):
            now = time.perf_counter()
            out[path.stem] = (now - t, outcome.rows_read)
            t = now
            assert outcome.status == "loaded", outcome
        engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--db", help="load into this database instead of a new SQLite file")
    args = parser.parse_args()
    files = expand_paths([dataset(args.children, args.years)])
    print(f"{date.today()}  {machine()}")
    base = floor(files)
    mine = ours(files, args.db)
    print(f"\n{'kind':<13}{'rows':>10}{'load s':>9}{'rows/s':>11}{'floor s':>9}{'ratio':>7}")
    for path in files:
        seconds, rows = mine[path.stem]
        print(
            f"{path.stem:<13}{rows:>10,}{seconds:>9.2f}{rows / seconds:>11,.0f}"
            f"{base[path.stem]:>9.2f}{seconds / base[path.stem]:>7.1f}"
        )
    total = sum(s for s, _ in mine.values())
    rows = sum(r for _, r in mine.values())
    total_floor = sum(base.values())
    print(
        f"{'total':<13}{rows:>10,}{total:>9.2f}{rows / total:>11,.0f}"
        f"{total_floor:>9.2f}{total / total_floor:>7.1f}"
    )


if __name__ == "__main__":
    main()
