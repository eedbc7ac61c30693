"""Every registry id has its @measure and @records, and no code names an unknown id."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.compute import compute_indicators
from metrics.periods import GRAINS
from metrics.registry import load_registry, parse_registry
from metrics.snapshot_builder import build_snapshot, combine, compute
from metrics.wiring import WiringError, check_wiring, measure, wiring_problems
from metrics.wording import kind_in_text
from store.extracts import EVENT_KINDS
from store.measures import default_measures

RESULT_COLUMNS = [
    "kpi_id",
    "la_code",
    "grain",
    "period_start",
    "period_end",
    "breakdown",
    "group_name",
    "numerator",
    "denominator",
    "value",
    "note",
]


def test_every_registry_id_has_a_measure_and_records_and_back() -> None:
    registry = load_registry()
    assert wiring_problems(registry) == []
    # 37 of the journey and data quality, 4 audits, 5 workforce, the shipped example's 5 pm_*.
    assert len(registry.ids()) == 51


def _without(kpi_id: str) -> str:
    """The shipped registry YAML less one indicator's entry."""
    from importlib import resources

    import yaml

    data = yaml.safe_load(resources.files("metrics").joinpath("data", "indicators.yaml").read_text("utf-8"))
    data["indicators"] = [i for i in data["indicators"] if i["id"] != kpi_id]
    return yaml.safe_dump(data)


def test_code_for_an_undeclared_id_stops_start_up_naming_it() -> None:
    smaller = parse_registry(_without("rereferrals_12m"))
    with pytest.raises(WiringError) as raised:
        check_wiring(smaller)
    message = str(raised.value)
    assert "@measure('rereferrals_12m') on metrics.compute.referrals.rereferrals_12m" in message
    assert "@records('rereferrals_12m') on metrics.records.referrals.rereferrals_12m" in message


def test_a_declared_id_without_code_stops_start_up_naming_it() -> None:
    registry = load_registry()
    extra = registry["rereferrals_12m"].model_copy(update={"id": "rereferrals_6m"})
    bigger = registry.model_copy(update={"indicators": (*registry.indicators, extra)})
    with pytest.raises(WiringError, match=r"'rereferrals_6m' is declared .* no @measure\('rereferrals_6m'\)"):
        check_wiring(bigger)
    with pytest.raises(WiringError, match=r"no @records\('rereferrals_6m'\)"):
        check_wiring(bigger)
    with pytest.raises(WiringError, match="rereferrals_6m"):
        compute_indicators(build_snapshot(), bigger, kpi_ids=["rereferrals_6m"])


def test_one_id_registered_twice_is_refused_naming_both_functions() -> None:
    both = "'rereferrals_12m'.* both metrics.compute.referrals.rereferrals_12m"
    with pytest.raises(WiringError, match=both):

        @measure("rereferrals_12m")
        def another(ctx: object, breakdown: str) -> None:
            return None


@pytest.mark.parametrize("indicator", load_registry().indicators, ids=lambda i: i.id)
def test_each_measure_gives_every_declared_breakdown(indicator: object) -> None:
    from metrics.registry import Indicator

    assert isinstance(indicator, Indicator)
    out = compute(EVERY_KIND, indicator.id)
    assert tuple(dict.fromkeys(out["breakdown"])) == indicator.breakdowns
    assert set(out["grain"]) == set(indicator.grains)


def test_a_registry_asking_for_more_than_a_computation_gives_is_refused() -> None:
    registry = load_registry()
    changed = registry.model_copy(
        update={
            "indicators": tuple(
                i.model_copy(update={"type": "count"}) if i.id == "rereferrals_12m" else i
                for i in registry.indicators
            )
        }
    )
    refused = "rereferrals_12m: the registry says count, its @measure gives a numerator"
    with pytest.raises(ValueError, match=refused):
        compute_indicators(build_snapshot(), changed)


def test_unknown_kpi_id_is_an_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no_such_kpi"):
        compute(build_snapshot(), "no_such_kpi")


# Two LAs: 394 has contacts only (and a locality), 395 referrals only.
TWO_LAS = combine(
    build_snapshot(contacts=[{"contact_date": "2024-05-02", "locality": "North"}]),
    build_snapshot(la_code=" 395 ", referrals=[{"referral_date": "2024-06-10"}]),
)


def test_every_la_gets_a_row_for_every_indicator_period_and_grain() -> None:
    out = compute(TWO_LAS)
    assert list(out.columns) == RESULT_COLUMNS
    assert str(out["period_end"].dtype).startswith("datetime64")
    assert all(out[c].dtype == "float64" for c in ("numerator", "denominator", "value"))
    # la_code is used trimmed: " 395 " is 395.
    assert sorted(out["la_code"].unique()) == ["394", "395"]
    # One shared period set: May and June 2024 months, the quarter Apr-Jun, the year
    # 2024-25, and the 12 months to May and to June.
    periods = {(g, str(e.date())) for g, e in zip(out["grain"], out["period_end"], strict=True)}
    assert periods == {
        ("month", "2024-05-31"),
        ("month", "2024-06-30"),
        ("quarter", "2024-06-30"),
        ("year", "2025-03-31"),
        ("r12", "2024-05-31"),
        ("r12", "2024-06-30"),
    }
    standard = [i.id for i in load_registry() if i.stage != "data_quality"]
    all_rows = out[out["breakdown"] == "all"]
    per_la = all_rows.groupby(["la_code"])["kpi_id"].nunique()
    assert per_la.to_dict() == {"394": len(standard), "395": len(standard)}
    # Each (LA, indicator) has exactly one row per period.
    counts = all_rows.groupby(["la_code", "kpi_id"]).size()
    assert set(counts) == {len(periods)}
    assert set(GRAINS) == set(out["grain"])


def test_an_la_without_rows_of_the_source_extract_has_blank_rows() -> None:
    out = compute(TWO_LAS, "referrals", "contacts", "referral_to_assessment")
    june = out[(out["period_end"] == pd.Timestamp("2024-06-30")) & (out["grain"] == "month")]
    row = june[(june["la_code"] == "394") & (june["kpi_id"] == "referrals")].iloc[0]
    assert pd.isna(row["numerator"]) and pd.isna(row["value"])
    assert row["note"] == "no referrals loaded for this LA"
    # …while an empty period of an LA that has rows gives 0.
    row = june[
        (june["la_code"] == "394") & (june["kpi_id"] == "contacts") & (june["breakdown"] == "all")
    ].iloc[0]
    assert row["value"] == 0
    # Other breakdowns only for groups that occur: 395 has no contacts, so no locality rows.
    loc = out[(out["kpi_id"] == "contacts") & (out["breakdown"] == "locality")]
    assert set(loc["la_code"]) == {"394"}


def test_la_codes_filter_gives_the_same_rows_as_the_full_run() -> None:
    full = compute(TWO_LAS)
    only = compute(TWO_LAS, la_codes=["395"])
    expected = full[full["la_code"] == "395"].reset_index(drop=True)
    pd.testing.assert_frame_equal(only.reset_index(drop=True), expected)


def test_data_quality_groups_cover_every_kind_for_every_la() -> None:
    out = compute(TWO_LAS, "dq_recording_lag_5wd")
    kinds = out.groupby("la_code")["group_name"].unique()
    assert {la: sorted(g) for la, g in kinds.items()} == {
        "394": sorted(EVENT_KINDS),
        "395": sorted(EVENT_KINDS),
    }


def test_an_empty_store_gives_an_empty_frame_with_the_columns() -> None:
    out = compute(build_snapshot())
    assert list(out.columns) == RESULT_COLUMNS and len(out) == 0


# 394 has contacts only; 395 a row of every event kind.
EVERY_KIND = combine(
    build_snapshot(contacts=[{"contact_date": "2024-05-02"}]),
    build_snapshot(
        la_code="395",
        contacts=[{"contact_date": "2024-05-02"}],
        referrals=[{"referral_date": "2024-05-02"}],
        assessments=[{"start_date": "2024-05-02"}],
        s47=[{"strategy_date": "2024-05-02"}],
        cp_plans=[{"start_date": "2024-05-02"}],
        cp_visits=[{"visit_date": "2024-05-02"}],
        cp_reviews=[{"review_date": "2024-05-02"}],
        cin_plans=[{"start_date": "2024-05-02"}],
        early_help=[{"start_date": "2024-05-02"}],
        workforce=[{"start_date": "2024-05-02", "leaving": False}],
        vacancies=[{"month": "2024-05-02"}],
        caseloads=[{"month": "2024-05-02"}],
        audits=[{"audit_date": "2024-05-02"}],
        partner_measures=[
            {"measure_id": m.id, "period_start": "2024-05-01", "numerator": 1, "denominator": 2}
            for m in default_measures().measures
            if m.grain == "month"
        ],
    ),
)


@pytest.mark.parametrize(
    "indicator",
    [i for i in load_registry().indicators if i.stage != "data_quality"],
    ids=lambda i: i.id,
)
def test_blank_rows_where_the_la_has_no_rows_of_the_source(indicator: object) -> None:
    from metrics.registry import Indicator

    assert isinstance(indicator, Indicator)
    out = compute(EVERY_KIND, indicator.id)
    mine = out[(out["la_code"] == "394") & (out["breakdown"] == "all")]
    other = out[(out["la_code"] == "395") & (out["breakdown"] == "all")]
    assert len(mine) == len(other) > 0
    if indicator.source == "contacts":
        assert mine["numerator"].notna().all()
    else:
        assert mine[["numerator", "denominator", "value"]].isna().all().all()
        assert set(mine["note"]) == {f"no {kind_in_text(indicator.source)} loaded for this LA"}
        # The other LA has values (a median's count: nothing was completed to take it of).
        counted = "denominator" if indicator.type == "median" else "numerator"
        if indicator.id == "sw_vacancy_rate":  # a value only where the period ends in a snapshot's month
            other = other[other["period_end"] == "2024-05-31"]
        if indicator.partner is not None:  # May 2024's figure: a value for May only
            other = other[other["grain"] == "month"] if indicator.partner.grain == "month" else other.iloc[:0]
        assert other[counted].notna().all()
