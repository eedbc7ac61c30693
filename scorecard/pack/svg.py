"""The pack's charts as inline SVG, drawn here: vectors in the PDF, no network, no JS.

Example::

    >>> svg = spc_svg(["Jan 2025", "Feb 2025"], [10.0, None], 9.0, 5.0, 13.0, "Contacts")
    >>> svg.startswith("<svg") and "<title>Contacts</title>" in svg and "polyline" in svg
    True
"""

from __future__ import annotations

from collections.abc import Sequence

from scorecard.components.markup import text

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 36


def _scale(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if high == low:
        high, low = high + 1, low - 1
    pad = (high - low) * 0.08
    return low - pad, high + pad


def spc_svg(
    labels: Sequence[str],
    values: Sequence[float | None],
    mean: float | None,
    lower: float | None,
    upper: float | None,
    title: str,
) -> str:
    """A run chart of the monthly values with the mean and the control limits (dashed)."""
    known = [v for v in values if v is not None]
    lines = [v for v in (mean, lower, upper) if v is not None]
    if not known:
        return (
            f'<p class="muted">No monthly values to chart{"" if not labels else " (hidden or missing)"}.</p>'
        )
    low, high = _scale(known + lines)
    n = max(len(values) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * i / n

    def y(v: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (v - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" font-family="Pack Sans" role="img" aria-label="{text(title)}">'
        f"<title>{text(title)}</title>",
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#505a5f"/>',
    ]
    for tick in (low, (low + high) / 2, high):
        parts.append(
            f'<text x="{LEFT - 4}" y="{y(tick) + 3:.1f}" font-size="9" text-anchor="end">{tick:,.1f}</text>'
        )
    for value, colour, dash, name in (
        (mean, "#12436D", "", "mean"),
        (lower, "#801650", "4 3", "lower limit"),
        (upper, "#801650", "4 3", "upper limit"),
    ):
        if value is not None:
            parts.append(
                f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" '
                f'stroke="{colour}" stroke-dasharray="{dash}"><title>{name} {value:,.1f}</title></line>'
            )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(v):.1f}")
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="#12436D"/>')
    if segment:
        segments.append(segment)
    for points in segments:
        parts.append(
            f'<polyline fill="none" stroke="#12436D" stroke-width="1.5" points="{" ".join(points)}"/>'
        )
    step = max(1, len(labels) // 6)
    for i in range(0, len(labels), step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="9" text-anchor="middle">'
            f"{text(labels[i])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
