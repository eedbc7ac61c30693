"""The case-audit indicators against a row-by-row reading of kpis.md (hypothesis).

Random small audit extracts; each indicator recomputed here with Python loops over
``datetime.date`` per period and compared with ``compute_indicators`` for every period
of every grain and every group of the agency and theme breakdowns.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.periods import GRAINS, periods_overlapping
from metrics.snapshot_builder import build_snapshot, compute
from store.codes import AGENCY_LABELS

FIRST = date(2023, 1, 1)
GRADES = ["outstanding", "good", "requires_improvement", "inadequate"]
IDS = ("audits_completed", "audits_good_or_better", "audits_inadequate", "audits_multi_agency")

audit = st.fixed_dictionaries(
    {
        "audit_date": st.integers(0, 900).map(lambda n: (FIRST + timedelta(days=n)).isoformat()),
        "grade": st.sampled_from(GRADES),
        "multi_agency": st.sampled_from([True, False, None]),
        "auditor_agency": st.sampled_from([None, "social_care", "health", "police", "school"]),
        "theme": st.sampled_from([None, "neglect", "pre-birth", " "]),
    }
)


def _group(row: dict[str, Any], breakdown: str) -> str:
    if breakdown == "all":
        return "all"
    if breakdown == "agency":
        code = row["auditor_agency"]
        return AGENCY_LABELS[code] if code else "Not recorded"
    theme = (row["theme"] or "").strip()
    return theme or "Not recorded"


def oracle(rows: list[dict[str, Any]], start: date, end: date) -> dict[str, tuple[float, float | None]]:
    inside = [r for r in rows if start <= date.fromisoformat(r["audit_date"]) <= end]
    good = sum(r["grade"] in ("good", "outstanding") for r in inside)
    bad = sum(r["grade"] == "inadequate" for r in inside)
    return {
        "audits_completed": (len(inside), None),
        "audits_good_or_better": (good, len(inside)),
        "audits_inadequate": (bad, len(inside)),
        "audits_multi_agency": (sum(r["multi_agency"] is True for r in inside), None),
    }


@given(st.lists(audit, min_size=1, max_size=30))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_grain_and_group_matches_the_row_by_row_reading(rows: list[dict[str, Any]]) -> None:
    out = compute(build_snapshot(audits=rows), *IDS)
    days = [date.fromisoformat(r["audit_date"]) for r in rows]
    got = {
        (k, g, e.date(), b, grp): (n, d)
        for k, g, e, b, grp, n, d in zip(
            out["kpi_id"],
            out["grain"],
            out["period_end"],
            out["breakdown"],
            out["group_name"],
            out["numerator"],
            out["denominator"],
            strict=True,
        )
    }
    for breakdown in ("all", "agency", "theme"):
        groups = sorted({_group(r, breakdown) for r in rows})
        for grain in GRAINS:
            for p in periods_overlapping(grain, min(days), max(days)):
                for group in groups:
                    mine = [r for r in rows if _group(r, breakdown) == group]
                    for kpi_id, (num, den) in oracle(mine, p.start, p.end).items():
                        n, d = got[(kpi_id, grain, p.end, breakdown, group)]
                        assert n == num, (kpi_id, grain, p.end, breakdown, group)
                        assert (None if pd.isna(d) else d) == den, (kpi_id, grain, p.end, breakdown, group)
