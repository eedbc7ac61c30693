"""A store with plausible results for the dashboard tests, written from the registry.

The dashboard only reads finished results, so its tests need a store that holds
``kpi_results``, ``kpi_spc``, ``kpi_runs`` and some load records. Until the real
pipeline (generate samples -> load -> recompute) exists, :func:`fake_results_store`
writes plausible rows straight into those tables. :func:`build_store` is what the
tests call; switching it to the real pipeline is the one line marked below.

The fake numbers are random but deterministic (seeded); they are shaped like the real
ones: counts, percentages with numerator and denominator (no value, with a note,
when the denominator is 0), rates per 10,000, medians, targets with status, direction
of travel, and XmR limits and icons for the monthly series.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.engine import make_url

from metrics.compute.data_quality import completeness_groups
from metrics.periods import GRAINS, Grain, Period, month_end, periods_ending
from metrics.registry import Indicator, load_registry
from store.bulk import upsert
from store.codes import EH_LEAD_AGENCY_LABELS, REFERRAL_SOURCE_AGENCY
from store.engine import open_store
from store.extracts import EVENT_KINDS, EXTRACTS
from store.schema import kpi_results, kpi_runs, kpi_spc, la_windows, load_counts, loads, rejects
from store.times import UK

FIRST_MONTH = date(2022, 4, 1)
LAST_MONTH = date(2025, 3, 1)
MAIN_LA = "394"
SECOND_LA = "391"  # has no early help extract: its early help rows have no value
LOCALITIES = ("North", "South", "West", "Not recorded")
TEAMS = (
    "Assessment 1",
    "Assessment 2",
    "Child protection A",
    "Child protection B",
    "@Duty team",
    "Not recorded",
)
FRONT_DOOR_AGENCIES = tuple(sorted(set(REFERRAL_SOURCE_AGENCY.values())))
AUDIT_THEMES = ("Neglect", "Re-referrals", "Not recorded")
EH_AGENCIES = tuple(EH_LEAD_AGENCY_LABELS.values())
EH_KPIS = {"eh_started", "eh_reach", "eh_outcomes_achieved", "eh_stepped_up", "eh_repeat_12m"}
POPULATION = 62_000.0
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
TEST_SECRET = "dashboard-tests-secret-key-0123456789"

# Monthly size of each indicator's count (or denominator) and its usual share.
_SIZE: dict[str, tuple[float, float]] = {
    "contacts": (1100, 0),
    "contacts_rate": (1100, 0),
    "contact_conversion": (1000, 0.31),
    "contact_decision_timely": (1000, 0.88),
    "referrals": (320, 0),
    "referrals_rate": (320, 0),
    "rereferrals_12m": (320, 0.21),
    "referrals_nfa": (320, 0.07),
    "referral_to_assessment": (320, 0.86),
    "assessments_completed": (290, 0),
    "assessments_45wd": (290, 0.84),
    "assessment_median_wd": (290, 0),
    "assessments_not_in_need": (280, 0.28),
    "assessments_open_over_45wd": (25, 0),
    "s47_started": (95, 0),
    "s47_rate": (95, 0),
    "s47_to_icpc": (95, 0.33),
    "icpc_15wd": (30, 0.79),
    "icpc_to_plan": (30, 0.85),
    "cp_plans_started": (26, 0),
    "cp_children_at_end": (260, 0),
    "cp_rate_at_end": (260, 0),
    "cp_second_or_subsequent": (26, 0.22),
    "cp_ended_2y_plus": (25, 0.04),
    "cp_visits_10wd": (240, 0.9),
    "cp_reviews_timely": (255, 0.93),
    "cin_children_at_end": (600, 0),
    "cin_rate_at_end": (600, 0),
    "eh_started": (140, 0),
    "eh_reach": (900, 0),
    "eh_outcomes_achieved": (120, 0.68),
    "eh_stepped_up": (120, 0.08),
    "eh_repeat_12m": (140, 0.14),
    "step_down_to_eh": (300, 0.12),
}
# Targets (value) for indicators with a polarity; status follows kpis.md.
_TARGETS: dict[str, float] = {
    "contact_decision_timely": 90.0,
    "rereferrals_12m": 20.0,
    "assessments_45wd": 85.0,
    "assessment_median_wd": 30.0,
    "assessments_open_over_45wd": 20.0,
    "icpc_15wd": 80.0,
    "cp_second_or_subsequent": 20.0,
    "cp_ended_2y_plus": 4.0,
    "cp_visits_10wd": 90.0,
    "cp_reviews_timely": 95.0,
    "eh_reach": 1500.0,
    "eh_outcomes_achieved": 70.0,
    "eh_repeat_12m": 15.0,
    "sw_agency_rate": 15.0,
    "sw_turnover_12m": 15.0,
    "sw_vacancy_rate": 15.0,
    "audits_good_or_better": 80.0,
    "audits_inadequate": 5.0,
    "dq_rejected_rows": 1.0,
    "dq_recording_lag_5wd": 10.0,
    "dq_completeness": 90.0,
}
_AT_END = {
    "cp_children_at_end",
    "cp_rate_at_end",
    "cin_children_at_end",
    "cin_rate_at_end",
    "assessments_open_over_45wd",
    "cp_visits_10wd",
    "cp_reviews_timely",
}


def build_store(url: str) -> Engine:
    """The store every dashboard test uses: fake results, whose edge cases the tests rely on
    (a second LA without early help, a team named like a formula, a file rejected whole).
    For the real pipeline (samples loaded and recomputed) this line reads
    ``return pipeline_store(url)``; tests/test_dash_pages.py renders every page on both.

    A new SQLite file is a copy of one built once per test process (``_built_once``): the
    store's content is fixed (a seeded generator, fixed times), and building it took
    2.5-3 s for each of the some twenty modules and fixtures that ask for one."""
    parsed = make_url(url)
    target = parsed.database
    if parsed.get_backend_name() != "sqlite" or not target or Path(target).exists():
        return fake_results_store(url)
    shutil.copy(_built_once(), target)  # with its mode: the store is private (0600)
    return open_store(url)


@cache
def _built_once() -> Path:
    """The fake results store in a SQLite file of this process's, its log merged in."""
    folder = Path(tempfile.mkdtemp(prefix="scorecard-dash-store-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "scorecard.db"
    engine = fake_results_store(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def pipeline_store(url: str, samples: Path = SAMPLES) -> Engine:
    """The real thing: the committed sample extracts loaded, then every indicator recomputed."""
    from loaders.pipeline import LoadOptions, load_paths
    from metrics.recompute import recompute

    engine = open_store(url)
    options = LoadOptions(key=TEST_SECRET.encode(), default_la=MAIN_LA, partner="Sample data")
    load_paths(engine, [samples], options)
    recompute(engine)
    return engine


def fake_results_store(
    url: str,
    las: Iterable[str] = (MAIN_LA, SECOND_LA),
    first_month: date = FIRST_MONTH,
    last_month: date = LAST_MONTH,
    seed: int = 2026,
    teams: Iterable[str] = TEAMS,
    localities: Iterable[str] = LOCALITIES,
) -> Engine:
    """Open ``url`` and fill it with plausible results, loads and rejects."""
    engine = open_store(url)
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    spc_rows: list[dict[str, Any]] = []
    calendar = _calendar(first_month, last_month)
    for la in las:
        for ind in load_registry():
            for breakdown, group in _groups(ind, tuple(teams), tuple(localities)):
                series_rows, spc_row = _series(rng, la, ind, breakdown, group, calendar)
                rows += series_rows
                if spc_row is not None:
                    spc_rows.append(spc_row)
    with engine.begin() as conn:
        upsert(conn, kpi_results, pd.DataFrame(rows))
        conn.execute(insert(kpi_spc), spc_rows)
        # Each LA's data covers every month of the results (metrics/coverage.py).
        conn.execute(
            insert(la_windows),
            [
                {
                    "la_code": la,
                    "window_start": first_month,
                    "window_end": month_end(last_month),
                    "basis": "first contact",
                }
                for la in las
            ],
        )
        latest_load = _write_loads(conn, rng, list(las))
        now = datetime(2025, 4, 7, 9, 30, tzinfo=UK)
        conn.execute(
            insert(kpi_runs),
            [
                {
                    "started_at": now,
                    "finished_at": now,
                    "latest_load_id": latest_load,
                    "results": len(rows),
                }
            ],
        )
    return engine


def _groups(ind: Indicator, teams: tuple[str, ...], localities: tuple[str, ...]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for breakdown in ind.breakdowns:
        if breakdown == "all":
            out.append(("all", "all"))
        elif breakdown == "locality":
            out += [("locality", g) for g in localities]
        elif breakdown == "team":
            out += [("team", g) for g in teams]
        elif breakdown == "agency":
            agencies = EH_AGENCIES if ind.id in EH_KPIS else FRONT_DOOR_AGENCIES
            out += [("agency", g) for g in agencies]
        elif breakdown == "theme":
            out += [("theme", g) for g in AUDIT_THEMES]
        elif breakdown == "kind":
            out += [("kind", k) for k in EVENT_KINDS]
        elif breakdown == "column":
            out += [("column", f"{k}.{c}") for k, c in completeness_groups()]
    return out


def _share(breakdown: str, group: str) -> float:
    if breakdown == "all":
        return 1.0
    if group == "Not recorded":
        return 0.02
    return {"locality": 0.33, "team": 0.25, "agency": 0.14}.get(breakdown, 1.0)


def _monthly(
    rng: np.random.Generator, ind: Indicator, breakdown: str, group: str, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly numerators and denominators (denominator NaN for counts)."""
    size, share = _SIZE.get(ind.id, (200.0, 0.5))
    if ind.stage == "data_quality":
        size, share = 400.0, {"dq_completeness": 0.9}.get(ind.id, 0.06)
    lam = max(size * _share(breakdown, group), 0.4)
    trend = np.linspace(0.9, 1.1, n)
    base = rng.poisson(lam * trend).astype(float)
    if ind.type == "percentage":
        p = np.clip(share + rng.normal(0, 0.015, n), 0.0, 1.0)
        if ind.id == "assessments_45wd":  # a real shift: recent months better
            p[-8:] = np.clip(p[-8:] + 0.06, 0, 1)
        return rng.binomial(base.astype(int), p).astype(float), base
    if ind.type == "median":
        return np.round(rng.normal(31, 3, n) * 2) / 2, base
    if ind.type == "rate":
        return base, np.full(n, POPULATION)
    return base, np.full(n, np.nan)


Calendar = dict[Grain, list[tuple[Period, int, int]]]


def _calendar(first_month: date, last_month: date) -> Calendar:
    """Each grain's periods with the slice of months [first, last] they cover."""
    months = [p.end for p in periods_ending("month", first_month, last_month)]
    out: Calendar = {}
    for grain in GRAINS:
        spans = []
        for period in periods_ending(grain, first_month, last_month):
            idx = [i for i, m in enumerate(months) if period.start <= m <= period.end]
            spans.append((period, idx[0], idx[-1] + 1))
        out[grain] = spans
    return out


def _aggregate(ind: Indicator, num: np.ndarray, den: np.ndarray, lo: int, hi: int) -> tuple[float, float]:
    if ind.id in _AT_END or ind.type == "median":
        return float(num[hi - 1]), float(den[hi - 1])
    if ind.type == "rate":
        return float(num[lo:hi].sum()), float(den[hi - 1])
    if ind.type == "count":
        return float(num[lo:hi].sum()), float("nan")
    return float(num[lo:hi].sum()), float(den[lo:hi].sum())


def _value(ind: Indicator, num: float, den: float) -> tuple[float | None, str | None]:
    if ind.type == "count":
        return num, None
    if ind.type == "median":
        return (num, None) if den > 0 else (None, "n/a: nothing completed in the period")
    if ind.type == "rate":
        return num * 10_000 / den, None
    if den == 0:
        return None, "n/a: none in the denominator in the period"
    return 100.0 * num / den, None


def _status(ind: Indicator, value: float | None, target: float | None) -> str:
    if value is None or target is None or ind.polarity == "neutral":
        return "none"
    tolerance = 5.0 if ind.type == "percentage" else 0.1 * target
    gap = value - target if ind.polarity == "up" else target - value
    if gap >= 0:
        return "green"
    return "amber" if -gap <= tolerance else "red"


def _direction(ind: Indicator, value: float | None, previous: float | None) -> str | None:
    if value is None or previous is None:
        return None
    if value == previous:
        return "no_change"
    up = value > previous
    if ind.polarity == "neutral":
        return "up" if up else "down"
    return "improving" if up == (ind.polarity == "up") else "worsening"


def _series(
    rng: np.random.Generator,
    la: str,
    ind: Indicator,
    breakdown: str,
    group: str,
    calendar: Calendar,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    months = [p.end for p, _, _ in calendar["month"]]
    num, den = _monthly(rng, ind, breakdown, group, len(months))
    no_extract = la == SECOND_LA and ind.id in EH_KPIS
    target = _TARGETS.get(ind.id)
    rows: list[dict[str, Any]] = []
    monthly_values: list[float | None] = []
    for grain in GRAINS:
        previous: float | None = None
        for period, lo, hi in calendar[grain]:
            n, d = _aggregate(ind, num, den, lo, hi)
            value, note = _value(ind, n, d)
            if no_extract:
                n, d, value, note = (
                    float("nan"),
                    float("nan"),
                    None,
                    "n/a: no early help episodes loaded for this LA",
                )
            rows.append(
                {
                    "la_code": la,
                    "kpi_id": ind.id,
                    "grain": grain,
                    "period_start": period.start,
                    "period_end": period.end,
                    "breakdown": breakdown,
                    "group_name": group,
                    "numerator": None if np.isnan(n) else n,
                    "denominator": None if np.isnan(d) else d,
                    "value": value,
                    "note": note,
                    "target": target,
                    "status": _status(ind, value, target),
                    "direction": _direction(ind, value, previous),
                    "spc": None,
                }
            )
            previous = value
            if grain == "month":
                monthly_values.append(value)
    spc_row = _spc(la, ind, breakdown, group, monthly_values, months, target)
    if spc_row is not None:
        classes = spc_row.pop("_classes")
        month_rows = [r for r in rows if r["grain"] == "month"]
        for row, cls in zip(month_rows, classes, strict=True):
            row["spc"] = cls
    return rows, spc_row


def _spc(
    la: str,
    ind: Indicator,
    breakdown: str,
    group: str,
    values: list[float | None],
    months: list[date],
    target: float | None,
) -> dict[str, Any] | None:
    """A simple XmR summary: enough to draw and label, not the real SPC rules."""
    if ind.stage == "data_quality":
        return None
    points = [v for v in values if v is not None]
    row: dict[str, Any] = {
        "la_code": la,
        "kpi_id": ind.id,
        "breakdown": breakdown,
        "group_name": group,
        "points": len(points),
        "mean": None,
        "lower_limit": None,
        "upper_limit": None,
        "latest_period_end": months[-1],
        "variation": None,
        "assurance": None,
        "_classes": [None] * len(values),
    }
    if len(points) < 12:
        return row
    arr = np.array(points)
    mean = float(arr.mean())
    spread = 2.66 * float(np.abs(np.diff(arr)).mean())
    lower, upper = mean - spread, mean + spread
    classes: list[str | None] = []
    for v in values:
        if v is None:
            classes.append(None)
        elif lower <= v <= upper:
            classes.append("common_cause")
        elif ind.polarity == "neutral":
            classes.append("neutral")
        else:
            classes.append("improvement" if (v > upper) == (ind.polarity == "up") else "concern")
    latest = classes[-1]
    side = "high" if values[-1] is not None and values[-1] > mean else "low"
    variation = "common_cause" if latest in (None, "common_cause") else f"{latest}_{side}"
    assurance = None
    if target is not None and ind.polarity != "neutral":
        if lower <= target <= upper:
            assurance = "hit_and_miss"
        elif (target < lower) == (ind.polarity == "up"):
            assurance = "pass"
        else:
            assurance = "fail"
    row.update(
        mean=mean,
        lower_limit=lower,
        upper_limit=upper,
        variation=variation,
        assurance=assurance,
        _classes=classes,
    )
    return row


def _write_loads(conn: Any, rng: np.random.Generator, las: list[str]) -> int:
    """One load per kind (and LA), a few rejected rows each, and one file rejected whole."""
    started = datetime(2025, 4, 7, 9, 0, tzinfo=UK)
    load_id = 0
    partners = {"contacts": "MASH", "early_help": "Early help service", "cp_visits": "Social care"}
    for kind in EVENT_KINDS:
        load_id += 1
        read = int(rng.integers(2_000, 9_000))
        rejected = int(rng.integers(1, 6))
        at = started + timedelta(minutes=load_id)
        conn.execute(
            insert(loads),
            [
                {
                    "load_id": load_id,
                    "file_name": f"{kind}.csv",
                    "file_hash": f"{load_id:064d}",
                    "kind": kind,
                    "format": "csv",
                    "la_default": las[0],
                    "partner": partners.get(kind, "Children's social care"),
                    "status": "loaded",
                    "rows_read": read * len(las),
                    "rows_loaded": (read - rejected) * len(las),
                    "rows_rejected": rejected * len(las),
                    "message": None,
                    "warnings": "Unknown column ignored: notes" if kind == "contacts" else None,
                    "loaded_by": "test",
                    "started_at": at,
                    "finished_at": at + timedelta(seconds=3),
                }
            ],
        )
        conn.execute(
            insert(load_counts),
            [
                {
                    "load_id": load_id,
                    "kind": kind,
                    "la_code": la,
                    "rows_read": read,
                    "rows_loaded": read - rejected,
                    "rows_rejected": rejected,
                }
                for la in las
            ],
        )
        date_column = EXTRACTS[kind].main_date or "year"
        conn.execute(
            insert(rejects),
            [
                {
                    "load_id": load_id,
                    "kind": kind,
                    "la_code": las[0],
                    "row_number": 10 + 7 * i,
                    "sheet": None,
                    "location": None,
                    "column_name": date_column,
                    "value": '=HYPERLINK("x")' if i == 0 and kind == "contacts" else "2024-13-01",
                    "reason": f"{date_column}: '2024-13-01' is not a date (expected YYYY-MM-DD)",
                }
                for i in range(rejected)
            ],
        )
    load_id += 1
    conn.execute(
        insert(loads),
        [
            {
                "load_id": load_id,
                "file_name": "referrals_bad.csv",
                "file_hash": f"{load_id:064d}",
                "kind": "referrals",
                "format": "csv",
                "la_default": las[0],
                "partner": "Police",
                "status": "rejected",
                "rows_read": 40,
                "rows_loaded": 0,
                "rows_rejected": 40,
                "message": "missing required column referral_date",
                "warnings": None,
                "loaded_by": "test",
                "started_at": started + timedelta(hours=1),
                "finished_at": started + timedelta(hours=1, seconds=1),
            }
        ],
    )
    conn.execute(
        insert(rejects),
        [
            {
                "load_id": load_id,
                "kind": "referrals",
                "la_code": None,
                "row_number": None,
                "sheet": None,
                "location": None,
                "column_name": "referral_date",
                "value": None,
                "reason": "missing required column referral_date; found: referral_id, child_id",
            }
        ],
    )
    return load_id


# --- pytest fixtures and helpers shared by the dashboard tests -------------------------


def settings_for(url: str, **overrides: Any) -> Any:
    """Settings for a test app: the given store, a fixed key (no key file written)."""
    from scorecard.settings import Settings

    values: dict[str, Any] = {"database_url": url, "secret_key": TEST_SECRET, "default_la": MAIN_LA}
    return Settings(**{**values, **overrides})


def call_with_trigger(func: Any, prop_id: str, *args: Any) -> Any:
    """Call a callback function directly as if ``prop_id`` (``"id.prop"``) had triggered it."""
    from contextvars import copy_context

    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def run() -> Any:
        context_value.set(
            AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": None}], updated_props={})
        )
        return func(*args)

    return copy_context().run(run)


def page(name: str) -> Any:
    """A page module as the running app imported it (``scorecard.pages.<name>``)."""
    import importlib

    return importlib.import_module(f"scorecard.pages.{name}")


def text_of(component: Any) -> str:
    """Every string inside a Dash component tree, joined: for asserting what a page says."""
    import html
    import json
    import re

    import plotly

    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            # HTML built by scorecard.components.markup: its text, tags stripped, unescaped
            found.append(html.unescape(re.sub(r"<[^>]+>", " ", node)) if "<" in node else node)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("children", "label", "title", "alt", "aria-label") or key == "props":
                    walk(value)
                elif key == "options" and isinstance(value, list):
                    walk([o.get("label") for o in value if isinstance(o, dict)])

    walk(json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)))
    return " ".join(found)


@pytest.fixture(scope="module")
def dash_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with results, built once per test module."""
    path = tmp_path_factory.mktemp("dash-store") / "scorecard.db"
    url = f"sqlite:///{path}"
    build_store(url).dispose()
    return url


@pytest.fixture(scope="module")
def dash_app(dash_store_url: str) -> Any:
    """The dashboard on the module's store."""
    from scorecard.app import create_app

    return create_app(settings_for(dash_store_url))


# --- Signing in (every page and callback needs a signed-in user) -------------------------
#
# Direct calls of page functions: the ``app_ctx`` fixture runs inside a request signed in
# as an administrator; ``as_user(user)`` switches the current request to another user.
# Through HTTP: ``signed_in_client(app, role)`` is a Flask test client that signed in on
# the real /signin form; ``callback_post(client, output, inputs, state)`` posts to a
# callback as the Dash renderer does (Origin and the X-CSRFToken header).
# In a browser: tests/browser/conftest.py ``sign_in(page, base_url, role)``.

TEST_PASSWORD = "test-password-0123"
ROLE_LAS = (MAIN_LA, SECOND_LA)
PARTNER_AGENCY = "Police"


def make_user(
    engine: Engine,
    role: str,
    las: Iterable[str] = ROLE_LAS,
    agency: str | None = None,
    username: str | None = None,
) -> Any:
    """The account ``test-<role>`` (created on first use) with the test password.

    Partners get the agency ``Police`` unless told otherwise; LAs default to both test LAs."""
    from scorecard import accounts

    name = username or f"test-{role}"
    found = accounts.get_user(engine, username=name)
    if found is not None:
        return found
    if role == "partner":
        agency = agency or PARTNER_AGENCY
    return accounts.add_user(engine, name, role, TEST_PASSWORD, agency, las)


def as_user(user: Any) -> None:
    """Make ``user`` the signed-in user of the current (test) request."""
    from flask_login import login_user

    login_user(user)


def signed_in_client(app: Any, role: str = "admin", **user_options: Any) -> Any:
    """A Flask test client signed in as ``test-<role>`` through the sign-in form."""
    from scorecard.context import CONTEXT_KEY

    engine = app.server.config[CONTEXT_KEY].engine
    user = make_user(engine, role, **user_options)
    client = app.server.test_client()
    client.get("/signin")
    token = client.get_cookie("_csrf_token").value
    response = client.post(
        "/signin",
        data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token, "next": "/"},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def callback_headers(client: Any, origin: str = "http://localhost") -> dict[str, str]:
    """What the Dash renderer sends with a callback: Origin and the CSRF header."""
    cookie = client.get_cookie("_csrf_token")
    headers = {"Origin": origin, "Content-Type": "application/json"}
    if cookie is not None:
        headers["X-CSRFToken"] = cookie.value
    return headers


def callback_post(
    client: Any,
    output: str,
    inputs: list[dict[str, Any]],
    state: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST one callback request, as the renderer would; returns the response."""
    import json

    parts = [o.rsplit(".", 1) for o in (output[2:-2].split("...") if output.startswith("..") else [output])]
    described = [{"id": i, "property": p} for i, p in parts]
    body = {
        "output": output,
        "outputs": described if len(described) > 1 else described[0],
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs[:1]],
    }
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        headers=headers if headers is not None else callback_headers(client),
    )


@contextmanager
def signed_in_request(app: Any, role: str = "admin", path: str = "/", **user_options: Any) -> Iterator[Any]:
    """A test request on ``app`` signed in as ``test-<role>``; yields the app context."""
    from scorecard.context import get_context

    with app.server.test_request_context(path):
        as_user(make_user(get_context().engine, role, **user_options))
        yield get_context()


@pytest.fixture
def app_ctx(dash_app: Any) -> Any:
    """The app context inside a request (as a callback runs), signed in as an administrator."""
    from scorecard.context import get_context

    with dash_app.server.test_request_context("/"):
        as_user(make_user(get_context().engine, "admin"))
        yield get_context()
