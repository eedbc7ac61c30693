"""Colours: the Analysis Function palette for data, NHS "Making Data Count" for SPC points,
GOV.UK tag colours for status. Colour is never the only signal: every use has words.
"""

from __future__ import annotations

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
SERIES = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE)

# Making Data Count point colours.
SPC_COLOURS: dict[str, str] = {
    "common_cause": "#a6a6a6",
    "improvement": "#00b0f0",
    "concern": "#e46c0a",
    "neutral": "#490092",
}
TEXT = "#0b0c0c"
MUTED = "#505a5f"
TARGET = "#d4351c"
FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
    '"Liberation Sans", Arial, sans-serif'
)
