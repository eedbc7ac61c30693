"""The monthly refresh as a partnership runs it: ``scorecard load`` of the month's folder,
a new process each time, imports and first use included.

``benchmarks/refresh.py`` times the month's load and recompute inside a process that has
just done a full recompute (its imports and its worker pool's fork server are warm).
This script starts from the store that run saved (``store-base.db``, SQLite), brings it
up to the current code with ``scorecard recompute --full`` (a new code digest means a
full recompute, ``metrics.recompute_plan.code_digest``), then ``--runs`` times copies it
and times a new ``scorecard load FOLDER`` of the kept month, printing the wall time,
the CPU of the command and of the processes it waited for (``RUSAGE_CHILDREN``), and the
recompute line it printed.

    .venv/bin/python benchmarks/refresh.py --las 1 --children 300000 --years 5 --skip-one-process
    .venv/bin/python benchmarks/month_command.py --las 1 --children 300000 --years 5 --runs 3
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The key benchmarks/refresh.py loads with (its KEY).
KEY = "benchmark-key-0123456789abcdef"


def scorecard(*args: str) -> list[str]:
    """The command line of the project's ``scorecard`` beside this interpreter."""
    return [str(Path(sys.executable).with_name("scorecard")), *args]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def checkpointed_copy(source: Path, target: Path) -> None:
    """``source`` copied to ``target`` with its write-ahead log folded in first."""
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--las", type=int, default=1)
    parser.add_argument("--children", type=int, default=300000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = ROOT / "data" / "bench" / f"refresh_{args.las}x{args.children}_{args.years}y"
    saved = folder / "store-base.db"
    if not saved.exists():
        raise SystemExit(f"{saved} is missing: run benchmarks/refresh.py with the same sizes first")
    env = {**os.environ, "SCORECARD_SECRET_KEY": KEY}
    with tempfile.TemporaryDirectory(prefix="month-command-") as tmp:
        base, store = Path(tmp) / "base.db", Path(tmp) / "store.db"
        checkpointed_copy(saved, base)
        full = subprocess.run(
            scorecard("recompute", "--full", "--db", f"sqlite:///{base}"),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"store brought up to this code: {full.stdout.strip()}")
        for run in range(1, args.runs + 1):
            checkpointed_copy(base, store)
            cpu, clock = children_cpu(), time.perf_counter()
            done = subprocess.run(
                scorecard("load", str(folder / "month"), "--db", f"sqlite:///{store}"),
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            wall, cpu = time.perf_counter() - clock, children_cpu() - cpu
            said = [line for line in done.stdout.splitlines() if line.startswith("recomputed")]
            waited = "the command and the processes it waited for"
            print(f"run {run}: {wall:.2f} s wall, CPU {cpu:.2f} s ({waited}); {said[-1]}")


if __name__ == "__main__":
    main()
