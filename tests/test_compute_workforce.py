"""Workforce indicators, hand-computed from kpis.md ("Workforce").

The period axis comes from the vacancies snapshots (a spell's start date does not
stretch it: long-serving staff started decades ago). Team A's snapshots: March 2024,
May 2024, July 2024 ... no June 2024 snapshot.
"""

from __future__ import annotations

from metrics.snapshot_builder import build_snapshot, compute, nums, result

VACANCIES = [
    {"month": "2024-03-01", "team": "A", "vacant_fte": 1.0},
    {"month": "2024-05-01", "team": "A", "vacant_fte": 2.0},
    {"month": "2024-07-01", "team": "A", "vacant_fte": 0.5},
    {"month": "2025-02-01", "team": "A", "vacant_fte": 0.0},
    {"month": "2025-03-01", "team": "A", "vacant_fte": 1.5},
]

SPELLS = [
    # Directly employed, in post throughout.
    {"start_date": "1988-09-01", "fte": 1.0, "team": "A"},
    # Half-time, directly employed, from 1 May 2024.
    {"start_date": "2024-05-01", "fte": 0.5, "team": "A"},
    # Agency, ends on the last day of May: in post at the May period end, not June's.
    {"start_date": "2024-01-15", "end_date": "2024-05-31", "fte": 1.0, "agency": True, "team": "A"},
    # Business support: not a social worker.
    {"start_date": "2020-01-01", "fte": 1.0, "role": "other", "team": "A"},
    # Leavers: on the first day of the 12 months to 31 March 2025, and the day before it.
    {"start_date": "2020-01-01", "end_date": "2024-04-01", "leaving": True, "fte": 1.0, "team": "A"},
    {"start_date": "2020-01-01", "end_date": "2024-03-31", "leaving": True, "fte": 0.5, "team": "A"},
    # A leaver on 29 February 2024: in the 12 months to 28 February 2025 (they start 29 Feb).
    {"start_date": "2020-01-01", "end_date": "2024-02-29", "leaving": True, "fte": 0.8, "team": "A"},
    # A change of role (not leaving) does not count as turnover.
    {"start_date": "2020-01-01", "end_date": "2024-06-30", "leaving": False, "fte": 1.0, "team": "A"},
]

SNAP = build_snapshot(workforce=SPELLS, vacancies=VACANCIES)
IDS = ("sw_agency_rate", "sw_turnover_12m", "sw_vacancy_rate")


def test_a_spell_ending_on_the_period_end_is_in_post_at_it() -> None:
    out = compute(SNAP, "sw_agency_rate")
    # 31 May 2024: direct 1.0 + 0.5 + 1.0 (the role change, ends 30 June); agency 1.0.
    assert nums(result(out, "sw_agency_rate", "2024-05-31")) == (1.0, 3.5, 100 / 3.5)
    # 30 June: the agency spell has gone.
    assert nums(result(out, "sw_agency_rate", "2024-06-30")) == (0.0, 2.5, 0.0)


def test_a_month_without_a_vacancies_snapshot_has_no_value() -> None:
    out = compute(SNAP, "sw_vacancy_rate")
    # May 2024: vacant 2.0; directly employed social workers 1.0 + 0.5 + 1.0 = 2.5 → 2 / 4.5.
    assert nums(result(out, "sw_vacancy_rate", "2024-05-31")) == (2.0, 4.5, 200 / 4.5)
    assert nums(result(out, "sw_vacancy_rate", "2024-06-30")) == (None, None, None)
    # The quarter Apr-Jun ends in June: no snapshot, no value; Jul-Sep ends in September: none.
    assert nums(result(out, "sw_vacancy_rate", "2024-06-30", grain="quarter")) == (None, None, None)
    team = result(out, "sw_vacancy_rate", "2024-07-31", breakdown="team", group="A")
    assert nums(team) == (0.5, 0.5 + 1.5, 25.0)  # the role-change spell ended 30 June


def test_turnover_counts_a_leaver_on_the_first_day_of_the_12_months() -> None:
    out = compute(SNAP, "sw_turnover_12m")
    # 12 months to 31 March 2025 = [1 April 2024, 31 March 2025]: the 1 April leaver (1.0)
    # counts, the 31 March 2024 one does not; the role change is not a leaver.
    # In post 31 March 2025: 1.0 + 0.5 direct.
    assert nums(result(out, "sw_turnover_12m", "2025-03-31")) == (1.0, 1.5, 100 / 1.5)


def test_turnover_to_28_february_after_a_leap_year_starts_on_29_february() -> None:
    out = compute(SNAP, "sw_turnover_12m")
    # [29 Feb 2024, 28 Feb 2025]: 0.8 (29 Feb) + 0.5 (31 Mar) + 1.0 (1 Apr) = 2.3; in post 1.5.
    row = result(out, "sw_turnover_12m", "2025-02-28")
    assert (row["numerator"], row["denominator"]) == (2.3, 1.5)


def test_team_breakdown_and_las_without_workforce_rows() -> None:
    snap = build_snapshot(
        workforce=[{"start_date": "2024-01-01", "fte": 1.0, "team": "B", "agency": True}],
        vacancies=[{"month": "2024-01-31", "team": "B", "vacant_fte": 1.0}],
    )
    out = compute(snap, "sw_agency_rate", "sw_vacancy_rate")
    assert nums(result(out, "sw_agency_rate", "2024-01-31", breakdown="team", group="B")) == (1.0, 1.0, 100.0)
    # An agency worker covers a vacant post: it stays vacant; nobody directly employed.
    assert nums(result(out, "sw_vacancy_rate", "2024-01-31")) == (1.0, 1.0, 100.0)
