"""Data-quality indicators, hand-computed from kpis.md ("Data quality")."""

from __future__ import annotations

from metrics.snapshot_builder import build_snapshot, compute, groups, nums, result
from store.extracts import EVENT_KINDS, EXTRACTS

LOADS = build_snapshot(
    contacts=[{"contact_date": "2024-05-02"}],
    loads=[
        {"kind": "contacts", "rows_read": 10, "rows_rejected": 2, "loaded_at": "2024-05-02 09:00"},
        # A file rejected whole: every row read was rejected.
        {"kind": "contacts", "rows_read": 5, "rows_rejected": 5, "loaded_at": "2024-05-20 16:30"},
        {"kind": "s47", "rows_read": 4, "rows_rejected": 0, "loaded_at": "2024-07-01 08:00"},
        # An LA known only from a rejected file.
        {
            "kind": "referrals",
            "la_code": "999",
            "rows_read": 3,
            "rows_rejected": 3,
            "loaded_at": "2024-05-03 10:00",
        },
    ],
)


def test_rejected_rows_per_kind_over_the_loads_in_the_period() -> None:
    out = compute(LOADS, "dq_rejected_rows", "contacts")
    # May, contacts: (2 + 5) rejected of (10 + 5) read.
    may = result(out, "dq_rejected_rows", "2024-05-31", breakdown="kind", group="contacts")
    assert nums(may) == (7, 15, 700 / 15)
    # July: the s47 load shows though no event is dated after May (load dates widen the
    # periods of this indicator only).
    july = result(out, "dq_rejected_rows", "2024-07-31", breakdown="kind", group="s47")
    assert nums(july) == (0, 4, 0.0)
    assert not ((out["kpi_id"] == "contacts") & (out["period_end"] == "2024-07-31")).any()
    # June, contacts: no load → 0 / 0, no value.
    june = result(out, "dq_rejected_rows", "2024-06-30", breakdown="kind", group="contacts")
    assert nums(june) == (0, 0, None)
    # A kind never loaded for the LA: blank.
    never = result(out, "dq_rejected_rows", "2024-05-31", breakdown="kind", group="cp_plans")
    assert nums(never) == (None, None, None)
    assert never["note"] == "no loads of this kind for this LA"
    # The LA with only a rejected file has its rejected rows (100 %), and nothing else.
    other = result(out, "dq_rejected_rows", "2024-05-31", breakdown="kind", group="referrals", la_code="999")
    assert nums(other) == (3, 3, 100.0)
    assert set(out.loc[out["la_code"] == "999", "kpi_id"]) == {"dq_rejected_rows"}


def test_recording_lag_more_than_5_working_days() -> None:
    snap = build_snapshot(
        contacts=[
            # Wed 1 May → Thu 9 May: 1, 2, 3, (6 May holiday), 7, 8 → 5 → not late.
            {"contact_date": "2024-05-01", "recorded_date": "2024-05-09"},
            # → Fri 10 May: 6 → late.
            {"contact_date": "2024-05-01", "recorded_date": "2024-05-10"},
            # Recorded before the event: a negative lag, not late.
            {"contact_date": "2024-05-20", "recorded_date": "2024-05-17"},
            # No recorded_date: not in the denominator.
            {"contact_date": "2024-05-21"},
        ],
        s47=[{"strategy_date": "2024-05-01", "recorded_date": "2024-05-01"}],
    )
    out = compute(snap, "dq_recording_lag_5wd")
    contacts = result(out, "dq_recording_lag_5wd", "2024-05-31", breakdown="kind", group="contacts")
    assert nums(contacts) == (1, 3, 100 / 3)
    s47 = result(out, "dq_recording_lag_5wd", "2024-05-31", breakdown="kind", group="s47")
    assert nums(s47) == (0, 1, 0.0)
    none = result(out, "dq_recording_lag_5wd", "2024-05-31", breakdown="kind", group="referrals")
    assert (nums(none), none["note"]) == ((None, None, None), "no referrals loaded for this LA")
    assert groups(out, "dq_recording_lag_5wd", "kind") == sorted(EVENT_KINDS)


def test_completeness_of_optional_columns_counts_stored_rows() -> None:
    snap = build_snapshot(
        referrals=[
            # Same-day duplicates: data quality counts both stored rows.
            {"child_id": "C1", "referral_date": "2024-05-01", "team": "A", "primary_need": "N1"},
            {"child_id": "C1", "referral_date": "2024-05-01", "team": "  ", "sex": "F"},
            {"child_id": "C2", "referral_date": "2024-05-02", "closure_date": "2024-05-30"},
        ]
    )
    out = compute(snap, "dq_completeness")

    def filled(column: str) -> tuple[float | None, float | None, float | None]:
        return nums(
            result(out, "dq_completeness", "2024-05-31", breakdown="column", group=f"referrals.{column}")
        )

    assert filled("team") == (1, 3, 100 / 3)  # "A"; spaces are blank
    assert filled("primary_need") == (1, 3, 100 / 3)
    assert filled("sex") == (1, 3, 100 / 3)
    assert filled("ethnicity") == (0, 3, 0.0)
    # Every event kind's optional columns and the common ones, never la_code or required ones,
    # nor the end dates of plans and staff spells (blank by design: metrics/data/wording.yaml).
    never = {"cp_plans.end_date", "cin_plans.end_date", "workforce.end_date"}
    expected = sorted({f"{k}.{c}" for k in EVENT_KINDS for c in EXTRACTS[k].optional_columns} - never)
    assert groups(out, "dq_completeness", "column") == expected
    assert "referrals.la_code" not in expected and "referrals.referral_date" not in expected
    assert {"contacts.recorded_date", "contacts.date_of_birth", "early_help.outcome_score_end"} <= set(
        expected
    )
    # No contacts for this LA: blank with the reason.
    blank = result(out, "dq_completeness", "2024-05-31", breakdown="column", group="contacts.team")
    assert (nums(blank), blank["note"]) == ((None, None, None), "no contacts loaded for this LA")


def test_completeness_leaves_out_blanks_that_are_blank_by_design() -> None:
    """Open plans and episodes have a blank end date by design: not a gap in the data."""
    snap = build_snapshot(
        cin_plans=[
            {"start_date": "2024-05-01"},  # open
            {"start_date": "2024-05-02", "end_date": "2024-05-20"},
        ],
        early_help=[
            # Open: blank end date and closure reason are both as they should be.
            {"start_date": "2024-05-01"},
            # Closed with a reason: both expected and both filled.
            {"start_date": "2024-05-02", "end_date": "2024-05-25", "closure_reason": "other"},
            # Ended without a reason: the reason is missing.
            {"start_date": "2024-05-03", "end_date": "2024-05-26"},
            # A reason without an end date: the end date is missing.
            {"start_date": "2024-05-04", "closure_reason": "declined"},
        ],
        referrals=[
            {"referral_date": "2024-05-01"},  # open
            {"referral_date": "2024-05-02", "closure_date": "2024-05-10", "closure_reason": "RC1"},
            {"referral_date": "2024-05-03", "closure_date": "2024-05-10"},  # reason missing
        ],
    )
    out = compute(snap, "dq_completeness")

    def filled(group: str) -> tuple[float | None, float | None, float | None]:
        return nums(result(out, "dq_completeness", "2024-05-31", breakdown="column", group=group))

    shown = groups(out, "dq_completeness", "column")
    assert "cin_plans.end_date" not in shown and "cp_plans.end_date" not in shown
    assert filled("cin_plans.team") == (0, 2, 0.0)  # other columns still count every row
    # End date expected on the 2 episodes with a closure reason; 1 has it.
    assert filled("early_help.end_date") == (1, 2, 50.0)
    # Closure reason expected on the 2 ended episodes; 1 has it.
    assert filled("early_help.closure_reason") == (1, 2, 50.0)
    assert filled("early_help.team") == (0, 4, 0.0)
    assert filled("referrals.closure_date") == (1, 1, 100.0)
    assert filled("referrals.closure_reason") == (1, 2, 50.0)
