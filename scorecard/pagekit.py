"""What every page with filters shares: the callback wiring of its filter controls.

Each page's ``register(app)`` registers its own callbacks on the app it is given
(nothing is registered at import); these helpers build the callbacks' functions,
inputs and outputs, so the pages stay short and behave alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import dash
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, html

from metrics import results
from metrics.disclosure import SHARING
from metrics.periods import period_for
from scorecard.components.coverage import window_text
from scorecard.components.filters import filters_bar, notices, options_for
from scorecard.components.tables import download_link
from scorecard.context import AppContext, get_context
from scorecard.sharing import PeriodView
from scorecard.state import FILTER_KEYS, Filters, Resolved, control_values, resolve, resolve_change
from scorecard.websecurity import signed_in_user

# The router passes this (the shell's id) to every page layout it renders; Dash's own
# check of the layouts, once at start-up, passes nothing. A layout renders its content
# only when routed, so the check stays cheap and a page arrives with its content in one
# round trip (the content callbacks then answer changes only).
ROUTED = "routed_by"


def routed(query: dict[str, Any]) -> bool:
    """True when the layout is being rendered for a visitor (not for Dash's start-up check)."""
    return ROUTED in query


# The filters of a page about one LA and period (no locality or team).
PERIOD_KEYS: tuple[str, ...] = ("la", "grain", "period")

# Controls whose options depend on the others (LA and grain always offer the same).
DEPENDENT = ("period", "locality", "team")


def filter_inputs(prefix: str, include: Sequence[str] = FILTER_KEYS) -> list[Input]:
    """Every filter control's value, in ``include`` order."""
    return [Input(f"{prefix}-{key}", "value") for key in include]


def option_outputs(prefix: str, include: Sequence[str] = FILTER_KEYS) -> list[Output]:
    """Options and value of each dependent control that the page shows."""
    outputs: list[Output] = []
    for key in include:
        if key in DEPENDENT:
            outputs += [Output(f"{prefix}-{key}", "options"), Output(f"{prefix}-{key}", "value")]
    return outputs


def option_inputs(prefix: str, include: Sequence[str] = FILTER_KEYS) -> list[Input | State]:
    """The options callback's arguments: the controls in ``include`` order, but the period
    as state (a new period changes no other control's options)."""
    return [
        State(f"{prefix}-{key}", "value") if key == "period" else Input(f"{prefix}-{key}", "value")
        for key in include
    ]


def triggered_key(prefix: str) -> str | None:
    """Which control changed, as a filter key ("la", "grain" ...)."""
    found = ctx.triggered_id
    if isinstance(found, str) and found.startswith(prefix + "-"):
        return found[len(prefix) + 1 :]
    return None


def refresh_controls(
    app: AppContext,
    prefix: str,
    include: Sequence[str],
    values: dict[str, Any],
    triggered: str | None,
    within_window: bool = True,
) -> list[Any]:
    """New options and values of the dependent controls after one control changed."""
    resolved = resolve_change(app.engine, values, triggered, app.settings.default_la, within_window)
    shown = control_values(resolved.filters)
    out: list[Any] = []
    for key in include:
        if key in DEPENDENT:
            out += [options_for(key, resolved.options), shown[key]]
    return out


def values_from(include: Sequence[str], args: Sequence[Any]) -> dict[str, Any]:
    """Callback arguments (in ``include`` order) as a filter query."""
    return dict(zip(include, args, strict=True))


def current_filters(
    app: AppContext, include: Sequence[str], args: Sequence[Any], within_window: bool = True
) -> Resolved:
    """The filters the controls show, checked against the store."""
    return resolve(
        app.engine, values_from(include, args), app.settings.default_la, within_window=within_window
    )


def filter_options_callback(
    prefix: str, include: Sequence[str] = FILTER_KEYS, within_window: bool = True
) -> Callable[..., list[Any]]:
    """The callback of a page's filter bar: dependent options that follow the other filters."""

    def update_filter_options(*values: Any) -> list[Any]:
        """New periods, localities and teams after the LA, grain, locality or team changed."""
        return refresh_controls(
            get_context(), prefix, include, values_from(include, values), triggered_key(prefix), within_window
        )

    return update_filter_options


def register_filter_controls(
    app: Dash, prefix: str, include: Sequence[str], update: Callable[..., list[Any]]
) -> None:
    """Register a page's filter bar (``update``, from ``filter_options_callback``) and the
    URL kept in step with it."""
    outputs, inputs = option_outputs(prefix, include), option_inputs(prefix, include)
    app.callback(*outputs, *inputs, prevent_initial_call=True)(update)
    register_url_sync(app, prefix, include)


View = Callable[[AppContext, Filters], Any]


def filtered_page(
    title: str, lede: str, prefix: str, include: Sequence[str], query: dict[str, Any], view: View
) -> html.Div:
    """A page of one view under a filter bar: heading, lede, notices, filters, content.

    The content comes with the page when it is routed (one round trip) and is redrawn by
    the page's ``register_content`` callback when a filter changes.
    """
    app = get_context()
    resolved = resolve(app.engine, query, app.settings.default_la)
    return html.Div(
        [
            html.H1(title),
            html.P(lede, className="sc-lede"),
            notices(resolved.notices),
            filters_bar(prefix, resolved.filters, resolved.options, include),
            html.Div(
                with_window(app, resolved.filters, view) if routed(query) else None, id=f"{prefix}-content"
            ),
        ]
    )


def window_note(app: AppContext, filters: Filters) -> html.P | None:
    """How current the LA's data is, and whether the chosen period is only partly covered."""
    if filters.la is None:
        return None
    window = results.reporting_window(app.engine, filters.la)
    period = period_for(filters.grain, filters.period_end) if filters.period_end else None
    return html.P(window_text(filters.la, window, period), className="sc-window form-text")


def with_window(app: AppContext, filters: Filters, view: View) -> list[Any]:
    """A view under its window note (one flat list: Dash does not render nested lists)."""
    shown = view(app, filters)
    return [window_note(app, filters), *(shown if isinstance(shown, list) else [shown])]


def content_callback(include: Sequence[str], view: View) -> Callable[..., Any]:
    """The callback that redraws a ``filtered_page``'s content from its filters."""

    def show(*values: Any) -> Any:
        app = get_context()
        return with_window(app, current_filters(app, include, values).filters, view)

    return show


def register_content(app: Dash, prefix: str, include: Sequence[str], show: Callable[..., Any]) -> None:
    """Register ``show`` (from ``content_callback``) to redraw the page's content."""
    app.callback(
        Output(f"{prefix}-content", "children"), *filter_inputs(prefix, include), prevent_initial_call=True
    )(show)


@dataclass(frozen=True)
class FilteredPage:
    """A page of one view under a filter bar (:func:`filtered_page_module`): its layout, the
    callbacks that redraw its content and its filter options, and ``register(app)``."""

    layout: Callable[..., html.Div]
    show: Callable[..., Any]
    update_filter_options: Callable[..., list[Any]]
    register: Callable[[Dash], None]


def filtered_page_module(
    module: str,
    title: str,
    path: str,
    order: int,
    lede: str,
    view: View,
    prefix: str,
    include: Sequence[str] = PERIOD_KEYS,
) -> FilteredPage:
    """Everything a page of one view under a filter bar needs besides its view: the layout
    (:func:`filtered_page`), its callbacks, and ``register(app)``, which adds the page
    (``module``, at ``path``, titled ``title``, ``order`` in the navigation) and its callbacks
    to the app it is given."""

    def layout(**query: Any) -> html.Div:
        return filtered_page(title, lede, prefix, include, query, view)

    show = content_callback(include, view)
    update = filter_options_callback(prefix, include)

    def register(app: Dash) -> None:
        """Add the page and its callbacks to ``app`` (called by ``create_app``)."""
        dash.register_page(
            module,
            layout=layout,
            path=path,
            name=title,
            title=f"{title} – Partnership scorecard",
            order=order,
        )
        register_filter_controls(app, prefix, include, update)
        register_content(app, prefix, include, show)

    return FilteredPage(layout, show, update, register)


def register_url_sync(app: Dash, prefix: str, include: Sequence[str] = FILTER_KEYS) -> None:
    """Keep the page's URL query in step with its filters (runs in the browser)."""
    app.clientside_callback(
        ClientsideFunction(namespace="scorecard", function_name="syncUrl"),
        Output(f"{prefix}-url-sync", "title"),
        *filter_inputs(prefix, include),
        State(f"{prefix}-url-keys", "data"),
    )


def no_results(what: str = "results") -> html.Div:
    """The empty state: nothing computed yet, and what to do about it."""
    return html.Div(
        [
            html.H2(f"No {what} yet", className="h4"),
            html.P(
                [
                    "The store holds no indicator results. Load the partners' extracts on the ",
                    html.A("Data loads", href="/loads"),
                    " page; the indicators are recomputed after each load.",
                ]
            ),
        ],
        className="sc-empty",
    )


def rows_by_kpi(frame: Any) -> dict[str, dict[str, Any]]:
    """Result rows keyed by indicator id."""
    return {str(r["kpi_id"]): r for r in frame.to_dict("records")}


def period_view(app: AppContext, filters: Filters, kpi_ids: Iterable[str]) -> PeriodView:
    """The page's numbers of the filters' LA and period as the signed-in user may see them:
    for the board and partners, after disclosure control (``scorecard.sharing``)."""
    assert filters.la is not None and filters.period_end is not None
    period = (filters.la, filters.grain, filters.period_end)
    threshold = app.settings.suppression_threshold
    return PeriodView(
        signed_in_user(), app.engine, app.registry, threshold, period, tuple(kpi_ids), app.cache
    )


def view_download(
    view: PeriodView, table: Any, filename: str, label: str = "Download these numbers"
) -> html.A:
    """A table's CSV download: for sharing (its first row and name say so) when the page is
    the version for sharing, otherwise operational."""
    if view.for_sharing:
        return download_link(table, filename, f"{label} (CSV, for sharing)", SHARING, view.threshold)
    return download_link(table, filename, f"{label} (CSV, operational)")


SERIES_LEFT_OUT = (
    "Month-by-month series are not shown in the version for sharing: monthly numbers are small, "
    "and beside the period's figures they could give hidden ones away. The period's figures "
    "above are shown after disclosure control."
)


def series_left_out(prefix: str) -> html.P:
    """Where a month-by-month series would be, in the version for sharing: why it is not."""
    return html.P(SERIES_LEFT_OUT, className="sc-note", id=f"{prefix}-no-series")
