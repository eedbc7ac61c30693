"""Quality assurance: case file audits and their grades by theme and by the lead
auditor's agency, for one LA and period.

The page shows the indicators tagged ``quality_assurance`` in
``metrics/data/indicators.yaml``: for the whole LA as headline figures, then one table
per breakdown (theme, agency) with a row per group, and the share graded good or
outstanding by theme as bars, largest first.

The board and partners see the version for sharing (``scorecard.access``): every figure
after disclosure control, a partner's own agency's row of the audits by agency as
stored, and every download for sharing.
"""

from __future__ import annotations

from typing import Any

from dash import html

from metrics import results
from metrics.registry import Registry
from scorecard.components.charts import group_bars
from scorecard.components.indicators import fraction_text
from scorecard.components.tables import frame_table
from scorecard.components.tiles import tile, tile_row
from scorecard.context import AppContext
from scorecard.formatting import format_value, la_name, period_label
from scorecard.pagekit import (
    PERIOD_KEYS,
    filtered_page_module,
    no_results,
    period_view,
    rows_by_kpi,
    view_download,
)
from scorecard.pages.partners import agency_table
from scorecard.sharing import PeriodView
from scorecard.state import Filters

PREFIX = "quality"
INCLUDE = PERIOD_KEYS
# The breakdowns shown, each with the words for its groups.
BREAKDOWNS: tuple[tuple[str, str], ...] = (("theme", "Theme"), ("agency", "Lead auditor's agency"))
CHARTED = "audits_good_or_better"


def quality_kpis(registry: Registry, breakdown: str = "all") -> tuple[str, ...]:
    """The page's indicators (tagged ``quality_assurance``) that break down by ``breakdown``."""
    return tuple(i.id for i in registry.tagged("quality_assurance") if breakdown in i.breakdowns)


def breakdown_section(
    app: AppContext, filters: Filters, view: PeriodView, breakdown: str, label: str
) -> list[Any]:
    """The audits of the period by one breakdown: a table, its download and, for the
    share graded good or outstanding, bars."""
    assert filters.la is not None and filters.period_end is not None
    kpi_ids = quality_kpis(app.registry, breakdown)
    period = period_label(filters.grain, filters.period_end)
    heading = html.H2(f"Audit grades by {label.lower()}, {period}", className="h4")
    frame = results.breakdown_results(
        app.engine, filters.la, filters.grain, filters.period_end, breakdown, kpi_ids
    )
    if frame.empty:
        return [heading, html.P(f"No audit results by {label.lower()} are stored for this period.")]
    seen, shared = view.seen(frame), view.shared(frame)
    shown = agency_table(app.registry, seen, kpi_ids, label)
    full = agency_table(app.registry, shared, kpi_ids, label, parts=True)
    caption = f"Case file audits by {label.lower()}, {period}"
    stem = f"LA{filters.la}_{filters.grain}_{filters.period_end:%Y-%m}"
    out: list[Any] = [
        heading,
        frame_table(shown, caption=caption, numeric=tuple(shown.columns[1:]), row_header=label),
        view_download(
            view,
            full,
            f"audits_by_{breakdown}_{stem}.csv",
            "Download this table with numerators and denominators",
        ),
    ]
    if CHARTED in kpi_ids:
        ind = app.registry[CHARTED]
        out.append(
            group_bars(
                f"{PREFIX}-{breakdown}-good",
                f"{ind.title} by {label.lower()}, {period}",
                seen[seen["kpi_id"] == CHARTED],
                ind,
                label,
                f"{CHARTED}_by_{breakdown}_{stem}.csv",
                shared_rows=shared[shared["kpi_id"] == CHARTED] if view.for_sharing else None,
                threshold=view.threshold,
                operational=not view.for_sharing,
            )
        )
    return out


def quality_view(app: AppContext, filters: Filters) -> Any:
    if filters.la is None or filters.period_end is None:
        return no_results()
    kpi_ids = quality_kpis(app.registry)
    view = period_view(app, filters, kpi_ids)
    frame = results.period_results(app.engine, filters.la, filters.grain, filters.period_end, kpi_ids=kpi_ids)
    rows = rows_by_kpi(view.seen(frame))
    tiles = []
    for kpi_id in kpi_ids:
        ind, row = app.registry[kpi_id], rows.get(kpi_id)
        value = format_value(row.get("value"), ind.type, row.get("note")) if row else "n/a"
        tiles.append(tile(ind.title, value, fraction_text(row, ind) if row else ""))
    period = period_label(filters.grain, filters.period_end)
    out: list[Any] = [
        html.H2(f"Case file audits, {la_name(filters.la)}, {period}", className="h4"),
        tile_row(tiles),
    ]
    for breakdown, label in BREAKDOWNS:
        out += breakdown_section(app, filters, view, breakdown, label)
    return out


LEDE = (
    "What case file audits find: how many were completed, how many were graded good or "
    "outstanding and how many inadequate, by theme and by the agency of the lead auditor."
)


PAGE = filtered_page_module(__name__, "Quality assurance", "/quality", 5, LEDE, quality_view, PREFIX, INCLUDE)
layout, show_quality, register = PAGE.layout, PAGE.show, PAGE.register
update_filter_options = PAGE.update_filter_options
