"""Status against target and direction of travel, as HTML: a word beside every colour.

Example::

    >>> status_badge("amber")
    '<span class="sc-tag sc-status-amber">Within tolerance</span>'
    >>> direction_html("improving", "down")
    '<span class="sc-direction"><span class="sc-arrow" aria-hidden="true">▼</span> Improving</span>'
"""

from __future__ import annotations

from typing import Any

from metrics.status import STATUS_LABELS
from scorecard.components.markup import tag, text
from scorecard.formatting import direction_words

STATUS_TEXT: dict[str, str] = STATUS_LABELS


def status_text(status: Any) -> str:
    return STATUS_TEXT.get(status, STATUS_TEXT["none"]) if isinstance(status, str) else STATUS_TEXT["none"]


def status_badge(status: Any) -> str:
    """The status as a coloured tag with its word (GOV.UK tag colours, AA contrast)."""
    key = status if isinstance(status, str) and status in STATUS_TEXT else "none"
    return tag("span", text(status_text(key)), class_=f"sc-tag sc-status-{key}")


def direction_html(direction: Any, polarity: str) -> str:
    """An arrow (hidden from screen readers) and the words for the direction of travel."""
    arrow, words = direction_words(direction, polarity)
    mark = tag("span", text(arrow), class_="sc-arrow", aria_hidden="true") + " " if arrow else ""
    return tag("span", mark + text(words), class_="sc-direction")
