"""Records benchmark: ``metrics.records.records_for`` on one large LA over five years.

The store is the project's own: ``synthetic.generate`` (300,000 children, five years,
LA 394: about 400k contacts, 80k referrals, 75k assessments, 29k S47s, 9k CP plans,
165k visits, 47k early help episodes), loaded with ``loaders.pipeline.load_paths``
and recomputed with ``metrics.recompute.recompute``. The data set and the store are
built once into data/bench/ (gitignored) and reused.

Every indicator is called for every breakdown: breakdown ``all`` for the latest
month, quarter, financial year and rolling year of the data, the other breakdowns
(the group with the most records: the worst case) for the latest month and year.
Each call is timed ``--repeat`` times and its median kept; prints p50, p95 and max
over all calls, the slowest calls and the slowest indicators. Times nothing against
a limit (the target: well under 1 s a call).

Usage::

    .venv/bin/python benchmarks/records.py [--children 300000] [--years 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select  # noqa: E402

from benchmarks.ingest import dataset, machine  # noqa: E402
from loaders.pipeline import LoadOptions, load_paths  # noqa: E402
from metrics.periods import GRAINS, Period, month_end, month_start, period_for, shift_month  # noqa: E402
from metrics.recompute import recompute  # noqa: E402
from metrics.records import records_by_group, records_for  # noqa: E402
from metrics.registry import load_registry  # noqa: E402
from store.engine import open_store  # noqa: E402
from store.schema import kpi_runs, la_windows  # noqa: E402

LA = "394"
KEY = b"benchmark-key-0123456789abcdef"


def store(children: int, years: int) -> Engine:
    """The loaded and recomputed store (built on first use)."""
    path = ROOT / "data" / "bench" / f"records_{children}_{years}y.db"
    engine = open_store(f"sqlite:///{path}")
    with engine.connect() as conn:
        done = conn.execute(select(func.count()).select_from(kpi_runs)).scalar_one()
    if not done:
        files = dataset(children, years)
        print(f"loading {files} into {path} ...", flush=True)
        t = time.perf_counter()
        load_paths(engine, [files], LoadOptions(key=KEY, default_la=LA))
        print(f"  loaded in {time.perf_counter() - t:.1f} s; recomputing ...", flush=True)
        t = time.perf_counter()
        print(f"  {recompute(engine)} (wall {time.perf_counter() - t:.1f} s)", flush=True)
    return engine


def latest_periods(engine: Engine) -> dict[str, Period]:
    """The latest whole period of each grain inside the LA's reporting window."""
    with engine.connect() as conn:
        end = conn.execute(select(la_windows.c.window_end).where(la_windows.c.la_code == LA)).scalar_one()
    month = month_start(end) if end == month_end(end) else shift_month(end, -1)
    out: dict[str, Period] = {}
    for grain in GRAINS:
        m = month
        while grain not in out:
            try:
                out[grain] = period_for(grain, m)
            except ValueError:
                m = shift_month(m, -1)
    return out


def biggest_group(engine: Engine, kpi: str, grain: str, end: date, breakdown: str) -> str:
    """The group of a breakdown with the most records (the slowest to list)."""
    frame = records_by_group(engine, kpi, LA, grain, end, breakdown)
    if frame.empty:
        return {"kind": "contacts", "column": "contacts.team"}.get(breakdown, "Not recorded")
    return str(frame["group_name"].value_counts().idxmax())


def timed(engine: Engine, args: tuple[str, str, date, str, str], repeat: int) -> tuple[float, int]:
    """Median seconds of ``repeat`` calls, and the number of records."""
    kpi, grain, end, breakdown, group = args
    times, rows = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        rows = len(records_for(engine, kpi, LA, grain, end, breakdown, group))
        times.append(time.perf_counter() - t)
    return statistics.median(times), rows


def calls(engine: Engine, periods: dict[str, Period]) -> list[tuple[str, str, date, str, str]]:
    """Every indicator × breakdown: ``all`` for each grain, the others for month and year."""
    out: list[tuple[str, str, date, str, str]] = []
    for indicator in load_registry():
        for breakdown in indicator.breakdowns:
            grains = list(periods) if breakdown == "all" else ["month", "year"]
            for grain in grains:
                end = periods[grain].end
                group = (
                    "all"
                    if breakdown == "all"
                    else biggest_group(engine, indicator.id, grain, end, breakdown)
                )
                out.append((indicator.id, grain, end, breakdown, group))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = store(args.children, args.years)
    periods = latest_periods(engine)
    print(f"{date.today()}  {machine()}")
    print("periods: " + ", ".join(f"{g} {p.start} to {p.end}" for g, p in periods.items()))
    results = [(timed(engine, call, args.repeat), call) for call in calls(engine, periods)]
    seconds = sorted(s for (s, _), _ in results)
    q = statistics.quantiles(seconds, n=20)
    print(
        f"\n{len(seconds)} calls: p50 {statistics.median(seconds) * 1000:.0f} ms, "
        f"p95 {q[18] * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms"
    )
    print("\nslowest calls:")
    for (s, rows), (kpi, grain, _, breakdown, group) in sorted(results, reverse=True)[:12]:
        print(f"  {s * 1000:7.0f} ms {rows:>8,} rows  {kpi} {grain} {breakdown}={group}")
    per_kpi: dict[str, float] = {}
    for (s, _), (kpi, *_rest) in results:
        per_kpi[kpi] = max(per_kpi.get(kpi, 0.0), s)
    print("\nslowest call per indicator:")
    for kpi, s in sorted(per_kpi.items(), key=lambda kv: -kv[1]):
        print(f"  {s * 1000:7.0f} ms  {kpi}")


if __name__ == "__main__":
    main()
