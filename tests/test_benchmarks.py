"""Benchmarks: the shipped DfE figures, an extra file, validation and labels."""

from __future__ import annotations

import doctest
from datetime import date
from pathlib import Path

import pytest

import metrics.benchmarks
from metrics.benchmarks import (
    COLUMNS,
    Benchmark,
    BenchmarksError,
    benchmark_label,
    load_benchmarks,
    parse_benchmarks,
    year_label,
)
from metrics.registry import Registry, load_registry

HEADER = ",".join(COLUMNS)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "neighbours.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_doctests() -> None:
    assert doctest.testmod(metrics.benchmarks).failed == 0


# --- The shipped file ------------------------------------------------------------------


def test_shipped_file_loads_every_row(registry: Registry) -> None:
    shipped = Path(metrics.benchmarks.__file__).parent / "data" / "benchmarks.csv"
    lines = [ln for ln in shipped.read_text("utf-8").splitlines()[1:] if ln.strip()]
    assert len(load_benchmarks(None, registry)) == len(lines)


def test_rereferrals_latest_year_first_then_england_then_region(registry: Registry) -> None:
    got = load_benchmarks(None, registry).for_indicator("rereferrals_12m")
    assert got == [
        Benchmark(
            "rereferrals_12m", "national", "E92000001", "England", date(2025, 3, 31),
            22.6, 142900, 632830, "DfE Children in need 2025, data set C1",
        ),
        Benchmark(
            "rereferrals_12m", "region", "E12000001", "North East", date(2025, 3, 31),
            20.7, None, 32490, "DfE Children in need 2025, data set C1",
        ),
        Benchmark(
            "rereferrals_12m", "national", "E92000001", "England", date(2024, 3, 31),
            22.4, 139080, 621880, "DfE Children in need 2024, focus on re-referrals",
        ),
    ]  # fmt: skip


def test_region_row_with_blank_numerator_and_denominator(registry: Registry) -> None:
    got = load_benchmarks(None, registry).for_indicator("cp_ended_2y_plus")
    assert [(b.area_name, b.value, b.numerator, b.denominator) for b in got] == [
        ("England", 4.4, 2710, 62300),
        ("North East", 2.2, None, None),
    ]


def test_no_benchmark_without_a_registry_key(registry: Registry) -> None:
    # contacts and cp_second_or_subsequent have no `benchmark` key in the registry.
    b = load_benchmarks(None, registry)
    assert b.for_indicator("contacts") == []
    assert b.for_indicator("cp_second_or_subsequent") == []


def test_unknown_indicator_is_a_key_error(registry: Registry) -> None:
    with pytest.raises(KeyError, match="nope"):
        load_benchmarks(None, registry).for_indicator("nope")


# --- An extra file (statistical neighbours) ------------------------------------------


def test_extra_rows_are_added_and_sorted(tmp_path: Path, registry: Registry) -> None:
    path = write(
        tmp_path,
        "rereferrals_12m,statistical_neighbours,,Statistical neighbours average,2025-03-31,,,19.8,Ours",
        "rereferrals_12m,statistical_neighbours,E06000047,County Durham,2025-03-31,950,4800,19.8,DfE",
    )
    got = load_benchmarks(path, registry).for_indicator("rereferrals_12m")
    assert [(b.area_name, b.year_ending.year) for b in got] == [
        ("England", 2025),
        ("North East", 2025),
        ("County Durham", 2025),  # statistical neighbours after the region, by name
        ("Statistical neighbours average", 2025),
        ("England", 2024),
    ]


def test_extra_row_replaces_a_shipped_row_with_the_same_key(tmp_path: Path, registry: Registry) -> None:
    path = write(
        tmp_path,
        "rereferrals_12m,national,E92000001,England,2025-03-31,142901,632830,22.7,DfE revised",
    )
    got = load_benchmarks(path, registry).for_indicator("rereferrals_12m")
    england_2025 = [b for b in got if b.area_name == "England" and b.year_ending.year == 2025]
    assert [(b.value, b.source) for b in england_2025] == [(22.7, "DfE revised")]
    assert len(got) == 3


def test_extra_row_for_an_indicator_without_a_matching_definition_is_not_shown(
    tmp_path: Path, registry: Registry
) -> None:
    # A valid row, but cp_second_or_subsequent has no `benchmark` key: kpis.md shows a
    # benchmark only beside an indicator whose definition matches.
    path = write(tmp_path, "cp_second_or_subsequent,national,E92000001,England,2025-03-31,,,23.9,DfE")
    b = load_benchmarks(path, registry)
    assert len(b) == len(load_benchmarks(None, registry)) + 1  # kept, but not shown
    assert b.for_indicator("cp_second_or_subsequent") == []


def test_byte_order_mark_and_padded_header(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "excel.csv"
    header = ", ".join(COLUMNS)
    row = "icpc_15wd,statistical_neighbours,E06000001,Hartlepool,2025-03-31,90,100,90.0,DfE"
    path.write_text("\ufeff" + header + "\n" + row + "\n\n", encoding="utf-8")
    got = load_benchmarks(path, registry).for_indicator("icpc_15wd")
    assert [b.area_name for b in got] == ["England", "Hartlepool"]


# --- Validation -----------------------------------------------------------------------

GOOD = "icpc_15wd,statistical_neighbours,E06000001,Hartlepool,2025-03-31,90,100,90.0,DfE"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (GOOD.replace("icpc_15wd", "icpc_15"), r"line 2, column kpi_id: 'icpc_15': expected an indicator id"),
        (GOOD.replace("statistical_neighbours", "la"), r"column area_type: 'la': expected one of national"),
        (GOOD.replace("Hartlepool", ""), r"column area_name: '': expected text"),
        (GOOD.replace(",DfE", ","), r"column source: '': expected text"),
        (GOOD.replace("2025-03-31", "31/03/2025"), r"column year_ending: '31/03/2025': expected a date"),
        (GOOD.replace("90.0", "n/a"), r"column value: 'n/a': expected a number"),
        (GOOD.replace("90.0", ""), r"column value: '': expected a number \(the published figure\)"),
        (GOOD.replace("90.0", "inf"), r"column value: 'inf': expected a number"),
        (GOOD.replace("90.0", "190"), r"column value: '190': expected a percentage from 0 to 100"),
        (GOOD.replace(",90,", ",ninety,"), r"column numerator: 'ninety': expected a number or blank"),
        (GOOD.replace(",100,", ",x,"), r"column denominator: 'x': expected a number or blank"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, registry: Registry, row: str, expected: str) -> None:
    path = write(tmp_path, row)
    with pytest.raises(BenchmarksError, match=expected) as info:
        load_benchmarks(path, registry)
    assert str(path) in str(info.value)


def test_missing_columns(tmp_path: Path, registry: Registry) -> None:
    path = write(
        tmp_path,
        "icpc_15wd,national,England,2025-03-31,90",
        header="kpi_id,area_type,area_name,year_ending,value",
    )
    with pytest.raises(
        BenchmarksError, match=r"missing column\(s\) area_code, numerator, denominator, source"
    ):
        load_benchmarks(path, registry)


def test_duplicate_row_within_a_file(tmp_path: Path, registry: Registry) -> None:
    path = write(tmp_path, GOOD, GOOD)
    with pytest.raises(BenchmarksError, match="line 3: the same indicator, area and year as line 2"):
        load_benchmarks(path, registry)


def test_every_problem_is_reported(tmp_path: Path, registry: Registry) -> None:
    path = write(tmp_path, GOOD.replace("icpc_15wd", "x"), GOOD.replace("2025-03-31", "2025"))
    with pytest.raises(BenchmarksError, match="2 problem") as info:
        load_benchmarks(path, registry)
    assert "line 2" in str(info.value) and "line 3" in str(info.value)


def test_missing_file(tmp_path: Path, registry: Registry) -> None:
    with pytest.raises(BenchmarksError, match=r"not found.*SCORECARD_BENCHMARKS_FILE"):
        load_benchmarks(tmp_path / "none.csv", registry)


def test_counts_are_not_percentage_checked(registry: Registry) -> None:
    rows = parse_benchmarks(
        HEADER + "\nreferrals,national,E92000001,England,2025-03-31,632830,,632830,DfE\n", registry
    )
    assert rows[0].value == 632830


# --- Labels ---------------------------------------------------------------------------


def test_year_label() -> None:
    assert year_label(date(2025, 3, 31)) == "2024-25"
    assert year_label(date(2000, 3, 31)) == "1999-00"
    assert year_label(date(2025, 6, 30)) == "year to Jun 2025"


@pytest.mark.parametrize(
    ("kpi_id", "index", "label"),
    [
        ("rereferrals_12m", 0, "England 2024-25: 22.6% (DfE Children in need 2025, data set C1)"),
        ("rereferrals_12m", 2, "England 2023-24: 22.4% (DfE Children in need 2024, focus on re-referrals)"),
        ("referrals", 0, "England 2024-25: 632,830 referrals (DfE Children in need 2025, data set C1)"),
        (
            "assessment_median_wd",
            0,
            "England 2024-25: 33 working days (DfE Children in need 2025, data set C2)",
        ),
        ("cp_ended_2y_plus", 1, "North East 2024-25: 2.2% (DfE Children in need 2025, data set D7)"),
    ],
)
def test_labels(registry: Registry, kpi_id: str, index: int, label: str) -> None:
    b = load_benchmarks(None, registry).for_indicator(kpi_id)[index]
    assert benchmark_label(b, registry[kpi_id]) == label


def test_rate_label(registry: Registry) -> None:
    b = Benchmark("x", "national", "", "England", date(2025, 3, 31), 41.27, None, None, "DfE")
    assert benchmark_label(b, registry["cp_rate_at_end"]) == "England 2024-25: 41.3 per 10,000 children (DfE)"
