"""Referral indicators and the linking rules, hand-computed from kpis.md and extracts.md."""

from __future__ import annotations

from metrics.compute.core import Context
from metrics.compute.linking import deduplicated_referrals, linked_referral
from metrics.snapshot_builder import build_snapshot, compute, groups, nums, result


def test_same_day_duplicates_keep_the_smallest_referral_id_as_text() -> None:
    snap = build_snapshot(
        referrals=[
            # C1 twice on 1 May: "R10" < "R2" as text (the character "1" < "2"), so R10 stays.
            {"referral_id": "R2", "child_id": "C1", "referral_date": "2024-05-01", "locality": "East"},
            {"referral_id": "R10", "child_id": "C1", "referral_date": "2024-05-01", "locality": "West"},
            # Same child, next day: not a duplicate.
            {"referral_id": "R3", "child_id": "C1", "referral_date": "2024-05-02", "locality": "West"},
            # Another child the same day: not a duplicate.
            {"referral_id": "R1", "child_id": "C2", "referral_date": "2024-05-01", "locality": "West"},
        ]
    )
    kept, _ = deduplicated_referrals(Context.from_snapshot(snap))
    assert sorted(kept.frame["referral_id"]) == ["R1", "R10", "R3"]
    out = compute(snap, "referrals")
    assert result(out, "referrals", "2024-05-31")["value"] == 3
    # East occurs only on the removed duplicate: the group exists (it occurs in the
    # LA's table) and is 0; West has R10, R3 and R1.
    assert groups(out, "referrals", "locality") == ["East", "West"]
    assert result(out, "referrals", "2024-05-31", breakdown="locality", group="East")["value"] == 0
    assert result(out, "referrals", "2024-05-31", breakdown="locality", group="West")["value"] == 3


# Re-referrals around leap days and the 12-month edge (each child's referrals):
#   C1 2024-02-29, 2025-02-28   2025-02-28 − 12 months = 2024-02-28 ≤ 2024-02-29 → re-referral
#   C2 2024-03-01, 2025-03-01   exactly 12 months: on or after 2024-03-01 → re-referral
#   C3 2024-02-29, 2025-03-01   12 months and a day: 2024-02-29 < 2024-03-01 → not
#   C4 2024-06-10, 2025-06-11   12 months and a day → not
#   C5 2024-02-09, 2025-02-10 twice (same-day duplicate): one referral, 12 months and a
#      day after the earlier one → not
REREFERRALS = build_snapshot(
    referrals=[
        {"child_id": "C1", "referral_date": "2024-02-29"},
        {"child_id": "C1", "referral_date": "2025-02-28"},
        {"child_id": "C2", "referral_date": "2024-03-01"},
        {"child_id": "C2", "referral_date": "2025-03-01"},
        {"child_id": "C3", "referral_date": "2024-02-29"},
        {"child_id": "C3", "referral_date": "2025-03-01"},
        {"child_id": "C4", "referral_date": "2024-06-10"},
        {"child_id": "C4", "referral_date": "2025-06-11"},
        {"child_id": "C5", "referral_date": "2024-02-09"},
        {"referral_id": "X1", "child_id": "C5", "referral_date": "2025-02-10"},
        {"referral_id": "X2", "child_id": "C5", "referral_date": "2025-02-10"},
    ]
)


def test_rereferrals_within_12_months_at_the_edges() -> None:
    out = compute(REREFERRALS, "rereferrals_12m")
    # Feb 2024: C1, C3, C5 first referrals → 0 of 3.
    assert nums(result(out, "rereferrals_12m", "2024-02-29")) == (0, 3, 0.0)
    # Feb 2025: C1 (re-referral) and C5 (one after de-duplication, not) → 1 of 2.
    assert nums(result(out, "rereferrals_12m", "2025-02-28")) == (1, 2, 50.0)
    # Mar 2025: C2 (exactly 12 months: yes) and C3 (12 months and a day: no) → 1 of 2.
    assert nums(result(out, "rereferrals_12m", "2025-03-31")) == (1, 2, 50.0)
    # Jun 2025: C4 → 0 of 1.
    assert nums(result(out, "rereferrals_12m", "2025-06-30")) == (0, 1, 0.0)


def test_rereferrals_quarter_year_and_rolling_12_months() -> None:
    out = compute(REREFERRALS, "rereferrals_12m")
    # Q4 2024-25 (Jan-Mar 2025): C5, C1, C2, C3 → C1 and C2 → 2 of 4.
    assert nums(result(out, "rereferrals_12m", "2025-03-31", grain="quarter")) == (2, 4, 50.0)
    # Financial year 2024-25 (Apr 2024-Mar 2025): C4 (Jun 2024), C5, C1, C2, C3 → 2 of 5.
    assert nums(result(out, "rereferrals_12m", "2025-03-31", grain="year")) == (2, 5, 40.0)
    # 12 months to Feb 2025 (Mar 2024-Feb 2025): C2 (2024-03-01), C4 (2024-06-10), C5, C1
    # → only C1; its earlier referral lies before the window: the look-back is not
    # limited to the period.
    assert nums(result(out, "rereferrals_12m", "2025-02-28", grain="r12")) == (1, 4, 25.0)


def test_referrals_nfa_true_only() -> None:
    snap = build_snapshot(
        referrals=[
            {"referral_date": "2024-05-01", "referral_nfa": True},
            {"referral_date": "2024-05-02", "referral_nfa": False},
            {"referral_date": "2024-05-03", "referral_nfa": None},
            {"referral_date": "2024-05-04", "referral_nfa": True},
        ]
    )
    out = compute(snap, "referrals_nfa")
    # 2 true of 4 referrals (a blank stays in the denominator) → 50 %.
    assert nums(result(out, "referrals_nfa", "2024-05-31")) == (2, 4, 50.0)


# Linking (extracts.md): C1 has R10 and its removed duplicate R2 on 1 May and R3 on 20 May;
# C2 has R5 on 10 May; C3 has R6 on 15 May.
#   A1 C1 referral_id "R2" (removed duplicate) → R10, even though R3 is more recent
#   A2 C2 referral_id "R99" (matches nothing) → unlinked, no fallback to R5
#   A3 C3 no referral_id, starts 15 May → R6 (same day counts: on or before)
#   A4 C1 no referral_id, starts 19 May → most recent on or before: R10 (R3 is 20 May)
LINKS = build_snapshot(
    referrals=[
        {"referral_id": "R10", "child_id": "C1", "referral_date": "2024-05-01", "referral_source": "2A"},
        {"referral_id": "R2", "child_id": "C1", "referral_date": "2024-05-01", "referral_source": "6"},
        {"referral_id": "R3", "child_id": "C1", "referral_date": "2024-05-20", "referral_source": "6"},
        {"referral_id": "R5", "child_id": "C2", "referral_date": "2024-05-10", "referral_source": "6"},
        {"referral_id": "R6", "child_id": "C3", "referral_date": "2024-05-15", "referral_source": "3A"},
    ],
    assessments=[
        {"assessment_id": "A1", "child_id": "C1", "referral_id": "R2", "start_date": "2024-05-25"},
        {"assessment_id": "A2", "child_id": "C2", "referral_id": "R99", "start_date": "2024-05-25"},
        {"assessment_id": "A3", "child_id": "C3", "referral_id": None, "start_date": "2024-05-15"},
        {"assessment_id": "A4", "child_id": "C1", "referral_id": " ", "start_date": "2024-05-19"},
    ],
    s47=[
        # No referral_id, strategy the day before C2's only referral → unlinked.
        {"s47_id": "S1", "child_id": "C2", "strategy_date": "2024-05-09"},
        # Explicit id of a kept referral.
        {"s47_id": "S2", "child_id": "C3", "referral_id": "R6", "strategy_date": "2024-05-30"},
    ],
)


def _linked_ids(kind: str, date_col: str) -> list[str | None]:
    ctx = Context.from_snapshot(LINKS)
    kept, _ = deduplicated_referrals(ctx)
    ids = kept.frame["referral_id"].tolist()
    return [ids[i] if i >= 0 else None for i in linked_referral(ctx, kind, date_col)]


def test_assessment_links_follow_the_linking_rules() -> None:
    assert _linked_ids("assessments", "start_date") == ["R10", None, "R6", "R10"]


def test_s47_links_follow_the_same_rules() -> None:
    assert _linked_ids("s47", "strategy_date") == [None, "R6"]


def test_referral_to_assessment_counts_referrals_with_a_linked_assessment() -> None:
    out = compute(LINKS, "referral_to_assessment")
    # Referrals in May after de-duplication: R10, R3, R5, R6 = 4; linked: R10 (A1, A4)
    # and R6 (A3) → 2 of 4.
    assert nums(result(out, "referral_to_assessment", "2024-05-31")) == (2, 4, 50.0)
    # By agency of the referral source: R10 2A (Schools & education) is linked; R3 and
    # R5 source 6 (Police) are not; R6 3A (Health) is. R2 (Police) was removed.
    police = result(out, "referral_to_assessment", "2024-05-31", breakdown="agency", group="Police")
    assert nums(police) == (0, 2, 0.0)
    schools = result(
        out, "referral_to_assessment", "2024-05-31", breakdown="agency", group="Schools & education"
    )
    assert nums(schools) == (1, 1, 100.0)


def test_step_down_to_early_help_over_deduplicated_closures() -> None:
    snap = build_snapshot(
        referrals=[
            {
                "referral_id": "R1",
                "child_id": "C1",
                "referral_date": "2024-04-02",
                "closure_date": "2024-05-31",
                "closure_reason": "RC9",
            },
            # Removed duplicate of R1 ("R1" < "R9"): its closure does not count.
            {
                "referral_id": "R9",
                "child_id": "C1",
                "referral_date": "2024-04-02",
                "closure_date": "2024-05-10",
                "closure_reason": "RC9",
            },
            {
                "referral_id": "R2",
                "child_id": "C2",
                "referral_date": "2024-04-03",
                "closure_date": "2024-05-01",
                "closure_reason": "RC8",
            },
            {
                "referral_id": "R3",
                "child_id": "C3",
                "referral_date": "2024-04-04",
                "closure_date": "2024-05-15",
                "closure_reason": None,
            },
            {"referral_id": "R4", "child_id": "C4", "referral_date": "2024-05-20"},
        ]
    )
    out = compute(snap, "step_down_to_eh")
    # Closed in May: R1 (RC9), R2 (RC8), R3 (blank) → 1 of 3.
    row = result(out, "step_down_to_eh", "2024-05-31")
    assert nums(row) == (1, 3, 100 / 3)
    # April: no closures → no value.
    assert result(out, "step_down_to_eh", "2024-04-30")["note"] == ("no referrals closed in the period")
