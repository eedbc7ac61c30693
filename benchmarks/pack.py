"""Board pack benchmark: ``scorecard pack`` for one LA and month, end to end and by phase.

The store is the committed samples (loaded and recomputed into data/bench/pack.db,
gitignored, built once), or any store given with ``--db``. Prints, ``--repeat`` times
each (the median kept):

- **the command as a user runs it**: ``scorecard pack --la 394 --period 2025-03 --out
  FILE`` in a new process (Python start-up, imports, opening the store, reading,
  rendering, writing), wall time and CPU time (user + system of the process and its
  children: WeasyPrint's start-up runs the linker to find its libraries);
- **the phases in this process**: reading what the pack shows (``gather``), writing the
  HTML, and rendering the PDF, for the board and clinic packs and the summary;
- a floor measured in the same run: WeasyPrint rendering one page of text with the same
  stylesheet and font (its start-up, font loading and PDF/UA writing).

The machine is often shared: the 1-minute load average is printed before and after
each measurement; on a busy machine the wall time stretches while the CPU time does not,
so compare CPU times, and read a wall time with the load beside it. Times nothing
against a limit (the target: under 15 s for one LA and month on 2 cores).

Usage::

    .venv/bin/python benchmarks/pack.py [--db URL] [--la 394] [--period 2025-03] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metrics.benchmarks import load_benchmarks  # noqa: E402
from metrics.periods import month_end  # noqa: E402
from metrics.registry import load_registry  # noqa: E402
from scorecard.pack.data import gather  # noqa: E402
from scorecard.pack.html import pack_html, summary_html  # noqa: E402
from scorecard.pack.render import render_pdf, stylesheet  # noqa: E402
from store.engine import open_store  # noqa: E402


def _store(url: str | None) -> Any:
    if url:
        return open_store(url)
    path = ROOT / "data" / "bench" / "pack.db"
    if path.exists():
        return open_store(f"sqlite:///{path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    from tests.dash_fixtures import pipeline_store

    return pipeline_store(f"sqlite:///{path}")


CPU: list[float] = []


def _timed(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """Median wall time (and the median CPU time of this process, kept in ``CPU``)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU.append(statistics.median(cpu))
    return statistics.median(times), result


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(db: str, la: str, period: str, repeat: int, audience: str = "board") -> None:
    """Time ``scorecard pack`` as a user runs it: a new process each time."""
    exe = Path(sys.executable).with_name("scorecard")
    walls, cpus, loads = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pack.pdf"
        args = [str(exe), "pack", "--db", db, "--la", la, "--period", period]
        args += ["--audience", audience, "--out", str(out)]
        for _ in range(repeat):
            before = _load()
            start, start_cpu = time.perf_counter(), _children_cpu()
            subprocess.run(args, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
            cpus.append(_children_cpu() - start_cpu)
            loads.append(f"{before} -> {_load()}")
        size = out.stat().st_size
    print(
        f"command `scorecard pack --audience {audience}`: wall {statistics.median(walls):.2f} s "
        f"(runs {', '.join(f'{w:.1f}' for w in walls)}), CPU {statistics.median(cpus):.2f} s "
        f"(runs {', '.join(f'{c:.1f}' for c in cpus)}), {size:,} bytes; {'; '.join(loads)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--la", default="394")
    parser.add_argument("--period", default="2025-03", help="YYYY-MM")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = _store(args.db)
    print(
        f"machine: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{_load()} at start"
    )
    db = args.db or f"sqlite:///{ROOT / 'data' / 'bench' / 'pack.db'}"
    for audience in ("board", "clinic"):
        command(db, args.la, args.period, args.repeat, audience)
    registry = load_registry()
    benchmarks = load_benchmarks(None, registry)
    period = month_end(datetime.strptime(args.period, "%Y-%m").date())
    css = stylesheet()
    floor, _ = _timed(
        args.repeat,
        lambda: render_pdf(
            f'<html lang="en"><head><title>f</title><style>{css}</style></head><body><p>1</p></body></html>'
        ),
    )
    print(f"floor: WeasyPrint, one page, same stylesheet and font: {floor:.2f} s")
    for audience in ("board", "clinic"):
        read, data = _timed(
            args.repeat,
            lambda a=audience: gather(engine, registry, benchmarks, args.la, "month", period, a, 5),  # type: ignore[misc]
        )
        read_cpu = CPU[-1]
        for name, build in (("pack", pack_html), ("summary", summary_html)):
            write, html = _timed(args.repeat, lambda b=build, d=data: b(d, registry, css))  # type: ignore[misc]
            render, pdf = _timed(args.repeat, lambda h=html: render_pdf(h))  # type: ignore[misc]
            total = read + write + render
            cpu = CPU[-3] + CPU[-2] + CPU[-1] if name == "pack" else CPU[-1] + CPU[-2] + read_cpu
            print(
                f"{audience:6} {name:7}: read {read:.2f} s, html {write:.3f} s, render {render:.2f} s, "
                f"total {total:.2f} s (CPU {cpu:.2f} s; {total / floor:.1f}x the floor), {len(pdf):,} bytes, "
                f"{len(data.exceptions)} exception pages; {_load()}"
            )
    print(f"LA {args.la}, month ending {period:%d %b %Y}; measured {date.today():%Y-%m-%d}")


if __name__ == "__main__":
    main()
