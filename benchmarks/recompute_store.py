"""Recompute benchmark, end to end: read the store, compute, assess, write the results.

Generates one large LA (300,000 children, five years) or a region (eight such LAs
pooled), loads it once into a SQLite store under data/bench/ (reused on later runs),
then times ``metrics.recompute.recompute`` by stage and prints where the time goes.
``benchmarks/recompute.py`` times the computation alone on in-memory frames.

    .venv/bin/python benchmarks/recompute_store.py --las 1
    .venv/bin/python benchmarks/recompute_store.py --las 8 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import metrics.recompute as rc  # noqa: E402
import metrics.recompute_la as rla  # noqa: E402
from benchmarks.ingest import machine  # noqa: E402
from loaders.pipeline import LoadOptions, load_paths  # noqa: E402
from store.engine import open_store  # noqa: E402
from synthetic import generate  # noqa: E402

REGION_LAS = ["390", "391", "392", "393", "394", "395", "396", "397"]


def store_for(las: int, children: int) -> str:
    folder = ROOT / "data" / "bench" / f"las{las}_{children}_5y"
    db = folder.with_suffix(".db")
    if db.exists():
        return f"sqlite:///{db}"
    print(f"generating and loading {las} LA(s) of {children:,} children into {db} ...", flush=True)
    generate(folder, children=children, years=5, start=date(2021, 4, 1), las=REGION_LAS[:las], seed=11)
    engine = open_store(f"sqlite:///{db}")
    t = time.perf_counter()
    load_paths(engine, [folder], LoadOptions(key=b"benchmark-key-0123456789abcdef"))
    print(f"  loaded in {time.perf_counter() - t:.1f} s", flush=True)
    engine.dispose()
    return f"sqlite:///{db}"


def timed(stages: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            stages[name] = stages.get(name, 0.0) + time.perf_counter() - start

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--las", type=int, default=1, help="LAs pooled (1, or 8 for a region)")
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest functions")
    args = parser.parse_args()
    url = store_for(args.las, args.children)
    stages: dict[str, float] = {}
    # A full recompute in this process (--jobs 1), so that every stage can be timed.
    for name, module, attr in (
        ("plan (pending loads, spans, windows)", rc, "make_plan"),
        ("read the store", rla, "read_la_snapshot"),
        ("compute indicators", rla, "compute_indicators"),
        ("target, status, direction", rc, "add_assessment"),
        ("SPC: point classes, limits and icons", rc, "add_spc"),
        ("write the results", rc, "_store_la"),
    ):
        setattr(module, attr, timed(stages, name, getattr(module, attr)))
    engine = open_store(url)
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    summary = rc.recompute(engine, full=True, jobs=1)
    if profiler:
        profiler.disable()
    total = time.perf_counter() - start
    print(f"{date.today()}  {machine()}")
    print(f"{args.las} LA(s) x {args.children:,} children, five years: {summary}")
    for name, seconds in stages.items():
        print(f"  {name:<42}{seconds:>7.2f} s")
    print(f"  {'total':<42}{total:>7.2f} s")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())


if __name__ == "__main__":
    main()
