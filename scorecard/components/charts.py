"""Charts that state their message, with a text summary and a "show as table" alternative.

Every chart is wrapped in a figure with an accessible name (the summary), and the same
numbers are offered as a table and a CSV download beneath it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from dash import dcc, html

from metrics.disclosure import SHARING
from metrics.registry import Indicator
from scorecard.components.markup import props
from scorecard.components.palette import DARK_BLUE, SERIES
from scorecard.components.spc import Figure, style_figure
from scorecard.components.tables import FileFor, download_for, download_link, frame_table
from scorecard.formatting import format_figure, format_value, is_missing, numerator_text

GRAPH_CONFIG: Any = {"displayModeBar": False, "responsive": True}


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float | None],
    labels: Sequence[str],
    axis_title: str,
    colour: str = DARK_BLUE,
) -> Figure:
    """A horizontal bar chart in the order given (largest first), each bar labelled."""
    fig: Figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": list(categories),
                "x": list(values),
                "text": list(labels),
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {"color": colour},
                "hovertemplate": "%{y}: %{text}<extra></extra>",
            }
        ],
        "layout": {
            "xaxis": {"title": {"text": axis_title}, "gridcolor": "#e5e6e7", "rangemode": "tozero"},
            "yaxis": {
                "autorange": "reversed",
                "title": {"text": ""},
                "gridcolor": "#ffffff",
                "automargin": True,
            },
            "margin": {"l": 170, "r": 60, "t": 10, "b": 44},
            "showlegend": False,
        },
    }
    return style_figure(fig, "", height=max(160, 34 * len(categories) + 70))


# Line series differ by marker shape and dash as well as colour (never colour alone).
LINE_MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "star")
LINE_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def _direct_label(
    x: Sequence[Any], ys: Sequence[float | None], name: str, colour: str
) -> dict[str, Any] | None:
    """The series' name written beside its last point (a direct label)."""
    last = next(
        ((xv, yv) for xv, yv in zip(reversed(list(x)), reversed(list(ys)), strict=True) if yv is not None),
        None,
    )
    if last is None:
        return None
    return {
        "x": last[0],
        "y": last[1],
        "text": name,
        "showarrow": False,
        "xanchor": "left",
        "xshift": 6,
        "font": {"color": colour, "size": 12},
    }


# Half a month either side of the first and last month: room for the markers.
TIME_PAD = timedelta(days=15)


def time_range(x: Sequence[Any]) -> dict[str, Any]:
    """A date axis fixed to the data's months (plus ``TIME_PAD``); nothing for other axes.

    Plotly widens an automatic axis to fit the annotations' text, so the direct labels at
    the series' ends ran the axis months past the data; the labels sit in the right margin.

    >>> time_range([date(2024, 4, 30), date(2025, 3, 31)])
    {'range': ['2024-04-15', '2025-04-15'], 'autorange': False}
    >>> time_range(["Apr", "May"])
    {}
    """
    days = [v.date() if isinstance(v, datetime) else v for v in x]
    if not days or not all(isinstance(v, date) for v in days):
        return {}
    return {"range": [str(min(days) - TIME_PAD), str(max(days) + TIME_PAD)], "autorange": False}


def line_chart(
    x: Sequence[Any], series: Mapping[str, Sequence[float | None]], y_title: str, *, counts: bool = False
) -> Figure:
    """Lines over time in the Analysis Function palette, each with its own marker and dash
    and labelled at its end as well as in the legend; a count axis starts at 0."""
    data = []
    labels = []
    for i, (name, ys) in enumerate(series.items()):
        colour = SERIES[i % len(SERIES)]
        data.append(
            {
                "type": "scatter",
                "x": list(x),
                "y": list(ys),
                "name": name,
                "mode": "lines+markers",
                "line": {"color": colour, "width": 2, "dash": LINE_DASHES[i % len(LINE_DASHES)]},
                "marker": {"size": 7, "symbol": LINE_MARKERS[i % len(LINE_MARKERS)]},
            }
        )
        label = _direct_label(x, ys, name, colour)
        if label is not None:
            labels.append(label)
    fig = style_figure({"data": data, "layout": {"annotations": labels}}, y_title, height=300)
    fig["layout"]["margin"] = {**fig["layout"]["margin"], "r": 150}
    fig["layout"]["xaxis"] = {**fig["layout"]["xaxis"], **time_range(x)}
    if counts:
        fig["layout"]["yaxis"] = {**fig["layout"]["yaxis"], "rangemode": "tozero"}
    return fig


def has_values(series: Mapping[str, Sequence[float | None]]) -> bool:
    """True when any series has a value to draw."""
    return any(v is not None and not is_missing(v) for ys in series.values() for v in ys)


NO_VALUES = "There are no values to chart for this period."


def figure_has_values(figure: Figure) -> bool:
    """True when any trace has a value to draw (an all-blank chart is replaced by a sentence).

    >>> figure_has_values({"data": [{"type": "bar", "orientation": "h", "x": [None]}]})
    False
    """
    for trace in figure.get("data", []):
        axis = "x" if trace.get("orientation") == "h" else "y"
        if any(v is not None and not is_missing(v) for v in trace.get(axis, [])):
            return True
    return False


def chart_section(
    section_id: str,
    title: str,
    summary: str,
    figure: Figure,
    table: pd.DataFrame,
    filename: str,
    numeric: Sequence[str] = (),
    formats: dict[str, Callable[[Any], str]] | None = None,
    heading_level: int = 3,
    shared: tuple[pd.DataFrame, int] | None = None,
    version: FileFor | None = None,
    operational: bool = True,
) -> html.Section:
    """A titled chart with its summary, then its numbers as a table and a download;
    with ``shared`` (the table after disclosure control, and the threshold), a second
    download for sharing. ``version`` says what the numbers shown are (operational by
    default; a partner's own rows; for sharing, when there is no second download).
    Without ``operational`` (a page's version for sharing whose table shows a partner's
    own rows), the download for sharing of ``shared`` is the only one."""
    heading = {2: html.H2, 3: html.H3, 4: html.H4}[heading_level]
    summary_id = f"{section_id}-summary"
    graph: Any = (
        html.Div(
            dcc.Graph(figure=figure, config=GRAPH_CONFIG, id=f"{section_id}-graph"),
            role="img",
            **props(aria_label=f"Chart: {title}. {summary}"),
            className="sc-graph",
        )
        if figure_has_values(figure)
        else html.P(NO_VALUES, className="sc-note")
    )
    return html.Section(
        [
            heading(title, className="sc-chart-title"),
            html.P(summary, id=summary_id, className="sc-chart-summary"),
            graph,
            html.Details(
                [
                    html.Summary("Show as table"),
                    frame_table(table, caption=title, numeric=numeric, formats=formats),
                    download_for(table, filename, version or FileFor()) if operational else None,
                    *_shared_link(
                        None if version and version.audience == SHARING else shared,
                        filename,
                        first=not operational,
                    ),
                ],
                className="sc-table-alt",
            ),
        ],
        className="sc-chart",
        id=section_id,
    )


def bar_labels(rows: pd.DataFrame, values: Sequence[float | None], ind: Indicator) -> list[str]:
    """Each bar's label: the value, with "3 of 3" beside a percentage."""
    out = []
    for v, num, den in zip(values, rows["numerator"], rows["denominator"], strict=True):
        text = format_value(v, ind.type)
        if ind.type == "percentage" and v is not None and not is_missing(num) and not is_missing(den):
            text += f" ({format_figure(num)} of {format_figure(den)})"
        out.append(text)
    return out


def _shared_link(shared: tuple[pd.DataFrame, int] | None, filename: str, first: bool = False) -> list[Any]:
    if shared is None:
        return []
    table, threshold = shared
    label = "Download for sharing (CSV, small numbers suppressed)"
    return [*([] if first else [html.Br()]), download_link(table, filename, label, SHARING, threshold)]


def _group_table(
    rows: pd.DataFrame, ind: Indicator, label: str, rename: Callable[[str], str]
) -> pd.DataFrame:
    """The groups' value, numerator and denominator as shown (a "c" stays "c")."""
    return pd.DataFrame(
        {
            label: [rename(str(g)) for g in rows["group_name"]],
            "Value": [format_value(v, ind.type, n) for v, n in zip(rows["value"], rows["note"], strict=True)],
            "Numerator": [
                "" if is_missing(v) or v == "" else numerator_text(v, ind.type) for v in rows["numerator"]
            ],
            "Denominator": [
                "" if is_missing(v) or v == "" else format_figure(v) for v in rows["denominator"]
            ],
        }
    )


def group_bars(
    section_id: str,
    title: str,
    rows: pd.DataFrame,
    ind: Indicator,
    label: str,
    filename: str,
    rename: Callable[[str], str] = str,
    shared_rows: pd.DataFrame | None = None,
    threshold: int = 5,
    version: FileFor | None = None,
    operational: bool = True,
) -> html.Section | None:
    """One indicator across the groups of a breakdown (rows of ``kpi_results``), largest
    first, as bars with a summary, and its numbers as a table; None without rows.

    ``label`` names the groups ("Locality", "Source agency"); ``rename`` turns a stored
    group name into words. ``shared_rows`` are the same rows after disclosure control
    (``metrics.disclosure``), for the download for sharing; ``version`` says what the
    numbers shown are (:class:`FileFor`); without ``operational``, the download for
    sharing is the only one.
    """
    if rows.empty:
        return None
    rows = rows.sort_values("value", ascending=False, na_position="last")
    groups = [rename(str(g)) for g in rows["group_name"]]
    values = [None if is_missing(v) else float(v) for v in rows["value"]]
    present = [(g, v) for g, v in zip(groups, values, strict=True) if v is not None]
    if present:
        summary = (
            f"Across {len(groups)} groups, the highest is {present[0][0]} "
            f"({format_value(present[0][1], ind.type)}) and the lowest {present[-1][0]} "
            f"({format_value(present[-1][1], ind.type)})."
        )
    else:
        summary = f"No {label.lower()} has a value in this period."
    table = _group_table(rows, ind, label, rename)
    shared = None
    if shared_rows is not None:
        order = {g: i for i, g in enumerate(rows["group_name"])}
        ordered = shared_rows.assign(_o=shared_rows["group_name"].map(order)).sort_values("_o")
        shared = (_group_table(ordered, ind, label, rename), threshold)
    figure = bar_chart(groups, values, bar_labels(rows, values, ind), ind.unit)
    numeric = ("Value", "Numerator", "Denominator")
    return chart_section(
        section_id,
        title,
        summary,
        figure,
        table,
        filename,
        numeric=numeric,
        shared=shared,
        version=version,
        operational=operational,
    )
