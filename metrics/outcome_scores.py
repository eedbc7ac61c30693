"""Early help outcome-score change: a supplementary measure beside the indicators.

kpis.md defines no indicator for it, so it is not in the registry (and not in
``scorecard kpis``); PRODUCT.md's early help page shows it. For the early help
episodes that closed in the period (end_date in ``[start, end]``) with both
``outcome_score_start`` and ``outcome_score_end`` recorded: how many, the mean score
at start and at closure, the mean change (end − start) and how many improved (end >
start). Scores are on the partnership's own outcomes-wheel or star scale, so only
changes within one LA compare.

For sharing (:func:`disclosed_scores`; the reading follows kpis.md's suppression and
``metrics.suppression``'s reading of medians): the closures, the episodes with both
scores and those that improved are counts, ``c`` from 1 to the threshold; the means are
taken over the episodes with both scores and are ``c`` with their count, as a median is;
the closures are also ``c`` when disclosure control hid the same number elsewhere (the
denominator of ``eh_outcomes_achieved``).

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> snap = build_snapshot(early_help=[
    ...     {"start_date": "2024-01-02", "end_date": "2024-03-05",
    ...      "outcome_score_start": 20, "outcome_score_end": 26},
    ...     {"start_date": "2024-01-02", "end_date": "2024-03-20",
    ...      "outcome_score_start": 30, "outcome_score_end": 28}])
    >>> got = outcome_score_changes(snap)
    >>> march = got[(got.grain == "month") & (got.period_end == "2024-03-31")].iloc[0]
    >>> (int(march.episodes), float(march.mean_change), int(march.improved))
    (2, 2.0, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from metrics.calendar import calendar_range
from metrics.periods import GRAINS, periods_overlapping
from metrics.snapshot import StoreSnapshot
from metrics.suppression import SUPPRESSED, suppress

COLUMNS = [
    "la_code",
    "grain",
    "period_start",
    "period_end",
    "closed",
    "episodes",
    "mean_start",
    "mean_end",
    "mean_change",
    "improved",
]


def outcome_score_changes(snapshot: StoreSnapshot, span: tuple[date, date] | None = None) -> pd.DataFrame:
    """Per LA, grain and period: closures, those with both scores, means and improvements.

    The periods cover the closures of every LA in the snapshot, or ``span`` (the first and
    last closure inside the calendar across the whole store) for a snapshot of one LA.
    """
    episodes = snapshot.tables["early_help"]
    ended = episodes[episodes["end_date"].notna()]
    if ended.empty:
        return pd.DataFrame(columns=COLUMNS)
    end = ended["end_date"].to_numpy("datetime64[D]")
    lo, hi = calendar_range()
    inside = (end >= lo) & (end <= hi)
    ended, end = ended[inside], end[inside]
    if ended.empty:
        return pd.DataFrame(columns=COLUMNS)
    start_score = pd.to_numeric(ended["outcome_score_start"]).to_numpy(float)
    end_score = pd.to_numeric(ended["outcome_score_end"]).to_numpy(float)
    scored = ~np.isnan(start_score) & ~np.isnan(end_score)
    la = ended["la_code"].astype(str).str.strip().to_numpy(object)
    first, last = (end.min().astype(object), end.max().astype(object)) if span is None else span
    rows = []
    for la_code in sorted(set(la)):
        mine = la == la_code
        for grain in GRAINS:
            for period in periods_overlapping(grain, first, last):
                closed = mine & (end >= np.datetime64(period.start)) & (end <= np.datetime64(period.end))
                both = closed & scored
                n = int(both.sum())
                rows.append(
                    {
                        "la_code": la_code,
                        "grain": grain,
                        "period_start": period.start,
                        "period_end": period.end,
                        "closed": int(closed.sum()),
                        "episodes": n,
                        "mean_start": float(start_score[both].mean()) if n else np.nan,
                        "mean_end": float(end_score[both].mean()) if n else np.nan,
                        "mean_change": float((end_score[both] - start_score[both]).mean()) if n else np.nan,
                        "improved": int((end_score[both] > start_score[both]).sum()),
                    }
                )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).astype("datetime64[s]")
    frame["period_end"] = pd.to_datetime(frame["period_end"]).astype("datetime64[s]")
    return frame


def disclosed_scores(
    scores: Mapping[str, Any] | None, threshold: int, closures_hidden: bool = False
) -> dict[str, Any] | None:
    """One period's outcome-score change (a row of ``eh_outcome_scores``) for sharing: small
    counts, and the means over a small count, are ``c``.

    >>> row = {"closed": 40, "episodes": 4, "mean_start": 20.0, "mean_end": 23.5,
    ...        "mean_change": 3.5, "improved": 3}
    >>> shared = disclosed_scores(row, 5)
    >>> [shared[k] for k in ("closed", "episodes", "mean_change", "improved")]
    [40, 'c', 'c', 'c']
    >>> disclosed_scores({**row, "episodes": 30, "improved": 0}, 5, closures_hidden=True)["closed"]
    'c'
    """
    if scores is None:
        return None
    out = dict(scores)

    def hidden(key: str) -> bool:
        n = scores.get(key)
        return n is not None and suppress("count", float(n), None, float(n), threshold).suppressed

    for key in ("closed", "episodes", "improved"):
        if hidden(key):
            out[key] = SUPPRESSED
    if closures_hidden:
        out["closed"] = SUPPRESSED
    if out["episodes"] == SUPPRESSED:
        out.update(mean_start=SUPPRESSED, mean_end=SUPPRESSED, mean_change=SUPPRESSED, improved=SUPPRESSED)
    return out
