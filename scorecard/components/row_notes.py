"""What the scorecard row says besides the numbers: the period's commentary (a marker,
the text on demand) and the indicator's open actions (a marker linking to them).

Example::

    >>> html = row_notes("Rise after <half term>", 2, 1, "/actions?kpi=referrals")
    >>> "<details" in html and "&lt;half term&gt;" in html and "2 open actions (1 overdue)" in html
    True
    >>> row_notes(None, 0, 0, "/actions")
    ''
"""

from __future__ import annotations

from scorecard.components.markup import link, tag, text


def row_notes(comment: str | None, open_actions: int, overdue: int, actions_href: str) -> str:
    """The markers under an indicator's title; "" when there is nothing to say."""
    parts: list[str] = []
    if comment:
        parts.append(
            tag(
                "details",
                tag("summary", text("Commentary"), class_="sc-marker sc-marker-comment"),
                tag("p", text(comment), class_="sc-row-comment mb-0"),
                class_="sc-row-note",
            )
        )
    if open_actions:
        words = f"{open_actions} open action{'s' if open_actions != 1 else ''}"
        if overdue:
            words += f" ({overdue} overdue)"
        parts.append(link(words, actions_href, class_="sc-marker sc-marker-action d-block"))
    return "".join(parts)
