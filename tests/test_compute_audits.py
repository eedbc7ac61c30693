"""Quality assurance (case audit) indicators, hand-computed from kpis.md.

May 2024: four audits, the first on the first day and the last on the last day of the
month; one on 1 June. Grades: good, outstanding, inadequate, requires improvement (May),
good (June). Multi-agency: the 31 May audit (true), the 1 May (blank = false).
"""

from __future__ import annotations

from metrics.snapshot_builder import build_snapshot, compute, nums, result

AUDITS = build_snapshot(
    audits=[
        {"audit_date": "2024-05-01", "grade": "good", "auditor_agency": "social_care", "theme": "neglect"},
        {"audit_date": "2024-05-15", "grade": "outstanding", "auditor_agency": "health", "theme": "neglect"},
        {"audit_date": "2024-05-20", "grade": "inadequate", "multi_agency": False, "team": "A"},
        {
            "audit_date": "2024-05-31",
            "grade": "requires_improvement",
            "multi_agency": True,
            "auditor_agency": "police",
            "theme": "re-referrals",
        },
        {"audit_date": "2024-06-01", "grade": "good", "auditor_agency": "health"},
    ]
)

ALL = ("audits_completed", "audits_good_or_better", "audits_inadequate", "audits_multi_agency")


def test_audits_in_the_month_include_its_first_and_last_day() -> None:
    out = compute(AUDITS, *ALL)
    assert result(out, "audits_completed", "2024-05-31")["value"] == 4
    assert result(out, "audits_completed", "2024-06-30")["value"] == 1
    # Good or outstanding: 2 of 4; inadequate: 1 of 4; multi-agency: the 31 May one.
    assert nums(result(out, "audits_good_or_better", "2024-05-31")) == (2, 4, 50.0)
    assert nums(result(out, "audits_inadequate", "2024-05-31")) == (1, 4, 25.0)
    assert result(out, "audits_multi_agency", "2024-05-31")["value"] == 1
    # Quarter Apr-Jun: 5 audits, 3 good or better.
    assert nums(result(out, "audits_good_or_better", "2024-06-30", grain="quarter")) == (3, 5, 60.0)


def test_a_month_without_audits_has_no_value_not_zero_percent() -> None:
    snap = build_snapshot(audits=[{"audit_date": "2024-05-31"}, {"audit_date": "2024-07-01"}])
    out = compute(snap, "audits_good_or_better", "audits_completed")
    assert nums(result(out, "audits_good_or_better", "2024-06-30")) == (0, 0, None)
    assert result(out, "audits_completed", "2024-06-30")["value"] == 0


def test_breakdown_by_auditor_agency_uses_the_multi_agency_labels() -> None:
    out = compute(AUDITS, "audits_completed")
    by = {
        g: result(out, "audits_completed", "2024-05-31", breakdown="agency", group=g)["value"]
        for g in ("Children's social care", "Health", "Police", "Not recorded")
    }
    assert by == {"Children's social care": 1, "Health": 1, "Police": 1, "Not recorded": 1}


def test_breakdown_by_theme_with_blank_as_not_recorded() -> None:
    out = compute(AUDITS, "audits_good_or_better")
    neglect = result(out, "audits_good_or_better", "2024-05-31", breakdown="theme", group="neglect")
    assert nums(neglect) == (2, 2, 100.0)
    blank = result(out, "audits_good_or_better", "2024-05-31", breakdown="theme", group="Not recorded")
    assert nums(blank) == (0, 1, 0.0)
