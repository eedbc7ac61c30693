"""Scorecard: every indicator by journey stage for the chosen LA, period and area.

The view is read in two queries (the period's results with their SPC summary, and the
last 12 months for the sparklines); exports read the same results again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from metrics import results
from metrics.benchmarks import timing_note
from metrics.periods import month_end, periods_ending, shift_month
from scorecard import exports, sharing
from scorecard.access import page_permission
from scorecard.actions import actions_by_kpi, is_overdue, list_actions
from scorecard.audit import audit_request, current_viewer
from scorecard.commentary import current_comments
from scorecard.components.coverage import coverage_text, icons_month_text
from scorecard.components.filters import filters_bar, notices
from scorecard.components.markup import raw
from scorecard.components.partner_measures import measure_owners
from scorecard.components.row_notes import row_notes
from scorecard.components.scorecard_table import scorecard_table
from scorecard.components.status import STATUS_TEXT
from scorecard.context import AppContext, get_context
from scorecard.formatting import grain_label, la_name, period_label
from scorecard.pagekit import (
    current_filters,
    filter_inputs,
    filter_options_callback,
    no_results,
    register_filter_controls,
    routed,
    rows_by_kpi,
    triggered_key,
    window_note,
)
from scorecard.state import FILTER_KEYS, Filters, resolve
from scorecard.websecurity import signed_in_user, suppressed_only

PREFIX = "scorecard"
INCLUDE = FILTER_KEYS


def _export_controls() -> html.Div:
    return html.Div(
        [
            html.Fieldset(
                [
                    html.Legend("Download this view", className="form-label fs-6"),
                    dbc.RadioItems(
                        id=f"{PREFIX}-export-version",
                        options=[
                            {
                                "label": "For sharing (small numbers suppressed)",
                                "value": exports.SHARING,
                            },
                            *(
                                []
                                if suppressed_only()
                                else [
                                    {
                                        "label": "Operational (unsuppressed, not for sharing)",
                                        "value": exports.OPERATIONAL,
                                    }
                                ]
                            ),
                        ],
                        value=exports.SHARING,
                        inline=True,
                    ),
                ],
                className="mb-2",
            ),
            dbc.Button(
                "Download Excel workbook",
                id=f"{PREFIX}-export-xlsx",
                color="secondary",
                className="me-2",
            ),
            dbc.Button("Download CSV", id=f"{PREFIX}-export-csv", color="secondary", className="me-2"),
            dbc.Button("Board pack (PDF)", id=f"{PREFIX}-export-pack", color="secondary", className="me-2"),
            dbc.Button("Chief executive summary (PDF)", id=f"{PREFIX}-export-summary", color="secondary"),
            html.Div(id=f"{PREFIX}-export-message", role="status", className="mt-2"),
            dcc.Download(id=f"{PREFIX}-download"),
        ],
        className="sc-export mb-3",
    )


def layout(**query: Any) -> html.Div:
    """The page: heading, filters (from the URL), the table (by callback) and exports."""
    app = get_context()
    resolved = resolve(app.engine, query, app.settings.default_la)
    return html.Div(
        [
            html.H1("Scorecard"),
            html.P(
                "Every indicator of the child's journey, the workforce, case audits and the "
                "partners' own measures for the chosen period: the value against its target, the "
                "direction of travel, the last 12 months and whether a change is real "
                "(statistical process control). Choose an indicator for its chart, breakdowns and "
                "commentary.",
                className="sc-lede",
            ),
            notices(resolved.notices),
            filters_bar(PREFIX, resolved.filters, resolved.options, INCLUDE),
            dcc.Loading(
                html.Div(
                    scorecard_view(app, resolved.filters) if routed(query) else None,
                    id=f"{PREFIX}-content",
                ),
                type="dot",
                delay_show=300,
            ),
            _export_controls(),
        ]
    )


def status_summary(frame: pd.DataFrame) -> str:
    """ "8 on target, 3 close to target, 5 off target (of 16 with a target)"."""
    counts = Counter(s for s in frame.get("status", pd.Series(dtype=str)) if s in ("green", "amber", "red"))
    total = sum(counts.values())
    if not total:
        return "No indicator has a target for this view"
    parts = [f"{counts[s]} {STATUS_TEXT[s].lower()}" for s in ("green", "amber", "red")]
    return ", ".join(parts) + f" (of {total} with a target)"


def sparkline_months(period_end: date) -> list[date]:
    """The 12 month ends up to the period's end month."""
    last = period_end.replace(day=1)
    return [p.end for p in periods_ending("month", shift_month(last, -11), last)]


def view_data(
    app: AppContext, filters: Filters
) -> tuple[pd.DataFrame, dict[str, list[float | None]], list[date]]:
    """The period's results and the sparkline values, by indicator: two queries."""
    assert filters.la is not None and filters.period_end is not None
    breakdown, group = filters.breakdown
    frame = results.period_results(
        app.engine, filters.la, filters.grain, filters.period_end, breakdown, group
    )
    months = sparkline_months(filters.period_end)
    if suppressed_only():  # the board and partners: as the files for sharing, no monthly detail
        shared = sharing.view_rows(
            app.engine, app.registry, filters.la, filters.grain, filters.period_end,
            exports.SHARING, app.settings.suppression_threshold, filters.breakdown,
        )  # fmt: skip
        return sharing.as_disclosed(frame, shared), {}, months
    monthly = results.monthly_values(
        app.engine, filters.la, breakdown, group, months[0], month_end(filters.period_end)
    )
    sparks: dict[str, list[float | None]] = {}
    for kpi_id, part in monthly.groupby("kpi_id", sort=False):
        by_month = dict(zip(part["period_end"], part["value"], strict=True))
        sparks[str(kpi_id)] = [None if pd.isna(by_month.get(m)) else float(by_month[m]) for m in months]
    return frame, sparks, months


def spc_month(frame: pd.DataFrame) -> Any:
    """The month most of the view's SPC icons describe (each series' latest point)."""
    ends = frame.get("latest_period_end", pd.Series(dtype=object)).dropna()
    return ends.mode().iloc[-1] if len(ends) else None


def scorecard_view(app: AppContext, filters: Filters) -> list[Any] | html.Div:
    """The heading that states the message, and the table."""
    if filters.la is None or filters.period_end is None:
        return no_results()
    frame, sparks, months = view_data(app, filters)
    window = results.reporting_window(app.engine, filters.la)
    rows = rows_by_kpi(frame)
    for row in rows.values():
        row["coverage_text"] = coverage_text(row, window)
    breakdown, group = filters.breakdown
    area = "whole LA" if breakdown == "all" else f"{breakdown} {group}"
    period = period_label(filters.grain, filters.period_end)
    caption = f"Scorecard for {la_name(filters.la)}, {grain_label(filters.grain).lower()} {period}, {area}"
    link_query = filters.query_string()
    return [
        window_note(app, filters),
        html.H2(
            f"{la_name(filters.la)}, {period} ({area}): {status_summary(frame)}",
            className="h4",
            id=f"{PREFIX}-summary",
        ),
        html.P(
            "Sparklines show the monthly values of the last 12 months; SPC icons describe the "
            "monthly series. England figures are the latest published for the same definition. "
            + icons_month_text(spc_month(frame))
            + (f" {note}" if (note := timing_note(app.registry, app.benchmarks, filters.period_end)) else ""),
            className="form-text",
            id=f"{PREFIX}-spc-month",
        ),
        raw(
            scorecard_table(
                app.registry,
                rows,
                sparks,
                months,
                app.benchmarks,
                link_query,
                breakdown,
                caption,
                row_markers(app, filters),
                measure_owners(app.measures),
            )
        ),
    ]


def row_markers(app: AppContext, filters: Filters) -> dict[str, str]:
    """Each indicator's commentary for the period and its open actions, as markup; the
    actions marker leads to the Actions page, or for a role that cannot open it (the
    board) to the actions on the indicator's page."""
    assert filters.la is not None and filters.period_end is not None
    comments = current_comments(app.engine, filters.la, filters.grain, filters.period_end)
    today = date.today()
    open_actions = list_actions(app.engine, la_code=filters.la, status="open")
    user = signed_in_user()
    to_actions_page = user is not None and user.can(page_permission("/actions"))
    markers = {}
    for ind in app.registry:
        mine = [a for a in open_actions if a.scope.kpi_id == ind.id]
        comment = comments.get(ind.id)
        if comment or mine:
            late = sum(is_overdue(a, today) for a in mine)
            href = (
                f"/actions?status=open&la={filters.la}#{ind.id}"
                if to_actions_page
                else f"/indicator/{ind.id}{filters.query_string()}#indicator-actions-heading"
            )
            markers[ind.id] = row_notes(comment.body if comment else None, len(mine), late, href)
    return markers


def pack_download(app: AppContext, filters: Filters, version: str, summary: bool) -> tuple[Any, Any]:
    """The board pack or the summary for the LA and period shown (whole LA): "for sharing"
    is the board's version, "operational" the clinic's; or why it cannot be made."""
    from scorecard.pack import PackUnavailableError, build_pack, pack_filename

    assert filters.la is not None and filters.period_end is not None
    audience = "board" if version == exports.SHARING else "clinic"
    try:
        pdf = build_pack(
            app.engine, app.registry, app.benchmarks, filters.la, filters.grain, filters.period_end,
            audience, app.settings.suppression_threshold, summary=summary, produced_by=current_viewer(),
        )  # fmt: skip
    except PackUnavailableError as exc:
        return dash.no_update, dbc.Alert(str(exc), color="warning")
    name = pack_filename(filters.la, filters.grain, filters.period_end, audience, summary)
    return dcc.send_bytes(pdf, name, type="application/pdf"), f"Downloaded {name}."


def build_export(app: AppContext, filters: Filters, version: str, file_type: str) -> exports.Export:
    """The view as a file; the sharing version is the period after disclosure control."""
    assert filters.la is not None and filters.period_end is not None
    threshold = app.settings.suppression_threshold
    frame = sharing.view_rows(
        app.engine,
        app.registry,
        filters.la,
        filters.grain,
        filters.period_end,
        version,
        threshold,
        filters.breakdown,
    )
    actions = actions_by_kpi(list_actions(app.engine, la_code=filters.la, status="open"))
    context = sharing.export_context(
        app.engine, filters.la, filters.grain, filters.period_end, threshold, current_viewer(), actions
    )
    note = timing_note(app.registry, app.benchmarks, filters.period_end) or ""
    context = replace(context, benchmark_note=note)
    table = exports.export_frame(frame, app.registry, app.benchmarks, filters, context)
    if file_type == "csv":
        return exports.to_csv(table, filters, version, threshold)
    return exports.to_xlsx(table, app.registry, filters, version, datetime.now(), context)


update_filter_options = filter_options_callback(PREFIX, INCLUDE)


def show_scorecard(*values: Any) -> Any:
    app = get_context()
    return scorecard_view(app, current_filters(app, INCLUDE, values).filters)


def download_view(
    _xlsx: int | None, _csv: int | None, _pack: int | None, _summary: int | None, version: str, *values: Any
) -> tuple[Any, Any]:
    """Send the scorecard view as a file, or say why it cannot be."""
    app = get_context()
    filters = current_filters(app, INCLUDE, values).filters
    if filters.la is None or filters.period_end is None:
        return dash.no_update, dbc.Alert("There are no results to download yet.", color="warning")
    key = triggered_key(PREFIX)
    if suppressed_only():
        version = exports.SHARING  # the board's exports are always the sharing version
    if key in ("export-pack", "export-summary"):
        what = "summary" if key == "export-summary" else "pack"
        audit_request(app.engine, "export", f"{what} ({version or exports.SHARING})", filters.la)
        return pack_download(app, filters, version or exports.SHARING, key == "export-summary")
    file_type = "csv" if key == "export-csv" else "xlsx"
    export = build_export(app, filters, version or exports.SHARING, file_type)
    audit_request(app.engine, "export", f"{export.filename} ({version or exports.SHARING})", filters.la)
    message = f"Downloaded {export.filename}."
    return dcc.send_bytes(export.content, export.filename, type=export.mime), message


def register(app: dash.Dash) -> None:
    """Add the page and its callbacks to ``app`` (called by ``create_app``)."""
    dash.register_page(
        __name__,
        layout=layout,
        path="/",
        name="Scorecard",
        title="Scorecard – Partnership scorecard",
        order=0,
    )
    register_filter_controls(app, PREFIX, INCLUDE, update_filter_options)
    app.callback(
        Output(f"{PREFIX}-content", "children"),
        *filter_inputs(PREFIX, INCLUDE),
        prevent_initial_call=True,
    )(show_scorecard)
    app.callback(
        Output(f"{PREFIX}-download", "data"),
        Output(f"{PREFIX}-export-message", "children"),
        Input(f"{PREFIX}-export-xlsx", "n_clicks"),
        Input(f"{PREFIX}-export-csv", "n_clicks"),
        Input(f"{PREFIX}-export-pack", "n_clicks"),
        Input(f"{PREFIX}-export-summary", "n_clicks"),
        State(f"{PREFIX}-export-version", "value"),
        *(State(f"{PREFIX}-{key}", "value") for key in INCLUDE),
        prevent_initial_call=True,
    )(download_view)
