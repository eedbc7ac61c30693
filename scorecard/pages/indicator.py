"""Indicator page: the SPC chart, breakdowns, benchmarks, definition, commentary and the
records behind the numerator, for one indicator (``/indicator/<kpi_id>``).

The board and partners get the version for sharing (the reading is in
``scorecard.access``): the period's numbers and breakdowns as disclosed (a partner's own
agency's rows as stored), no monthly series, and the downloads say which version they
are; the forms a role may not use (commentary, actions, records, targets) are hidden, and
their callbacks refuse on the server whatever the page shows.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html

from metrics import results
from metrics.benchmarks import Benchmark, comparable, shown_beside, timing_note, when_label
from metrics.disclosure import SHARING
from metrics.records import records_for
from metrics.registry import Indicator
from metrics.wording import kind_in_text, plural
from scorecard.agencies import default_agencies
from scorecard.audit import RecordView, audit_request, current_viewer, log_record_view
from scorecard.commentary import (
    CommentError,
    CommentKey,
    comment_history,
    current_comment,
    save_comment,
)
from scorecard.components.actions_panel import actions_panel, register_panel
from scorecard.components.charts import chart_section, group_bars
from scorecard.components.coverage import BEFORE, coverage_mark, coverage_text, too_few_text
from scorecard.components.filters import filters_bar, notices
from scorecard.components.indicators import benchmark_text, fraction_text, polarity_text, value_text
from scorecard.components.markup import raw, tag, text
from scorecard.components.records import (
    RAW_IDENTIFIERS,
    records_display,
    records_for_download,
    records_summary,
)
from scorecard.components.spc import (
    POINT_TEXT,
    UNJUDGED,
    assurance_icon,
    assurance_text,
    natural_bounds,
    spc_figure,
    spc_message,
    variation_icon,
    variation_text,
    within_bounds,
)
from scorecard.components.status import direction_html, status_badge
from scorecard.components.tables import FileFor, csv_bytes, frame_table
from scorecard.components.target_form import register_form, target_form
from scorecard.context import AppContext, get_context
from scorecard.formatting import (
    format_figure,
    format_target,
    format_value,
    is_missing,
    la_name,
    numerator_text,
    period_label,
)
from scorecard.pagekit import (
    current_filters,
    filter_inputs,
    filter_options_callback,
    no_results,
    register_filter_controls,
    routed,
    rows_by_kpi,
    window_note,
)
from scorecard.sharing import PeriodView, partner_rows, shown_version
from scorecard.state import FILTER_KEYS, Filters, resolve
from scorecard.websecurity import signed_in_user
from store.times import uk_time

PREFIX = "indicator"
INCLUDE = FILTER_KEYS
RECORDS_SHOWN = 100
BREAKDOWN_TITLES = {"locality": "locality", "team": "team", "agency": "agency"}
NO_SERIES = html.Section(
    html.P(
        "The monthly series and its control chart show a whole LA's numbers unsuppressed, month "
        "by month, so they are not shown here: this page shows the period's numbers as they are "
        "shared (small numbers suppressed, shown as \"c\"), with a partner's own agency's rows in full.",
        className="form-text",
    ),
    id=f"{PREFIX}-no-series",
)


def page_title(kpi_id: str | None = None) -> str:
    registry = get_context().registry  # the app's, with the pm_* ids of its measures file
    name = registry[kpi_id].title if kpi_id is not None and kpi_id in registry else "Indicator"
    return f"{name} – Partnership scorecard"


def _unknown(kpi_id: str) -> html.Div:
    return html.Div(
        [
            html.H1("Indicator not found"),
            html.P(f"There is no indicator with the id {kpi_id!r}."),
            html.P(["Choose an indicator on the ", dcc.Link("scorecard", href="/"), "."]),
        ]
    )


def layout(kpi_id: str | None = None, **query: Any) -> html.Div:
    """The page for one indicator; the sections are filled by callbacks."""
    app = get_context()
    if kpi_id is None:  # Dash checks every page's layout once, without arguments
        kpi_id = app.registry.ids()[0]
    if kpi_id not in app.registry:
        return _unknown(kpi_id)
    ind = app.registry[kpi_id]
    resolved = resolve(app.engine, query, app.settings.default_la)
    return html.Div(
        [
            dcc.Link(
                "← Back to the scorecard",
                href="/" + resolved.filters.query_string(),
                className="d-inline-block mb-2",
            ),
            html.H1(ind.title),
            html.P(f"{polarity_text(ind.polarity)}. {ind.definition}", className="sc-lede"),
            dcc.Store(id=f"{PREFIX}-kpi", data=ind.id),
            notices(resolved.notices),
            filters_bar(PREFIX, resolved.filters, resolved.options, INCLUDE),
            dcc.Loading(
                html.Div(
                    indicator_view(app, ind.id, resolved.filters) if routed(query) else None,
                    id=f"{PREFIX}-content",
                ),
                type="dot",
                delay_show=300,
            ),
            commentary_section(_may("comment")),
            target_form(ind),
            actions_panel(_may("comment")),
            records_section(ind, _may("records")),
            definition_section(ind),
        ]
    )


def _may(permission: str) -> bool:
    """Whether the signed-in user's role carries the permission (to show or hide a form;
    the callbacks check again)."""
    user = signed_in_user()
    return user is not None and user.can(permission)


# --- Pure builders -------------------------------------------------------------------


def _source_words(source: str) -> str:
    """The extract an indicator counts, in words ("the child protection plans extract")."""
    if source == "loads":
        return "the load records"
    if source == "each kind":
        return "every extract"
    return f"the {kind_in_text(source)} extract"


def definition_section(ind: Indicator) -> html.Section:
    items: list[Any] = [html.Dt("Definition"), html.Dd(ind.definition)]
    if ind.numerator:
        items += [html.Dt("Numerator"), html.Dd(ind.numerator)]
    if ind.denominator:
        items += [html.Dt("Denominator"), html.Dd(ind.denominator)]
    items += [
        html.Dt("Type and unit"),
        html.Dd(f"{ind.type.capitalize()} ({ind.unit})"),
        html.Dt("Polarity"),
        html.Dd(polarity_text(ind.polarity)),
        html.Dt("Computed from"),
        html.Dd(_source_words(ind.source)),
        html.Dt("Breakdowns"),
        html.Dd(", ".join(ind.breakdowns)),
        html.Dt("Indicator id"),
        html.Dd(html.Code(ind.id)),
    ]
    return html.Section([html.H2("Definition"), html.Dl(items, className="sc-definition")])


def headline(app: AppContext, ind: Indicator, row: dict[str, Any] | None, filters: Filters) -> Any:
    """The value for the period with its fraction, target, status, direction and benchmarks."""
    assert filters.period_end is not None
    period = period_label(filters.grain, filters.period_end)
    _, group = filters.breakdown
    where = f"{la_name(filters.la)}" + ("" if group == "all" else f", {group}")
    if row is None:
        return raw(
            tag(
                "div",
                tag("p", text(f"No result is stored for {where} in {period}.")),
                class_="sc-headline",
            )
        )
    words = coverage_text(row, results.reporting_window(app.engine, filters.la) if filters.la else None)
    if (row.get("coverage") or "full") == "none":
        return raw(tag("div", tag("p", text(f"{where}, {period}: {words or BEFORE}.")), class_="sc-headline"))
    target = row.get("target")
    target_text = f" Target {format_target(target, ind.type)} ·" if not is_missing(target) else ""
    facts = tag(
        "div",
        tag("div", text(f"{where}, {period}"), class_="fw-bold"),
        tag("div", text(value_text(row.get("value"), ind.type, row.get("note"))), class_="sc-big"),
        tag("div", text(fraction_text(row, ind)), class_="text-muted"),
        coverage_mark(words),
        tag(
            "div",
            status_badge(row.get("status")),
            text(f"{target_text} Direction of travel: "),
            direction_html(row.get("direction"), ind.polarity),
            class_="mt-1",
        ),
        class_="col-md-6",
    )
    side = tag(
        "div", tag("h2", "Benchmarks", class_="h6 mt-0"), benchmark_list(app, ind, filters), class_="col-md-6"
    )
    return raw(tag("div", facts, side, class_="row sc-headline"))


def benchmark_list(app: AppContext, ind: Indicator, filters: Filters) -> str:
    """The published figures for the period (``metrics.benchmarks.shown_beside``), or why
    there are none: no figure of the same definition, or one measured on another day."""
    note = timing_note([ind], app.benchmarks, filters.period_end)
    if note is not None:
        return tag("p", text(note), class_="mb-0 text-muted sc-note", id=f"{PREFIX}-bench-timing")
    benches = app.benchmarks.for_indicator(ind.id)
    if not comparable(ind, filters.grain):
        return _bench_items(benches, ind) + tag(
            "p",
            text("These are totals for a whole year ending 31 March: compare them with the financial year."),
            class_="mb-0 text-muted sc-note",
        )
    shown = shown_beside(app.benchmarks, ind, filters.grain, filters.period_end)
    if shown:
        return _bench_items(shown, ind)
    if benches:
        return tag("p", "No figure was published for this period or before it.", class_="mb-0 text-muted")
    return tag("p", "No published figure has the same definition.", class_="mb-0 text-muted")


def _bench_items(benches: list[Benchmark], ind: Indicator) -> str:
    items = "".join(
        tag("li", text(f"{b.area_name} {when_label(b, ind)}: {benchmark_text(b, ind)} ({b.source})"))
        for b in benches[:4]
    )
    return tag("ul", items, class_="mb-0")


def limits_text(limits: dict[str, Any], kind: str, points: int) -> str:
    """The mean and limits as the chart draws them (a percentage between 0 and 100).

    >>> limits_text({"mean": 20.9, "lower_limit": -11.2, "upper_limit": 53.0}, "percentage", 24)
    'Mean 20.9%, control limits 0.0% to 53.0% over 24 months.'
    """
    bounds = natural_bounds(kind)
    low, high = (
        None if is_missing(limits.get(k)) else within_bounds(float(limits[k]), bounds)
        for k in ("lower_limit", "upper_limit")
    )
    return (
        f"Mean {format_value(limits['mean'], kind)}, control limits "
        f"{format_value(low, kind)} to {format_value(high, kind)} over {plural(points, 'month')}."
    )


def spc_section(app: AppContext, ind: Indicator, filters: Filters) -> html.Section | html.Div:
    """The monthly XmR chart with its summary and table."""
    assert filters.la is not None
    breakdown, group = filters.breakdown
    monthly = results.series(app.engine, filters.la, ind.id, "month", breakdown, group)
    limits = results.spc_summary(app.engine, filters.la, ind.id, breakdown, group)
    # The chart starts at the window: months before it have no data, not zeros.
    monthly = monthly[monthly["coverage"].fillna("full") != "none"].reset_index(drop=True)
    if monthly.empty:
        return html.Section(
            [html.H2("Monthly trend"), html.P("No monthly results are stored for this view.")]
        )
    months = list(monthly["period_end"])
    values = [None if is_missing(v) else float(v) for v in monthly["value"]]
    judged = monthly["coverage"].fillna("full").eq("full").tolist()
    classes = [
        (c if isinstance(c, str) else None) if ok else UNJUDGED
        for c, ok in zip(monthly["spc"], judged, strict=True)
    ]
    few = too_few_text(limits.get("too_few") if limits else None)
    if few:
        limits = {**limits, "variation": None, "assurance": None} if limits else None
    target = next((float(t) for t in reversed(list(monthly["target"])) if not is_missing(t)), None)
    points = int(limits["points"]) if limits else sum(v is not None for v in values)
    variation = limits.get("variation") if limits else None
    title = spc_message(ind.title, variation, points)
    latest = next(
        ((m, v) for m, v in zip(reversed(months), reversed(values), strict=True) if v is not None),
        None,
    )
    summary_parts = []
    if latest:
        summary_parts.append(
            f"Latest month {period_label('month', latest[0])}: {format_value(latest[1], ind.type)}."
        )
    if few:
        summary_parts.append(f"There are {few}: no SPC icons.")
        title = f"{ind.title}: {few}"
    else:
        summary_parts.append(
            f"{variation_text(variation)}. {assurance_text(limits.get('assurance') if limits else None)}."
        )
    if limits and not is_missing(limits.get("mean")):
        summary_parts.append(limits_text(limits, ind.type, points))
    if not all(judged):
        summary_parts.append("Months whose look-back is incomplete are drawn as open circles and not judged.")
    table = pd.DataFrame(
        {
            "Month": [period_label("month", m) for m in months],
            "Value": [value_text(v, ind.type, n) for v, n in zip(values, monthly["note"], strict=True)],
            "Numerator": [numerator_text(v, ind.type) for v in monthly["numerator"]],
            "Denominator": [format_figure(v) if not is_missing(v) else "" for v in monthly["denominator"]],
            "SPC": [POINT_TEXT.get(c, "") if c else "" for c in classes],
            "Coverage": [
                coverage_text({"coverage": c, "grain": "month"}, None)
                for c in monthly["coverage"].fillna("full")
            ],
        }
    )
    figure = spc_figure(months, values, classes, limits, target, ind.unit, natural_bounds(ind.type))
    return html.Div(
        [
            raw(
                tag(
                    "p",
                    tag("span", "Latest point: ", class_="fw-bold"),
                    variation_icon(variation),
                    tag("span", " Assurance: ", class_="fw-bold"),
                    assurance_icon(limits.get("assurance") if limits else None),
                    class_="mb-1",
                )
            ),
            chart_section(
                f"{PREFIX}-spc",
                title,
                " ".join(summary_parts),
                figure,
                table,
                f"{ind.id}_LA{filters.la}_monthly.csv",
                numeric=("Value", "Numerator", "Denominator"),
                heading_level=2,
            ),
        ]
    )


def breakdown_section(
    ind: Indicator,
    frame: pd.DataFrame,
    breakdown: str,
    filters: Filters,
    shared: pd.DataFrame | None = None,
    threshold: int = 5,
    version: FileFor | None = None,
) -> html.Section | None:
    """One breakdown (locality, team or agency) for the period, as bars and a table;
    ``shared`` is the period after disclosure control, for the download for sharing;
    ``version`` what the numbers shown are (operational by default)."""
    assert filters.period_end is not None
    word = BREAKDOWN_TITLES[breakdown]
    period = period_label(filters.grain, filters.period_end)
    stem = f"{ind.id}_LA{filters.la}_{filters.grain}_{filters.period_end:%Y-%m}"
    return group_bars(
        f"{PREFIX}-by-{breakdown}",
        f"{ind.title} by {word}, {period}",
        frame[frame["breakdown"] == breakdown],
        ind,
        word.capitalize(),
        f"{stem}_by_{breakdown}.csv",
        shared_rows=None if shared is None else shared[shared["breakdown"] == breakdown],
        threshold=threshold,
        version=version,
    )


def indicator_view(app: AppContext, kpi_id: str, filters: Filters) -> list[Any] | html.Div:
    """The headline, SPC chart and breakdowns for the chosen view."""
    if filters.la is None or filters.period_end is None:
        return no_results()
    ind = app.registry[kpi_id]
    breakdown, group = filters.breakdown
    period_rows = results.period_results(
        app.engine, filters.la, filters.grain, filters.period_end, breakdown, group, [kpi_id]
    )
    row = rows_by_kpi(period_rows).get(kpi_id)
    others = [b for b in ind.breakdowns if b in BREAKDOWN_TITLES]
    frame = (
        results.breakdown_results(app.engine, filters.la, filters.grain, filters.period_end, b, [kpi_id])
        for b in others
    )
    threshold = app.settings.suppression_threshold
    user = signed_in_user()
    period_key = (filters.la, filters.grain, filters.period_end)
    view = PeriodView(user, app.engine, app.registry, threshold, period_key, (kpi_id,), app.cache)
    # Downloads for sharing; for a partner disclosed knowing its own rows, as its screen is.
    shared = view.file_cube()
    as_shared = view.for_sharing
    if as_shared:  # the board: as shared; a partner: its own agency's rows as stored
        frame = (view.as_seen(f) for f in frame)
        row = rows_by_kpi(partner_rows(period_rows, view.cube(), frozenset())).get(kpi_id)
    version = shown_version(user, threshold)
    # A partner's own rows are in the breakdown by agency only: the others are all as shared.
    by_locality = FileFor(SHARING, threshold) if version.agency is not None else version
    sections = [
        breakdown_section(ind, f, b, filters, shared, threshold, version if b == "agency" else by_locality)
        for f, b in zip(frame, others, strict=True)
    ]
    return [
        window_note(app, filters),
        headline(app, ind, row, filters),
        NO_SERIES if as_shared else spc_section(app, ind, filters),
        html.H2("Breakdowns") if any(sections) else None,
        *[s for s in sections if s is not None],
    ]


def commentary_section(writable: bool = True) -> html.Section:
    """The period's commentary, and a form to write it (hidden when ``writable`` is false:
    its components stay, for the callback)."""
    return html.Section(
        [
            html.H2("Commentary", id=f"{PREFIX}-commentary-heading"),
            html.Div(id=f"{PREFIX}-comments"),
            html.Div(
                [
                    dbc.Label("Commentary for this period", html_for=f"{PREFIX}-comment-body"),
                    dbc.Textarea(id=f"{PREFIX}-comment-body", rows=4, maxLength=5000, className="mb-2"),
                    html.P(
                        "Commentary is saved under the name you signed in with.",
                        className="form-text",
                    ),
                    dbc.Button("Save commentary", id=f"{PREFIX}-comment-save", color="primary"),
                ],
                id=f"{PREFIX}-comment-form",
                hidden=not writable,
            ),
            html.Div(id=f"{PREFIX}-comment-message", role="status", className="mt-2"),
        ],
        className="mt-3",
    )


def comments_view(history: list[Any], period: str) -> tuple[list[Any], str]:
    """The current commentary and its earlier versions, and the text to edit."""
    current = current_comment(history)
    if current is None:
        return [html.P(f"No commentary for {period} yet.", className="text-muted")], ""
    earlier = [c for c in history if c.comment_id != current.comment_id]
    shown: list[Any] = [
        html.Blockquote(
            [
                html.P(current.body, className="mb-1"),
                html.Footer(
                    f"{current.author}, {uk_time(current.created_at):%d %B %Y %H:%M}",
                    className="sc-comment-meta",
                ),
            ],
            className="sc-comment",
        )
    ]
    if earlier:
        shown.append(
            html.Details(
                [
                    html.Summary(f"Earlier versions ({len(earlier)})"),
                    html.Ol(
                        [
                            html.Li(
                                [
                                    html.P(c.body, className="mb-0"),
                                    html.Span(
                                        f"{c.author}, {uk_time(c.created_at):%d %B %Y %H:%M}",
                                        className="sc-comment-meta",
                                    ),
                                ]
                            )
                            for c in earlier
                        ],
                        reversed=True,
                    ),
                ]
            )
        )
    return shown, current.body


def records_section(ind: Indicator, shown: bool = True) -> html.Section:
    """The buttons that show and download the records (nothing is read until asked);
    hidden from a role without records (its components stay, for the callbacks)."""
    description = ind.records.description
    return html.Section(
        [
            html.H2("Records behind the number"),
            html.P(description, className="mb-1"),
            html.P(
                "Children appear by pseudonym only, with dates, team and locality. Every view and "
                "download of this list is logged.",
                className="form-text",
            ),
            dbc.Button("Show the records", id=f"{PREFIX}-records-show", color="secondary", className="me-2"),
            dbc.Button("Download the records (CSV)", id=f"{PREFIX}-records-download", color="secondary"),
            dcc.Download(id=f"{PREFIX}-records-file"),
            html.Div(id=f"{PREFIX}-records", className="mt-2", role="status"),
        ],
        className="mt-3",
        id=f"{PREFIX}-records-section",
        hidden=not shown,
    )


def _record_view(kpi_id: str, filters: Filters) -> RecordView:
    assert filters.la is not None and filters.period_end is not None
    breakdown, group = filters.breakdown
    return RecordView(filters.la, kpi_id, filters.grain, filters.period_end, breakdown, group)


def fetch_records(app: AppContext, view: RecordView) -> pd.DataFrame:
    """The records behind the number; never a raw child id, whatever the source returns."""
    frame = records_for(
        app.engine,
        view.kpi_id,
        view.la_code,
        view.grain,
        view.period_end,
        view.breakdown,
        view.group_name,
        registry=app.registry,
    )
    frame = frame.drop(columns=[c for c in frame.columns if c in RAW_IDENTIFIERS])
    user = signed_in_user()
    if user is None or not user.can("records"):
        return frame.iloc[0:0]
    if user.role == "partner":
        return agency_rows(frame, user.agency)
    return frame


def agency_rows(frame: pd.DataFrame, agency: str | None) -> pd.DataFrame:
    """Only the front-door records (contacts, referrals) whose source rolls up to the agency
    (its groups in ``scorecard/data/agencies.yaml``)."""
    from metrics.records.request import agency_labels

    own = sorted(default_agencies().groups_of(agency))
    for column, kind in (("contact_source", "contacts"), ("referral_source", "referrals")):
        if column in frame.columns:
            labels = agency_labels(frame[column].astype("str"), kind)
            return frame[labels.isin(own).to_numpy()]
    return frame.iloc[0:0]


def records_view(app: AppContext, kpi_id: str, filters: Filters) -> Any:
    """Show the first records (logged as a view)."""
    if filters.la is None or filters.period_end is None:
        return no_results()
    view = _record_view(kpi_id, filters)
    frame = fetch_records(app, view)
    log_record_view(app.engine, view, "view", rows=len(frame), viewer=current_viewer())
    if frame.empty:
        return html.P("No records are behind this number.")
    caption = f"Records behind the number: {records_summary(frame)}"
    if len(frame) > RECORDS_SHOWN:
        caption += f" The first {RECORDS_SHOWN} are shown; the download has every one."
    shown = records_display(frame.head(RECORDS_SHOWN), app.registry[kpi_id].source)
    numeric = [
        title
        for name, title in zip(frame.columns, shown.columns, strict=True)
        if pd.api.types.is_numeric_dtype(frame[name]) and not pd.api.types.is_bool_dtype(frame[name])
    ]
    return frame_table(shown, caption=caption, numeric=numeric, class_name="sc-records")


# --- Callbacks -----------------------------------------------------------------------


update_filter_options = filter_options_callback(PREFIX, INCLUDE)


def show_indicator(*args: Any) -> Any:
    *values, kpi_id = args
    app = get_context()
    return indicator_view(app, kpi_id, current_filters(app, INCLUDE, values).filters)


def show_or_save_comment(_save: int | None, *args: Any) -> tuple[Any, Any, Any]:
    """Show the period's commentary; on "Save", store the text as the new version, under
    the signed-in user's name (roles that may write commentary only)."""
    *values, body, kpi_id = args
    app = get_context()
    filters = current_filters(app, INCLUDE, values).filters
    if filters.la is None or filters.period_end is None:
        return [], "", ""
    key = CommentKey(filters.la, kpi_id, filters.grain, filters.period_end)
    message: Any = ""
    if ctx.triggered_id == f"{PREFIX}-comment-save":
        user = signed_in_user()
        if user is None or not user.can("comment"):
            return (
                dash.no_update,
                dash.no_update,
                dbc.Alert("Your role may read commentary but not write it.", color="danger"),
            )
        try:
            saved = save_comment(app.engine, key, body, user.username)
        except CommentError as exc:
            return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger")
        audit_request(
            app.engine,
            "comment",
            f"{kpi_id} {filters.grain} {filters.period_end:%Y-%m}: comment {saved.comment_id}",
            filters.la,
        )
        message = dbc.Alert(f"Commentary saved by {saved.author}.", color="success")
    shown, text = comments_view(
        comment_history(app.engine, key), period_label(filters.grain, filters.period_end)
    )
    return shown, text, message


def show_records(_show: int | None, *args: Any) -> Any:
    """Show the records on request; a change of filters hides them again."""
    *values, kpi_id = args
    if ctx.triggered_id != f"{PREFIX}-records-show":
        return None
    app = get_context()
    return records_view(app, kpi_id, current_filters(app, INCLUDE, values).filters)


def download_records(_n: int | None, *args: Any) -> tuple[Any, Any]:
    """Send every record behind the number as CSV (logged as a download)."""
    *values, kpi_id = args
    app = get_context()
    filters = current_filters(app, INCLUDE, values).filters
    if filters.la is None or filters.period_end is None:
        return dash.no_update, no_results()
    view = _record_view(kpi_id, filters)
    frame = fetch_records(app, view)
    log_record_view(app.engine, view, "download", rows=len(frame), viewer=current_viewer())
    filename = f"records_{kpi_id}_LA{view.la_code}_{view.grain}_{view.period_end:%Y-%m}.csv"
    content = csv_bytes(records_for_download(frame, app.registry[kpi_id].source))
    return dcc.send_bytes(content, filename, type="text/csv"), dash.no_update


def register(app: dash.Dash) -> None:
    """Add the page and its callbacks to ``app`` (called by ``create_app``)."""
    dash.register_page(
        __name__,
        layout=layout,
        path_template="/indicator/<kpi_id>",
        name="Indicator",
        title=page_title,
        order=2,
    )
    register_filter_controls(app, PREFIX, INCLUDE, update_filter_options)
    register_panel(app)
    register_form(app)
    app.callback(
        Output(f"{PREFIX}-content", "children"),
        *filter_inputs(PREFIX, INCLUDE),
        State(f"{PREFIX}-kpi", "data"),
        prevent_initial_call=True,
    )(show_indicator)
    app.callback(
        Output(f"{PREFIX}-comments", "children"),
        Output(f"{PREFIX}-comment-body", "value"),
        Output(f"{PREFIX}-comment-message", "children"),
        Input(f"{PREFIX}-comment-save", "n_clicks"),
        *filter_inputs(PREFIX, INCLUDE),
        State(f"{PREFIX}-comment-body", "value"),
        State(f"{PREFIX}-kpi", "data"),
    )(show_or_save_comment)
    app.callback(
        Output(f"{PREFIX}-records", "children"),
        Input(f"{PREFIX}-records-show", "n_clicks"),
        *filter_inputs(PREFIX, INCLUDE),
        State(f"{PREFIX}-kpi", "data"),
        prevent_initial_call=True,
    )(show_records)
    app.callback(
        Output(f"{PREFIX}-records-file", "data"),
        Output(f"{PREFIX}-records", "children", allow_duplicate=True),
        Input(f"{PREFIX}-records-download", "n_clicks"),
        *(State(f"{PREFIX}-{key}", "value") for key in INCLUDE),
        State(f"{PREFIX}-kpi", "data"),
        prevent_initial_call=True,
    )(download_records)
