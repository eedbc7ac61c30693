"""Properties every result must have, on random extracts (hypothesis).

- Groups of an additive indicator (counts of events, numerators and denominators of
  event percentages) add up to the LA total for breakdowns locality, team, agency.
- Results do not depend on the order of rows in the input frames.
- Results for LA A do not change when LA B's data is added.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.snapshot import StoreSnapshot
from metrics.snapshot_builder import build_snapshot, combine, compute

FIRST = date(2023, 3, 1)
SPAN = 800
SETTINGS = settings(max_examples=15)

ADDITIVE = [
    "contacts",
    "contacts_rate",
    "contact_conversion",
    "contact_decision_timely",
    "referrals",
    "referrals_rate",
    "rereferrals_12m",
    "referrals_nfa",
    "referral_to_assessment",
    "assessments_completed",
    "assessments_45wd",
    "assessments_not_in_need",
    "assessments_open_over_45wd",
    "s47_started",
    "s47_to_icpc",
    "icpc_15wd",
    "icpc_to_plan",
    "cp_plans_started",
    "cp_second_or_subsequent",
    "cp_ended_2y_plus",
    "cp_reviews_timely",
    "eh_started",
    "eh_outcomes_achieved",
    "eh_stepped_up",
    "eh_repeat_12m",
    "step_down_to_eh",
]

day = st.integers(0, SPAN).map(lambda n: (FIRST + timedelta(days=n)).isoformat())
later = st.one_of(st.none(), st.integers(0, 200))
child = st.sampled_from(["C1", "C2", "C3", "C4", "C5"])
place = st.sampled_from([None, "North", "South", "  "])
team = st.sampled_from([None, "A", "B"])
flag = st.sampled_from([True, False, None])


def _after(start: str, days: int | None) -> str | None:
    return None if days is None else (date.fromisoformat(start) + timedelta(days=days)).isoformat()


def _with_end(fields: dict[str, Any], start: str, end: str, gap: int | None) -> dict[str, Any]:
    fields[end] = _after(fields[start], gap)
    return fields


def _rows(n: int, start: str, end: str | None = None, **extra: Any) -> Any:
    base = {"child_id": child, start: day, "locality": place, "team": team, **extra}
    if end is None:
        return st.lists(st.fixed_dictionaries(base), max_size=n)
    return st.lists(
        st.tuples(st.fixed_dictionaries(base), later).map(lambda t: _with_end(dict(t[0]), start, end, t[1])),
        max_size=n,
    )


extracts = st.fixed_dictionaries(
    {
        "contacts": _rows(
            10,
            "contact_date",
            "decision_date",
            contact_source=st.sampled_from(["2A", "3B", "6", "1A"]),
            outcome=st.sampled_from(["referral", "nfa", "pending"]),
        ),
        "referrals": _rows(
            10,
            "referral_date",
            "closure_date",
            referral_source=st.sampled_from(["2A", "6", "5D"]),
            referral_nfa=st.booleans(),
            closure_reason=st.sampled_from([None, "RC8", "RC9"]),
        ),
        "assessments": _rows(6, "start_date", "authorisation_date", outcome_in_need=flag),
        "s47": _rows(5, "strategy_date", "icpc_date", icpc_outcome_plan=flag),
        "cp_plans": _rows(5, "start_date", "end_date", previous_plans=st.sampled_from([None, 0, 1])),
        "cp_visits": _rows(6, "visit_date", child_seen=flag),
        "cp_reviews": _rows(4, "review_date"),
        "cin_plans": _rows(4, "start_date", "end_date"),
        "early_help": _rows(
            6,
            "start_date",
            "end_date",
            lead_agency=st.sampled_from(["school", "health", "police"]),
            closure_reason=st.sampled_from([None, "outcomes_achieved", "stepped_up"]),
        ),
    }
)


def _snapshot(rows: dict[str, list[dict[str, Any]]], la_code: str = "394") -> StoreSnapshot:
    # Ids unique within the LA, in an order that differs from the row order as text.
    numbered = {kind: [dict(r, **_id(kind, i)) for i, r in enumerate(rs)] for kind, rs in rows.items()}
    return build_snapshot(la_code=la_code, population=[{"year": 2023, "population_0_17": 9000}], **numbered)


def _id(kind: str, i: int) -> dict[str, str]:
    from store.extracts import EXTRACTS

    return {EXTRACTS[kind].id_columns[0]: f"{kind[:2]}{(i * 7) % 10}-{i}"}


def _sorted(out: pd.DataFrame) -> pd.DataFrame:
    keys = ["kpi_id", "la_code", "grain", "period_end", "breakdown", "group_name"]
    return out.sort_values(keys).reset_index(drop=True)


@given(extracts)
@SETTINGS
def test_groups_of_additive_indicators_add_up_to_the_total(rows: dict[str, Any]) -> None:
    out = compute(_snapshot(rows), *ADDITIVE)
    keys = ["kpi_id", "la_code", "grain", "period_end"]
    total = out[out["breakdown"] == "all"].set_index(keys)[["numerator", "denominator"]]
    for breakdown in ("locality", "team", "agency"):
        part = out[out["breakdown"] == breakdown]
        if part.empty:
            continue
        sums = part.groupby(keys)[["numerator", "denominator"]].sum(min_count=1)
        expected = total.loc[sums.index]
        assert np.allclose(sums["numerator"], expected["numerator"], equal_nan=True), breakdown
        rates = sums.index.get_level_values("kpi_id").str.endswith("_rate")
        counts = expected["denominator"].isna() & ~rates
        ratio = ~counts & ~rates
        assert np.allclose(sums.loc[ratio, "denominator"], expected.loc[ratio, "denominator"])
    # Every indicator with locality/team groups has them for each kind with rows.
    assert set(out["breakdown"]) <= {"all", "locality", "team", "agency"}


@given(extracts, st.randoms(use_true_random=False))
@SETTINGS
def test_results_do_not_depend_on_row_order(rows: dict[str, Any], rnd: Any) -> None:
    snap = _snapshot(rows)
    shuffled = StoreSnapshot(
        tables={
            k: f.sample(frac=1.0, random_state=rnd.randint(0, 10**6)).reset_index(drop=True)
            for k, f in snap.tables.items()
        },
        load_counts=snap.load_counts,
    )
    out = compute(snap)
    pd.testing.assert_frame_equal(_sorted(out), _sorted(compute(shuffled)))
    # One row per key of kpi_results.
    keys = ["la_code", "kpi_id", "grain", "period_end", "breakdown", "group_name"]
    assert not out.duplicated(keys).any()


@given(extracts, extracts)
@SETTINGS
def test_results_for_one_la_do_not_change_when_another_is_added(
    rows_a: dict[str, Any], rows_b: dict[str, Any]
) -> None:
    alone = compute(_snapshot(rows_a, "394"))
    # The same child ids and record ids in another LA are other children and records.
    together = compute(combine(_snapshot(rows_a, "394"), _snapshot(rows_b, "395")))
    together = together[together["la_code"] == "394"]
    # Periods are shared by all LAs: B's data can add periods; compare the common ones.
    common = set(zip(alone["grain"], alone["period_end"], strict=True))
    keep = np.array(
        [(g, e) in common for g, e in zip(together["grain"], together["period_end"], strict=True)], dtype=bool
    )
    pd.testing.assert_frame_equal(_sorted(alone), _sorted(together[keep]))
