"""Dashboard benchmark: the server time of every callback over a scripted session of
filter changes (p50, p95, max), and the first page load. Prints figures; times nothing
against a limit (targets: callback p95 <= 200 ms, first page load <= 1.5 s).

The app runs in this process (a thread serving Flask) against the store at ``--db``;
Debian's chromium, driven by Playwright, plays the session: every page opened, every
filter of the scorecard changed through several values, indicator pages, the other
pages' filters. Server time is measured around each ``/_dash-update-component``
request by Flask hooks (Dash's dispatch, the callback, the JSON), keyed by the
callback's output.

Usage::

    # one large LA over five years: the ingest benchmark's data set (generated if missing),
    # loaded and recomputed once into data/bench/dashboard-large.db, then reused
    .venv/bin/python benchmarks/dashboard.py --large
    # any store whose results are computed
    .venv/bin/python benchmarks/dashboard.py --db sqlite:///path/to/scorecard.db
    # fake results shaped like one large LA over five years (no loading or recompute)
    .venv/bin/python benchmarks/dashboard.py --fake
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import g, request  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from benchmarks.ingest import machine  # noqa: E402
from benchmarks.usage import Usage, postgres_server_pids  # noqa: E402
from scorecard.app import create_app  # noqa: E402
from scorecard.settings import Settings  # noqa: E402
from store.engine import describe_url, open_store  # noqa: E402
from store.schema import kpi_results  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FAKE_DB = ROOT / "data" / "bench" / "dashboard-fake.db"
LARGE_DB = ROOT / "data" / "bench" / "dashboard-large.db"
# The same data set as benchmarks/ingest.py: one large LA, five years.
LARGE_SET = {"children": 300_000, "years": 5, "start": "2021-04-01", "las": ["394"], "seed": 7}
PENDING = """
(() => {
  let pending = 0, last = Date.now();
  const original = window.fetch;
  window.fetch = function (...args) {
    pending += 1; last = Date.now();
    return original.apply(this, args)
      .finally(() => setTimeout(() => { pending -= 1; last = Date.now(); }, 0));
  };
  window.__idle = (quiet) => pending === 0 && Date.now() - last >= quiet;
})();
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _build_fake(path: Path) -> str:
    """A results store shaped like one large LA over five years (8 localities, 30 teams)."""
    from datetime import date

    from tests.dash_fixtures import fake_results_store

    url = f"sqlite:///{path}"
    if path.exists():
        return url
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    fake_results_store(
        url,
        las=["394"],
        first_month=date(2020, 4, 1),
        last_month=date(2025, 3, 1),
        teams=[f"Team {i:02d}" for i in range(1, 31)] + ["Not recorded"],
        localities=[f"Locality {c}" for c in "ABCDEFGH"] + ["Not recorded"],
    ).dispose()
    print(f"built {path} in {time.perf_counter() - started:.1f} s")
    return url


def _build_large(path: Path) -> str:
    """Load the large-LA data set and recompute, once (about a minute)."""
    from datetime import date

    from loaders.pipeline import LoadOptions, load_paths
    from metrics.recompute import recompute
    from synthetic import generate

    url = f"sqlite:///{path}"
    if path.exists():
        return url
    folder = ROOT / "data" / "bench" / f"la_{LARGE_SET['children']}_{LARGE_SET['years']}y"
    if not folder.is_dir():
        print(f"generating {folder} ...", flush=True)
        generate(
            folder,
            children=LARGE_SET["children"],
            years=LARGE_SET["years"],
            start=date.fromisoformat(str(LARGE_SET["start"])),
            las=LARGE_SET["las"],
            seed=LARGE_SET["seed"],
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = open_store(url)
    started = time.perf_counter()
    options = LoadOptions(key=b"dashboard-benchmark-key-0123456789", default_la="394")
    outcomes = load_paths(engine, [folder], options)
    loaded = sum(o.rows_loaded for o in outcomes)
    print(f"loaded {loaded:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    print(f"recomputed: {recompute(engine)} ({time.perf_counter() - started:.1f} s)", flush=True)
    engine.dispose()
    return url


class Timings:
    """Server time of each callback request, by the callback's output: wall time, and the
    CPU time of the thread that served it (``time.thread_time``), which the other users
    of a shared machine inflate far less than wall time. A callback's own work is CPU in
    this process (SQLite is in-process); on PostgreSQL the server's share is not in it."""

    def __init__(self) -> None:
        self.by_output: dict[str, list[float]] = defaultdict(list)
        self.cpu_by_output: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

    def install(self, server: Any) -> None:
        @server.before_request
        def _start() -> None:
            g.started = time.perf_counter()
            g.started_cpu = time.thread_time()

        @server.after_request
        def _stop(response: Any) -> Any:
            if request.path.endswith("/_dash-update-component"):
                payload = request.get_json(silent=True) or {}
                name = str(payload.get("output", "?")).strip(".").split("...")[0].split(".")[0] or "?"
                with self.lock:
                    self.by_output[name].append((time.perf_counter() - g.started) * 1000)
                    self.cpu_by_output[name].append((time.thread_time() - g.started_cpu) * 1000)
            return response

    def all(self) -> list[float]:
        return [t for values in self.by_output.values() for t in values]

    def all_cpu(self) -> list[float]:
        return [t for values in self.cpu_by_output.values() for t in values]


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _settle(page: Any) -> None:
    page.wait_for_timeout(100)
    page.wait_for_function("() => window.__idle && window.__idle(250)", polling=25, timeout=60_000)


def _options(page: Any, control: str, limit: int) -> list[str]:
    values = page.eval_on_selector_all(f"#{control} option", "els => els.map(e => e.value)")
    return [v for v in values if v not in ("all", "")][:limit]


def _change(page: Any, control: str, value: str) -> None:
    page.select_option(f"#{control}", value)
    _settle(page)


BENCH_USER = "benchmark-admin"
BENCH_PASSWORD = "benchmark-password-0123"


def _signed_in(browser: Any, base: str) -> tuple[Any, Any]:
    """A new browser profile signed in as the benchmark's administrator (not timed)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script(PENDING)
    page = context.new_page()
    page.goto(base + "/signin?next=/signin")
    page.fill("#username", BENCH_USER)
    page.fill("#password", BENCH_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    return context, page


def session(base: str, browser: Any, las: int = 3) -> list[float]:
    """The scripted session; returns the first-page-load times (ms), cold then warm
    (signed in first: the sign-in is not part of the figure)."""
    loads: list[float] = []
    for _ in range(3):
        context, page = _signed_in(browser, base)
        started = time.perf_counter()
        page.goto(base + "/")
        page.wait_for_selector("#scorecard-table", timeout=60_000)
        loads.append((time.perf_counter() - started) * 1000)
        context.close()
    context, page = _signed_in(browser, base)
    page.goto(base + "/")
    _settle(page)
    for la in _options(page, "scorecard-la", las):
        _change(page, "scorecard-la", la)
    for grain in ("quarter", "year", "r12", "month"):
        _change(page, "scorecard-grain", grain)
    for period in _options(page, "scorecard-period", 4)[1:]:
        _change(page, "scorecard-period", period)
    for locality in _options(page, "scorecard-locality", 3):
        _change(page, "scorecard-locality", locality)
    for team in _options(page, "scorecard-team", 3):
        _change(page, "scorecard-team", team)
    _change(page, "scorecard-team", "all")
    for kpi in ("rereferrals_12m", "assessments_45wd", "contacts", "eh_reach"):
        page.goto(f"{base}/indicator/{kpi}")
        _settle(page)
        _change(page, "indicator-grain", "quarter")
        for locality in _options(page, "indicator-locality", 2):
            _change(page, "indicator-locality", locality)
    for prefix, path in (
        ("journey", "/journey"),
        ("partners", "/partners"),
        ("early-help", "/early-help"),
        ("data-quality", "/data-quality"),
    ):
        page.goto(base + path)
        _settle(page)
        for grain in ("quarter", "year", "month"):
            _change(page, f"{prefix}-grain", grain)
        for period in _options(page, f"{prefix}-period", 3)[1:]:
            _change(page, f"{prefix}-period", period)
    page.goto(base + "/loads")
    _settle(page)
    context.close()
    return loads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", metavar="URL", help="the store to serve (results already computed)")
    parser.add_argument(
        "--large", action="store_true", help=f"build (once) and use {LARGE_DB.relative_to(ROOT)}"
    )
    parser.add_argument(
        "--fake", action="store_true", help=f"build (once) and use {FAKE_DB.relative_to(ROOT)}"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON as well")
    parser.add_argument("--las", type=int, default=3, help="how many LAs the session switches through (3)")
    args = parser.parse_args()
    if not (args.db or args.large or args.fake):
        parser.error("give --large, --db URL or --fake")
    url = args.db or (_build_large(LARGE_DB) if args.large else _build_fake(FAKE_DB))
    engine = open_store(url)
    with engine.connect() as conn:
        rows = int(conn.execute(select(func.count()).select_from(kpi_results)).scalar() or 0)
        las = list(conn.execute(select(kpi_results.c.la_code).distinct()).scalars())
    from scorecard import accounts

    if accounts.get_user(engine, username=BENCH_USER) is None:
        accounts.add_user(engine, BENCH_USER, "admin", BENCH_PASSWORD, las=["*"])
    app = create_app(Settings(database_url=url, secret_key="benchmark-session-key-0123456789"), engine=engine)
    timings = Timings()
    timings.install(app.server)
    port = _free_port()
    httpd = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    from playwright.sync_api import sync_playwright

    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    try:
        with sync_playwright() as pw, Usage(server_pids=postgres_server_pids(url)) as usage:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            first_loads = session(f"http://127.0.0.1:{port}", browser, args.las)
            browser.close()
    finally:
        httpd.shutdown()
    everything, cpu = timings.all(), timings.all_cpu()
    print(f"store: {describe_url(url)} ({rows:,} kpi_results rows, {len(las)} LAs)")
    print(f"{started}  {machine()}")
    print(
        f"the whole session (server, browser and database server): {usage.summary()}; "
        f"the app server's process alone {usage.cpu_self:.1f} s CPU"
    )
    print(
        "first page load, new browser profile, navigation to the scorecard table shown: "
        f"{first_loads[0]:.0f} ms just after the server started, "
        f"then {statistics.median(first_loads[1:]):.0f} ms"
    )
    print(
        f"callbacks: {len(everything)} requests, p50 {_p(everything, 0.5):.0f} ms, "
        f"p95 {_p(everything, 0.95):.0f} ms, max {max(everything):.0f} ms; "
        f"CPU of the serving thread p50 {_p(cpu, 0.5):.0f} ms, p95 {_p(cpu, 0.95):.0f} ms, "
        f"max {max(cpu):.0f} ms"
    )
    print(
        f"{'callback (output)':42} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'CPU p50':>8} {'CPU p95':>8}"
    )
    for name, values in sorted(timings.by_output.items(), key=lambda kv: -_p(kv[1], 0.95)):
        cpus = timings.cpu_by_output[name]
        print(
            f"{name[:42]:42} {len(values):>4} {_p(values, 0.5):>8.0f} "
            f"{_p(values, 0.95):>8.0f} {max(values):>8.0f} {_p(cpus, 0.5):>8.0f} {_p(cpus, 0.95):>8.0f}"
        )
    if args.json:
        print(
            json.dumps(
                {
                    "first_load_ms": first_loads,
                    "callbacks_ms": timings.by_output,
                    "callbacks_cpu_ms": timings.cpu_by_output,
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
