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


def test_in_post_fte_counts_a_half_time_worker_and_a_spell_ending_on_the_period_end() -> None:
    out = compute(SNAP, "sw_in_post_fte")
    # 31 May 2024, directly employed social workers: 1.0 (since 1988) + 0.5 (from 1 May)
    # + 1.0 (the role change, ends 30 June); the agency worker and business support are not.
    assert nums(result(out, "sw_in_post_fte", "2024-05-31")) == (2.5, None, 2.5)
    # 30 June 2024: the role-change spell ends on that day, so it is still in post.
    assert nums(result(out, "sw_in_post_fte", "2024-06-30")) == (2.5, None, 2.5)
    assert nums(result(out, "sw_in_post_fte", "2024-07-31")) == (1.5, None, 1.5)
    # April 2024: the 0.5 starts 1 May; the 1 April leaver is in post on 1 April only.
    assert nums(result(out, "sw_in_post_fte", "2024-04-30")) == (2.0, None, 2.0)
    team = result(out, "sw_in_post_fte", "2024-05-31", breakdown="team", group="A")
    assert nums(team) == (2.5, None, 2.5)
    # A quarter reads its last day: Apr-Jun 2024 = 30 June.
    assert nums(result(out, "sw_in_post_fte", "2024-06-30", grain="quarter")) == (2.5, None, 2.5)


CASE_SPELLS = [
    # w1: half-time in team A.
    {"spell_id": "s1", "worker_id": "w1", "start_date": "2023-01-01", "fte": 0.5, "team": "A"},
    # w2: agency, full-time, ends on 31 March (in post at the March end), team B.
    {
        "spell_id": "s2",
        "worker_id": "w2",
        "start_date": "2023-01-01",
        "end_date": "2024-03-31",
        "fte": 1.0,
        "agency": True,
        "team": "B",
    },
    # w3: two spells in post at the end (0.6 in A, then 0.4 in B from 1 March): team B.
    {"spell_id": "s3", "worker_id": "w3", "start_date": "2023-01-01", "fte": 0.6, "team": "A"},
    {"spell_id": "s4", "worker_id": "w3", "start_date": "2024-03-01", "fte": 0.4, "team": "B"},
    # w4: business support holding cases: not a social worker.
    {
        "spell_id": "s5",
        "worker_id": "w4",
        "start_date": "2023-01-01",
        "fte": 1.0,
        "role": "other",
        "team": "A",
    },
    # w6: in post with no cases.
    {"spell_id": "s6", "worker_id": "w6", "start_date": "2023-01-01", "fte": 1.0, "team": "A"},
]
CASES = [
    {"month": "2024-03-01", "worker_id": "w1", "cases": 8},
    {"month": "2024-03-01", "worker_id": "w2", "cases": 20},
    {"month": "2024-03-01", "worker_id": "w3", "cases": 12},
    {"month": "2024-03-01", "worker_id": "w4", "cases": 3},
    {"month": "2024-03-01", "worker_id": "w5", "cases": 9},  # no spell at all: a leaver
    {"month": "2024-03-01", "worker_id": "w6", "cases": 0},
    {"month": "2024-05-01", "worker_id": "w1", "cases": 10},  # no April snapshot
]


def test_caseload_per_fte_of_the_case_holding_social_workers() -> None:
    out = compute(build_snapshot(workforce=CASE_SPELLS, caseloads=CASES), "sw_caseload")
    # 31 March 2024: w1 8 cases / 0.5, w2 20 / 1.0 (ends on the period end, agency counts),
    # w3 12 / (0.6 + 0.4); w4 (role other), w5 (no spell) and w6 (0 cases) are out.
    assert nums(result(out, "sw_caseload", "2024-03-31")) == (40.0, 2.5, 16.0)
    # Teams: w1 in A; w2 in B; w3's latest spell is in B, so its 12 cases and 1.0 FTE too.
    assert nums(result(out, "sw_caseload", "2024-03-31", breakdown="team", group="A")) == (8.0, 0.5, 16.0)
    assert nums(result(out, "sw_caseload", "2024-03-31", breakdown="team", group="B")) == (32.0, 2.0, 16.0)
    # The quarter Jan-Mar 2024 reads March.
    assert nums(result(out, "sw_caseload", "2024-03-31", grain="quarter")) == (40.0, 2.5, 16.0)
    # April has no caseloads snapshot: 0 ÷ 0, no value, with the note.
    april = result(out, "sw_caseload", "2024-04-30")
    assert nums(april) == (0.0, 0.0, None)
    assert april["note"] == "no case-holding social workers in post"
    # May: w1 alone, 10 cases over 0.5 FTE.
    assert nums(result(out, "sw_caseload", "2024-05-31")) == (10.0, 0.5, 20.0)
