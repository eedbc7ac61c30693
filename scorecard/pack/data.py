"""Everything one pack shows, read once from the store (the renderer reads nothing).

For ``board`` the period's results come from ``scorecard.sharing.view_rows`` (disclosure
control over the whole period), and a chart's month whose value is hidden for sharing is
left out of the line; ``clinic`` is operational.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from metrics import results
from metrics.benchmarks import Benchmarks, england
from metrics.disclosure import OPERATIONAL, SHARING, disclose, shared_view
from metrics.periods import Grain, month_end, shift_month
from metrics.registry import Indicator, Registry
from scorecard.actions import Action, list_actions
from scorecard.commentary import current_comments
from scorecard.sharing import coverage, sources, view_rows
from store.schema import kind_table, kpi_results, load_counts, loads

AUDIENCES = {"board": SHARING, "clinic": OPERATIONAL}
FRONT_DOOR = ("contacts", "contact_conversion", "referrals", "referrals_nfa", "rereferrals_12m")
EARLY_HELP = ("eh_started", "eh_outcomes_achieved", "eh_stepped_up")
CHART_MONTHS = 24


@dataclass(frozen=True)
class Flagged:
    """An indicator that needs the meeting's attention, and why."""

    ind: Indicator
    reasons: tuple[str, ...]


@dataclass
class PackData:
    la_code: str
    grain: Grain
    period_end: date
    audience: str  # board / clinic
    produced_at: datetime
    produced_by: str
    threshold: int
    rows: dict[str, dict[str, Any]]
    exceptions: list[Flagged]
    comments: dict[str, str]
    actions: list[Action]
    series: dict[str, pd.DataFrame] = field(default_factory=dict)
    limits: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)
    partners: pd.DataFrame = field(default_factory=pd.DataFrame)
    data_to: dict[str, date | None] = field(default_factory=dict)
    loads: list[str] = field(default_factory=list)
    coverage: str = ""
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    benchmarks: dict[str, Any] = field(default_factory=dict)

    @property
    def sharing(self) -> bool:
        return self.audience == "board"


def _worsening_three(engine: Engine, la_code: str, grain: Grain, period_end: date) -> set[str]:
    """Indicators whose direction was "worsening" in this period and the two before."""
    c = kpi_results.c
    query = (
        select(c.kpi_id, c.period_end, c.direction)
        .where(c.la_code == la_code, c.grain == grain, c.breakdown == "all", c.period_end <= period_end)
        .order_by(c.kpi_id, c.period_end.desc())
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=["kpi_id", "period_end", "direction"])
    found = set()
    for kpi_id, part in frame.groupby("kpi_id", sort=False):
        last = part["direction"].head(3).tolist()
        if len(last) == 3 and all(d == "worsening" for d in last):
            found.add(str(kpi_id))
    return found


def find_exceptions(
    registry: Registry, rows: dict[str, dict[str, Any]], worsening: set[str]
) -> list[Flagged]:
    """Outside tolerance (red), a special-cause concern, or worsening three periods running.

    A hidden status (``c``) is not read: the pack for sharing must not point at a hidden
    value by listing it as an exception for its status.
    """
    out = []
    for ind in registry:
        row = rows.get(ind.id)
        if row is None or ind.stage == "data_quality":
            continue
        reasons = []
        if row.get("status") == "red":
            reasons.append("outside tolerance")
        if str(row.get("variation") or "").startswith("concern"):
            reasons.append("special cause for concern")
        if ind.id in worsening and row.get("direction") != "c":
            reasons.append("worsening three periods running")
        if reasons:
            out.append(Flagged(ind, tuple(reasons)))
    return out


def _series(
    engine: Engine,
    registry: Registry,
    la_code: str,
    kpi_id: str,
    period_end: date,
    sharing: bool,
    threshold: int,
) -> pd.DataFrame:
    last = period_end.replace(day=1)
    first = shift_month(last, -(CHART_MONTHS - 1))
    frame = results.monthly_values(engine, la_code, "all", "all", first, month_end(last), [kpi_id])
    if sharing and not frame.empty:
        shown = disclose(frame.assign(breakdown="all", group_name="all"), threshold, registry)
        hidden = shown["value"].isin(["c", ""]).to_numpy()
        frame = frame.assign(value=frame["value"].where(~hidden))
    return frame


def _data_to(engine: Engine, la_code: str) -> dict[str, date | None]:
    """The latest event date of each kind loaded for the LA ("data to")."""
    from store.extracts import EXTRACTS

    out: dict[str, date | None] = {}
    with engine.connect() as conn:
        for name, kind in EXTRACTS.items():
            column = next((c.name for c in kind.all_columns if c.type == "date"), None)
            if column is None:
                continue
            table = kind_table(name)
            value = conn.execute(select(func.max(table.c[column])).where(table.c.la_code == la_code)).scalar()
            if value is not None:
                out[name] = value
    return out


def _quality(engine: Engine, la_code: str) -> pd.DataFrame:
    """Loads, rows and rejects per partner and kind for the LA."""
    lc, ld = load_counts.c, loads.c
    partner = func.coalesce(ld.partner, "Not recorded").label("partner")
    query = (
        select(
            partner,
            lc.kind,
            func.count(func.distinct(lc.load_id)).label("loads"),
            func.sum(lc.rows_read).label("rows_read"),
            func.sum(lc.rows_rejected).label("rows_rejected"),
            func.max(ld.finished_at).label("last_load"),
        )
        .select_from(load_counts.join(loads, lc.load_id == ld.load_id))
        .where(lc.la_code == la_code)
        .group_by(partner, lc.kind)
        .order_by(partner, lc.kind)
    )
    with engine.connect() as conn:
        return pd.DataFrame(
            conn.execute(query).all(), columns=["partner", "kind", "loads", "read", "rejected", "last"]
        )


def gather(
    engine: Engine,
    registry: Registry,
    benchmarks: Benchmarks,
    la_code: str,
    grain: Grain,
    period_end: date,
    audience: str,
    threshold: int,
    produced_by: str | None = None,
    now: datetime | None = None,
) -> PackData:
    """Read what the pack shows."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}: expected board or clinic")
    version = AUDIENCES[audience]
    frame = view_rows(engine, registry, la_code, grain, period_end, version, threshold)
    rows = {str(r["kpi_id"]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")}
    exceptions = find_exceptions(registry, rows, _worsening_three(engine, la_code, grain, period_end))
    comments = {k: c.body for k, c in current_comments(engine, la_code, grain, period_end).items()}
    if version == SHARING:
        cube = shared_view(engine, la_code, grain, period_end, SHARING, threshold, registry)
    else:
        cube = shared_view(engine, la_code, grain, period_end, OPERATIONAL, threshold, registry)
    data = PackData(
        la_code=la_code,
        grain=grain,
        period_end=period_end,
        audience=audience,
        produced_at=(now or datetime.now()).replace(microsecond=0),
        produced_by=produced_by or "not signed in",
        threshold=threshold,
        rows=rows,
        exceptions=exceptions,
        comments=comments,
        actions=list_actions(engine, la_code=la_code),
        coverage=coverage(engine, la_code),
        loads=sources(engine, la_code),
        data_to=_data_to(engine, la_code),
        quality=_quality(engine, la_code),
    )
    for exc in exceptions:
        kpi = exc.ind.id
        data.series[kpi] = _series(engine, registry, la_code, kpi, period_end, data.sharing, threshold)
        data.limits[kpi] = results.spc_summary(engine, la_code, kpi)
        data.breakdowns[kpi] = cube[(cube["kpi_id"] == kpi) & cube["breakdown"].isin(["locality", "team"])]
    data.partners = cube[(cube["breakdown"] == "agency") & cube["kpi_id"].isin(FRONT_DOOR + EARLY_HELP)]
    data.benchmarks = {ind.id: england(benchmarks, ind, grain) for ind in registry}
    return data
