"""A month's load into a big store, alone, several rounds, beside its floor.

``benchmarks/refresh.py --month-only`` times the month's load once, after a full
recompute (minutes on a shared machine). This script times only the load: each round
copies the saved store (``store-base.db`` of a ``refresh.py`` data set, written once by
that script) to ``month-load.db`` beside it, measures the floor of the month's files
(``pyarrow.csv.read_csv`` plus a bare SQLite ``executemany``, ``benchmarks/ingest.py``),
then loads the month as ``scorecard load FOLDER`` does (``loaders.pipeline.load_paths``,
the declared measures read beforehand, as the command reads them at start-up). Each
round prints wall and CPU time (``benchmarks/usage.py``: this process, every thread)
for ours and the floor, and the load average; the last line gives the fastest round by
CPU. Nothing is recomputed.

    .venv/bin/python benchmarks/month_load.py [--las 1] [--children 300000] [--years 5] [--repeat 3]

The data set must exist: ``data/bench/refresh_{las}x{children}_{years}y/`` with
``month/`` and ``store-base.db`` (``refresh.py`` with the same sizes writes them).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ingest import floor_run
from benchmarks.usage import Usage
from loaders.pipeline import LoadOptions, expand_paths, load_paths
from store.engine import open_store
from store.measures import default_measures

KEY = b"benchmark-key-0123456789abcdef"  # refresh.py's: the store's key fingerprint


def data_set(las: int, children: int, years: int) -> Path:
    folder = Path("data/bench") / f"refresh_{las}x{children}_{years}y"
    if not (folder / "store-base.db").exists() or not (folder / "month").is_dir():
        raise SystemExit(f"{folder}: run benchmarks/refresh.py with the same sizes first")
    return folder


def fresh_store(folder: Path) -> Path:
    """A copy of the saved store (its WAL files removed), loaded into by one round."""
    db = folder / "month-load.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(folder / "store-base.db", db)
    return db


def one_round(folder: Path) -> tuple[Usage, Usage, int]:
    """The floor of the month's files, then our load of them into a fresh copy."""
    files = expand_paths([folder / "month"])
    with Usage() as floor_usage:
        floor_run(files)
    engine = open_store(f"sqlite:///{fresh_store(folder)}")
    options = LoadOptions(key=KEY, measures=default_measures())
    with Usage() as ours:
        outcomes = load_paths(engine, [folder / "month"], options)
    engine.dispose()
    assert all(o.status == "loaded" for o in outcomes), [o.message for o in outcomes]
    return ours, floor_usage, sum(o.rows_loaded for o in outcomes)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--las", type=int, default=1)
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = data_set(args.las, args.children, args.years)
    best: tuple[Usage, Usage] | None = None
    for number in range(1, args.repeat + 1):
        ours, floor_usage, rows = one_round(folder)
        print(
            f"round {number}: {rows:,} rows  load {ours.wall:.3f} s (CPU {ours.cpu:.3f} s)  "
            f"floor {floor_usage.wall:.3f} s (CPU {floor_usage.cpu:.3f} s)  "
            f"ratio {ours.wall / floor_usage.wall:.2f}x (CPU {ours.cpu / floor_usage.cpu:.2f}x)  "
            f"load average {ours.load_mean:.1f}",
            flush=True,
        )
        if best is None or ours.cpu < best[0].cpu:
            best = (ours, floor_usage)
    assert best is not None
    ours, floor_usage = best
    print(
        f"fastest by CPU: load {ours.wall:.3f} s (CPU {ours.cpu:.3f} s), its floor {floor_usage.wall:.3f} s "
        f"(CPU {floor_usage.cpu:.3f} s); peak RSS {ours.peak_rss_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
