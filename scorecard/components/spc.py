"""Statistical process control: the variation and assurance icons, and the XmR chart.

The limits, point classes and icons are stored by the metrics layer; this module only
draws them. Point colours follow NHS "Making Data Count"; each class also has its own
marker shape and a word in the legend and the table, so colour is never the only signal.

Example::

    >>> variation_text("concern_high")
    'Special cause concern (high)'
    >>> assurance_text("hit_and_miss")
    'Hit and miss: the target lies within the limits'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from scorecard.components.markup import tag, text
from scorecard.components.palette import FONT_FAMILY, MUTED, SPC_COLOURS, TARGET, TEXT

VARIATION_TEXT: dict[str, str] = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (high)",
    "improvement_low": "Special cause improvement (low)",
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
    "neutral_high": "Special cause variation (high)",
    "neutral_low": "Special cause variation (low)",
}
ASSURANCE_TEXT: dict[str, str] = {
    "pass": "Consistently meets the target",
    "fail": "Consistently misses the target",
    "hit_and_miss": "Hit and miss: the target lies within the limits",
}
# A month shown but not judged: its look-back is incomplete (metrics/coverage.py).
UNJUDGED = "unjudged"
POINT_TEXT: dict[str, str] = {
    "common_cause": "Common cause",
    "improvement": "Improvement",
    "concern": "Concern",
    "neutral": "Special cause (neither better nor worse)",
    UNJUDGED: "Not judged: look-back incomplete",
}
POINT_SYMBOLS: dict[str, str] = {
    "common_cause": "circle",
    "improvement": "diamond",
    "concern": "square",
    "neutral": "triangle-up",
    UNJUDGED: "circle-open",
}


def variation_text(key: Any) -> str:
    return (
        VARIATION_TEXT.get(key, "Too few months for limits")
        if isinstance(key, str)
        else ("Too few months for limits")
    )


def assurance_text(key: Any) -> str:
    return (
        ASSURANCE_TEXT.get(key, "No assurance (no target or no limits)")
        if isinstance(key, str)
        else ("No assurance (no target or no limits)")
    )


def _icon(cls: str, letter: str, words: str, short: str) -> str:
    """A ring in the class colour (drawn by CSS) with a letter, a short word, and the full words."""
    return tag(
        "span",
        tag("span", text(letter), class_=f"sc-ring sc-ring-{cls}", aria_hidden="true"),
        tag("span", text(short), class_="sc-icon-word", aria_hidden="true"),
        tag("span", text(words), class_="visually-hidden"),
        class_="sc-icon",
        title=words,
    )


def _none(words: str) -> str:
    return tag("span", "–", class_="sc-note", aria_hidden="true") + tag(
        "span", text(words), class_="visually-hidden"
    )


def variation_icon(key: Any) -> str:
    """The variation icon of the latest point: a coloured ring, a letter and words."""
    if not isinstance(key, str) or key not in VARIATION_TEXT:
        return _none(variation_text(None))
    cls = key.split("_")[0] if key != "common_cause" else "common_cause"
    letter = {"high": "H", "low": "L"}.get(key.rsplit("_", 1)[-1], "~")
    short = {
        "common_cause": "Common",
        "improvement": "Better",
        "concern": "Concern",
        "neutral": "Change",
    }
    return _icon(cls, letter, variation_text(key), short[cls])


def assurance_icon(key: Any) -> str:
    """The assurance icon: will the process meet the target?"""
    if not isinstance(key, str) or key not in ASSURANCE_TEXT:
        return _none(assurance_text(None))
    letter = {"pass": "P", "fail": "F", "hit_and_miss": "?"}[key]
    short = {"pass": "Meets", "fail": "Misses", "hit_and_miss": "Hit/miss"}[key]
    return _icon(f"assurance-{key}", letter, assurance_text(key), short)


def spc_message(title: str, variation: Any, points: int) -> str:
    """The chart's title, stating its message."""
    if not isinstance(variation, str):
        return f"{title}: too few months for control limits ({points} of 12 needed)"
    if variation == "common_cause":
        return f"{title}: no significant change (common cause variation)"
    kind, side = variation.rsplit("_", 1)
    direction = "higher" if side == "high" else "lower"
    if kind == "improvement":
        return f"{title}: significantly better than usual ({direction})"
    if kind == "concern":
        return f"{title}: significantly worse than usual ({direction})"
    return f"{title}: significantly {direction} than usual"


Figure = dict[str, Any]
"""A Plotly figure as a plain dict: plotly's validation would cost about 20 ms a chart."""


def _line(
    x: Sequence[Any],
    y: Sequence[Any],
    name: str,
    colour: str,
    dash: str = "solid",
    width: float = 1,
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": list(x),
        "y": list(y),
        "mode": "lines",
        "name": name,
        "line": {"color": colour, "width": width, "dash": dash},
        "hoverinfo": "skip",
    }


def spc_figure(
    months: Sequence[date],
    values: Sequence[float | None],
    classes: Sequence[Any],
    limits: dict[str, Any] | None,
    target: float | None,
    y_title: str,
    bounds: tuple[float | None, float | None] = (None, None),
) -> Figure:
    """The XmR chart: a grey line, points coloured and shaped by class, mean, limits, target.

    Limits are drawn no further than ``bounds``, the values the measure can take (a
    percentage cannot fall below 0): the stored limits keep the XmR arithmetic.
    """
    data: list[dict[str, Any]] = [
        {**_line(months, values, "Monthly value", "#a6a6a6", width=1.5), "showlegend": False}
    ]
    for cls, words in POINT_TEXT.items():
        picked = [
            (m, v)
            for m, c, v in zip(months, classes, values, strict=True)
            if v is not None and (c or "common_cause") == cls
        ]
        if picked:
            data.append(
                {
                    "type": "scatter",
                    "x": [m for m, _ in picked],
                    "y": [v for _, v in picked],
                    "mode": "markers",
                    "name": words,
                    "marker": {
                        "color": SPC_COLOURS.get(cls, MUTED),
                        "symbol": POINT_SYMBOLS[cls],
                        "size": 9,
                        "line": {"color": TEXT, "width": 0.5},
                    },
                }
            )
    if months and limits and not _missing(limits.get("mean")):
        ends = [months[0], months[-1]]
        data.append(_line(ends, [limits["mean"]] * 2, "Mean", TEXT))
        for key, name in (("upper_limit", "Upper limit"), ("lower_limit", "Lower limit")):
            if not _missing(limits.get(key)):
                level = within_bounds(float(limits[key]), bounds)
                data.append(_line(ends, [level] * 2, name, MUTED, "dash"))
    if target is not None and months:
        data.append(_line([months[0], months[-1]], [target, target], "Target", TARGET, "dot", 1.5))
    fig = style_figure({"data": data, "layout": {}}, y_title, height=340)
    if bounds == (0.0, None):  # counts, rates and medians: the axis starts at 0
        fig["layout"]["yaxis"] = {**fig["layout"]["yaxis"], "rangemode": "tozero"}
    return fig


def natural_bounds(indicator_type: str) -> tuple[float | None, float | None]:
    """The values an indicator of this type can take: percentages 0-100, the rest 0 upwards."""
    return (0.0, 100.0) if indicator_type == "percentage" else (0.0, None)


def within_bounds(level: float, bounds: tuple[float | None, float | None]) -> float:
    low, high = bounds
    if low is not None:
        level = max(level, low)
    if high is not None:
        level = min(level, high)
    return level


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def style_figure(fig: Figure, y_title: str, height: int = 300) -> Figure:
    """GOV.UK-like chart styling: system font, light grid, legend below, no clutter."""
    fig["layout"] = {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
        "font": {"family": FONT_FAMILY, "size": 13, "color": TEXT},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "yaxis": {"title": {"text": y_title}, "gridcolor": "#e5e6e7", "zeroline": False},
        "xaxis": {"gridcolor": "#ffffff"},
        "hovermode": "closest",
        **fig.get("layout", {}),
    }
    return fig
