"""Workforce: social workers in post, agency workers, turnover, vacancies and caseloads,
for the LA and by team, with the teams furthest from target first, and month by month.

The page shows the indicators tagged ``workforce`` in ``metrics/data/indicators.yaml``
(in their places), so a workforce indicator added there appears here with no code.
England figures (the DfE "Children's social work workforce" release, cited in
``metrics.benchmarks``) are shown beside an indicator only where the definition is the
same: for a period ending 30 September, the day the DfE measures
(``metrics.benchmarks.shown_beside``); for any other period the page says so once. How
teams are ordered: ``scorecard.components.target_gap``.

The board and partners see the version for sharing (``scorecard.access``): the LA's and
the teams' figures after disclosure control, the teams ordered by what is shown, the
table's download for sharing, and no monthly trend. kpis.md's rule applies to staff as it
is written (a count from 1 to 5, or a rate or percentage with a numerator or denominator
from 1 to 5, is ``c``); FTE and caseloads are numbers, hidden when their numerator or
denominator (an FTE, a count of cases) is from 1 to 5 (``metrics.suppression``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from metrics import results
from metrics.benchmarks import england, timing_note, when_label
from metrics.periods import month_end, shift_month
from metrics.registry import Indicator, Registry
from scorecard.components.charts import chart_section, line_chart
from scorecard.components.indicators import benchmark_text, fraction_text
from scorecard.components.status import STATUS_TEXT
from scorecard.components.tables import frame_table
from scorecard.components.target_gap import furthest_first, shortfall, worst
from scorecard.components.tiles import tile, tile_row
from scorecard.context import AppContext
from scorecard.formatting import format_target, format_value, is_missing, la_name, period_label
from scorecard.pagekit import (
    PERIOD_KEYS,
    filtered_page_module,
    no_results,
    period_view,
    rows_by_kpi,
    series_left_out,
    view_download,
)
from scorecard.sharing import PeriodView
from scorecard.state import Filters

PREFIX = "workforce"
INCLUDE = PERIOD_KEYS
SAME_DAY_NOTE = (
    "The England figures beside the indicators are the DfE's (Children's social work "
    "workforce), measured at 30 September (turnover: the year to 30 September), the same "
    "definitions as ours for a period ending then."
)
TREND_MONTHS = 24


def workforce_kpis(registry: Registry) -> list[Indicator]:
    """The page's indicators: those tagged ``workforce``, in their places."""
    return registry.tagged("workforce")


def _bench_words(app: AppContext, ind: Indicator, filters: Filters) -> str:
    bench = england(app.benchmarks, ind, filters.grain, filters.period_end)
    if bench is None:
        return "No England figure for this period" if ind.benchmark else ""
    return f"England {benchmark_text(bench, ind)} {when_label(bench, ind)}"


def dfe_note(app: AppContext, filters: Filters) -> str:
    """Once on the page: when the England figures are shown, and why not for this period."""
    note = timing_note(workforce_kpis(app.registry), app.benchmarks, filters.period_end)
    return note or SAME_DAY_NOTE


def headline_tiles(app: AppContext, filters: Filters, rows: dict[str, dict[str, Any]]) -> Any:
    """Each workforce indicator for the whole LA: value, what it is made of, target and
    the England figure where it compares."""
    tiles = []
    for ind in workforce_kpis(app.registry):
        row = rows.get(ind.id)
        value = format_value(row.get("value"), ind.type, row.get("note")) if row else "n/a"
        parts = [fraction_text(row, ind) if row else ""]
        if row and not is_missing(row.get("target")):
            status = STATUS_TEXT.get(str(row.get("status")), "")
            parts.append(
                f"target {format_target(row['target'], ind.type)}" + (f": {status.lower()}" if status else "")
            )
        parts.append(_bench_words(app, ind, filters))
        tiles.append(tile(ind.title, value, "; ".join(p for p in parts if p)))
    return tile_row(tiles)


def _team_cell(row: dict[str, Any] | None, ind: Indicator) -> str:
    if row is None:
        return "n/a"
    shown = format_value(row.get("value"), ind.type, row.get("note"))
    status = STATUS_TEXT.get(str(row.get("status")))
    return f"{shown} ({status.lower()})" if status and not is_missing(row.get("target")) else shown


def _furthest_words(row: dict[str, Any] | None, ind: Indicator) -> str:
    assert row is not None
    return (
        f"{ind.title}: {format_value(row['value'], ind.type)} against a target of "
        f"{format_target(row['target'], ind.type)}"
    )


def team_table(registry: Registry, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per team, furthest from target first: each indicator's value (and status
    where it has a target) and the indicator furthest from its target."""
    indicators = workforce_kpis(registry)
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    rows = {(str(r["kpi_id"]), str(r["group_name"])): r for r in records}
    teams = sorted({team for _, team in rows})
    gaps = {
        team: [
            shortfall(r["value"], r["target"], ind.polarity) if (r := rows.get((ind.id, team))) else None
            for ind in indicators
        ]
        for team in teams
    }
    ordered = furthest_first(gaps)
    furthest = []
    for team in ordered:
        largest = worst(gaps[team])
        if largest is None:
            furthest.append("No target set")
        elif largest == 0:
            furthest.append("On target for every indicator with one")
        else:
            ind = indicators[gaps[team].index(largest)]
            furthest.append(_furthest_words(rows.get((ind.id, team)), ind))
    table: dict[str, list[str]] = {"Team": ordered}
    for ind in indicators:
        table[ind.title] = [_team_cell(rows.get((ind.id, team)), ind) for team in ordered]
    table["Furthest from target"] = furthest
    return pd.DataFrame(table)


def team_section(app: AppContext, filters: Filters, view: PeriodView) -> list[Any]:
    """The teams, furthest from target first, as a table with its download."""
    assert filters.la is not None and filters.period_end is not None
    ids = [i.id for i in workforce_kpis(app.registry)]
    frame = results.breakdown_results(app.engine, filters.la, filters.grain, filters.period_end, "team", ids)
    period = period_label(filters.grain, filters.period_end)
    heading = html.H2(f"By team, furthest from target first, {period}", className="h4")
    if frame.empty:
        return [heading, html.P("No workforce results by team are stored for this period.")]
    table = team_table(app.registry, view.seen(frame))
    caption = f"Workforce by team, furthest from target first, {period}"

    filename = f"workforce_by_team_LA{filters.la}_{filters.grain}_{filters.period_end:%Y-%m}.csv"
    numeric = tuple(c for c in table.columns[1:-1])
    return [
        heading,
        html.P(
            "Teams are ordered by the indicator furthest on the wrong side of its target, as a "
            "share of the target; teams with no target set come last.",
            className="form-text",
        ),
        frame_table(table, caption=caption, numeric=numeric, row_header="Team"),
        view_download(view, team_table(app.registry, view.shared(frame)), filename),
    ]


def trend_sections(app: AppContext, filters: Filters) -> list[Any]:
    """Each workforce indicator month by month over two years: the LA and each team."""
    assert filters.la is not None and filters.period_end is not None
    last = month_end(filters.period_end)
    first = shift_month(last.replace(day=1), -(TREND_MONTHS - 1))
    indicators = workforce_kpis(app.registry)
    ids = [i.id for i in indicators]
    whole = results.monthly_values(app.engine, filters.la, "all", "all", month_end(first), last, ids)
    teams = results.monthly_by_group(app.engine, filters.la, "team", month_end(first), last, ids)
    if whole.empty and teams.empty:
        return [html.P("No monthly workforce results are stored.")]
    months = sorted(set(whole["period_end"]) | set(teams["period_end"]))
    labels = [period_label("month", m) for m in months]
    sections: list[Any] = [html.H2("Month by month, the LA and each team", className="h4")]
    for ind in indicators:
        lines = {"Whole LA": _line(whole[whole["kpi_id"] == ind.id], months)}
        mine = teams[teams["kpi_id"] == ind.id]
        for team, part in mine.groupby("group_name", sort=True):
            lines[str(team)] = _line(part, months)
        latest = "; ".join(f"{name} {format_value(values[-1], ind.type)}" for name, values in lines.items())
        table = pd.DataFrame(
            {"Month": labels, **{k: [format_value(v, ind.type) for v in vs] for k, vs in lines.items()}}
        )
        sections.append(
            chart_section(
                f"{PREFIX}-{ind.id.replace('_', '-')}",
                f"{ind.title}, month by month",
                f"In {labels[-1]}: {latest}.",
                line_chart(months, lines, ind.unit, counts=ind.type != "percentage"),
                table,
                f"{ind.id}_by_team_LA{filters.la}.csv",
                numeric=tuple(lines),
                heading_level=3,
            )
        )
    return sections


def _line(part: pd.DataFrame, months: list[Any]) -> list[float | None]:
    by_month = dict(zip(part["period_end"], part["value"], strict=True))
    return [None if is_missing(by_month.get(m)) else float(by_month[m]) for m in months]


def workforce_view(app: AppContext, filters: Filters) -> Any:
    if filters.la is None or filters.period_end is None:
        return no_results()
    ids = [i.id for i in workforce_kpis(app.registry)]
    view = period_view(app, filters, ids)
    frame = results.period_results(app.engine, filters.la, filters.grain, filters.period_end, kpi_ids=ids)
    rows = rows_by_kpi(view.seen(frame))
    period = period_label(filters.grain, filters.period_end)
    return [
        html.H2(f"The social work workforce, {la_name(filters.la)}, {period}", className="h4"),
        html.P(dfe_note(app, filters), className="form-text", id=f"{PREFIX}-dfe-note"),
        headline_tiles(app, filters, rows),
        *team_section(app, filters, view),
        *([series_left_out(PREFIX)] if view.for_sharing else trend_sections(app, filters)),
    ]


LEDE = (
    "Whether the social work workforce is stable and its caseloads manageable: social "
    "workers in post, agency workers, turnover, vacancies and caseloads, for the LA and "
    "each team, with the teams furthest from target first."
)


PAGE = filtered_page_module(__name__, "Workforce", "/workforce", 5, LEDE, workforce_view, PREFIX, INCLUDE)
layout, show_workforce, register = PAGE.layout, PAGE.show, PAGE.register
update_filter_options = PAGE.update_filter_options
