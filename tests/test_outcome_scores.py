"""Early help outcome-score change: closures in the period with both scores (the page tile is
tested in test_dash_pages.py)."""

from __future__ import annotations

import pandas as pd

from metrics.outcome_scores import outcome_score_changes
from metrics.snapshot_builder import build_snapshot


def _period(frame: pd.DataFrame, grain: str, end: str) -> pd.Series:
    return frame[(frame.grain == grain) & (frame.period_end == pd.Timestamp(end))].iloc[0]


def test_only_closures_in_the_period_with_both_scores_count() -> None:
    snap = build_snapshot(
        early_help=[
            # Closed on the first and on the last day of March 2024: both in March.
            {
                "start_date": "2024-01-02",
                "end_date": "2024-03-01",
                "outcome_score_start": 10,
                "outcome_score_end": 16,
            },
            {
                "start_date": "2024-01-02",
                "end_date": "2024-03-31",
                "outcome_score_start": 20,
                "outcome_score_end": 18,
            },
            # Closed in March without an end score: a closure, not scored.
            {"start_date": "2024-01-02", "end_date": "2024-03-15", "outcome_score_start": 12},
            # Closed on 1 April: April, not March.
            {
                "start_date": "2024-01-02",
                "end_date": "2024-04-01",
                "outcome_score_start": 5,
                "outcome_score_end": 9,
            },
            # Still open: no closure anywhere.
            {"start_date": "2024-01-02", "outcome_score_start": 30, "outcome_score_end": 40},
        ]
    )
    got = outcome_score_changes(snap)
    march = _period(got, "month", "2024-03-31")
    # Scored March closures: 10→16 (+6) and 20→18 (−2): mean start 15, end 17, change +2, one improved.
    assert (march.closed, march.episodes, march.improved) == (3, 2, 1)
    assert (march.mean_start, march.mean_end, march.mean_change) == (15.0, 17.0, 2.0)
    april = _period(got, "month", "2024-04-30")
    assert (april.episodes, april.mean_change) == (1, 4.0)
    # The quarter January to March 2024 holds the March closures only.
    quarter = _period(got, "quarter", "2024-03-31")
    assert (quarter.closed, quarter.episodes, quarter.mean_change) == (3, 2, 2.0)
