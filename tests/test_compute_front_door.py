"""Front-door indicators, hand-computed from kpis.md ("Front door").

Calendar used below (2024): 6 May and 27 May are bank holidays; 4-5, 11-12 May are
weekends; May 31 and June 30 are the month ends.
"""

from __future__ import annotations

import math

import pytest

from metrics.snapshot_builder import build_snapshot, compute, groups, nums, result

# Four contacts on the edges of May and June 2024.
#   K1 2 May   North   team A       source 2A → Schools & education
#   K2 31 May  (blank) team " "     source 3B → Health
#   K3 1 June  South   team A       source 6  → Police
#   K4 30 June North   (blank)      source 2B → Schools & education
EDGES = build_snapshot(
    contacts=[
        {"contact_date": "2024-05-02", "locality": "North", "team": "A", "contact_source": "2A"},
        {"contact_date": "2024-05-31", "locality": None, "team": " ", "contact_source": "3B"},
        {"contact_date": "2024-06-01", "locality": "South", "team": "A", "contact_source": "6"},
        {"contact_date": "2024-06-30", "locality": "North", "team": None, "contact_source": "2B"},
    ]
)


def test_contacts_count_each_day_of_the_closed_period() -> None:
    out = compute(EDGES, "contacts")
    # May: K1 (2 May) and K2 (31 May, the last day is inside [start, end]).
    assert nums(result(out, "contacts", "2024-05-31")) == (2, None, 2)
    # June: K3 (1 June, first day) and K4 (30 June, last day).
    assert nums(result(out, "contacts", "2024-06-30")) == (2, None, 2)
    # Quarter April-June and the financial year 2024-25 hold all four.
    assert result(out, "contacts", "2024-06-30", grain="quarter")["value"] == 4
    assert result(out, "contacts", "2025-03-31", grain="year")["value"] == 4
    # Rolling 12 months to May: June 2023 - May 2024 → K1, K2.
    assert result(out, "contacts", "2024-05-31", grain="r12")["value"] == 2


def test_blank_locality_and_team_are_not_recorded_and_groups_are_zero_filled() -> None:
    out = compute(EDGES, "contacts")
    assert groups(out, "contacts", "locality") == ["North", "Not recorded", "South"]
    # A team of only spaces is blank too.
    assert groups(out, "contacts", "team") == ["A", "Not recorded"]
    may = {
        g: result(out, "contacts", "2024-05-31", breakdown="locality", group=g)["value"]
        for g in ("North", "Not recorded", "South")
    }
    # May: K1 North, K2 blank; South has nothing in May but still has its row, 0.
    assert may == {"North": 1, "Not recorded": 1, "South": 0}
    june_team = {
        g: result(out, "contacts", "2024-06-30", breakdown="team", group=g)["value"]
        for g in ("A", "Not recorded")
    }
    assert june_team == {"A": 1, "Not recorded": 1}  # K3 team A, K4 blank


def test_agency_groups_roll_source_codes_up() -> None:
    out = compute(EDGES, "contacts")
    assert groups(out, "contacts", "agency") == ["Health", "Police", "Schools & education"]
    june = {
        g: result(out, "contacts", "2024-06-30", breakdown="agency", group=g)["value"]
        for g in ("Health", "Police", "Schools & education")
    }
    # K3 source 6 → Police; K4 source 2B → Schools & education; no Health in June.
    assert june == {"Health": 0, "Police": 1, "Schools & education": 1}


def test_contacts_rate_by_agency_uses_the_whole_la_population() -> None:
    snap = build_snapshot(
        contacts=[
            {"contact_date": "2024-05-02", "contact_source": "6"},
            {"contact_date": "2024-05-03", "contact_source": "2A"},
        ],
        population=[{"year": 2023, "population_0_17": 40_000}],
    )
    out = compute(snap, "contacts_rate")
    # May 2024 ends before 30 June 2024: the 2023 estimate. 2 × 10,000 / 40,000 = 0.5.
    assert nums(result(out, "contacts_rate", "2024-05-31")) == (2, 40_000, 0.5)
    # Police: 1 × 10,000 / 40,000 = 0.25.
    police = result(out, "contacts_rate", "2024-05-31", breakdown="agency", group="Police")
    assert nums(police) == (1, 40_000, 0.25)


def test_contact_conversion_counts_decided_contacts_only() -> None:
    snap = build_snapshot(
        contacts=[
            {"contact_date": "2024-05-01", "outcome": "referral"},
            {"contact_date": "2024-05-02", "outcome": "referral"},
            {"contact_date": "2024-05-03", "outcome": "nfa"},
            {"contact_date": "2024-05-04", "outcome": "early_help"},
            {"contact_date": "2024-05-05", "outcome": "pending"},
            {"contact_date": "2024-06-05", "outcome": "pending"},
        ]
    )
    out = compute(snap, "contact_conversion")
    # May: decided = 4 (all but the pending one); referral = 2 → 50 %.
    assert nums(result(out, "contact_conversion", "2024-05-31")) == (2, 4, 50.0)
    # June: only a pending contact → 0 / 0, no value, and the reason.
    june = result(out, "contact_conversion", "2024-06-30")
    assert nums(june) == (0, 0, None)
    assert june["note"] == "no contacts with a decision in the period"


def test_contact_decision_within_one_working_day_at_the_boundaries() -> None:
    snap = build_snapshot(
        contacts=[
            # Same day: 0 working days → timely.
            {"contact_date": "2024-05-01", "decision_date": "2024-05-01"},
            # Fri 10 → Mon 13 May: [Fri, Mon) holds Fri only (weekend) → 1 → timely.
            {"contact_date": "2024-05-10", "decision_date": "2024-05-13"},
            # Fri 3 → Tue 7 May: Fri; Mon 6 May is a bank holiday → 1 → timely.
            {"contact_date": "2024-05-03", "decision_date": "2024-05-07"},
            # Fri 3 → Wed 8 May: Fri, Tue 7 → 2 → late.
            {"contact_date": "2024-05-03", "decision_date": "2024-05-08"},
            # Thu 16 → Sat 18 May: Thu, Fri → 2 → late.
            {"contact_date": "2024-05-16", "decision_date": "2024-05-18"},
            # No decision date: not in the denominator.
            {"contact_date": "2024-05-20", "decision_date": None},
        ]
    )
    out = compute(snap, "contact_decision_timely")
    # 3 timely of 5 with a decision date → 60 %.
    assert nums(result(out, "contact_decision_timely", "2024-05-31")) == (3, 5, 60.0)


def test_decision_date_outside_the_bank_holiday_table_blanks_the_value_with_a_note() -> None:
    snap = build_snapshot(
        contacts=[
            # Tue 31 Dec 2030 → 2 Jan 2031: the table ends on 31 Dec 2030. Inside it the
            # pair holds 1 working day (31 Dec); 1 Jan 2031 is unknown, so "≤ 1" cannot
            # be decided.
            {"contact_date": "2030-12-31", "decision_date": "2031-01-02"},
            {"contact_date": "2030-12-02", "decision_date": "2030-12-02"},
        ]
    )
    out = compute(snap, "contact_decision_timely", "contacts")
    row = result(out, "contact_decision_timely", "2030-12-31")
    assert math.isnan(row["numerator"]) and math.isnan(row["value"])
    assert row["denominator"] == 2
    assert row["note"] == ("working days cannot be counted: 2031-01-02 is outside the bank-holiday table")
    # The financial year 2030-31 ends after the table: not computed at all, with a warning.
    assert not ((out["grain"] == "year") & (out["period_end"] > "2030-12-31")).any()
    assert any("period(s) reach outside" in w for w in out.attrs["warnings"])
    # Counting contacts needs no working days.
    assert result(out, "contacts", "2030-12-31")["value"] == 2


@pytest.mark.parametrize("kpi_id", ["contacts", "contact_conversion", "contact_decision_timely"])
def test_a_la_without_contacts_gets_blank_rows_for_breakdown_all(kpi_id: str) -> None:
    snap = build_snapshot(referrals=[{"referral_date": "2024-05-01"}])
    out = compute(snap, kpi_id)
    row = result(out, kpi_id, "2024-05-31")
    assert nums(row) == (None, None, None)
    assert row["note"] == "no contacts loaded for this LA"
    # Other breakdowns have rows only for groups that occur: none.
    assert set(out.loc[out["kpi_id"] == kpi_id, "breakdown"]) == {"all"}
