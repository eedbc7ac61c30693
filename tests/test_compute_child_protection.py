"""Child protection and child-in-need indicators, hand-computed from kpis.md."""

from __future__ import annotations

from metrics.compute.core import Context
from metrics.compute.linking import linked_plan
from metrics.snapshot_builder import build_snapshot, compute, nums, result

# Plans (child, team, start → end):
#   P1 C1 A 10 Jan → 31 Mar (ends on the March period end: not open at it)
#   P2 C1 B  1 Mar → open
#   P3 C2 A 15 Feb → 1 Apr
#   P4 C2 A 20 Feb → open       (C2 has two open plans: one child)
#   P5 C3 A  5 Mar → open, previous_plans 2
#   P6 C3 B  6 Mar → open       (C3 is in team A and team B)
#   P7, P8 C4 A 10 Mar → open   (same start: neither is earlier)
PLANS = build_snapshot(
    cp_plans=[
        {
            "plan_id": "P1",
            "child_id": "C1",
            "team": "A",
            "start_date": "2024-01-10",
            "end_date": "2024-03-31",
            "previous_plans": 0,
        },
        {"plan_id": "P2", "child_id": "C1", "team": "B", "start_date": "2024-03-01"},
        {
            "plan_id": "P3",
            "child_id": "C2",
            "team": "A",
            "start_date": "2024-02-15",
            "end_date": "2024-04-01",
        },
        {"plan_id": "P4", "child_id": "C2", "team": "A", "start_date": "2024-02-20"},
        {"plan_id": "P5", "child_id": "C3", "team": "A", "start_date": "2024-03-05", "previous_plans": 2},
        {"plan_id": "P6", "child_id": "C3", "team": "B", "start_date": "2024-03-06"},
        {"plan_id": "P7", "child_id": "C4", "team": "A", "start_date": "2024-03-10"},
        {"plan_id": "P8", "child_id": "C4", "team": "A", "start_date": "2024-03-10"},
    ],
    population=[{"year": 2023, "population_0_17": 20_000}],
)


def test_plans_started() -> None:
    out = compute(PLANS, "cp_plans_started")
    assert [
        result(out, "cp_plans_started", e)["value"] for e in ("2024-01-31", "2024-02-29", "2024-03-31")
    ] == [1, 2, 5]


def test_children_on_a_plan_at_the_period_end() -> None:
    out = compute(PLANS, "cp_children_at_end")
    value = {
        e: result(out, "cp_children_at_end", e)["value"] for e in ("2024-01-31", "2024-02-29", "2024-03-31")
    }
    # Jan: C1 (P1). Feb: C1 (P1), C2 (P3, P4 → once).
    # Mar: P1 ends on 31 March → not open; C1 (P2), C2 (P3 ends 1 Apr, P4), C3, C4 → 4.
    assert value == {"2024-01-31": 1, "2024-02-29": 2, "2024-03-31": 4}
    # By team at 31 March: A: C2, C3 (P5), C4 → 3; B: C1 (P2), C3 (P6) → 2. C3 is in
    # both: distinct children need not add up to the total.
    team = {
        g: result(out, "cp_children_at_end", "2024-03-31", breakdown="team", group=g)["value"]
        for g in ("A", "B")
    }
    assert team == {"A": 3, "B": 2}
    # Jan: team B has no plan open yet but still has its row, 0.
    assert result(out, "cp_children_at_end", "2024-01-31", breakdown="team", group="B")["value"] == 0


def test_cp_rate_at_end() -> None:
    out = compute(PLANS, "cp_rate_at_end")
    # 4 children × 10,000 / 20,000 (the 2023 estimate for 31 March 2024) = 2.
    assert nums(result(out, "cp_rate_at_end", "2024-03-31")) == (4, 20_000, 2.0)


def test_second_or_subsequent_plans() -> None:
    out = compute(PLANS, "cp_second_or_subsequent")
    # Jan: P1 is C1's first → 0 of 1.
    assert nums(result(out, "cp_second_or_subsequent", "2024-01-31")) == (0, 1, 0.0)
    # Feb: P3 first, P4 after P3 → 1 of 2.
    assert nums(result(out, "cp_second_or_subsequent", "2024-02-29")) == (1, 2, 50.0)
    # Mar: P2 (after P1, in January: any time ago), P5 (known only from previous_plans),
    # P6 (after P5) yes; P7, P8 (same start, no earlier plan) no → 3 of 5.
    assert nums(result(out, "cp_second_or_subsequent", "2024-03-31")) == (3, 5, 60.0)


def test_plans_ending_after_two_years_or_more() -> None:
    snap = build_snapshot(
        cp_plans=[
            # 3 May 2022 + 2 years = 3 May 2024: exactly 2 years → counted.
            {"start_date": "2022-05-03", "end_date": "2024-05-03"},
            # A day short.
            {"start_date": "2022-05-04", "end_date": "2024-05-03"},
            # 29 Feb 2024 + 2 years = 28 Feb 2026 → counted.
            {"start_date": "2024-02-29", "end_date": "2026-02-28"},
            {"start_date": "2026-03-31"},
        ]
    )
    out = compute(snap, "cp_ended_2y_plus")
    assert nums(result(out, "cp_ended_2y_plus", "2024-05-31")) == (1, 2, 50.0)
    assert nums(result(out, "cp_ended_2y_plus", "2026-02-28")) == (1, 1, 100.0)


# Visits at the 31 May 2024 period end (Fri). Working days back from 31 May: 30, 29, 28
# (27th a bank holiday), 24, 23, 22, 21, 20, 17, 16 → 16 May is exactly 10 working days
# before the end; 15 May is 11. A plan counts when it started at least 10 working days
# before the end: 16 May yes, 17 May (9) no.
VISITS = build_snapshot(
    cp_plans=[
        {"child_id": "K1", "team": "A", "start_date": "2024-04-01"},
        {"child_id": "K2", "team": "A", "start_date": "2024-04-01"},
        {"child_id": "K3", "team": "A", "start_date": "2024-04-01"},
        {"child_id": "K4", "team": "A", "start_date": "2024-04-01"},
        {"child_id": "K5", "team": "A", "start_date": "2024-05-17"},
        {"child_id": "K6", "team": "A", "start_date": "2024-05-16"},
        {"child_id": "K7", "team": "A", "start_date": "2024-04-01", "end_date": "2024-05-31"},
        {"child_id": "K8", "team": "A", "start_date": "2024-04-01"},
        {"child_id": "K8", "team": "B", "start_date": "2024-04-02"},
    ],
    cp_visits=[
        {"child_id": "K1", "visit_date": "2024-05-16", "child_seen": True},  # 10 wd: yes
        {"child_id": "K2", "visit_date": "2024-05-15", "child_seen": True},  # 11 wd: no
        {"child_id": "K3", "visit_date": "2024-05-20", "child_seen": False},  # not seen
        {"child_id": "K4", "visit_date": "2024-05-28", "child_seen": None},  # blank = seen
        {"child_id": "K5", "visit_date": "2024-05-30"},  # plan too new
        {"child_id": "K6", "visit_date": "2024-06-01"},  # after the end
        {"child_id": "K7", "visit_date": "2024-05-30"},  # plan ended 31st
        {"child_id": "K8", "visit_date": "2024-05-31"},  # same day: 0
    ],
)


def test_children_seen_in_the_last_10_working_days() -> None:
    out = compute(VISITS, "cp_visits_10wd")
    # Denominator: K1, K2, K3, K4, K6, K8 (K5's plan is 9 days old; K7's ended on the
    # end) = 6. Seen: K1, K4, K8 = 3 → 50 %.
    assert nums(result(out, "cp_visits_10wd", "2024-05-31")) == (3, 6, 50.0)
    # Groups are the plan's: K8 has a plan in A and in B and counts in both.
    assert nums(result(out, "cp_visits_10wd", "2024-05-31", breakdown="team", group="A")) == (3, 6, 50.0)
    assert nums(result(out, "cp_visits_10wd", "2024-05-31", breakdown="team", group="B")) == (1, 1, 100.0)
    # 30 April: plans from 1 April are 20 working days old (K7 still open) → K1-K4, K7,
    # K8 = 6; no visit in April → 0 %.
    assert nums(result(out, "cp_visits_10wd", "2024-04-30")) == (0, 6, 0.0)
    # 30 June: K6's 1 June visit is 20 working days before → not seen; nobody else
    # visited in June → 0 of 7 (K5's plan is now old enough; K7 has ended).
    assert nums(result(out, "cp_visits_10wd", "2024-06-30")) == (0, 7, 0.0)


# Reviews in timescale (due ≥ the period end):
#   Q1 start 31 Mar, no review: due 30 June (3 months) → in timescale at 30 June, not at 31 July
#   Q2 start 29 Mar, no review: due 29 June → overdue at 30 June
#   Q3 start 30 Nov 2023: due 29 Feb 2024 (30 Nov + 3 months, clamped) → in timescale at
#      29 Feb; review 5 Mar (by plan_id) → due 5 Sep → in timescale to 31 Aug, not at 30 Sep
REVIEWS = build_snapshot(
    cp_plans=[
        {"plan_id": "Q1", "child_id": "C1", "start_date": "2024-03-31"},
        {"plan_id": "Q2", "child_id": "C2", "start_date": "2024-03-29"},
        {"plan_id": "Q3", "child_id": "C3", "start_date": "2023-11-30"},
    ],
    cp_reviews=[{"child_id": "C3", "plan_id": "Q3", "review_date": "2024-03-05"}],
    cp_visits=[{"child_id": "C1", "visit_date": "2024-09-30"}],
)


def test_reviews_in_timescale_at_each_period_end() -> None:
    out = compute(REVIEWS, "cp_reviews_timely")
    # 29 Feb: only Q3 open, due 29 Feb → 1 of 1 (due on the period end is in timescale).
    assert nums(result(out, "cp_reviews_timely", "2024-02-29")) == (1, 1, 100.0)
    # 30 June: Q1 (due 30 June) yes, Q2 (29 June) no, Q3 (5 Sep) yes → 2 of 3.
    assert nums(result(out, "cp_reviews_timely", "2024-06-30")) == (2, 3, 200 / 3)
    # 31 July: Q1 and Q2 overdue, Q3 yes → 1 of 3.
    assert nums(result(out, "cp_reviews_timely", "2024-07-31")) == (1, 3, 100 / 3)
    # 30 Sep: all overdue.
    assert nums(result(out, "cp_reviews_timely", "2024-09-30")) == (0, 3, 0.0)


# Review linking: C5 has Pa (1 Jun 2023 → 31 Jan 2024) and Pb (15 Jan 2024 → open); C6
# has Pc (1 Jan → 31 Jan 2024).
#   V1 no plan_id, 20 Jan: both cover it → latest start: Pb
#   V2 plan_id "Pa" (explicit) on 20 Jan → Pa
#   V3 plan_id "NOPE" (names no loaded plan) on 31 Jan → covering plans: Pa (ends that
#      day: end ≥ review date) and Pb → Pb
#   V4 C6, no plan_id, 1 Feb: Pc ended 31 Jan → unlinked
LINKS = build_snapshot(
    cp_plans=[
        {"plan_id": "Pa", "child_id": "C5", "start_date": "2023-06-01", "end_date": "2024-01-31"},
        {"plan_id": "Pb", "child_id": "C5", "start_date": "2024-01-15"},
        {"plan_id": "Pc", "child_id": "C6", "start_date": "2024-01-01", "end_date": "2024-01-31"},
    ],
    cp_reviews=[
        {"review_id": "V1", "child_id": "C5", "plan_id": None, "review_date": "2024-01-20"},
        {"review_id": "V2", "child_id": "C5", "plan_id": "Pa", "review_date": "2024-01-20"},
        {"review_id": "V3", "child_id": "C5", "plan_id": "NOPE", "review_date": "2024-01-31"},
        {"review_id": "V4", "child_id": "C6", "plan_id": None, "review_date": "2024-02-01"},
    ],
    cp_visits=[{"child_id": "C5", "visit_date": "2024-07-31"}],
)


def test_reviews_link_to_plans() -> None:
    ctx = Context.from_snapshot(LINKS)
    plan_ids = ctx.rows("cp_plans").frame["plan_id"].tolist()
    assert [plan_ids[i] if i >= 0 else None for i in linked_plan(ctx)] == ["Pb", "Pa", "Pb", None]


def test_linked_review_sets_the_next_due_date() -> None:
    out = compute(LINKS, "cp_reviews_timely")
    # Pb's latest review on or before 30 June is V3 (31 Jan) → due 31 July → in timescale
    # at 30 June and at 31 July (due on the end). Were V1/V3 not linked to Pb, its first
    # review would have been due 15 April.
    assert nums(result(out, "cp_reviews_timely", "2024-06-30")) == (1, 1, 100.0)
    assert nums(result(out, "cp_reviews_timely", "2024-07-31")) == (1, 1, 100.0)
    # 31 January: Pa ends that day (not open), Pc too; Pb open, reviewed 20 and 31 Jan.
    assert nums(result(out, "cp_reviews_timely", "2024-01-31")) == (1, 1, 100.0)


def test_children_on_a_cin_plan_at_the_period_end() -> None:
    snap = build_snapshot(
        cin_plans=[
            {"child_id": "C1", "start_date": "2024-04-01", "end_date": "2024-04-30"},  # ends on end
            {"child_id": "C2", "start_date": "2024-04-10", "team": "A"},
            {"child_id": "C2", "start_date": "2024-04-20", "team": "A"},
            {"child_id": "C3", "start_date": "2024-04-30", "end_date": "2024-05-01"},  # starts on end
            # Starts and ends on 31 May: not open at it.
            {"child_id": "C4", "start_date": "2024-05-31", "end_date": "2024-05-31"},
        ],
        population=[{"year": 2023, "population_0_17": 10_000}],
    )
    out = compute(snap, "cin_children_at_end", "cin_rate_at_end")
    # 30 April: C1 not open (ended on the end), C2 once, C3 (start ≤ end, end after) → 2.
    assert result(out, "cin_children_at_end", "2024-04-30")["value"] == 2
    # 31 May: C2 only (C3 ended 1 May; C4 ends on the end).
    assert result(out, "cin_children_at_end", "2024-05-31")["value"] == 1
    # Rate: 2 × 10,000 / 10,000 = 2.
    assert nums(result(out, "cin_rate_at_end", "2024-04-30")) == (2, 10_000, 2.0)
