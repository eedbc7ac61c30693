"""Board pack benchmark: ``scorecard.pack.build_pack`` for one LA and month.

The store is the committed samples (loaded and recomputed into data/bench/pack.db,
gitignored, built once), or any store given with ``--db``. Times, ``--repeat`` times
each (the median kept): reading what the pack shows (``gather``), writing the HTML, and
rendering the PDF, for the board pack and the summary; and a floor measured in the same
run: WeasyPrint rendering one page of text with the same stylesheet and font (its
start-up, font loading and PDF/UA writing). Times nothing against a limit (the target:
under 15 s for one LA and month on 2 cores).

Usage::

    .venv/bin/python benchmarks/pack.py [--db URL] [--la 394] [--period 2025-03] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--la", default="394")
    parser.add_argument("--period", default="2025-03", help="YYYY-MM")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = _store(args.db)
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
                f"{len(data.exceptions)} exception pages"
            )
    print(f"LA {args.la}, month ending {period:%d %b %Y}; measured {date.today():%Y-%m-%d}")


if __name__ == "__main__":
    main()
