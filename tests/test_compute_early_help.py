"""Early help indicators, hand-computed from kpis.md ("Early help")."""

from __future__ import annotations

from metrics.snapshot_builder import build_snapshot, compute, groups, nums, result

# Episodes (child, lead agency, start → end), months open:
#   E1 C1 school 10 Jan 2024 → 1 Mar 2024     Jan, Feb, Mar
#   E2 C1 school 15 Mar 2024 → open           Mar onwards
#   E3 C2 school  1 Feb 2024 → 29 Feb 2024    Feb
#   E4 C3 school 30 Apr 2024 → 1 May 2024     Apr, May
#   E5 C4 health  1 May 2023 → 1 Jan 2024     May 2023 - Jan 2024 (ends on 1 Jan: open in Jan)
#   E6 C5 police 31 May 2024 → open           May onwards
REACH = build_snapshot(
    early_help=[
        {"child_id": "C1", "start_date": "2024-01-10", "end_date": "2024-03-01"},
        {"child_id": "C1", "start_date": "2024-03-15"},
        {"child_id": "C2", "start_date": "2024-02-01", "end_date": "2024-02-29"},
        {"child_id": "C3", "start_date": "2024-04-30", "end_date": "2024-05-01"},
        {"child_id": "C4", "start_date": "2023-05-01", "end_date": "2024-01-01", "lead_agency": "health"},
        {"child_id": "C5", "start_date": "2024-05-31", "lead_agency": "police"},
    ],
    population=[{"year": 2023, "population_0_17": 10_000}],
)


def test_reach_counts_distinct_children_open_at_any_time_in_the_period() -> None:
    out = compute(REACH, "eh_reach")
    month = {
        e: result(out, "eh_reach", e)["numerator"]
        for e in ("2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31")
    }
    # Jan: C1, C4. Feb: C1, C2. Mar: C1 (E1 and E2: once). Apr: C1, C3. May: C1, C3, C5.
    assert month == {"2024-01-31": 2, "2024-02-29": 2, "2024-03-31": 1, "2024-04-30": 2, "2024-05-31": 3}
    # Q4 2023-24 (Jan-Mar): C1, C2, C4 → 3. Q1 2024-25 (Apr-Jun): C1, C3, C5 → 3.
    assert result(out, "eh_reach", "2024-03-31", grain="quarter")["numerator"] == 3
    assert result(out, "eh_reach", "2024-06-30", grain="quarter")["numerator"] == 3
    # Year 2023-24 (Apr 2023-Mar 2024): C4, C1, C2 → 3.
    assert result(out, "eh_reach", "2024-03-31", grain="year")["numerator"] == 3
    # 12 months to May 2024 (Jun 2023-May 2024): C4, C1, C2, C3, C5 → 5.
    assert result(out, "eh_reach", "2024-05-31", grain="r12")["numerator"] == 5
    # A rate: 3 × 10,000 / 10,000 (2023 estimate for 31 May 2024) = 3.
    assert nums(result(out, "eh_reach", "2024-05-31")) == (3, 10_000, 3.0)


def test_reach_by_lead_agency() -> None:
    out = compute(REACH, "eh_reach")
    assert groups(out, "eh_reach", "agency") == ["Health", "Police", "Schools & education"]
    jan = {
        g: result(out, "eh_reach", "2024-01-31", breakdown="agency", group=g)["numerator"]
        for g in ("Health", "Police", "Schools & education")
    }
    assert jan == {"Health": 1, "Police": 0, "Schools & education": 1}


def test_started_and_closure_reasons() -> None:
    snap = build_snapshot(
        early_help=[
            {
                "start_date": "2024-01-05",
                "end_date": "2024-05-02",
                "closure_reason": "outcomes_achieved",
                "locality": "North",
            },
            {"start_date": "2024-02-05", "end_date": "2024-05-31", "closure_reason": "stepped_up"},
            {"start_date": "2024-03-05", "end_date": "2024-05-15", "closure_reason": None},
            {"start_date": "2024-05-05", "end_date": "2024-06-01", "closure_reason": "outcomes_achieved"},
            {"start_date": "2024-05-06", "lead_agency": "voluntary"},
        ]
    )
    out = compute(snap, "eh_started", "eh_outcomes_achieved", "eh_stepped_up")
    assert result(out, "eh_started", "2024-05-31")["value"] == 2
    assert (
        result(out, "eh_started", "2024-05-31", breakdown="agency", group="Voluntary & community")["value"]
        == 1
    )
    # Ended in May: 3 (a blank reason stays in) → outcomes achieved 1, stepped up 1.
    assert nums(result(out, "eh_outcomes_achieved", "2024-05-31")) == (1, 3, 100 / 3)
    assert nums(result(out, "eh_stepped_up", "2024-05-31")) == (1, 3, 100 / 3)
    assert nums(result(out, "eh_outcomes_achieved", "2024-05-31", breakdown="locality", group="North")) == (
        1,
        1,
        100.0,
    )
    # Quarter Apr-Jun (June itself is after the last start, so no month period): ended
    # 2, 15, 31 May and 1 June → 4; outcomes achieved 2 → 50 %.
    assert nums(result(out, "eh_outcomes_achieved", "2024-06-30", grain="quarter")) == (2, 4, 50.0)


# Repeat episodes (another episode of the child ending within 12 months before the start):
#   C1 ends 31 May 2023, next starts 31 May 2024: 31 May 2024 − 12 months = 31 May 2023 → yes
#   C2 ends 30 May 2023, next starts 31 May 2024 → 12 months and a day → no
#   C3 ends 29 Feb 2024, next starts 28 Feb 2025: 28 Feb 2025 − 12 months = 28 Feb 2024 → yes
#   C4 ends 31 May 2024, next starts the same day → not strictly before → no
#   C5 open since 1 Jan 2024, another starts 10 May 2024 → no episode has ended → no
#   C6 ends 25 May 2024, next starts 26 May 2024 → yes
REPEATS = build_snapshot(
    early_help=[
        {"child_id": "C1", "start_date": "2023-01-10", "end_date": "2023-05-31"},
        {"child_id": "C1", "start_date": "2024-05-31"},
        {"child_id": "C2", "start_date": "2023-01-10", "end_date": "2023-05-30"},
        {"child_id": "C2", "start_date": "2024-05-31"},
        {"child_id": "C3", "start_date": "2023-10-10", "end_date": "2024-02-29"},
        {"child_id": "C3", "start_date": "2025-02-28"},
        {"child_id": "C4", "start_date": "2024-01-10", "end_date": "2024-05-31"},
        {"child_id": "C4", "start_date": "2024-05-31"},
        {"child_id": "C5", "start_date": "2024-01-01"},
        {"child_id": "C5", "start_date": "2024-05-10"},
        {"child_id": "C6", "start_date": "2024-05-20", "end_date": "2024-05-25"},
        {"child_id": "C6", "start_date": "2024-05-26"},
    ]
)


def test_repeat_episodes_within_12_months() -> None:
    out = compute(REPEATS, "eh_repeat_12m")
    # Started in May 2024: C1 (yes), C2 (no), C4 (no), C5 (no), C6 first (no), C6 second
    # (yes) → 2 of 6.
    assert nums(result(out, "eh_repeat_12m", "2024-05-31")) == (2, 6, 100 / 3)
    # Feb 2025: C3 → 1 of 1.
    assert nums(result(out, "eh_repeat_12m", "2025-02-28")) == (1, 1, 100.0)
    # January 2023: C1 and C2 first episodes → 0 of 2.
    assert nums(result(out, "eh_repeat_12m", "2023-01-31")) == (0, 2, 0.0)
