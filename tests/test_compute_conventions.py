"""The conventions of kpis.md: periods, working days, population, encoding, the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.compute.axis import build_period_table
from metrics.compute.workdays import working_days_between
from metrics.snapshot import StoreSnapshot, read_snapshot
from metrics.snapshot_builder import build_snapshot, combine, compute, nums, result
from store.bulk import upsert
from store.engine import open_store
from store.extracts import EXTRACTS
from store.schema import kind_table, load_counts, loads


def _d(*days: str) -> np.ndarray:
    return np.array(days, dtype="datetime64[D]")


def test_periods_overlap_the_data_range_for_every_grain() -> None:
    table = build_period_table((date(2024, 2, 10), date(2024, 4, 2)), None)
    got = sorted((g, str(s), str(e)) for g, s, e in zip(table.grain, table.start, table.end, strict=True))
    assert got == sorted(
        [
            ("month", "2024-02-01", "2024-02-29"),
            ("month", "2024-03-01", "2024-03-31"),
            ("month", "2024-04-01", "2024-04-30"),
            ("quarter", "2024-01-01", "2024-03-31"),
            ("quarter", "2024-04-01", "2024-06-30"),
            ("year", "2023-04-01", "2024-03-31"),
            ("year", "2024-04-01", "2025-03-31"),
            ("r12", "2023-03-01", "2024-02-29"),
            ("r12", "2023-04-01", "2024-03-31"),
            ("r12", "2023-05-01", "2024-04-30"),
        ]
    )


def test_working_days_exact_inside_the_table_and_bounded_outside() -> None:
    wd = working_days_between(
        _d("2024-05-01", "2024-05-03", "2024-05-10", "2024-12-24", "1970-01-01"),
        _d("2024-05-01", "2024-05-07", "2024-05-13", "2024-12-27", "2010-03-31"),
    )
    # Same day 0; Fri → Tue across the 6 May holiday 1; Fri → Mon 1; Christmas 1.
    assert wd.low[:4].tolist() == [0, 1, 1, 1] and wd.exact[:4].all()
    # 1970 → 31 Mar 2010: only 1 Jan - 30 Mar 2010 is known: 20 + 20 + 22 = 62, or more.
    assert (wd.low[4], bool(wd.exact[4])) == (62, False)
    assert str(wd.outside[4]) == "1970-01-01"
    yes, undecided = wd.more_than(45)
    assert (bool(yes[4]), bool(undecided[4])) == (True, False)
    yes, undecided = wd.at_most(100)
    assert (bool(yes[4]), bool(undecided[4])) == (False, True)


# Population: 2023 → 50,000, 2024 → 40,000, 2025 → 80,000 (LA 394); LA 395 has 2023 only;
# LA 396 has 2026 only. Two referrals in each month below.
def _population_snapshot() -> StoreSnapshot:
    def la(code: str, years: dict[int, int]) -> StoreSnapshot:
        return build_snapshot(
            la_code=code,
            referrals=[
                {"referral_date": d}
                for d in ("2025-03-03", "2025-03-04", "2025-06-02", "2025-06-03", "2025-07-01", "2025-07-02")
            ],
            population=[{"year": y, "population_0_17": p} for y, p in years.items()],
        )

    return combine(
        la("394", {2023: 50_000, 2024: 40_000, 2025: 80_000}),
        la("395", {2023: 50_000}),
        la("396", {2026: 10_000}),
    )


def test_population_year_used_for_a_rate() -> None:
    out = compute(_population_snapshot(), "referrals_rate")
    # 31 March 2025 is before 30 June 2025: the 2024 estimate. 2 × 10,000 / 40,000 = 0.5.
    assert nums(result(out, "referrals_rate", "2025-03-31")) == (2, 40_000, 0.5)
    # 30 June 2025: 30 June ≤ the end → 2025. 2 × 10,000 / 80,000 = 0.25.
    assert nums(result(out, "referrals_rate", "2025-06-30")) == (2, 80_000, 0.25)
    # 31 July 2025 → 2025.
    assert nums(result(out, "referrals_rate", "2025-07-31")) == (2, 80_000, 0.25)
    # 395: 2025 missing → the latest earlier year, 2023: 2 × 10,000 / 50,000 = 0.4.
    assert nums(result(out, "referrals_rate", "2025-07-31", la_code="395")) == (2, 50_000, 0.4)
    # 396: only 2026 → no estimate for 2025 or earlier: count kept, no value.
    row = result(out, "referrals_rate", "2025-07-31", la_code="396")
    assert nums(row) == (2, None, None)
    assert row["note"] == "no population estimate for 2025 or earlier"
    # The financial year 2024-25 ends 31 March 2025 → 2024; it holds the two March
    # referrals: 2 × 10,000 / 40,000 = 0.5.
    assert nums(result(out, "referrals_rate", "2025-03-31", grain="year")) == (2, 40_000, 0.5)


def test_output_encoding_by_type() -> None:
    snap = build_snapshot(
        referrals=[{"referral_date": "2024-05-02", "referral_nfa": True}],
        assessments=[{"start_date": "2024-06-03"}],
    )
    out = compute(snap, "referrals", "referrals_nfa", "assessment_median_wd", "referrals_rate")
    # Count: numerator = count, denominator blank, value = count.
    assert nums(result(out, "referrals", "2024-06-30")) == (0, None, 0)
    # Percentage: both 0 when nothing qualifies; the value blank with the reason.
    assert nums(result(out, "referrals_nfa", "2024-06-30")) == (0, 0, None)
    assert nums(result(out, "referrals_nfa", "2024-05-31")) == (1, 1, 100.0)
    # Median: nothing to take it of → numerator blank, denominator the count (0).
    assert nums(result(out, "assessment_median_wd", "2024-06-30")) == (None, 0, None)
    # Rate without population: numerator the count, no denominator, no value.
    assert nums(result(out, "referrals_rate", "2024-05-31")) == (1, None, None)


def test_population_of_zero_gives_no_rate() -> None:
    snap = build_snapshot(
        contacts=[{"contact_date": "2024-05-02"}], population=[{"year": 2023, "population_0_17": 0}]
    )
    row = result(compute(snap, "contacts_rate"), "contacts_rate", "2024-05-31")
    assert nums(row) == (1, 0, None)
    assert row["note"] == "the population estimate for 2023 is 0"


def test_read_snapshot_from_a_real_store(tmp_path: Path) -> None:
    snap = build_snapshot(
        referrals=[
            {"child_id": "C1", "referral_date": "2024-02-29", "referral_nfa": True, "team": "A"},
            {"child_id": "C1", "referral_date": "2025-02-28"},
        ],
        cp_plans=[{"child_id": "C1", "start_date": "2024-03-01", "previous_plans": 1}],
        population=[{"year": 2024, "population_0_17": 40_000}],
    )
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as conn:
        upsert(
            conn,
            loads,
            pd.DataFrame(
                {
                    "load_id": [1, 2],
                    "file_name": ["r.csv", "x.csv"],
                    "file_hash": ["h", "i"],
                    "kind": ["referrals", "s47"],
                    "format": ["csv", "csv"],
                    "la_default": ["394", "394"],
                    "status": ["loaded", "rejected"],
                    "rows_read": [3, 2],
                    "rows_loaded": [2, 0],
                    "rows_rejected": [1, 2],
                    "started_at": pd.to_datetime(["2025-03-01 10:00", "2025-03-02 10:00"], utc=True),
                    "finished_at": pd.to_datetime(["2025-03-01 10:01", "2025-03-02 10:01"], utc=True),
                }
            ),
        )
        upsert(
            conn,
            load_counts,
            pd.DataFrame(
                {
                    "load_id": [1],
                    "kind": ["referrals"],
                    "la_code": ["394"],
                    "rows_read": [3],
                    "rows_loaded": [2],
                    "rows_rejected": [1],
                }
            ),
        )
        for kind in EXTRACTS:
            upsert(conn, kind_table(kind), snap.tables[kind])
    stored = read_snapshot(engine)
    for kind in EXTRACTS:
        # Everything but the provenance columns (load_id, source_row), which nothing computes from.
        assert "load_id" not in stored.tables[kind].columns
        expected = snap.tables[kind][list(stored.tables[kind].columns)]
        pd.testing.assert_frame_equal(stored.tables[kind], expected, check_dtype=True)
    counts = stored.load_counts.sort_values("load_id")
    # Load 2 has no per-LA counts: it is listed from the load record with its default LA.
    assert counts[["load_id", "kind", "rows_read", "rows_rejected"]].values.tolist() == [
        [1, "referrals", 3, 1],
        [2, "s47", 2, 2],
    ]
    assert str(counts["loaded_at"].iloc[0]) == "2025-03-01 10:01:00"
    # Computing from the store gives what computing from the same frames gives.
    pd.testing.assert_frame_equal(
        compute(stored), compute(StoreSnapshot(tables=snap.tables, load_counts=stored.load_counts))
    )


@pytest.mark.parametrize("bad", ["1970-01-01", "1900-06-30", "2099-12-31"])
def test_dates_outside_the_table_never_crash(bad: str) -> None:
    snap = build_snapshot(
        contacts=[
            {"contact_date": bad, "decision_date": bad, "recorded_date": bad},
            {"contact_date": "2024-05-02", "decision_date": bad},
        ],
        cp_plans=[{"start_date": bad}],
        cp_visits=[{"visit_date": bad}],
        early_help=[{"start_date": bad}],
        assessments=[{"start_date": bad}],
    )
    out = compute(snap)
    assert (out["period_start"] >= "2010-01-01").all()
    assert (out["period_end"] <= "2030-12-31").all()
    assert out.attrs["warnings"]
