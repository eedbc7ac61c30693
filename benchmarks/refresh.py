"""A partnership's or a region's store: load, full recompute on every core, a monthly refresh.

Generates ``--las`` LAs (``--children`` each, ``--years`` from 2021-04-01) with the
project's generator, keeps the first LA's last month aside, and then, each figure
printed beside its floor measured in the same run:

1. loads everything else (floor: ``pyarrow.csv.read_csv`` plus a bare SQLite
   ``executemany`` of the same rows, ``benchmarks/ingest.py``);
2. recomputes in full with ``--jobs`` workers (floor: reading every data table into
   pandas once, ``metrics.snapshot.read_snapshot``), and again in one process;
3. loads the kept month and recomputes incrementally (against the full recompute).

Each figure is wall time with the CPU time of this process, its workers and a local
PostgreSQL server (user + sys), the peak RSS, the load average and a quiet-machine
estimate beside it (``benchmarks/usage.py``): the machine is shared, and CPU time is
what the load inflates least. ``--compare-dask`` adds, after the month, a full
recompute on a local Dask cluster of ``--jobs`` worker processes beside the local
executor's; ``--record FILE`` writes every figure as JSON. ``--month-only`` starts
again from a copy of the store saved just after the full recompute (``store-base.db``,
SQLite only): the read floor, a full recompute, then the monthly refresh beside them
(the month's load beside its own floor). With more than one job, the worker pool's fork
server is started and has done its imports before the first figure, as the commands
start it before their own imports (``metrics.worker_pool``); ``docs/performance.md``
times ``scorecard recompute --full`` whole, imports included, beside this.

Peak RSS is the largest of this process and its worker processes. The region runs of
the issue are ``--las 8 --children 300000 --years 5`` (8 large LAs: 6.2M rows from
today's generator) and ``--las 33 --children 2000 --years 3`` (the generator's default
size, not this script's); ``--db postgresql://...`` runs on PostgreSQL (the store's
tables and its schema revision, ``alembic_version``, are dropped first, so every run
starts from an empty store; at the end, untimed, the store is vacuumed and analysed, so
that the server's autovacuum does not run beside the next measurement).
``docs/performance.md`` ("The region runs") has the figures.

    .venv/bin/python benchmarks/refresh.py --las 1 --children 300000 --years 5
    .venv/bin/python benchmarks/refresh.py --las 4 --children 20000 --years 3 --jobs 2
    .venv/bin/python benchmarks/refresh.py --las 1 --children 300000 --years 5 --month-only
    .venv/bin/python benchmarks/refresh.py --las 8 --children 300000 --years 5 --jobs 2 \
        --skip-one-process --compare-dask --record region.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import floor, machine  # noqa: E402
from benchmarks.usage import Usage, postgres_server_pids  # noqa: E402
from loaders.pipeline import LoadOptions, expand_paths, load_paths  # noqa: E402
from metrics.executors import default_jobs  # noqa: E402
from metrics.recompute import recompute  # noqa: E402
from metrics.snapshot import read_snapshot  # noqa: E402
from metrics.worker_pool import wait_for_forkserver, wanted  # noqa: E402
from store.engine import describe_url, open_store  # noqa: E402
from store.extracts import EVENT_KINDS, EXTRACTS  # noqa: E402
from store.local_authorities import local_authorities  # noqa: E402
from store.measures import default_measures  # noqa: E402
from store.schema import metadata  # noqa: E402
from synthetic import generate  # noqa: E402

KEY = b"benchmark-key-0123456789abcdef"


def region_codes(las: int) -> list[str]:
    """The DfE numbers of the first ``las`` English LAs numbered from 800.

    Not simply 800, 801, ...: 804, 809, 814 and others are no LA in England, and the
    loader rejects every row of such a code, so until 2026-12-02 the "8-LA" region held
    7 LAs' rows and the "33-LA" one 21.

    >>> region_codes(8)
    ['800', '801', '802', '803', '805', '806', '807', '808']
    """
    numbers = sorted(la.la_number for la in local_authorities() if la.la_number >= "800")
    if len(numbers) < las:
        raise SystemExit(f"--las {las}: there are only {len(numbers)} English LAs numbered from 800")
    return numbers[:las]


def dataset(las: int, children: int, years: int) -> tuple[Path, Path, str]:
    """Folders of the base files and of the first LA's last month (generated once, and
    again when the folder was made for other LA codes)."""
    folder = ROOT / "data" / "bench" / f"refresh_{las}x{children}_{years}y"
    base, month = folder / "base", folder / "month"
    codes = region_codes(las)
    made_for = folder / "codes.txt"
    current = made_for.exists() and made_for.read_text().split() == codes
    if not (base / "population.csv").exists() or not current:
        shutil.rmtree(folder, ignore_errors=True)
        raw = folder / "raw"
        print(f"generating {las} LA(s) of {children:,} children over {years} years ...", flush=True)
        generate(raw, children=children, years=years, start=date(2021, 4, 1), las=codes, seed=5)
        _split(raw, base, month, codes[0])
        shutil.rmtree(raw)
        made_for.write_text(" ".join(codes) + "\n")
    return base, month, codes[0]


def _split(raw: Path, base: Path, month: Path, la: str) -> None:
    """The first LA's events whose main date is in the last month go to ``month``."""
    base.mkdir(parents=True)
    month.mkdir(parents=True)
    last = None
    for kind in EVENT_KINDS:
        frame = pd.read_csv(raw / f"{kind}.csv", dtype=str, keep_default_na=False)
        latest = frame[str(EXTRACTS[kind].main_date)].max()
        last = latest if last is None else max(last, latest)
    assert last is not None
    cut = last[:7]
    for kind in [*EVENT_KINDS, "population"]:
        frame = pd.read_csv(raw / f"{kind}.csv", dtype=str, keep_default_na=False)
        if kind == "population":
            frame.to_csv(base / f"{kind}.csv", index=False)
            continue
        main = str(EXTRACTS[kind].main_date)
        late = (frame["la_code"] == la) & (frame[main].str[:7] == cut)
        frame[~late].to_csv(base / f"{kind}.csv", index=False)
        frame[late].to_csv(month / f"{kind}.csv", index=False)


def empty_store(url: str) -> None:
    """Drop the store's tables and its schema revision (``alembic_version``), so that
    ``open_store`` creates a new store at the head: with the revision left behind, a
    second run on the same database would find a store "at the head" with no tables."""
    engine = open_store(url, create=False)
    with engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


class Timed(Usage):
    """Wall and CPU seconds of a ``with`` block, the database server's CPU included."""

    def __init__(self) -> None:
        super().__init__(server_pids=SERVER_PIDS)


SERVER_PIDS: list[int] = []  # the local PostgreSQL server's postmaster, when --db is one
FIGURES: list[dict[str, object]] = []  # every figure printed, written to --record as JSON


def line(label: str, t: Timed, floor_label: str, floor: Timed) -> None:
    ratio = t.wall / floor.wall if floor.wall else float("nan")
    cpu_ratio = t.cpu / floor.cpu if floor.cpu else float("nan")
    print(
        f"  {label:<34} {t.wall:7.2f} s (CPU {t.cpu:6.2f} s)   {floor_label} {floor.wall:6.2f} s "
        f"(CPU {floor.cpu:6.2f} s)   ratio {ratio:4.2f}x (CPU {cpu_ratio:4.2f}x)",
        flush=True,
    )
    if not FIGURES or FIGURES[-1]["figure"] != label:
        print(f"    {label}: {t.summary()}", flush=True)
    FIGURES.append({"figure": label, **_fields(t), "floor": floor_label, "floor_figures": _fields(floor)})


def _together(a: Timed, b: Timed) -> Timed:
    """Two blocks run one after the other, as one figure."""
    both = Timed()
    for name in ("wall", "cpu", "cpu_self", "cpu_server"):
        setattr(both, name, getattr(a, name) + getattr(b, name))
    for name in ("peak_rss_mb", "peak_tree_mb", "load_max"):
        setattr(both, name, max(getattr(a, name), getattr(b, name)))
    both.load_mean = (a.load_mean * a.wall + b.load_mean * b.wall) / (both.wall or 1)
    return both


def _fields(t: Timed) -> dict[str, object]:
    names = ("wall", "cpu", "cpu_self", "cpu_server", "peak_rss_mb", "peak_tree_mb", "load_mean", "load_max")
    figures: dict[str, object] = {n: round(float(getattr(t, n)), 2) for n in names}
    return {**figures, "quiet_estimate": round(t.quiet_estimate(), 2)}


def monthly_refresh(engine: Engine, month: Path, la: str, jobs: int, full: Timed, read_floor: Timed) -> None:
    """The kept month loaded, then an incremental recompute, beside the full recompute
    and the read floor, and the load beside its own floor."""
    files = expand_paths([month])
    load_floor = Timed()
    with load_floor:
        floor(files)
    # The declared measures are read before the timed load, as `scorecard load` reads
    # them at start-up (benchmarks/ingest.py does the same).
    options = LoadOptions(key=KEY, measures=default_measures())
    with Timed() as loaded:
        month_files = load_paths(engine, [month], options)
    with Timed() as refresh_t:
        refresh = recompute(engine, jobs=jobs)
    both = _together(loaded, refresh_t)
    month_rows = sum(o.rows_loaded for o in month_files)
    print(f"  LA {la}'s last month: {month_rows:,} rows; {refresh}")
    line("month: load", loaded, "its floor (read_csv + executemany)", load_floor)
    line("month: incremental recompute", refresh_t, "full recompute", full)
    line("month: incremental recompute", refresh_t, "read floor", read_floor)
    line("month: load + recompute", both, "full recompute", full)
    print(f"  peak RSS {peak_rss_mb():,.0f} MB (getrusage: this process or a reaped worker)")


def compare_dask(engine: Engine, jobs: int, local: Timed) -> None:
    """A full recompute on a local Dask cluster of ``jobs`` worker processes (started and
    stopped inside the figure), beside the local executor's on the same store (run after
    the month: the store then holds one more month of one LA, a few thousand rows)."""
    with Timed() as dask_t:
        done = recompute(engine, full=True, jobs=jobs, executor="dask")
    line(f"full recompute, dask {jobs} worker(s)", dask_t, "local executor", local)
    print(f"    {done.results:,} results")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--las", type=int, default=4)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--db", help="database URL (default: a new SQLite file under data/bench)")
    parser.add_argument("--skip-one-process", action="store_true", help="no one-process full recompute")
    parser.add_argument(
        "--month-only", action="store_true", help="only the monthly refresh, from the saved store"
    )
    parser.add_argument(
        "--compare-dask",
        action="store_true",
        help="after the full recompute, another on a local Dask cluster of --jobs worker processes",
    )
    parser.add_argument("--record", type=Path, help="write every figure to this file as JSON")
    args = parser.parse_args()
    if wanted("local", args.jobs):
        # As `scorecard recompute` and `scorecard load` start it, before their imports
        # (metrics.worker_pool): the first recompute's time is then the recompute's.
        wait_for_forkserver()
    try:
        _run(args)
    finally:
        if args.record:
            args.record.parent.mkdir(parents=True, exist_ok=True)
            args.record.write_text(json.dumps(FIGURES, indent=1) + "\n")


def _run(args: argparse.Namespace) -> None:
    base, month, la = dataset(args.las, args.children, args.years)
    url = args.db or f"sqlite:///{base.parent / 'store.db'}"
    saved = base.parent / "store-base.db"
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"{started}  {machine()}  load average {os.getloadavg()[0]:.1f} at the start")
    print(f"store {describe_url(url)}; {args.las} LA(s) of {args.children:,} children, {args.years} years")
    SERVER_PIDS[:] = postgres_server_pids(url)
    if SERVER_PIDS:
        print(f"  the PostgreSQL server's CPU is counted (postmaster {SERVER_PIDS})")
    if args.month_only:
        if args.db or not saved.exists():
            raise SystemExit("--month-only needs a SQLite store saved by an earlier run (store-base.db)")
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copy(saved, path)
        _month_only(url, month, la, args.jobs, args.compare_dask)
        return
    if not args.db:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    empty_store(url)
    engine = open_store(url)
    files = expand_paths([base])

    with Timed() as floor_load:
        floor(files)
    with Timed() as load_t:
        outcomes = load_paths(engine, [base], LoadOptions(key=KEY))
    print(f"  {sum(o.rows_loaded for o in outcomes):,} rows loaded", flush=True)
    line("load", load_t, "floor (read_csv + executemany)", floor_load)

    with Timed() as read_floor:
        read_snapshot(engine)
    with Timed() as full_t:
        full = recompute(engine, full=True, jobs=args.jobs)
    line(f"full recompute, {args.jobs} job(s)", full_t, "read floor (read_snapshot)", read_floor)
    print(f"    {full.results:,} results; peak RSS so far {peak_rss_mb():,.0f} MB")
    _slowest(full.details)
    if not args.skip_one_process and args.jobs > 1:
        _one_process(engine, read_floor)
    if not args.db:
        engine.dispose()
        with open_store(url).connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(Path(url.removeprefix("sqlite:///")), saved)
        engine = open_store(url)
    monthly_refresh(engine, month, la, args.jobs, full_t, read_floor)
    if args.compare_dask:  # last: the month's figures come first if time is short
        compare_dask(engine, args.jobs, full_t)
    if args.db and engine.dialect.name == "postgresql":
        _leave_the_server_quiet(engine)


def _leave_the_server_quiet(engine: Engine) -> None:
    """Vacuum and analyse the store now, untimed: otherwise the server's autovacuum does
    it in the minute after the run, beside whatever is measured next (one of the reasons
    a SQLite run started at once took 2.55-2.84 s against 2.22-2.41 s alone; the disk's
    writeback of the run's files is another, which only a pause avoids:
    docs/performance.md, twelfth session)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


def _slowest(details: list[dict[str, object]]) -> None:
    for d in sorted(details, key=lambda d: -float(str(d["seconds"])))[:3]:
        peak = d["peak_rss_mb"]
        print(f"    LA {d['la']}: {d['rows']:,} rows read, {d['seconds']} s, worker peak RSS {peak} MB")


def _one_process(engine: Engine, read_floor: Timed) -> None:
    with Timed() as one:
        recompute(engine, full=True, jobs=1)
    line("full recompute, one process", one, "read floor (read_snapshot)", read_floor)


def _month_only(url: str, month: Path, la: str, jobs: int, dask: bool) -> None:
    """From the saved store: the read floor, a full recompute (the code may have changed
    since the store was saved), then the month."""
    engine = open_store(url)
    with Timed() as read_floor:
        read_snapshot(engine)
    with Timed() as full:
        recompute(engine, full=True, jobs=jobs)
    line(f"full recompute, {jobs} job(s)", full, "read floor (read_snapshot)", read_floor)
    monthly_refresh(engine, month, la, jobs, full, read_floor)
    if dask:
        compare_dask(engine, jobs, full)


if __name__ == "__main__":
    main()
