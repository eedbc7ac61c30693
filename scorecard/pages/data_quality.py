"""Data quality: per load and per partner, rows read / loaded / rejected; the rejected rows
with their reasons (downloadable); completeness of optional fields; recording lag.

What a partner sees here (the roles are in ``scorecard.access``; SECURITY.md: "load
history and rejected rows: own loads"): the loads, the counts by partner, the data
currency and the rejected rows of its own agency's loads only (``scorecard.scope``;
the counts by partner are its own agency's row). The data-quality indicators (rejected
rows and recording lag by extract, completeness by column) are computed over every
load of the LA, not per load, so they are not its own loads' figures: a partner sees
them as shared, after disclosure control (``scorecard.sharing.as_seen_by``; a small
count is "c"), and their downloads are the version for sharing and say so.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html

from metrics import results
from metrics.disclosure import SHARING
from metrics.wording import blank_by_design, column_words, name_columns, plural
from scorecard.audit import audit_request
from scorecard.components.charts import bar_chart, chart_section, group_bars
from scorecard.components.filters import filters_bar, notices
from scorecard.components.load_tables import (
    count_text,
    freshness_table,
    kind_title,
    loads_table,
    partner_table,
    rejects_table,
)
from scorecard.components.tables import FileFor, csv_bytes, download_for, download_link, frame_table
from scorecard.context import AppContext, get_context
from scorecard.formatting import format_number, format_value, is_missing, la_name, period_label
from scorecard.pagekit import (
    PERIOD_KEYS,
    current_filters,
    filter_inputs,
    filter_options_callback,
    no_results,
    register_filter_controls,
    routed,
    window_note,
)
from scorecard.scope import visible_load_ids, visible_loads
from scorecard.sharing import as_seen_by, shown_version
from scorecard.state import Filters, resolve
from scorecard.websecurity import signed_in_user

PREFIX = "data-quality"
INCLUDE = PERIOD_KEYS
ALL_LOADS = "all"
# Rows rejected at load belong to the period of the load, which can lie after the LA's
# reporting window: offer every stored period here.
WINDOWED = False
REJECTS_SHOWN = 200
LOADS_SHOWN = 100


def dq_sections(app: AppContext, filters: Filters) -> list[Any]:
    """Rejected rows, recording lag and completeness for the period, by kind and column."""
    assert filters.la is not None and filters.period_end is not None
    key = (filters.la, filters.grain, filters.period_end)
    user, threshold = signed_in_user(), app.settings.suppression_threshold
    stored = results.data_quality_results(app.engine, *key)
    frame = as_seen_by(user, app.engine, app.registry, threshold, stored, key, app.cache)
    # No row here is an agency's own: whoever does not see a whole LA sees the shared version.
    version = shown_version(user, threshold)
    if version.agency is not None:
        version = FileFor(SHARING, threshold)
    period = period_label(filters.grain, filters.period_end)
    if frame.empty:
        return [html.P(f"No data-quality results are stored for {period}.")]
    out: list[Any] = []
    stem = f"LA{filters.la}_{filters.grain}_{filters.period_end:%Y-%m}"
    for kpi_id in ("dq_rejected_rows", "dq_recording_lag_5wd"):
        ind = app.registry[kpi_id]
        section = group_bars(
            f"{PREFIX}-{kpi_id.replace('_', '-')}",
            f"{ind.title} by extract, {period}",
            frame[frame["kpi_id"] == kpi_id],
            ind,
            "Extract",
            f"{kpi_id}_{stem}.csv",
            rename=kind_title,
            version=version,
        )
        if section is not None:
            out.append(section)
    completeness = frame[frame["kpi_id"] == "dq_completeness"]
    if not completeness.empty:
        out.append(completeness_section(completeness, filters, period, version))
    return out


def completeness_section(
    part: pd.DataFrame, filters: Filters, period: str, version: FileFor | None = None
) -> html.Section:
    """Optional fields completed, by extract and column, least complete first (``version``:
    what the numbers shown are, for the downloads' words and first row)."""
    version = version or FileFor()
    part = part.sort_values("value", ascending=True, na_position="first")
    kinds, columns = [], []
    for group in part["group_name"]:
        kind, _, column = str(group).partition(".")
        kinds.append(kind_title(kind))
        columns.append(column_words(kind, column))
    values = [None if is_missing(v) else float(v) for v in part["value"]]
    table = pd.DataFrame(
        {
            "Extract": kinds,
            "Column": columns,
            "Completed": [
                format_value(v, "percentage", n) for v, n in zip(values, part["note"], strict=True)
            ],
            "Filled in": [count_text(v) for v in part["numerator"]],
            "Rows": [count_text(v) for v in part["denominator"]],
        }
    )
    worst = table.head(15)
    worst_values = [v for v in values[:15]]
    labels = [f"{k}: {c}" for k, c in zip(worst["Extract"], worst["Column"], strict=True)]
    low = [label for label, v in zip(labels, worst_values, strict=True) if v is not None and v < 90]
    summary = (
        f"{len(low)} of the 15 least complete optional fields are below 90% complete; "
        "the least complete is "
        f"{labels[0]} ({worst['Completed'].iloc[0]})."
        if labels
        else "No completeness results."
    )
    return html.Section(
        [
            chart_section(
                f"{PREFIX}-completeness",
                f"Optional fields completed: the 15 least complete, {period}",
                summary,
                bar_chart(
                    labels,
                    worst_values,
                    [format_value(v, "percentage") for v in worst_values],
                    "% completed",
                ),
                worst,
                f"completeness_least_LA{filters.la}.csv",
                numeric=("Completed", "Filled in", "Rows"),
                version=version,
            ),
            html.P(blank_by_design_text(), className="form-text"),
            html.Details(
                [
                    html.Summary(f"Every optional field ({len(table)})"),
                    frame_table(
                        table,
                        caption=f"Optional fields completed, {period}",
                        numeric=("Completed", "Filled in", "Rows"),
                    ),
                    download_for(
                        table,
                        f"completeness_LA{filters.la}_{filters.grain}_{filters.period_end:%Y-%m}.csv",
                        version,
                    ),
                ],
                className="sc-table-alt",
            ),
        ]
    )


def blank_by_design_text() -> str:
    """Which fields completeness leaves out or counts only on some rows, and why."""
    never = [b for b in blank_by_design() if not b.when]
    some = [b for b in blank_by_design() if b.when]
    left_out = "; ".join(f"{kind_title(b.kind)}: {column_words(b.kind, b.column)} ({b.why})" for b in never)
    counted = "; ".join(f"{kind_title(b.kind)}: {column_words(b.kind, b.column)} ({b.why})" for b in some)
    return (
        f"Blank by design, so not counted as missing. Left out: {left_out}. "
        f"Counted only on the rows where it is expected: {counted}."
    )


def load_sections(app: AppContext, la: str | None) -> list[Any]:
    """Per load and per partner: rows read, loaded and rejected (a partner: its own loads')."""
    allowed = _allowed(app)
    loads = visible_loads(results.load_history(app.engine, limit=LOADS_SHOWN), allowed)
    counts = (
        own_partner_rows(results.load_counts_by_partner(app.engine, la))
        if la is not None or allowed is None
        else pd.DataFrame()
    )
    out: list[Any] = [html.H2("Loads")]
    if loads.empty:
        out.append(
            html.P(
                [
                    "No files have been loaded yet. Load them on the ",
                    dcc.Link("Data loads", href="/loads"),
                    " page.",
                ]
            )
        )
        return out
    shown = loads_table(loads)
    out += [
        frame_table(
            shown,
            caption=f"The latest {plural(len(shown), 'load')}, newest first",
            numeric=("Rows read", "Loaded", "Rejected"),
        ),
        download_link(shown, "loads.csv", "Download the load history (CSV)"),
        html.H2(f"By partner{'' if la is None else f' ({la_name(la)})'}"),
    ]
    if counts.empty:
        out.append(html.P("No rows have been loaded for this LA."))
    else:
        table = partner_table(counts)
        out += [
            frame_table(
                table,
                caption="Rows read, loaded and rejected, by partner and extract",
                numeric=("Loads", "Rows read", "Loaded", "Rejected", "Rejected (%)"),
            ),
            download_link(table, "rows_by_partner.csv", "Download this table (CSV)"),
        ]
    if la is not None:
        out += freshness_section(app, la, allowed)
    return out


def own_partner_rows(counts: pd.DataFrame) -> pd.DataFrame:
    """The counts by partner the signed-in user may see: a partner only its own agency's
    row (its loads are those attributed to its agency, as in ``scorecard.scope``)."""
    user = signed_in_user()
    if user is None or user.role != "partner" or counts.empty:
        return counts
    return counts[counts["partner"] == user.agency].reset_index(drop=True)


def freshness_section(app: AppContext, la: str, allowed: set[int] | None) -> list[Any]:
    """How current each partner's extracts are for the LA: of the loads the user may see,
    the latest event date of the rows they hold and when they were loaded."""
    # The same answer for every user until a load or recompute (scorecard.store_cache),
    # and a second of CPU on a large LA: kept, then filtered for this user.
    latest = app.cache.get(
        app.engine, ("latest_events_by_load", la), lambda: results.latest_events_by_load(app.engine, la)
    )
    by_load = visible_loads(latest, allowed)
    heading = html.H2(f"How current each partner's data is ({la_name(la)})")
    if by_load.empty:
        return [heading, html.P("No stored rows of this LA come from loads you may see.")]
    table = freshness_table(by_load)
    return [
        heading,
        frame_table(table, caption="Latest event date and date loaded, by partner and extract"),
        download_link(table, f"data_currency_LA{la}.csv", "Download this table (CSV)"),
    ]


def _allowed(app: AppContext) -> set[int] | None:
    return visible_load_ids(app.engine, signed_in_user())


def chosen_load(app: AppContext, load: str | None) -> tuple[bool, int | None]:
    """Whether the user may see the chosen load's rejects, and its id (None: every load,
    which only a user who sees every load may choose)."""
    allowed = _allowed(app)
    load_id = None if load in (None, "", ALL_LOADS) else int(str(load))
    if allowed is None:
        return True, load_id
    return load_id is not None and load_id in allowed, load_id


def reject_options(app: AppContext) -> list[dict[str, str]]:
    allowed = _allowed(app)
    loads = visible_loads(results.load_history(app.engine, limit=LOADS_SHOWN), allowed)
    with_rejects = loads[loads["rows_rejected"].fillna(0) > 0] if not loads.empty else loads
    options = [{"label": "Every load", "value": ALL_LOADS}] if allowed is None else []
    options += [
        {
            "label": (
                f"Load {r['load_id']}: {r['file_name']} ({format_number(r['rows_rejected'])} rejected)"
            ),
            "value": str(r["load_id"]),
        }
        for r in with_rejects.to_dict("records")
    ]
    return options


def reject_summary(app: AppContext, load_id: int | None) -> tuple[int, pd.DataFrame]:
    """How many rows of the load (None: of every load) were rejected, and why (counted).

    A load's rejects are written with it and never change (a retraction deletes them), so
    each load's reasons are counted once and kept (``StoreCache.lasting``, keyed by the
    load's id, file hash and finish time); every load's are those combined, so a new
    load costs only its own rejects, not the region's again. Who may see which load is
    checked before (:func:`chosen_load`). The total is the sum of the reasons' rows
    (every rejected row has one reason), not a second pass."""

    def combined() -> pd.DataFrame:
        holding = results.loads_with_rejects(app.engine)
        chosen = [h for h in holding if load_id is None or h[0] == load_id]
        parts = [
            app.cache.lasting(("reject_reasons", *h), partial(results.reject_reasons, app.engine, h[0]))
            for h in chosen
        ]
        return results.combined_reasons(parts)

    reasons = app.cache.get(app.engine, ("reject_summary", load_id), combined)
    return int(reasons["rows"].sum()) if not reasons.empty else 0, reasons


def rejects_view(app: AppContext, load: str | None) -> Any:
    """The reasons, counted, and the first rejected rows of a load (or of every load)."""
    permitted, load_id = chosen_load(app, load)
    if not permitted:
        return html.P("Choose one of your loads to see its rejected rows.")
    total, reasons = reject_summary(app, load_id)
    if not total:
        return html.P("No rows were rejected.")
    reasons = reasons.head(20)
    reasons_table = pd.DataFrame(
        {
            "Extract": [kind_title(k) for k in reasons["kind"]],
            "Column": [
                column_words(k, c, quoted=True) if isinstance(c, str) else ""
                for k, c in zip(reasons["kind"], reasons["column_name"], strict=True)
            ],
            # Rows stored before codes existed are grouped by their sentence: no code to show.
            "Code": [
                "" if c == r else c for c, r in zip(reasons["reason_code"], reasons["reason"], strict=True)
            ],
            "Reason (an example)": [
                name_columns(r, k) for k, r in zip(reasons["kind"], reasons["reason"], strict=True)
            ],
            "Rows": [format_number(v) for v in reasons["rows"]],
        }
    )
    rows = rejects_table(results.rejected_rows(app.engine, load_id, limit=REJECTS_SHOWN))
    shown = f"the first {REJECTS_SHOWN} of {total:,}" if total > REJECTS_SHOWN else f"all {total:,}"
    return [
        frame_table(reasons_table, caption="Why rows were rejected (most frequent first)", numeric=("Rows",)),
        frame_table(rows, caption=f"Rejected rows: {shown}"),
    ]


def data_quality_view(app: AppContext, filters: Filters) -> tuple[Any, Any]:
    """The period's data-quality results, and the loads (for the filters' LA)."""
    if filters.la is None or filters.period_end is None:
        return no_results(), load_sections(app, None)
    return [window_note(app, filters), *dq_sections(app, filters)], load_sections(app, filters.la)


def layout(**query: Any) -> html.Div:
    app = get_context()
    resolved = resolve(app.engine, query, app.settings.default_la, within_window=WINDOWED)
    content, loads_part = data_quality_view(app, resolved.filters) if routed(query) else (None, None)
    load_options = reject_options(app)
    return html.Div(
        [
            html.H1("Data quality"),
            html.P(
                "What each load read, loaded and rejected, and why; how complete the optional "
                "fields are; "
                "and how long after the event records are entered.",
                className="sc-lede",
            ),
            html.Div(loads_part, id=f"{PREFIX}-loads"),
            html.H2("Rejected rows"),
            dbc.Label("Show the rejected rows of", html_for=f"{PREFIX}-load"),
            dbc.Select(
                id=f"{PREFIX}-load",
                options=load_options,
                value=load_options[0]["value"] if load_options else None,
                className="form-select mb-2",
            ),
            dbc.Button(
                "Download these rejected rows (CSV)",
                id=f"{PREFIX}-rejects-download",
                color="secondary",
                className="mb-2",
            ),
            dcc.Download(id=f"{PREFIX}-rejects-file"),
            html.Div(id=f"{PREFIX}-rejects"),
            html.H2("Completeness and recording lag"),
            notices(resolved.notices),
            filters_bar(PREFIX, resolved.filters, resolved.options, INCLUDE),
            html.Div(content, id=f"{PREFIX}-content"),
        ]
    )


update_filter_options = filter_options_callback(PREFIX, INCLUDE, within_window=WINDOWED)


def show_data_quality(*values: Any) -> tuple[Any, Any]:
    app = get_context()
    return data_quality_view(app, current_filters(app, INCLUDE, values, WINDOWED).filters)


def show_rejects(load: str | None) -> Any:
    return rejects_view(get_context(), load)


def download_rejects(_n: int | None, load: str | None) -> Any:
    """Every rejected row of the chosen load(s), as CSV."""
    app = get_context()
    permitted, load_id = chosen_load(app, load)
    if not permitted:
        return dash.no_update
    frame = rejects_table(results.rejected_rows(app.engine, load_id, limit=None))
    audit_request(app.engine, "export", f"rejected rows of load {load_id or 'every load'}")
    name = "rejected_rows_all_loads.csv" if load_id is None else f"rejected_rows_load_{load_id}.csv"
    return dcc.send_bytes(csv_bytes(frame), name, type="text/csv")


def register(app: dash.Dash) -> None:
    """Add the page and its callbacks to ``app`` (called by ``create_app``)."""
    dash.register_page(
        __name__,
        layout=layout,
        path="/data-quality",
        name="Data quality",
        title="Data quality – Partnership scorecard",
        order=5,
    )
    register_filter_controls(app, PREFIX, INCLUDE, update_filter_options)
    app.callback(
        Output(f"{PREFIX}-content", "children"),
        Output(f"{PREFIX}-loads", "children"),
        *filter_inputs(PREFIX, INCLUDE),
        prevent_initial_call=True,
    )(show_data_quality)
    app.callback(Output(f"{PREFIX}-rejects", "children"), Input(f"{PREFIX}-load", "value"))(show_rejects)
    app.callback(
        Output(f"{PREFIX}-rejects-file", "data"),
        Input(f"{PREFIX}-rejects-download", "n_clicks"),
        dash.State(f"{PREFIX}-load", "value"),
        prevent_initial_call=True,
    )(download_rejects)
