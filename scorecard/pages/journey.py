"""Child's journey: contacts → referrals → assessments → S47 → ICPC → CP plan, with early
help beside it, as a flow with the conversion rate on each step, for one LA and period.

Every number is a stored indicator result; where the registry has no indicator for a
step (assessment to S47, contact to early help) the page says so rather than dividing.
The board and partners see the version for sharing (``scorecard.access``): the period's
numbers after disclosure control, its table's download for sharing, and no monthly trend.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from metrics import results
from metrics.periods import month_end, shift_month
from metrics.wording import plural, plural_of
from scorecard.components.charts import chart_section, line_chart
from scorecard.components.journey_flow import (
    early_help_lane,
    flow,
    journey_kpis,
    journey_steps,
    journey_table,
    step_count,
    trend_kpis,
)
from scorecard.components.tables import frame_table
from scorecard.context import AppContext
from scorecard.formatting import SUPPRESSED, format_value, is_missing, la_name, period_label
from scorecard.pagekit import (
    PERIOD_KEYS,
    filtered_page_module,
    no_results,
    period_view,
    rows_by_kpi,
    series_left_out,
    view_download,
)
from scorecard.state import Filters

PREFIX = "journey"
INCLUDE = PERIOD_KEYS


def trend_section(app: AppContext, filters: Filters) -> html.Section | None:
    """The conversion rates month by month over the last two years."""
    assert filters.la is not None and filters.period_end is not None
    last = month_end(filters.period_end)
    first = shift_month(last, -23)
    trends = trend_kpis(app.registry)
    monthly = results.monthly_values(app.engine, filters.la, "all", "all", first, last, trends)
    if monthly.empty:
        return None
    months = sorted(set(monthly["period_end"]))
    series: dict[str, list[float | None]] = {}
    for kpi_id in trends:
        part = monthly[monthly["kpi_id"] == kpi_id]
        by_month = dict(zip(part["period_end"], part["value"], strict=True))
        series[app.registry[kpi_id].title] = [
            None if is_missing(by_month.get(m)) else float(by_month[m]) for m in months
        ]
    table = pd.DataFrame({"Month": [period_label("month", m) for m in months]})
    for name, values in series.items():
        table[name] = [format_value(v, "percentage") for v in values]
    latest = {name: values[-1] for name, values in series.items()}
    summary = (
        "In the latest month: "
        + "; ".join(f"{name} {format_value(v, 'percentage')}" for name, v in latest.items())
        + "."
    )
    return chart_section(
        f"{PREFIX}-trend",
        "Conversion at each step, month by month",
        summary,
        line_chart(months, series, "%"),
        table,
        f"journey_conversion_LA{filters.la}.csv",
        numeric=tuple(series),
        heading_level=2,
    )


def _counted(n: Any, noun: str) -> str:
    """ "1 contact", "3 contacts"; "n/a contacts" when there is no count, "c contacts" when
    it is hidden for sharing."""
    if n == SUPPRESSED:
        return f"{SUPPRESSED} {plural_of(noun)}"
    return f"n/a {plural_of(noun)}" if is_missing(n) else plural(float(n), noun)


def journey_view(app: AppContext, filters: Filters) -> Any:
    if filters.la is None or filters.period_end is None:
        return no_results()
    kpi_ids = journey_kpis(app.registry)
    view = period_view(app, filters, kpi_ids)
    frame = results.period_results(app.engine, filters.la, filters.grain, filters.period_end, kpi_ids=kpi_ids)
    rows = rows_by_kpi(view.seen(frame))
    period = period_label(filters.grain, filters.period_end)
    steps = journey_steps(app.registry)
    contacts = step_count(steps[0], rows)
    plans = step_count(steps[-1], rows)
    message = (
        f"{la_name(filters.la)}, {period}: {_counted(contacts, 'contact')} and "
        f"{_counted(plans, 'child protection plan')} started"
    )
    table = journey_table(app.registry, rows)
    return [
        html.H2(message, className="h4"),
        html.P(
            "Each arrow shows the indicator for that step: the share of the period's cases at "
            "one step that reached the next. Counts are events in the period, so they do not "
            "divide into each other exactly.",
            className="form-text",
        ),
        flow(app.registry, rows),
        early_help_lane(app.registry, rows),
        html.Details(
            [
                html.Summary("Show as table"),
                frame_table(
                    table,
                    caption=f"The child's journey, {la_name(filters.la)}, {period}",
                    numeric=("Value", "Numerator", "Denominator"),
                ),
                view_download(
                    view,
                    journey_table(app.registry, rows_by_kpi(view.shared(frame))),
                    f"journey_LA{filters.la}_{filters.grain}_{filters.period_end:%Y-%m}.csv",
                ),
            ],
            className="sc-table-alt mt-2",
        ),
        series_left_out(PREFIX) if view.for_sharing else trend_section(app, filters),
    ]


LEDE = (
    "How children move from a contact with the front door to a child protection "
    "plan, with early "
    "help beside it: the numbers at each step and the conversion between steps."
)


PAGE = filtered_page_module(__name__, "Child's journey", "/journey", 1, LEDE, journey_view, PREFIX, INCLUDE)
layout, show_journey, register = PAGE.layout, PAGE.show, PAGE.register
update_filter_options = PAGE.update_filter_options
