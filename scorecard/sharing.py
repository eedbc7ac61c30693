"""The numbers of a view for an audience, and what a file says about itself.

Every output that leaves the page (the scorecard's CSV and Excel, the board pack)
reads its rows here: for sharing, the whole period goes through
``metrics.disclosure`` first, so the same cells are hidden whichever group or
breakdown a file shows; operational rows are as stored.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Engine

from metrics import results
from metrics.disclosure import OPERATIONAL, SHARING, shared_view
from metrics.periods import Grain
from metrics.registry import Registry
from metrics.wording import kind_words, plural
from scorecard.commentary import current_comments
from scorecard.formatting import period_label

if TYPE_CHECKING:  # the exports (xlsxwriter, Dash tables) load only where a file is written
    from scorecard.exports import ExportContext


def view_rows(
    engine: Engine,
    registry: Registry,
    la_code: str,
    grain: Grain,
    period_end: date,
    audience: str,
    threshold: int,
    breakdown: tuple[str, str] = ("all", "all"),
) -> pd.DataFrame:
    """One row per indicator for one group, disclosed for sharing or as stored."""
    if audience not in (SHARING, OPERATIONAL):
        raise ValueError(f"unknown audience {audience!r}: expected {SHARING} or {OPERATIONAL}")
    if audience == OPERATIONAL:
        return results.period_results(engine, la_code, grain, period_end, *breakdown)
    cube = shared_view(engine, la_code, grain, period_end, SHARING, threshold, registry)
    chosen = (cube["breakdown"] == breakdown[0]) & (cube["group_name"] == breakdown[1])
    return cube[chosen].reset_index(drop=True)


def sources(engine: Engine, la_code: str) -> list[str]:
    """One line per partner and kind loaded for the LA: loads and rows."""
    frame = results.load_counts_by_partner(engine, la_code)
    return [
        f"{row['partner']}: {kind_words(row['kind'])}, {plural(int(row['loads']), 'load')}, "
        f"{plural(int(row['rows_loaded']), 'row')} loaded, {int(row['rows_rejected']):,} rejected"
        for row in frame.to_dict("records")
    ]


def coverage(engine: Engine, la_code: str) -> str:
    """The LA's reporting window in words."""
    window = results.reporting_window(engine, la_code)
    if window is None:
        return f"No reporting window is recorded for LA {la_code}."
    start, end = window
    return f"LA {la_code}: the extracts cover {period_label('month', start)} to {period_label('month', end)}."


def export_context(
    engine: Engine,
    la_code: str,
    grain: str,
    period_end: date,
    threshold: int,
    produced_by: str | None,
    actions: dict[str, str] | None = None,
) -> ExportContext:
    """What a file says about itself: suppression, sources, coverage, who and commentary."""
    from scorecard.exports import ExportContext

    comments = {kpi: c.body for kpi, c in current_comments(engine, la_code, grain, period_end).items()}
    return ExportContext(
        threshold=threshold,
        produced_by=produced_by or "not signed in",
        sources=sources(engine, la_code),
        coverage=coverage(engine, la_code),
        comments=comments,
        actions=actions or {},
    )
