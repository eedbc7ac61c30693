"""Accessible HTML tables with right-aligned numbers, and CSV downloads of their numbers.

Example::

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Agency": ["=cmd", "Police"], "Contacts": [1200, 35]})
    >>> csv_text(frame).splitlines()
    ['Agency,Contacts', "'=cmd,1200", 'Police,35']
    >>> table_html(frame, caption="Contacts by agency", numeric=("Contacts",))[:62]
    '<table class="table table-sm sc-table"><caption>Contacts by ag'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd
from dash import html

from metrics.disclosure import OPERATIONAL, SHARING, audience_line, own_rows_line
from metrics.suppression import DEFAULT_THRESHOLD
from scorecard.components.markup import raw, tag, text
from scorecard.formatting import is_missing
from scorecard.safe_export import csv_bytes, csv_text

__all__ = ["FileFor", "csv_bytes", "csv_text", "download_link", "frame_table", "table_html"]


@dataclass(frozen=True)
class FileFor:
    """What the download of the numbers a page shows is: operational, for sharing (the
    board: the numbers shown are the shared ones), or a partner's (``agency``: its own
    rows as stored, every other cell as shared). Its link's words and first row say so.

    >>> FileFor(OPERATIONAL, 5, "Police").label
    "Download these numbers (CSV, Police's rows unsuppressed, the rest as shared)"
    >>> FileFor(SHARING, 5).first_line[:12]
    'FOR SHARING:'
    """

    audience: str = OPERATIONAL
    threshold: int = DEFAULT_THRESHOLD
    agency: str | None = None

    @property
    def label(self) -> str:
        if self.audience == SHARING:
            return "Download for sharing (CSV, small numbers suppressed)"
        if self.agency is not None:
            return f"Download these numbers (CSV, {self.agency}'s rows unsuppressed, the rest as shared)"
        return "Download these numbers (CSV, operational)"

    @property
    def first_line(self) -> str:
        if self.audience == OPERATIONAL and self.agency is not None:
            return own_rows_line(self.agency, self.threshold)
        return audience_line(self.audience, self.threshold)


def csv_with_audience(
    frame: pd.DataFrame, audience: str, threshold: int, first_line: str | None = None
) -> bytes:
    """CSV (UTF-8 with a byte-order mark) whose first row says who the file is for
    (``first_line``, or the audience's line)."""
    line = first_line or audience_line(audience, threshold)
    text = csv_text(pd.DataFrame(columns=[line])) + csv_text(frame)
    return ("\ufeff" + text).encode("utf-8")


def audience_filename(filename: str, audience: str) -> str:
    """The file name with its audience before the suffix.

    >>> audience_filename("contacts_by_team.csv", "operational")
    'contacts_by_team_operational.csv'
    """
    stem, dot, suffix = filename.rpartition(".")
    if not dot:
        stem, suffix = filename, "csv"
    return filename if stem.endswith(f"_{audience}") else f"{stem}_{audience}.{suffix}"


def download_link(
    frame: pd.DataFrame,
    filename: str,
    label: str = "Download these numbers (CSV, operational)",
    audience: str = OPERATIONAL,
    threshold: int = DEFAULT_THRESHOLD,
    first_line: str | None = None,
) -> html.A:
    """A link that downloads a small table as CSV without a round trip to the server; the
    first row (``first_line``, or the audience's) and the file name say who the file is for."""
    content = csv_with_audience(frame, audience, threshold, first_line).decode("utf-8")
    href = "data:text/csv;charset=utf-8," + quote(content)
    return html.A(label, href=href, download=audience_filename(filename, audience), className="sc-download")


def download_for(frame: pd.DataFrame, filename: str, version: FileFor) -> html.A:
    """:func:`download_link` of the numbers shown, for the version's audience."""
    return download_link(
        frame, filename, version.label, version.audience, version.threshold, version.first_line
    )


def _cell(value: Any, column: str, numeric: Sequence[str], formats: dict[str, Callable[[Any], str]]) -> str:
    if column in formats:
        shown = formats[column](value)
    else:
        shown = "" if is_missing(value) else (f"{value:,}" if isinstance(value, int) else str(value))
    return tag("td", text(shown), class_="text-end sc-num" if column in numeric else None)


def table_html(
    frame: pd.DataFrame,
    caption: str,
    numeric: Sequence[str] = (),
    formats: dict[str, Callable[[Any], str]] | None = None,
    row_header: str | None = None,
    caption_visible: bool = True,
) -> str:
    """The frame as an HTML table: a caption, column headers with scope, numbers right-aligned.

    ``row_header`` names the column whose cells head their rows (``<th scope="row">``).
    """
    formats = formats or {}
    columns = [str(c) for c in frame.columns]
    head = tag(
        "thead",
        tag(
            "tr",
            *(tag("th", text(c), scope="col", class_="text-end" if c in numeric else None) for c in columns),
        ),
    )
    body = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(columns, record, strict=True):
            if column == row_header:
                shown = formats[column](value) if column in formats else str(value)
                cells.append(tag("th", text(shown), scope="row"))
            else:
                cells.append(_cell(value, column, numeric, formats))
        body.append(tag("tr", *cells))
    return tag(
        "table",
        tag("caption", text(caption), class_=None if caption_visible else "visually-hidden"),
        head,
        tag("tbody", *body),
        class_="table table-sm sc-table",
    )


def frame_table(
    frame: pd.DataFrame,
    caption: str,
    numeric: Sequence[str] = (),
    formats: dict[str, Callable[[Any], str]] | None = None,
    row_header: str | None = None,
    caption_visible: bool = True,
    class_name: str | None = None,
) -> Any:
    """The frame as a table in one Dash component (see :mod:`scorecard.components.markup`),
    scrolling sideways on a narrow screen."""
    markup = table_html(frame, caption, numeric, formats, row_header, caption_visible)
    wrapper = "table-responsive" + (f" {class_name}" if class_name else "")
    # A region that scrolls sideways must be reachable by keyboard (axe scrollable-region-focusable).
    return raw(tag("div", markup, class_=wrapper, tabindex="0", role="region", aria_label=caption))
