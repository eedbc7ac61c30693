"""Disclosure control (metrics/disclosure.py, docs/disclosure.md): hand-built boundary cases,
then the attacker (tests/attacker.py) against every shared output of the samples."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from metrics.disclosure import disclose, load_relations, period_cube, solvable
from metrics.registry import load_registry
from metrics.suppression import suppress_frame
from store.schema import kpi_results
from tests.attacker import attack, attack_periods
from tests.dash_fixtures import MAIN_LA, pipeline_store


def _frame(rows: list[tuple[Any, ...]], status: str = "none") -> pd.DataFrame:
    """Rows of (kpi_id, breakdown, group, numerator, denominator, value)."""
    frame = pd.DataFrame(
        rows, columns=["kpi_id", "breakdown", "group_name", "numerator", "denominator", "value"]
    )
    frame["status"] = status
    frame["direction"] = "improving"
    return frame


def _cells(out: pd.DataFrame, group: str, kpi: str | None = None) -> list[Any]:
    row = out[(out["group_name"] == group) & ((out["kpi_id"] == kpi) if kpi else True)].iloc[0]
    return [row["numerator"], row["denominator"], row["value"], row["status"], row["direction"]]


# --- Rule 1: what describes a hidden value is hidden -----------------------------------


def test_issue_rereferrals_status_is_hidden_and_denominator_shown() -> None:
    # The issue's case: 3 of 13 re-referrals, "within tolerance" of 22% ±5 fits only 3 of 13.
    out = disclose(
        _frame(
            [
                ("referrals", "all", "all", 13, None, 13),
                ("rereferrals_12m", "all", "all", 3, 13, 100 * 3 / 13),
            ],
            status="amber",
        )
    )
    assert _cells(out, "all", "rereferrals_12m") == ["c", 13, "c", "c", "c"]
    assert _cells(out, "all", "referrals") == [13, "", 13, "amber", "improving"]


def test_issue_assessments_5_of_6_hidden_with_status() -> None:
    out = disclose(
        _frame(
            [
                ("assessments_completed", "all", "all", 6, None, 6),
                ("assessments_45wd", "all", "all", 5, 6, 100 * 5 / 6),
                ("assessment_median_wd", "all", "all", 33.5, 6, 33.5),
            ],
            status="amber",
        )
    )
    assert _cells(out, "all", "assessments_45wd") == ["c", 6, "c", "c", "c"]
    assert _cells(out, "all", "assessment_median_wd")[:3] == [33.5, 6, 33.5]


def test_a_team_on_target_with_five_children_shows_no_status() -> None:
    out = disclose(_frame([("cp_visits_10wd", "all", "all", 5, 5, 100.0)], status="green"))
    assert _cells(out, "all") == ["c", "c", "c", "c", "c"]


def test_six_is_shown_and_zero_is_shown() -> None:
    out = disclose(_frame([("referrals", "all", "all", 6, None, 6), ("contacts", "all", "all", 0, None, 0)]))
    assert out["value"].tolist() == [6, 0] and out["status"].tolist() == ["none", "none"]


# --- Rule 4: secondary suppression across breakdowns -------------------------------------


def _teams(values: list[int], kpi: str = "referrals") -> pd.DataFrame:
    rows = [(kpi, "all", "all", sum(values), None, sum(values))]
    rows += [(kpi, "team", f"T{i}", v, None, v) for i, v in enumerate(values)]
    return _frame(rows)


def test_one_hidden_team_hides_the_smallest_other_non_zero_team() -> None:
    out = disclose(_teams([3, 0, 9, 7, 20]))
    assert out["value"].tolist() == [39, "c", 0, 9, "c", 20]
    assert out["suppression"].tolist() == ["", "primary", "", "", "secondary", ""]


def test_two_hidden_teams_of_one_each_are_solvable_so_a_third_goes() -> None:
    # Two cells of at least 1 summing to 2 are both 1: hide one more.
    out = disclose(_teams([1, 1, 8, 30]))
    assert out["value"].tolist() == [40, "c", "c", "c", 30]


def test_two_hidden_teams_that_are_not_pinned_stay_two() -> None:
    out = disclose(_teams([2, 4, 30]))
    assert out["value"].tolist() == [36, "c", "c", 30]


def test_with_no_other_team_the_total_is_hidden() -> None:
    # Hidden teams of 1 and 1, the third team 0: only the total is left to hide.
    out = disclose(_teams([1, 1, 0]))
    assert out["value"].tolist() == ["c", "c", "c", 0]


def test_percentage_numerators_pinned_by_their_denominators_are_protected() -> None:
    # Team A 2 of 4 (hidden); team B 7 of 7 would be the total minus A: B's 100% pins A.
    rows = [
        ("rereferrals_12m", "all", "all", 9, 11, 100 * 9 / 11),
        ("rereferrals_12m", "team", "A", 2, 4, 50.0),
        ("rereferrals_12m", "team", "B", 7, 7, 100.0),
    ]
    out = disclose(_frame(rows))
    assert attack(_published(out)) == []
    assert (out["value"] == "c").sum() >= 2


def test_related_cells_are_hidden_together() -> None:
    # Team T1's 7 referrals are hidden as a secondary cell: the re-referral denominator of T1
    # (the same 7) goes too, with its numerator and value.
    rows = [
        ("referrals", "all", "all", 30, None, 30),
        ("referrals", "team", "T0", 3, None, 3),
        ("referrals", "team", "T1", 7, None, 7),
        ("referrals", "team", "T2", 20, None, 20),
        ("rereferrals_12m", "team", "T1", 6, 7, 600 / 7),
    ]
    out = disclose(_frame(rows))
    assert _cells(out, "T1", "rereferrals_12m")[:3] == ["c", "c", "c"]


def test_threshold_zero_hides_nothing() -> None:
    out = disclose(_teams([3, 0, 9]), threshold=0)
    assert "c" not in out["value"].tolist()


def test_solvable_boundaries() -> None:
    inf = float("inf")
    assert solvable(3, [1], [inf])
    assert solvable(2, [1, 1], [inf, inf]) and not solvable(3, [1, 1], [inf, inf])
    assert solvable(0, [0, 0], [inf, inf]) and not solvable(1, [0, 0], [inf, inf])
    assert solvable(11, [0, 0], [4, 7]) and not solvable(10, [0, 0], [4, 7])


# --- The attacker against the samples ---------------------------------------------------


def _published(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.rename(columns={"group_name": "group"})
    return [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in out.to_dict("records")]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = pipeline_store(f"sqlite:///{tmp_path_factory.mktemp('disclosure') / 'samples.db'}")
    yield engine
    engine.dispose()


def _periods(engine: Engine, grain: str) -> list[date]:
    r = kpi_results.c
    with engine.connect() as conn:
        found = conn.execute(
            select(r.period_end).where(r.grain == grain, r.la_code == MAIN_LA).distinct()
        ).scalars()
        return sorted(found)


def test_related_cells_declared_are_equal_on_the_samples(samples: Engine) -> None:
    load_relations().check(load_registry())
    for period in _periods(samples, "month")[-24:]:
        cube = period_cube(samples, MAIN_LA, "month", period, with_spc=False)
        indexed = cube.set_index(["kpi_id", "breakdown", "group_name"])
        for group in load_relations().same_number:
            parts = [cell.partition(".") for cell in group]
            series = [
                indexed.xs(k, level=0)[p] for k, _, p in parts if k in indexed.index.get_level_values(0)
            ]
            if len(series) < 2:
                continue
            both = pd.concat(series, axis=1).dropna()
            assert (both.nunique(axis=1) <= 1).all(), f"{group} differ in {period}"


def test_the_attacker_recovers_cells_from_primary_suppression_alone(samples: Engine) -> None:
    # The attacker has teeth: on row-by-row suppression it finds cells in the samples.
    found = []
    for period in _periods(samples, "month")[-12:]:
        cube = period_cube(samples, MAIN_LA, "month", period)
        found += attack(_published(suppress_frame(cube)))
    assert found


@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
def test_the_attacker_fails_on_every_shared_period(samples: Engine, grain: str) -> None:
    periods = _periods(samples, grain)[-36:]  # the samples' months, and every quarter and year
    for period in periods:
        cube = period_cube(samples, MAIN_LA, grain, period)
        out = disclose(cube)
        assert attack(_published(out)) == [], f"{grain} {period}"
    assert periods


def test_the_attacker_fails_on_the_shared_csv_and_excel(samples: Engine, tmp_path: Path) -> None:
    from metrics.benchmarks import load_benchmarks
    from scorecard import exports
    from scorecard.sharing import export_context, view_rows
    from scorecard.state import Filters

    registry = load_registry()
    benchmarks = load_benchmarks(None, registry)
    period = _periods(samples, "month")[-13]
    published: list[dict[str, Any]] = []
    for team in ("all", *_groups(samples, "team", period)):
        filters = Filters(la=MAIN_LA, grain="month", period_end=period, team=team)
        rows = view_rows(samples, registry, MAIN_LA, "month", period, "sharing", 5, filters.breakdown)
        context = export_context(samples, MAIN_LA, "month", period, 5, "test")
        table = exports.export_frame(rows, registry, benchmarks, filters, context)
        csv_file = exports.to_csv(table, filters, "sharing", 5)
        assert csv_file.filename.endswith("_sharing.csv")
        lines = csv_file.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("FOR SHARING")
        for record in csv.DictReader(io.StringIO("\n".join(lines[1:]))):
            published.append(_from_export(record))
        book = openpyxl.load_workbook(
            io.BytesIO(exports.to_xlsx(table, registry, filters, "sharing").content)
        )
        assert str(book["Scorecard"]["A1"].value).startswith("FOR SHARING")
    assert any(r["value"] == "c" for r in published)
    assert attack(published) == []


def _groups(engine: Engine, breakdown: str, period: date) -> list[str]:
    cube = period_cube(engine, MAIN_LA, "month", period, with_spc=False)
    return sorted(set(cube.loc[cube["breakdown"] == breakdown, "group_name"]))


def _from_export(record: dict[str, str]) -> dict[str, Any]:
    return {
        "kpi_id": record["Indicator id"],
        "breakdown": record["Breakdown"],
        "group": record["Group"],
        "numerator": record["Numerator"],
        "denominator": record["Denominator"],
        "value": record["Value"],
        "status": record["Status"],
        "direction": record["Direction of travel"],
        "variation": record["SPC variation"],
        "assurance": record["SPC assurance"],
    }


def test_one_indicator_disclosed_with_its_related_closure_hides_what_the_whole_period_does(
    samples: Engine,
) -> None:
    from metrics.disclosure import SHARING, shared_view

    period = _periods(samples, "month")[-13]
    whole = shared_view(samples, MAIN_LA, "month", period, SHARING, 5)
    key = ["kpi_id", "breakdown", "group_name"]
    for kpis in (["rereferrals_12m"], ["contacts"], ["eh_stepped_up", "cp_visits_10wd"]):
        part = shared_view(samples, MAIN_LA, "month", period, SHARING, 5, kpi_ids=kpis)
        expected = whole[whole["kpi_id"].isin(kpis)]
        merged = part.merge(expected, on=key, suffixes=("", "_whole"))
        assert len(merged) == len(expected) == len(part)
        for column in ("numerator", "denominator", "value", "status"):
            assert merged[column].astype(str).tolist() == merged[f"{column}_whole"].astype(str).tolist()


# --- Rule 5: secondary suppression across periods ----------------------------------------


def _quarter(months: list[int], quarter: int | None = None, kpi: str = "referrals") -> pd.DataFrame:
    """Q1 2024-25 (April to June) and its months, whole LA."""
    ends = [date(2024, 4, 30), date(2024, 5, 31), date(2024, 6, 30)]
    total = sum(months) if quarter is None else quarter
    frame = _frame([(kpi, "all", "all", v, None, v) for v in [total, *months]])
    frame["grain"] = ["quarter", "month", "month", "month"]
    frame["period_start"] = [date(2024, 4, 1), date(2024, 4, 1), date(2024, 5, 1), date(2024, 6, 1)]
    frame["period_end"] = [date(2024, 6, 30), *ends]
    frame["la_code"] = "394"
    return frame


def test_a_hidden_month_beside_its_quarter_hides_the_smallest_other_month() -> None:
    # April 3 (hidden), May 9, June 8, the quarter 20: June goes too, or April = 20 - 9 - 8.
    out = disclose(_quarter([3, 9, 8]))
    assert out["value"].tolist() == [20, "c", 9, "c"]
    assert out["suppression"].tolist() == ["", "primary", "", "secondary"]


def test_a_quarter_that_is_not_the_sum_of_its_months_protects_nothing_more() -> None:
    # Distinct children: the quarter (15) is not April + May + June, so nothing subtracts.
    out = disclose(_quarter([3, 9, 8], quarter=15))
    assert out["value"].tolist() == [15, "c", 9, 8]


def test_months_of_another_quarter_or_a_missing_month_make_no_set() -> None:
    # With June left out of the output the quarter minus April and May is June plus
    # April: two unknowns of at least 1 summing to 11, not pinned; the rule needs every month.
    out = disclose(_quarter([3, 9, 8]).iloc[:3])
    assert out["value"].tolist() == [20, "c", 9]


def test_a_period_each_disclosed_alone_is_what_one_period_outputs_show() -> None:
    alone = [disclose(_quarter([3, 9, 8]).iloc[[i]])["value"].iloc[0] for i in range(4)]
    assert alone == [20, "c", 9, 8]


def _with_months(engine: Engine, grain: str, period: date) -> list[pd.DataFrame]:
    """The cube of a coarser period and the cubes of its months."""
    months = [p for p in _periods(engine, "month") if p <= period][-{"quarter": 3, "year": 12}[grain] :]
    return [period_cube(engine, MAIN_LA, grain, period)] + [
        period_cube(engine, MAIN_LA, "month", m) for m in months
    ]


def _true_cells(cubes: list[pd.DataFrame]) -> dict[tuple[str, ...], float]:
    truth: dict[tuple[str, ...], float] = {}
    for cube in cubes:
        for row in cube.to_dict("records"):
            for part in ("numerator", "denominator", "value"):
                key = (row["kpi_id"], row["breakdown"], str(row["group_name"]), row["grain"])
                truth[(*key, str(row["period_end"])[:10], part)] = row[part]
    return truth


def _correct(found: list[Any], truth: dict[tuple[str, ...], float]) -> list[Any]:
    """The recoveries that are the true number (a wrong guess discloses nothing)."""
    return [r for r in found if abs(r.value - float(truth[r.cell])) < 1e-6]


def test_the_attacker_recovers_months_from_quarters_disclosed_one_period_at_a_time(samples: Engine) -> None:
    # Teeth: each period disclosed alone and published side by side leaks through the quarter.
    found = []
    for quarter in _periods(samples, "quarter")[-4:]:
        cubes = _with_months(samples, "quarter", quarter)
        published = pd.concat([disclose(c) for c in cubes], ignore_index=True)
        found += _correct(attack_periods(_published(published)), _true_cells(cubes))
    assert found


@pytest.mark.parametrize("grain", ["quarter", "year"])
def test_the_attacker_fails_on_a_coarser_period_published_with_its_months(
    samples: Engine, grain: str
) -> None:
    periods = _periods(samples, grain)[-4:] if grain == "quarter" else _periods(samples, grain)[-2:]
    for period in periods:
        cubes = _with_months(samples, grain, period)
        out = disclose(pd.concat(cubes, ignore_index=True))
        assert _correct(attack_periods(_published(out)), _true_cells(cubes)) == [], f"{grain} {period}"
        for (_g, _e), one in out.groupby(["grain", "period_end"]):
            assert attack(_published(one)) == [], f"{grain} {period}: {_g} {_e}"
    assert periods


def test_the_rows_disclosed_together_come_in_the_indicators_order_whatever_the_key(
    engine: Engine,
) -> None:
    """Rule 4's greedy choice goes through the sets in the order of the rows: the cube
    and the pack's months come ordered by indicator (then breakdown and group, or
    month), not in ``kpi_results``' key order (LA, grain, period, breakdown first)."""
    from scorecard.pack.data import _chart_months

    rows = [
        {
            "la_code": "394",
            "kpi_id": kpi,
            "grain": "month",
            "period_start": end.replace(day=1),
            "period_end": end,
            "breakdown": b,
            "group_name": g,
            "value": 1.0,
            "status": "none",
        }
        for end in (date(2025, 2, 28), date(2025, 3, 31))
        for b, g in (("all", "all"), ("team", "Blue"), ("team", "Amber"))
        for kpi in ("referrals", "contacts")
    ]
    with engine.begin() as conn:
        conn.execute(kpi_results.insert(), rows)
    cube = period_cube(engine, "394", "month", date(2025, 3, 31), with_spc=False)
    assert list(zip(cube["kpi_id"], cube["breakdown"], cube["group_name"], strict=True)) == [
        ("contacts", "all", "all"),
        ("contacts", "team", "Amber"),
        ("contacts", "team", "Blue"),
        ("referrals", "all", "all"),
        ("referrals", "team", "Amber"),
        ("referrals", "team", "Blue"),
    ]
    months = _chart_months(engine, "394", date(2025, 3, 31))
    assert list(zip(months["kpi_id"], months["period_end"], strict=True)) == [
        ("contacts", date(2025, 2, 28)),
        ("contacts", date(2025, 3, 31)),
        ("referrals", date(2025, 2, 28)),
        ("referrals", date(2025, 3, 31)),
    ]
