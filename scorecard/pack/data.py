"""Everything one pack shows, read once from the store (the renderer reads nothing).

Readings:

- **One disclosure for the whole pack** (``board``): the period's results (every
  breakdown) and the monthly values its charts draw (the whole LA, the last 24 months)
  go through ``metrics.disclosure.disclose`` together, once. The charts are published
  beside the period, so a quarter or year pack is an output with several periods: a
  hidden month of the chart must not be the quarter minus the months shown (rule 7 of
  docs/disclosure.md), and the chart's month that is the period itself shows exactly
  what the scorecard table shows. A month whose value is hidden is left out of its
  line. For a month pack this hides what ``scorecard kpis --audience board`` hides;
  a quarter or year pack may hide one more month of a chart. ``clinic`` is operational.
- **Data quality "for the period"** (issue 9: "loads, rejects and completeness per
  partner for the period"): the loads that carry the period's data, that is every load
  that wrote a stored record (of any extract kind, for the LA) whose main date
  (``store.extracts``: contact date, referral date, ...) falls in the period, per
  partner and kind: how many such loads, how many of the period's records each brought,
  and the rows read and rejected by those loads as a whole (a rejected row has no date
  that can be trusted, so rejects cannot be split by period; a file of several months
  counts in each). A board pack of March is made in April from the loads that brought
  March, so the time a load was made is not the reading (the ``dq_rejected_rows``
  indicator, by load time, is printed beside it per extract). Completeness is the
  ``dq_completeness`` indicator of the period per optional field, and the recording lag
  per extract, disclosed like every other number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from metrics import results
from metrics.benchmarks import Benchmarks, england, timing_note
from metrics.disclosure import disclose, period_cube
from metrics.periods import Grain, month_end, period_for, shift_month
from metrics.registry import Indicator, Registry
from scorecard.actions import Action, list_actions
from scorecard.commentary import current_comments
from scorecard.sharing import coverage
from store.schema import kind_table, kpi_results, kpi_spc, load_counts, loads

AUDIENCES = ("board", "clinic")
DQ_BREAKDOWNS = {"dq_rejected_rows": "kind", "dq_recording_lag_5wd": "kind", "dq_completeness": "column"}
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
    coverage: str = ""
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    benchmarks: dict[str, Any] = field(default_factory=dict)
    # Why some England figures are left out for this period (measured on another day), or "".
    benchmark_note: str = ""

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


def _chart_months(engine: Engine, la_code: str, period_end: date) -> pd.DataFrame:
    """The whole LA's monthly results of every indicator over the charts' 24 months, in
    the columns of ``period_cube`` (months outside the LA's window left out, as on the
    pages' charts)."""
    last = period_end.replace(day=1)
    first = month_end(shift_month(last, -(CHART_MONTHS - 1)))
    c = kpi_results.c
    names: tuple[str, ...] = (
        "la_code",
        "kpi_id",
        "grain",
        "period_end",
        "period_start",
        "breakdown",
        "group_name",
    )
    names += ("numerator", "denominator", "value", "target", "status", "direction", "spc", "note")
    query = (
        select(*(c[n] for n in names))
        .where(
            c.la_code == la_code,
            c.grain == "month",
            c.breakdown == "all",
            c.period_end >= first,
            c.period_end <= month_end(last),
            c.coverage != "none",
        )
        .order_by(c.kpi_id, c.period_end)
    )  # disclosed with the cube: a fixed order (metrics.disclosure)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=list(names))
    for part in ("numerator", "denominator", "value", "target"):
        frame[part] = pd.to_numeric(frame[part], errors="coerce").astype("float64")
    return frame


def _results(
    engine: Engine,
    registry: Registry,
    la_code: str,
    grain: Grain,
    period_end: date,
    sharing: bool,
    threshold: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the period's results, every breakdown; the charts' months), as the audience sees
    them: for sharing disclosed together, once (module docstring)."""
    cube = period_cube(engine, la_code, grain, period_end)
    months = _chart_months(engine, la_code, period_end)
    if grain == "month":  # the period's own month is the cube's row
        months = months[months["period_end"] != period_end]
    if not sharing:
        cube["suppression"] = ""
        return cube, months
    both = disclose(pd.concat([cube, months], ignore_index=True), threshold, registry)
    return both.iloc[: len(cube)].reset_index(drop=True), both.iloc[len(cube) :].reset_index(drop=True)


def _series(cube: pd.DataFrame, months: pd.DataFrame, grain: Grain, kpi_id: str) -> pd.DataFrame:
    """One indicator's chart: its months in order, a hidden value as missing."""
    parts = [months[months["kpi_id"] == kpi_id]]
    if grain == "month":
        parts.append(cube[(cube["kpi_id"] == kpi_id) & (cube["breakdown"] == "all")])
    frame = pd.concat(parts, ignore_index=True)[["kpi_id", "period_end", "value"]]
    shown = frame["value"].where(~frame["value"].isin(["c", ""]))
    frame = frame.assign(value=pd.to_numeric(shown, errors="coerce"))
    return frame.sort_values("period_end").reset_index(drop=True)


def _limits(engine: Engine, la_code: str, kpi_ids: list[str]) -> dict[str, dict[str, Any] | None]:
    """The stored XmR limits of the whole LA's monthly series, one read for all."""
    s = kpi_spc.c
    query = select(*(s[name] for name in results.SPC_COLUMNS), s.kpi_id.label("_kpi")).where(
        s.la_code == la_code, s.breakdown == "all", s.group_name == "all", s.kpi_id.in_(kpi_ids)
    )
    with engine.connect() as conn:
        found = {row["_kpi"]: dict(row) for row in conn.execute(query).mappings()}
    return {kpi: found.get(kpi) for kpi in kpi_ids}


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


def _period_loads(engine: Engine, la_code: str, grain: Grain, period_end: date) -> pd.DataFrame:
    """(load_id, kind, records): the loads that wrote the LA's stored records whose main
    date falls in the period, and how many each wrote (module docstring)."""
    from store.extracts import EXTRACTS

    period = period_for(grain, period_end)
    parts = []
    with engine.connect() as conn:
        for name, kind in EXTRACTS.items():
            table = kind_table(name)
            if kind.main_date is None or "load_id" not in table.c:
                continue
            day = table.c[kind.main_date]
            query = (
                select(table.c.load_id, func.count().label("records"))
                .where(table.c.la_code == la_code, day >= period.start, day <= period.end)
                .group_by(table.c.load_id)
            )
            parts += [(load_id, name, records) for load_id, records in conn.execute(query).all()]
    return pd.DataFrame(parts, columns=["load_id", "kind", "records"])


def _quality(engine: Engine, la_code: str, grain: Grain, period_end: date) -> pd.DataFrame:
    """Per partner and kind: the loads carrying the period's data, the period's records
    they wrote, and the rows they read and rejected (module docstring)."""
    columns = ["partner", "kind", "loads", "records", "read", "rejected", "last"]
    found = _period_loads(engine, la_code, grain, period_end)
    if found.empty:
        return pd.DataFrame(columns=columns)
    lc, ld = load_counts.c, loads.c
    query = (
        select(lc.load_id, lc.kind, ld.partner, lc.rows_read, lc.rows_rejected, ld.finished_at)
        .select_from(load_counts.join(loads, lc.load_id == ld.load_id))
        .where(lc.la_code == la_code, lc.load_id.in_(sorted({int(i) for i in found["load_id"]})))
    )
    with engine.connect() as conn:
        counts = pd.DataFrame(
            conn.execute(query).all(), columns=["load_id", "kind", "partner", "read", "rejected", "last"]
        )
    merged = found.merge(counts, on=["load_id", "kind"], how="left")
    merged["partner"] = merged["partner"].fillna("Not recorded")
    out = merged.groupby(["partner", "kind"], as_index=False).agg(
        loads=("load_id", "nunique"),
        records=("records", "sum"),
        read=("read", "sum"),
        rejected=("rejected", "sum"),
        last=("last", "max"),
    )
    return out[columns].sort_values(["partner", "kind"]).reset_index(drop=True)


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
    """Read what the pack shows (each table once)."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}: expected board or clinic")
    cube, months = _results(engine, registry, la_code, grain, period_end, audience == "board", threshold)
    whole = cube[cube["breakdown"] == "all"]
    rows = {str(r["kpi_id"]): {str(k): v for k, v in r.items()} for r in whole.to_dict("records")}
    exceptions = find_exceptions(registry, rows, _worsening_three(engine, la_code, grain, period_end))
    comments = {k: c.body for k, c in current_comments(engine, la_code, grain, period_end).items()}
    dq = pd.Series(DQ_BREAKDOWNS)
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
        data_to=_data_to(engine, la_code),
        quality=_quality(engine, la_code, grain, period_end),
        quality_rows=cube[cube["kpi_id"].isin(dq.index) & (cube["breakdown"] == cube["kpi_id"].map(dq))],
    )
    kpis = [exc.ind.id for exc in exceptions]
    data.limits = _limits(engine, la_code, kpis)
    for kpi in kpis:
        data.series[kpi] = _series(cube, months, grain, kpi)
        data.breakdowns[kpi] = cube[(cube["kpi_id"] == kpi) & cube["breakdown"].isin(["locality", "team"])]
    data.partners = cube[(cube["breakdown"] == "agency") & cube["kpi_id"].isin(FRONT_DOOR + EARLY_HELP)]
    data.benchmarks = {ind.id: england(benchmarks, ind, grain, period_end) for ind in registry}
    data.benchmark_note = timing_note(registry, benchmarks, period_end) or ""
    return data
