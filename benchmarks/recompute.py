"""Time ``compute_indicators`` on one large LA and on a region: prints figures.

The frames are synthetic, built with numpy to the sizes of one large LA over five
years (about 400k contacts, 80k referrals with same-day duplicates, 80k
assessments, 30k S47s, 10k CP plans with visits and reviews, 30k CIN plans, 40k
early help episodes), typed as ``store.bulk.read_frame`` returns them. A region is
8 such LAs. ``--profile`` prints where the time goes; ``--store`` also writes the
frames to a temporary SQLite store and times ``read_snapshot``; ``--generator N``
uses the project's generator (``synthetic.generate``, N children per LA, five
years) instead of the numpy frames.

Usage::

    .venv/bin/python benchmarks/recompute.py            # one LA and a region of 8
    .venv/bin/python benchmarks/recompute.py --las 1 --profile --store
    .venv/bin/python benchmarks/recompute.py --las 1 --generator 320000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workforce_frames import workforce_frames
from metrics.compute import compute_indicators
from metrics.registry import load_registry
from metrics.snapshot import LOAD_COUNT_COLUMNS, StoreSnapshot
from store.codes import EH_LEAD_AGENCY_LABELS, REFERRAL_SOURCE_AGENCY
from store.extracts import EXTRACTS
from store.schema import stored_columns

FIRST = np.datetime64("2020-04-01")
DAYS = 5 * 365
SOURCES = np.array(list(REFERRAL_SOURCE_AGENCY))
AGENCIES = np.array(list(EH_LEAD_AGENCY_LABELS))


def _text(values: np.ndarray, rng: np.random.Generator, blank: float = 0.0) -> pd.Series:
    out = pd.Series(values.astype(object)).astype("str")
    if blank:
        out[rng.random(len(values)) < blank] = None
    return out


def _ids(prefix: str, n: int) -> pd.Series:
    return prefix + pd.Series(np.arange(1, n + 1)).astype("str")


def _dates(values: np.ndarray, rng: np.random.Generator, blank: float = 0.0) -> pd.Series:
    days = np.asarray(values, dtype="datetime64[D]").astype("datetime64[s]")
    if blank:
        days = np.where(rng.random(len(days)) < blank, np.datetime64("NaT"), days)
    return pd.Series(days, dtype="datetime64[s]")


def _bools(rng: np.random.Generator, n: int, p: float, blank: float = 0.0) -> pd.Series:
    out = pd.Series(rng.random(n) < p, dtype="boolean")
    if blank:
        out[rng.random(n) < blank] = pd.NA
    return out


def _common(rng: np.random.Generator, n: int, main: np.ndarray) -> dict[str, pd.Series]:
    teams = np.array([f"Team {i:02d}" for i in range(30)])
    localities = np.array(["North", "South", "East", "West", "Central", "Rural"])
    lag = rng.integers(0, 12, n)
    return {
        "team": _text(teams[rng.integers(0, 30, n)], rng, 0.03),
        "locality": _text(localities[rng.integers(0, 6, n)], rng, 0.05),
        "recorded_date": _dates(main + lag, rng, 0.2),
        "date_of_birth": _dates(main - rng.integers(0, 18 * 365, n), rng, 0.1),
        "sex": _text(rng.choice(np.array(["F", "M"]), n), rng, 0.05),
        "ethnicity": _text(rng.choice(np.array(["WBRI", "ASIA", "BLAC", "MIXD"]), n), rng, 0.2),
    }


def _frame(kind: str, la: str, columns: dict[str, pd.Series], n: int) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for col in stored_columns(kind):
        if col == "la_code":
            data[col] = pd.Series([la] * n, dtype="str")
        elif col == "load_id":
            data[col] = pd.Series(np.ones(n, np.int64), dtype="Int64")
        elif col == "source_row":
            data[col] = pd.Series(np.arange(1, n + 1), dtype="Int64")
        else:
            data[col] = columns[col].reset_index(drop=True)
    return pd.DataFrame(data)


def synthetic_la(la: str, seed: int, scale: float = 1.0, workforce: bool = True) -> dict[str, pd.DataFrame]:
    """Every kind's frame for one LA (sizes × ``scale``); the workforce kinds empty
    when ``workforce`` is false (to measure what they add)."""
    rng = np.random.default_rng(seed)
    size = {
        k: int(v * scale)
        for k, v in {
            "contacts": 400_000,
            "referrals": 80_000,
            "assessments": 80_000,
            "s47": 30_000,
            "cp_plans": 10_000,
            "cp_visits": 150_000,
            "cp_reviews": 30_000,
            "cin_plans": 30_000,
            "early_help": 40_000,
        }.items()
    }
    children = np.array([f"child{i:07d}" for i in range(int(150_000 * scale))], dtype=object)
    out: dict[str, pd.DataFrame] = {}

    n = size["contacts"]
    day = FIRST + rng.integers(0, DAYS, n)
    out["contacts"] = _frame(
        "contacts",
        la,
        {
            "contact_id": _ids("K", n),
            "child_key": _text(children[rng.integers(0, len(children), n)], rng),
            "contact_date": _dates(day, rng),
            "contact_source": _text(SOURCES[rng.integers(0, len(SOURCES), n)], rng),
            "outcome": _text(
                rng.choice(np.array(["referral", "early_help", "advice", "nfa", "open_case", "pending"]), n),
                rng,
            ),
            "decision_date": _dates(day + rng.integers(0, 4, n), rng, 0.1),
            **_common(rng, n, day),
        },
        n,
    )

    n = size["referrals"]
    ref_child = rng.integers(0, len(children) // 2, n)
    ref_day = FIRST + rng.integers(0, DAYS, n)
    dup = rng.random(n) < 0.02  # same-day duplicates of the previous row
    ref_child[1:][dup[1:]] = ref_child[:-1][dup[1:]]
    ref_day[1:][dup[1:]] = ref_day[:-1][dup[1:]]
    closure = ref_day + rng.integers(10, 300, n)
    out["referrals"] = _frame(
        "referrals",
        la,
        {
            "referral_id": _ids("R", n),
            "child_key": _text(children[ref_child], rng),
            "referral_date": _dates(ref_day, rng),
            "referral_source": _text(SOURCES[rng.integers(0, len(SOURCES), n)], rng),
            "referral_nfa": _bools(rng, n, 0.3),
            "contact_id": _text(np.full(n, None, dtype=object), rng),
            "primary_need": _text(rng.choice(np.array(["N1", "N4", "N5"]), n), rng, 0.1),
            "closure_date": _dates(closure, rng, 0.15),
            "closure_reason": _text(rng.choice(np.array(["RC7", "RC8", "RC9"]), n), rng, 0.15),
            **_common(rng, n, ref_day),
        },
        n,
    )

    n = size["assessments"]
    pick = rng.integers(0, size["referrals"], n)
    start = ref_day[pick] + rng.integers(0, 10, n)
    explicit = ("R" + (pick + 1).astype(str)).astype(object)
    explicit[rng.random(n) >= 0.5] = None
    out["assessments"] = _frame(
        "assessments",
        la,
        {
            "assessment_id": _ids("A", n),
            "child_key": _text(children[ref_child[pick]], rng),
            "start_date": _dates(start, rng),
            "referral_id": _text(explicit.astype(object), rng),
            "authorisation_date": _dates(start + rng.integers(5, 110, n), rng, 0.05),
            "child_seen": _bools(rng, n, 0.9, 0.1),
            "outcome_in_need": _bools(rng, n, 0.6, 0.1),
            "factors": _text(rng.choice(np.array(["1A", "2B;3A", "21"]), n), rng, 0.3),
            **_common(rng, n, start),
        },
        n,
    )

    n = size["s47"]
    pick = rng.integers(0, size["referrals"], n)
    strat = ref_day[pick] + rng.integers(0, 20, n)
    out["s47"] = _frame(
        "s47",
        la,
        {
            "s47_id": _ids("S", n),
            "child_key": _text(children[ref_child[pick]], rng),
            "strategy_date": _dates(strat, rng),
            "referral_id": _text(np.full(n, None, dtype=object), rng),
            "icpc_not_required": _bools(rng, n, 0.5, 0.2),
            "icpc_date": _dates(strat + rng.integers(5, 40, n), rng, 0.6),
            "icpc_outcome_plan": _bools(rng, n, 0.7, 0.1),
            **_common(rng, n, strat),
        },
        n,
    )

    n = size["cp_plans"]
    plan_child = rng.integers(0, len(children) // 2, n)
    plan_start = FIRST + rng.integers(0, DAYS, n)
    plan_end = plan_start + rng.integers(60, 900, n)
    plan_end = np.where(plan_end > FIRST + DAYS, np.datetime64("NaT"), plan_end)
    out["cp_plans"] = _frame(
        "cp_plans",
        la,
        {
            "plan_id": _ids("P", n),
            "child_key": _text(children[plan_child], rng),
            "start_date": _dates(plan_start, rng),
            "initial_category": _text(rng.choice(np.array(["NEG", "EMO", "PHY"]), n), rng),
            "end_date": _dates(plan_end, rng),
            "latest_category": _text(rng.choice(np.array(["NEG", "EMO"]), n), rng, 0.3),
            "previous_plans": pd.Series(rng.integers(0, 3, n), dtype="Int64"),
            **_common(rng, n, plan_start),
        },
        n,
    )

    n = size["cp_visits"]
    pick = rng.integers(0, size["cp_plans"], n)
    visit = plan_start[pick] + rng.integers(0, 400, n)
    out["cp_visits"] = _frame(
        "cp_visits",
        la,
        {
            "visit_id": _ids("V", n),
            "child_key": _text(children[plan_child[pick]], rng),
            "visit_date": _dates(visit, rng),
            "child_seen": _bools(rng, n, 0.95, 0.2),
            "seen_alone": _bools(rng, n, 0.5, 0.3),
            **_common(rng, n, visit),
        },
        n,
    )

    n = size["cp_reviews"]
    pick = rng.integers(0, size["cp_plans"], n)
    review = plan_start[pick] + rng.integers(60, 500, n)
    named = ("P" + (pick + 1).astype(str)).astype(object)
    named[rng.random(n) >= 0.7] = None
    out["cp_reviews"] = _frame(
        "cp_reviews",
        la,
        {
            "review_id": _ids("RV", n),
            "child_key": _text(children[plan_child[pick]], rng),
            "plan_id": _text(named.astype(object), rng),
            "review_date": _dates(review, rng),
            **_common(rng, n, review),
        },
        n,
    )

    n = size["cin_plans"]
    cin_start = FIRST + rng.integers(0, DAYS, n)
    out["cin_plans"] = _frame(
        "cin_plans",
        la,
        {
            "cin_plan_id": _ids("CIN", n),
            "child_key": _text(children[rng.integers(0, len(children), n)], rng),
            "start_date": _dates(cin_start, rng),
            "end_date": _dates(cin_start + rng.integers(30, 700, n), rng, 0.1),
            **_common(rng, n, cin_start),
        },
        n,
    )

    n = size["early_help"]
    eh_start = FIRST + rng.integers(0, DAYS, n)
    out["early_help"] = _frame(
        "early_help",
        la,
        {
            "episode_id": _ids("EH", n),
            "child_key": _text(children[rng.integers(0, len(children), n)], rng),
            "start_date": _dates(eh_start, rng),
            "lead_agency": _text(AGENCIES[rng.integers(0, len(AGENCIES), n)], rng),
            "assessment_date": _dates(eh_start + rng.integers(0, 30, n), rng, 0.3),
            "end_date": _dates(eh_start + rng.integers(30, 400, n), rng, 0.15),
            "closure_reason": _text(
                rng.choice(np.array(["outcomes_achieved", "stepped_up", "declined"]), n), rng, 0.1
            ),
            "outcome_score_start": pd.Series(rng.normal(20, 5, n)),
            "outcome_score_end": pd.Series(rng.normal(25, 5, n)),
            **_common(rng, n, eh_start),
        },
        n,
    )

    out.update(
        {k: v if workforce else v.iloc[:0] for k, v in workforce_frames(la, rng, scale, _frame).items()}
    )

    out["population"] = pd.DataFrame(
        {
            "la_code": pd.Series([la] * 6, dtype="str"),
            "year": pd.Series(np.arange(2019, 2025), dtype="Int64"),
            "population_0_17": pd.Series(np.full(6, 60_000), dtype="Int64"),
            "load_id": pd.Series(np.ones(6, np.int64), dtype="Int64"),
        }
    )
    return out


def synthetic_snapshot(n_las: int, scale: float = 1.0, workforce: bool = True) -> StoreSnapshot:
    """A snapshot of ``n_las`` synthetic LAs (and one load record per kind and LA)."""
    per_la = [synthetic_la(f"{300 + i}", seed=i, scale=scale, workforce=workforce) for i in range(n_las)]
    tables = {k: pd.concat([t[k] for t in per_la], ignore_index=True) for k in EXTRACTS}
    loads = [
        {
            "load_id": i * 20 + j + 1,
            "kind": kind,
            "la_code": f"{300 + i}",
            "rows_read": len(per_la[i][kind]) + 10,
            "rows_loaded": len(per_la[i][kind]),
            "rows_rejected": 10,
            "loaded_at": np.datetime64("2025-04-02T09:00:00"),
        }
        for i in range(n_las)
        for j, kind in enumerate(EXTRACTS)
        if kind != "population"
    ]
    counts = pd.DataFrame(loads, columns=list(LOAD_COUNT_COLUMNS))
    for col in ("load_id", "rows_read", "rows_loaded", "rows_rejected"):
        counts[col] = counts[col].astype("Int64")
    counts["loaded_at"] = counts["loaded_at"].astype("datetime64[s]")
    return StoreSnapshot(tables=tables, load_counts=counts)


def _typed_csv(kind: str, path: Path) -> pd.DataFrame:
    """A generator CSV as a stored frame: typed columns, child_key = child_id."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    types = {c.name: c.type for c in EXTRACTS[kind].all_columns}
    data: dict[str, pd.Series] = {}
    for col in stored_columns(kind):
        source = {"child_key": "child_id", "worker_key": "worker_id"}.get(col, col)
        if col in ("load_id", "source_row"):
            data[col] = pd.Series(np.arange(1, len(raw) + 1), dtype="Int64")
            continue
        text = raw[source] if source in raw else pd.Series([""] * len(raw))
        blank = text.str.strip() == ""
        kind_of = types.get(source, "text")
        if kind_of in ("date", "month"):
            data[col] = pd.to_datetime(text.where(~blank), format="%Y-%m-%d").astype("datetime64[s]")
        elif kind_of == "bool":
            data[col] = text.str.lower().map({"true": True, "false": False}).astype("boolean")
        elif kind_of == "int":
            data[col] = pd.to_numeric(text.where(~blank)).astype("Int64")
        elif kind_of == "number":
            data[col] = pd.to_numeric(text.where(~blank)).astype("float64")
        else:
            data[col] = text.where(~blank).astype("str")
    return pd.DataFrame(data)


def generator_snapshot(children: int, n_las: int) -> StoreSnapshot:
    """A snapshot from the project's generator (``synthetic.generate``) CSVs."""
    import tempfile
    from datetime import date

    from synthetic.generator import generate

    with tempfile.TemporaryDirectory() as tmp:
        las = [f"{300 + i}" for i in range(n_las)]
        files = generate(Path(tmp), children=children, years=5, start=date(2020, 4, 1), las=las)
        tables = {kind: _typed_csv(kind, f.path) for kind, f in files.items()}
    counts = pd.DataFrame(columns=list(LOAD_COUNT_COLUMNS))
    return StoreSnapshot(
        tables=tables,
        load_counts=counts.astype(
            {
                "load_id": "Int64",
                "rows_read": "Int64",
                "rows_loaded": "Int64",
                "rows_rejected": "Int64",
                "loaded_at": "datetime64[s]",
                "kind": "str",
                "la_code": "str",
            }
        ),
    )


def timed(snapshot: StoreSnapshot) -> tuple[float, pd.DataFrame]:
    """Wall seconds of ``compute_indicators``; CPU seconds (user + sys of this process) and
    the load average are printed beside it, since the machine may be shared."""
    began, cpu = time.perf_counter(), time.process_time()
    out = compute_indicators(snapshot, load_registry())
    wall = time.perf_counter() - began
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  CPU (user + sys) {time.process_time() - cpu:.2f} s; load average {load}")
    return wall, out


def time_store_read(snapshot: StoreSnapshot) -> None:
    """Write the snapshot's tables to a temporary SQLite store and time ``read_snapshot``."""
    import tempfile

    from metrics.snapshot import read_snapshot
    from store.bulk import upsert
    from store.engine import open_store
    from store.schema import kind_table

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(f"sqlite:///{tmp}/bench.db")
        began = time.perf_counter()
        with engine.begin() as conn:
            for kind, frame in snapshot.tables.items():
                upsert(conn, kind_table(kind), frame)
        print(f"  written to SQLite in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        read_snapshot(engine)
        print(f"  read_snapshot (SQLite): {time.perf_counter() - began:.2f} s")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--las", type=int, nargs="*", default=[1, 8])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--without-workforce",
        action="store_true",
        help="leave the workforce, vacancies, caseloads, audits and partner measures empty",
    )
    parser.add_argument("--store", action="store_true", help="also time read_snapshot from SQLite")
    parser.add_argument(
        "--generator",
        type=int,
        metavar="CHILDREN",
        help="use synthetic.generate with this many children per LA instead of the numpy frames",
    )
    args = parser.parse_args()
    load_registry()
    for n_las in args.las:
        began = time.perf_counter()
        snap = (
            generator_snapshot(args.generator, n_las)
            if args.generator
            else synthetic_snapshot(n_las, workforce=not args.without_workforce)
        )
        rows = sum(len(f) for f in snap.tables.values())
        print(f"{n_las} LA(s): {rows:,} stored rows built in {time.perf_counter() - began:.1f} s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
        seconds, out = timed(snap)
        print(f"  compute_indicators: {seconds:.2f} s, {len(out):,} result rows")
        if args.store:
            time_store_read(snap)
        if args.profile:
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
            print(text.getvalue())


if __name__ == "__main__":
    main()
