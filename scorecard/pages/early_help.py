"""Early help: reach, starts and closures, outcomes achieved, step-up and step-down,
repeat episodes and outcome-score change, for one LA and period, with monthly trends.
"""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import html

from metrics import results
from metrics.periods import month_end, shift_month
from metrics.registry import Registry
from scorecard.components.charts import chart_section, line_chart
from scorecard.components.tiles import tile, tile_row
from scorecard.context import AppContext
from scorecard.formatting import format_number, format_value, is_missing, la_name, period_label
from scorecard.pagekit import (
    PERIOD_KEYS,
    content_callback,
    filter_options_callback,
    filtered_page,
    no_results,
    register_content,
    register_filter_controls,
    rows_by_kpi,
)
from scorecard.state import Filters

PREFIX = "early-help"
INCLUDE = PERIOD_KEYS


def early_help_kpis(registry: Registry) -> tuple[str, ...]:
    """The page's indicators: those tagged ``early_help``, in their places."""
    return tuple(i.id for i in registry.tagged("early_help"))


def rate_trends(registry: Registry) -> tuple[str, ...]:
    """The shares drawn month by month: the page's percentages."""
    return tuple(i.id for i in registry.tagged("early_help") if i.type == "percentage")


def _value(rows: dict[str, dict[str, Any]], kpi_id: str, kind: str) -> str:
    row = rows.get(kpi_id)
    return format_value(row.get("value"), kind, row.get("note")) if row else "n/a"


def _part(rows: dict[str, dict[str, Any]], kpi_id: str, part: str) -> str:
    row = rows.get(kpi_id)
    return format_number(row.get(part)) if row and not is_missing(row.get(part)) else "n/a"


def _of(rows: dict[str, dict[str, Any]], kpi_id: str, what: str) -> str:
    """ "90 of 124 closures": the numerator and denominator in words."""
    return f"{_part(rows, kpi_id, 'numerator')} of {_part(rows, kpi_id, 'denominator')} {what}"


def headline_tiles(rows: dict[str, dict[str, Any]], scores: dict[str, Any] | None) -> Any:
    """Each early help measure as a headline figure with what it is made of."""
    tiles = [
        tile(
            "Reach per 10,000 children",
            _value(rows, "eh_reach", "rate"),
            f"{_part(rows, 'eh_reach', 'numerator')} children supported",
        ),
        tile("Episodes started", _value(rows, "eh_started", "count")),
        tile(
            "Episodes closed",
            _part(rows, "eh_outcomes_achieved", "denominator"),
            "closures in the period",
        ),
        tile(
            "Closed with outcomes achieved",
            _value(rows, "eh_outcomes_achieved", "percentage"),
            _of(rows, "eh_outcomes_achieved", "closures"),
        ),
        tile(
            "Stepped up to social care",
            _value(rows, "eh_stepped_up", "percentage"),
            _of(rows, "eh_stepped_up", "closures"),
        ),
        tile(
            "Stepped down from social care",
            _value(rows, "step_down_to_eh", "percentage"),
            _of(rows, "step_down_to_eh", "social care closures"),
        ),
        tile(
            "Repeat episodes within 12 months",
            _value(rows, "eh_repeat_12m", "percentage"),
            _of(rows, "eh_repeat_12m", "starts"),
        ),
    ]
    tiles.append(score_change_tile(scores))
    return tile_row(tiles)


def score_change_tile(scores: dict[str, Any] | None) -> Any:
    """The mean outcome-score change of the episodes closed in the period with both scores."""
    if not scores or not scores.get("episodes"):
        closed = int(scores["closed"]) if scores else 0
        return tile(
            "Outcome-score change",
            "n/a",
            f"no closure in the period has both scores recorded ({closed} closures)",
        )
    change = float(scores["mean_change"])
    episodes = int(scores["episodes"])
    return tile(
        "Outcome-score change",
        f"{'+' if change >= 0 else ''}{format_number(change, 1)} points",
        f"mean change over {episodes:,} closures with both scores; "
        f"{int(scores['improved']):,} improved (mean {format_number(scores['mean_start'], 1)} → "
        f"{format_number(scores['mean_end'], 1)})",
    )


def _series(monthly: pd.DataFrame, kpi_id: str, months: list[Any], part: str = "value") -> list[float | None]:
    rows = monthly[monthly["kpi_id"] == kpi_id]
    by_month = dict(zip(rows["period_end"], rows[part], strict=True))
    return [None if is_missing(by_month.get(m)) else float(by_month[m]) for m in months]


def trend_sections(app: AppContext, filters: Filters) -> list[Any]:
    """Starts and closures, and the outcome shares, month by month over two years."""
    assert filters.la is not None and filters.period_end is not None
    last = month_end(filters.period_end)
    trends = rate_trends(app.registry)
    kpis = ("eh_started", *trends)
    monthly = results.monthly_values(app.engine, filters.la, "all", "all", shift_month(last, -23), last, kpis)
    if monthly.empty:
        return [html.P("No monthly early help results are stored.")]
    months = sorted(set(monthly["period_end"]))
    labels = [period_label("month", m) for m in months]
    counts = {
        "Episodes started": _series(monthly, "eh_started", months),
        "Episodes closed": _series(monthly, "eh_outcomes_achieved", months, "denominator"),
    }
    counts_table = pd.DataFrame(
        {"Month": labels, **{k: [format_number(v) for v in vs] for k, vs in counts.items()}}
    )
    shares = {app.registry[k].title: _series(monthly, k, months) for k in trends}
    shares_table = pd.DataFrame(
        {
            "Month": labels,
            **{k: [format_value(v, "percentage") for v in vs] for k, vs in shares.items()},
        }
    )
    started, closed = counts["Episodes started"], counts["Episodes closed"]
    count_summary = (
        f"In {labels[-1]}, {format_number(started[-1])} episodes started and "
        f"{format_number(closed[-1])} closed; over the two years "
        f"{format_number(sum(v or 0 for v in started))} started and "
        f"{format_number(sum(v or 0 for v in closed))} closed."
    )
    share_summary = (
        "In the latest month: "
        + "; ".join(f"{k} {format_value(v[-1], 'percentage')}" for k, v in shares.items())
        + "."
    )
    return [
        chart_section(
            f"{PREFIX}-flow",
            "Early help episodes started and closed, month by month",
            count_summary,
            line_chart(months, counts, "episodes", counts=True),
            counts_table,
            f"early_help_starts_closures_LA{filters.la}.csv",
            numeric=tuple(counts),
            heading_level=2,
        ),
        chart_section(
            f"{PREFIX}-outcomes",
            "How early help episodes end, month by month",
            share_summary,
            line_chart(months, shares, "%"),
            shares_table,
            f"early_help_outcomes_LA{filters.la}.csv",
            numeric=tuple(shares),
            heading_level=2,
        ),
    ]


def early_help_view(app: AppContext, filters: Filters) -> Any:
    if filters.la is None or filters.period_end is None:
        return no_results()
    kpi_ids = early_help_kpis(app.registry)
    frame = results.period_results(app.engine, filters.la, filters.grain, filters.period_end, kpi_ids=kpi_ids)
    scores = results.outcome_scores(app.engine, filters.la, filters.grain, filters.period_end)
    rows = rows_by_kpi(frame)
    period = period_label(filters.grain, filters.period_end)
    return [
        html.H2(
            f"{la_name(filters.la)}, {period}: {_value(rows, 'eh_started', 'count')} early help "
            f"episodes started, {_value(rows, 'eh_outcomes_achieved', 'percentage')} of "
            "closures with outcomes achieved",
            className="h4",
        ),
        headline_tiles(rows, scores),
        *trend_sections(app, filters),
    ]


LEDE = (
    "Whether early help reaches children before they need social care, how "
    "episodes end, and how "
    "often families step up to social care, step down from it, or come back."
)


def layout(**query: Any) -> html.Div:
    return filtered_page("Early help", LEDE, PREFIX, INCLUDE, query, early_help_view)


update_filter_options = filter_options_callback(PREFIX, INCLUDE)


show_early_help = content_callback(INCLUDE, early_help_view)


def register(app: dash.Dash) -> None:
    """Add the page and its callbacks to ``app`` (called by ``create_app``)."""
    dash.register_page(
        __name__,
        layout=layout,
        path="/early-help",
        name="Early help",
        title="Early help – Partnership scorecard",
        order=4,
    )
    register_filter_controls(app, PREFIX, INCLUDE, update_filter_options)
    register_content(app, PREFIX, INCLUDE, show_early_help)
