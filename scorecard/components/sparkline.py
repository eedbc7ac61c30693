"""Sparklines as small inline SVG, named by the values they show.

Thirty-odd of them on a page cost a few kilobytes, not thirty Plotly graphs; the
accessible name lists every value ("Contacts, last 12 months: Apr 2024 1,100, ...").

Example::

    >>> svg = sparkline([1.0, None, 3.0, 2.0], ["a 1", "b n/a", "c 3", "d 2"], "Contacts")
    >>> svg.count("<polyline"), 'role="img"' in svg, "Contacts, last 4 months: a 1" in svg
    (2, True, True)
    >>> sparkline([None], ["a n/a"], "x")
    '<span class="sc-note">No trend yet</span>'
"""

from __future__ import annotations

from collections.abc import Sequence

from scorecard.components.markup import tag, text
from scorecard.components.palette import DARK_BLUE

WIDTH, HEIGHT, PAD = 96, 24, 3


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Consecutive present points: a missing value breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if r]


def _points(values: Sequence[float | None]) -> list[tuple[float, float] | None]:
    present = [v for v in values if v is not None]
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    return [
        None if v is None else (PAD + i * step, HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD))
        for i, v in enumerate(values)
    ]


def sparkline(values: Sequence[float | None], labels: Sequence[str], title: str) -> str:
    """The trend as inline SVG; a gap where a value is missing, a dot on the latest."""
    if not any(v is not None for v in values):
        return tag("span", "No trend yet", class_="sc-note")
    name = f"{title}, last {len(labels)} months: " + ", ".join(labels)
    points = _points(values)
    shapes = [tag("title", text(name))]
    for run in _runs(points):
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        shapes.append(
            f'<polyline fill="none" stroke="{DARK_BLUE}" stroke-width="1.5" points="{coords}"></polyline>'
        )
    last = points[-1]
    if last is not None:
        shapes.append(f'<circle cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="2.5" fill="{DARK_BLUE}"></circle>')
    return tag(
        "svg",
        *shapes,
        xmlns="http://www.w3.org/2000/svg",
        width=WIDTH,
        height=HEIGHT,
        viewBox=f"0 0 {WIDTH} {HEIGHT}",
        role="img",
        aria_label=name,
        class_="sc-sparkline",
    )
