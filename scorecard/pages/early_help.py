"""Early help: reach, starts and closures, outcomes achieved, step-up and step-down,
repeat episodes and outcome-score change, for one LA and period, with monthly trends.

The board and partners see the version for sharing (``scorecard.access``): the period's
figures after disclosure control, the outcome-score change as
``metrics.outcome_scores.disclosed_scores`` gives it, and no monthly trend.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from metrics import results
from metrics.outcome_scores import disclosed_scores
from metrics.periods import month_end, shift_month
from metrics.registry import Indicator, Registry, Tile
from metrics.wording import plural, plural_of
from scorecard.components.charts import chart_section, line_chart
from scorecard.components.tiles import tile, tile_row
from scorecard.context import AppContext
from scorecard.formatting import SUPPRESSED, format_number, format_value, is_missing, la_name, period_label
from scorecard.pagekit import (
    PERIOD_KEYS,
    filtered_page_module,
    no_results,
    period_view,
    rows_by_kpi,
    series_left_out,
)
from scorecard.sharing import PeriodView
from scorecard.state import Filters

PREFIX = "early-help"
INCLUDE = PERIOD_KEYS


def early_help_kpis(registry: Registry) -> tuple[str, ...]:
    """The page's indicators: those tagged ``early_help``, in their places."""
    return tuple(i.id for i in registry.tagged("early_help"))


def rate_trends(registry: Registry) -> tuple[str, ...]:
    """The shares drawn month by month: the page's percentages."""
    return tuple(i.id for i in registry.tagged("early_help") if i.type == "percentage")


def tiles_by_tag(registry: Registry) -> list[tuple[Indicator, Tile]]:
    """The headline tiles: those of the indicators tagged ``early_help_tile``, in order."""
    return [(ind, t) for ind in registry.tagged("early_help_tile") for t in ind.tiles]


def _count(row: dict[str, Any] | None, part: str) -> str:
    return format_number(row.get(part)) if row and not is_missing(row.get(part)) else "n/a"


def tile_figure(ind: Indicator, tile_words: Tile, row: dict[str, Any] | None) -> str:
    """The figure a tile shows: the indicator's value, or its denominator."""
    if tile_words.show == "denominator":
        return _count(row, "denominator")
    return format_value(row.get("value"), ind.type, row.get("note")) if row else "n/a"


def tile_detail(tile_words: Tile, row: dict[str, Any] | None) -> str:
    """The words under the figure, with the numerator and denominator filled in and the
    noun agreeing with the last of them ("3 of 4 closures", "1 of 1 closure").

    >>> tile_detail(Tile(label="x", detail="{numerator} of {denominator}", noun="closure"),
    ...             {"numerator": 1.0, "denominator": 1.0})
    '1 of 1 closure'
    >>> tile_detail(Tile(label="x", detail="{numerator}", noun="child supported"), {"numerator": 900.0})
    '900 children supported'
    """
    template = tile_words.detail
    text = template.format(numerator=_count(row, "numerator"), denominator=_count(row, "denominator"))
    if not tile_words.noun:
        return text
    last = "denominator" if template.rfind("{denominator}") > template.rfind("{numerator}") else "numerator"
    count = row.get(last) if row else None
    return f"{text} {tile_words.noun if count == 1 else plural_of(tile_words.noun)}"


def headline_tiles(registry: Registry, rows: dict[str, dict[str, Any]], scores: dict[str, Any] | None) -> Any:
    """Each early help measure as a headline figure with what it is made of."""
    tiles = [
        tile(t.label, tile_figure(ind, t, rows.get(ind.id)), tile_detail(t, rows.get(ind.id)))
        for ind, t in tiles_by_tag(registry)
    ]
    tiles.append(score_change_tile(scores))
    return tile_row(tiles)


def headline_text(registry: Registry, rows: dict[str, dict[str, Any]]) -> str:
    """The figures of the tiles that have heading words: "140 early help episodes started, ..."."""
    return ", ".join(
        _headline_part(ind, t, rows.get(ind.id)) for ind, t in tiles_by_tag(registry) if t.headline
    )


def _headline_part(ind: Indicator, tile_words: Tile, row: dict[str, Any] | None) -> str:
    """ "140 early help episodes started", "1 early help episode started", "68.0% of ..."."""
    figure = tile_figure(ind, tile_words, row)
    counted = ind.type == "count" or tile_words.show == "denominator"
    if not counted or row is None:
        return f"{figure} {tile_words.headline}"
    number = row.get("value") if tile_words.show == "value" else row.get("denominator")
    return f"{figure} {tile_words.headline if number == 1 else plural_of(tile_words.headline)}"


def _closures(n: Any) -> str:
    """ "1 closure", "3 closures", or "c closures" when the count is hidden for sharing."""
    return f"{SUPPRESSED} closures" if n == SUPPRESSED else plural(int(n), "closure")


def score_change_tile(scores: dict[str, Any] | None) -> Any:
    """The mean outcome-score change of the episodes closed in the period with both scores
    (for sharing, small counts and the means over them are "c")."""
    if not scores or not scores.get("episodes"):
        closed = scores["closed"] if scores else 0
        return tile(
            "Outcome-score change",
            "n/a",
            f"no closure in the period has both scores recorded ({_closures(closed)})",
        )
    if scores["episodes"] == SUPPRESSED:
        return tile(
            "Outcome-score change",
            SUPPRESSED,
            f"mean change over {_closures(SUPPRESSED)} with both scores: too few to show for sharing",
        )
    change = float(scores["mean_change"])
    episodes = int(scores["episodes"])
    return tile(
        "Outcome-score change",
        f"{'+' if change >= 0 else ''}{format_number(change, 1)} points",
        f"mean change over {plural(episodes, 'closure')} with both scores; "
        f"{format_number(scores['improved'])} improved (mean {format_number(scores['mean_start'], 1)} → "
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
    counted = [(ind, t) for ind, t in tiles_by_tag(app.registry) if t.trend]
    kpis = (*dict.fromkeys(ind.id for ind, _ in counted), *trends)
    monthly = results.monthly_values(app.engine, filters.la, "all", "all", shift_month(last, -23), last, kpis)
    if monthly.empty:
        return [html.P("No monthly early help results are stored.")]
    months = sorted(set(monthly["period_end"]))
    labels = [period_label("month", m) for m in months]
    counts = {t.label: _series(monthly, ind.id, months, t.show) for ind, t in counted}
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
    count_summary = (
        f"In {labels[-1]}: "
        + "; ".join(f"{k.lower()} {format_number(v[-1])}" for k, v in counts.items())
        + ". Over the two years: "
        + "; ".join(f"{k.lower()} {format_number(sum(x or 0 for x in v))}" for k, v in counts.items())
        + "."
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
    view = period_view(app, filters, kpi_ids)
    frame = results.period_results(app.engine, filters.la, filters.grain, filters.period_end, kpi_ids=kpi_ids)
    scores = results.outcome_scores(app.engine, filters.la, filters.grain, filters.period_end)
    rows = rows_by_kpi(view.seen(frame))
    period = period_label(filters.grain, filters.period_end)
    return [
        html.H2(f"{la_name(filters.la)}, {period}: {headline_text(app.registry, rows)}", className="h4"),
        headline_tiles(app.registry, rows, scores_as_seen(view, scores)),
        *([series_left_out(PREFIX)] if view.for_sharing else trend_sections(app, filters)),
    ]


CLOSURES = "eh_outcomes_achieved"
"""The indicator whose denominator is the period's closures (the outcome scores' ``closed``)."""


def scores_as_seen(view: PeriodView, scores: dict[str, Any] | None) -> dict[str, Any] | None:
    """The outcome-score change as the user may see it: for sharing, small counts hidden,
    and the closures hidden wherever disclosure control hid them as a denominator."""
    if not view.for_sharing:
        return scores
    cube = view.cube()
    whole = cube[(cube["kpi_id"] == CLOSURES) & (cube["breakdown"] == "all")]
    hidden = bool((whole["denominator"] == SUPPRESSED).any())
    return disclosed_scores(scores, view.threshold, closures_hidden=hidden)


LEDE = (
    "Whether early help reaches children before they need social care, how "
    "episodes end, and how "
    "often families step up to social care, step down from it, or come back."
)


PAGE = filtered_page_module(__name__, "Early help", "/early-help", 4, LEDE, early_help_view, PREFIX, INCLUDE)
layout, show_early_help, register = PAGE.layout, PAGE.show, PAGE.register
update_filter_options = PAGE.update_filter_options
