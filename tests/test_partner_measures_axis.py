"""A partner's figure covers its whole period: a quarterly measure's figure stretches the
period axis and the LA's reporting window to its quarter's end, not only to the quarter's
first month (``ExtractKind.span_end``), in a full recompute and in an incremental one
alike; and the line charts' time axis ends at the data (``charts.time_range``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from loaders.pipeline import LoadOptions, load_paths
from metrics.recompute import recompute, reporting_windows
from metrics.snapshot_builder import build_snapshot, compute
from scorecard.components.charts import line_chart
from store.engine import open_store
from store.schema import kpi_results, la_windows
from tests.conftest import TEST_KEY

QUARTER_END = date(2025, 12, 31)
FIGURE = {
    "measure_id": "new_birth_visits_14d",  # quarterly, owned by health
    "period_start": "2025-10-01",
    "period_end": "2025-12-31",
    "numerator": 9,
    "denominator": 10,
}


def test_a_quarterly_figure_alone_reaches_its_quarter_end() -> None:
    # The council's data ends in September; health's figure is for October to December.
    snap = build_snapshot(contacts=[{"contact_date": "2025-09-15"}], partner_measures=[FIGURE])
    out = compute(snap, "pm_new_birth_visits_14d", "contacts")
    months = sorted(out.loc[out["grain"] == "month", "period_end"].astype(str).unique())
    assert months[-1] == "2025-12-31"  # before: 2025-10-31, the quarter's first month
    quarter = out[(out["kpi_id"] == "pm_new_birth_visits_14d") & (out["grain"] == "quarter")]
    assert quarter.set_index(quarter["period_end"].astype(str)).loc["2025-12-31", "value"] == 90.0
    window = reporting_windows(snap)
    assert str(window.loc[0, "window_end"])[:10] == "2025-12-31"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def _results(engine: object) -> pd.DataFrame:
    c = kpi_results.c
    query = select(c.kpi_id, c.grain, c.period_end, c.breakdown, c.group_name, c.value, c.coverage)
    with engine.connect() as conn:  # type: ignore[attr-defined]
        frame = pd.DataFrame(conn.execute(query).all())
    return frame.sort_values(list(frame.columns[:5])).reset_index(drop=True)


def test_the_incremental_recompute_stretches_the_axis_as_a_full_one(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    options = LoadOptions(key=TEST_KEY, default_la="394")
    contacts = _write(
        tmp_path / "contacts.csv",
        "contact_id,child_id,contact_date,contact_source,outcome\n"
        "C1,K1,2025-07-03,police,nfa\nC2,K2,2025-09-15,school,referral\n",
    )
    load_paths(engine, [contacts], options)
    recompute(engine)
    figures = _write(
        tmp_path / "partner_measures.csv",
        "measure_id,period_start,period_end,numerator,denominator\n"
        "new_birth_visits_14d,2025-10-01,2025-12-31,9,10\n",
    )
    load_paths(engine, [figures], options)
    summary = recompute(engine)  # incremental: only the new kind's periods
    incremental = _results(engine)
    contacts = (incremental["kpi_id"] == "contacts") & (incremental["grain"] == "month")
    month_ends = incremental.loc[contacts, "period_end"]  # (dq_rejected_rows runs to the loads)
    assert max(pd.to_datetime(month_ends)).date() == QUARTER_END, str(summary)
    with engine.connect() as conn:
        assert conn.execute(select(la_windows.c.window_end)).scalar_one() == QUARTER_END
    quarter = incremental[
        (incremental["kpi_id"] == "pm_new_birth_visits_14d")
        & (incremental["grain"] == "quarter")
        & (pd.to_datetime(incremental["period_end"]).dt.date == QUARTER_END)
    ]
    assert list(quarter["value"]) == [90.0] and list(quarter["coverage"]) == ["full"]
    recompute(engine, full=True)
    pd.testing.assert_frame_equal(_results(engine), incremental)


def test_line_charts_end_at_the_data_not_at_their_labels() -> None:
    months = [date(2024, 4, 30), date(2024, 5, 31), date(2025, 3, 31)]
    fig = line_chart(months, {"A long team name at the end": [1.0, 2.0, 3.0]}, "%")
    assert fig["layout"]["xaxis"]["range"] == ["2024-04-15", "2025-04-15"]
    assert fig["layout"]["xaxis"]["autorange"] is False
