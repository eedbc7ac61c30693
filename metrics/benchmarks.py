"""Published benchmarks: England, regional and statistical-neighbour figures.

The shipped file ``metrics/data/benchmarks.csv`` (a copy of
``shared/reference/benchmarks_england.csv``) holds DfE Children in need figures for
England and the North East, and (added for issue 10, not in that reference file) DfE
Children's social work workforce figures for England and the North East, reporting
year 2023: the agency, turnover and vacancy rates (FTE) and the caseload per
case-holder FTE, the same definitions as ``sw_agency_rate``, ``sw_turnover_12m``,
``sw_vacancy_rate`` and ``sw_caseload`` but measured at 30 September (turnover: the
year to 30 September), which their ``source`` says beside the figure; their
``year_ending`` is 2023-09-30. ``sw_in_post_fte`` has none: England's total FTE does not
compare with one LA's. A partnership adds its own rows, usually its statistical
neighbours, in a CSV of the same format named by the ``SCORECARD_BENCHMARKS_FILE``
setting; the caller passes the path in.

Columns: ``kpi_id, area_type, area_code, area_name, year_ending, numerator,
denominator, value, source``. Checked on load: every column present; ``kpi_id`` an
indicator of the registry; ``area_type`` one of national, region,
statistical_neighbours; ``area_name`` and ``source`` filled in; ``year_ending`` a date
(YYYY-MM-DD); ``value`` a number (0-100 for a percentage); ``numerator`` and
``denominator`` numbers or blank; one row per indicator, area and year within a file.
A row of the extra file with the same indicator, area type, area and year as a
shipped row replaces it (a newer publication, a correction).

A benchmark is shown only beside an indicator whose definition matches the
published one (kpis.md "Benchmarks"): the registry's ``benchmark`` key names the
``kpi_id`` of the rows to show; an indicator without one gets none. Every page, export
and the pack choose what to show through :func:`shown_beside` (and :func:`england`,
its England row), and label it with :func:`when_label`.

The workforce figures are measured on one day of the year. Source: DfE, "Children's
social work workforce", reporting year 2023, data set "1. Indicators (in post,
starters, leavers, agency workers, vacancies, caseload and absence)",
https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/bd4d8c04-716a-4447-af3d-677aa3223917
(release: https://explore-education-statistics.service.gov.uk/find-statistics/children-s-social-work-workforce;
methodology: https://explore-education-statistics.service.gov.uk/methodology/children-s-social-work-workforce).
Its agency rate, vacancy rate and caseload are FTE at 30 September; its turnover is
the FTE leavers in the year to 30 September over the FTE in post then. The 2024
release exists, but its figures were not found at the source, so 2023 is used.
Our ``sw_*`` indicators are measured at the period end (turnover: the 12 months to
it) at every grain, so their definitions are the DfE's exactly when the period ends
on 30 September. Reading (the rule): an indicator declaring ``benchmark_measured``
("at 30 September", "year to 30 September") is shown a benchmark only beside a
period ending on that day of the year (a September month, a July-September quarter, a
rolling 12 months to September; never a financial year), and then the latest figure
published for a 30 September on or before the period end (30 September 2025 shows
England at 30 September 2023, labelled so, as the Children in need figures show their
latest year beside later periods; a period before the first published year shows
none, as no such figure existed then). Elsewhere the page says so once
(:func:`timing_note`).

Example::

    >>> from metrics.registry import load_registry
    >>> reg = load_registry()
    >>> b = load_benchmarks(None, reg)
    >>> [(x.area_name, x.year_ending.year, x.value) for x in b.for_indicator("rereferrals_12m")]
    [('England', 2025, 22.6), ('North East', 2025, 20.7), ('England', 2024, 22.4)]
    >>> benchmark_label(b.for_indicator("rereferrals_12m")[0], reg["rereferrals_12m"])
    'England 2024-25: 22.6% (DfE Children in need 2025, data set C1)'
    >>> b.for_indicator("contacts")
    []
    >>> agency = reg["sw_agency_rate"]
    >>> england(b, agency, "month", date(2025, 8, 31)) is None   # not a 30 September
    True
    >>> e = england(b, agency, "quarter", date(2025, 9, 30))
    >>> (e.value, when_label(e, agency))
    (17.8, 'at 30 September 2023')
    >>> england(b, agency, "month", date(2022, 9, 30)) is None   # before the first figure
    True
    >>> timing_note([agency], b, date(2025, 8, 31))[:50]
    'The DfE measures the workforce at 30 September (tu'
    >>> timing_note([agency], b, date(2024, 9, 30)) is None
    True
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

from metrics.registry import Indicator, Registry

AreaType = Literal["national", "region", "statistical_neighbours"]
AREA_TYPES: tuple[AreaType, ...] = get_args(AreaType)
COLUMNS = (
    "kpi_id",
    "area_type",
    "area_code",
    "area_name",
    "year_ending",
    "numerator",
    "denominator",
    "value",
    "source",
)
SHIPPED = "benchmarks.csv"


class BenchmarksError(ValueError):
    """A benchmarks file is missing or wrong; the message lists every problem."""


@dataclass(frozen=True)
class Benchmark:
    """One published figure."""

    kpi_id: str
    area_type: AreaType
    area_code: str
    area_name: str
    year_ending: date
    value: float
    numerator: float | None
    denominator: float | None
    source: str

    @property
    def key(self) -> tuple[str, str, str, str, date]:
        """What identifies the figure: indicator, area type, area and year."""
        return (self.kpi_id, self.area_type, self.area_code, self.area_name, self.year_ending)


def _number(text: str) -> float | None:
    """A finite number, None for blank; ValueError otherwise."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(text)
    return x


def _parse_row(
    row: dict[str, str], line: int, source: str, registry: Registry
) -> tuple[Benchmark | None, list[str]]:
    problems: list[str] = []
    cell = {c: (row.get(c) or "").strip() for c in COLUMNS}

    def bad(column: str, expected: str) -> None:
        problems.append(f"{source}, line {line}, column {column}: {cell[column]!r}: expected {expected}")

    if cell["kpi_id"] not in registry:
        bad("kpi_id", "an indicator id of the registry (metrics/data/indicators.yaml)")
    if cell["area_type"] not in AREA_TYPES:
        bad("area_type", f"one of {', '.join(AREA_TYPES)}")
    for column in ("area_name", "source"):
        if not cell[column]:
            bad(column, "text (it is shown beside the benchmark)")
    try:
        year_ending = date.fromisoformat(cell["year_ending"])
    except ValueError:
        bad("year_ending", "a date as YYYY-MM-DD, e.g. 2025-03-31")
    numbers: dict[str, float | None] = {}
    for column in ("numerator", "denominator", "value"):
        try:
            numbers[column] = _number(cell[column])
        except ValueError:
            bad(column, "a number" + ("" if column == "value" else " or blank"))
    value = numbers.get("value")
    if "value" in numbers and value is None:
        bad("value", "a number (the published figure)")
    elif (
        value is not None
        and cell["kpi_id"] in registry
        and registry[cell["kpi_id"]].type == "percentage"
        and not 0 <= value <= 100
    ):
        bad("value", "a percentage from 0 to 100")
    if problems or value is None:
        return None, problems
    return (
        Benchmark(
            kpi_id=cell["kpi_id"],
            area_type=cell["area_type"],  # type: ignore[arg-type]  # checked above
            area_code=cell["area_code"],
            area_name=cell["area_name"],
            year_ending=year_ending,
            value=value,
            numerator=numbers["numerator"],
            denominator=numbers["denominator"],
            source=cell["source"],
        ),
        [],
    )


def parse_benchmarks(text: str, registry: Registry, source: str = "<benchmarks>") -> list[Benchmark]:
    """Validate benchmark CSV text; BenchmarksError listing every problem, naming ``source``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BenchmarksError(
            f"{source}: missing column(s) {', '.join(missing)}; the header must be {','.join(COLUMNS)}"
        )
    reader.fieldnames = header
    rows: list[Benchmark] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, str, str, date], int] = {}
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        bench, found = _parse_row(row, line, source, registry)
        problems += found
        if bench is None:
            continue
        if bench.key in seen:
            problems.append(
                f"{source}, line {line}: the same indicator, area and year as line "
                f"{seen[bench.key]} ({bench.kpi_id}, {bench.area_name}, {bench.year_ending})"
            )
            continue
        seen[bench.key] = line
        rows.append(bench)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise BenchmarksError(f"{len(problems)} problem(s) with the benchmarks:\n{listed}")
    return rows


_AREA_ORDER = {a: i for i, a in enumerate(AREA_TYPES)}


class Benchmarks:
    """Every benchmark row, and which to show beside which indicator."""

    def __init__(self, rows: list[Benchmark], registry: Registry):
        self.rows = tuple(rows)
        self._registry = registry

    def __len__(self) -> int:
        return len(self.rows)

    def for_indicator(self, kpi_id: str) -> list[Benchmark]:
        """The benchmarks to show beside ``kpi_id``: latest year first, then England,
        the region, statistical neighbours, then by area name.

        Empty when the registry names no matching published figure for it; a
        ``kpi_id`` the registry does not know is a KeyError.
        """
        key = self._registry[kpi_id].benchmark
        if key is None:
            return []
        found = [b for b in self.rows if b.kpi_id == key]
        return sorted(
            found,
            key=lambda b: (-b.year_ending.toordinal(), _AREA_ORDER[b.area_type], b.area_name),
        )


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BenchmarksError(
            f"{path}: benchmarks file not found (check SCORECARD_BENCHMARKS_FILE)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchmarksError(f"{path}: cannot read the benchmarks file: {exc}") from None


def load_benchmarks(extra: Path | None, registry: Registry) -> Benchmarks:
    """The shipped benchmarks plus those in ``extra`` (same format), which win on a clash."""
    shipped = resources.files("metrics").joinpath("data", SHIPPED).read_text("utf-8")
    rows = parse_benchmarks(shipped, registry, source=f"metrics/data/{SHIPPED}")
    if extra is not None:
        added = parse_benchmarks(_read(extra), registry, source=str(extra))
        replaced = {b.key for b in added}
        rows = [b for b in rows if b.key not in replaced] + added
    return Benchmarks(rows, registry)


def year_label(year_ending: date) -> str:
    """A financial year for a year ending 31 March, otherwise the end month.

    >>> year_label(date(2025, 3, 31)), year_label(date(2024, 12, 31))
    ('2024-25', 'year to Dec 2024')
    """
    if (year_ending.month, year_ending.day) == (3, 31):
        return f"{year_ending.year - 1}-{year_ending.year % 100:02d}"
    return f"year to {year_ending:%b %Y}"


def format_value(value: float, indicator: Indicator) -> str:
    """A benchmark value as the scorecard shows the indicator's values.

    >>> from metrics.registry import load_registry
    >>> reg = load_registry()
    >>> format_value(22.6, reg["rereferrals_12m"]), format_value(632830, reg["referrals"])
    ('22.6%', '632,830 referrals')
    """
    if indicator.type == "percentage":
        return f"{value:.1f}%"
    if indicator.type == "rate":
        return f"{value:,.1f} {indicator.unit}"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{number} {indicator.unit}"


def benchmark_label(benchmark: Benchmark, indicator: Indicator) -> str:
    """A short label: area, year, value and source.

    >>> from metrics.registry import load_registry
    >>> reg = load_registry()
    >>> b = load_benchmarks(None, reg).for_indicator("assessment_median_wd")[1]
    >>> benchmark_label(b, reg["assessment_median_wd"])
    'North East 2024-25: 38 working days (DfE Children in need 2025, data set C2)'
    """
    return (
        f"{benchmark.area_name} {when_label(benchmark, indicator)}: "
        f"{format_value(benchmark.value, indicator)} ({benchmark.source})"
    )


def comparable(ind: Indicator, grain: str | None) -> bool:
    """Whether published figures compare with this indicator's value at this grain.

    Published counts are totals for a whole year ending 31 March: beside a local count
    they mean something only for a financial year. Percentages, rates and medians
    compare at any grain.
    """
    return ind.type != "count" or grain == "year"


def _day(period_end: date | None) -> date | None:
    """A period end as a date (a pandas Timestamp or datetime: its day)."""
    if isinstance(period_end, datetime):
        return period_end.date()
    return period_end


def on_measured_day(ind: Indicator, period_end: date | None) -> bool:
    """Whether a period ending on ``period_end`` has the published figure's definition:
    always, unless the indicator's benchmark is measured on one day of the year
    (``benchmark_measured``), then only when the period ends on that day.

    >>> from metrics.registry import load_registry
    >>> reg = load_registry()
    >>> [on_measured_day(reg["sw_caseload"], date(2025, m, d)) for m, d in ((9, 30), (3, 31))]
    [True, False]
    >>> on_measured_day(reg["rereferrals_12m"], date(2025, 8, 31))
    True
    """
    measured = ind.benchmark_day
    if measured is None:
        return True
    day = _day(period_end)
    return day is not None and (day.month, day.day) == measured


def shown_beside(
    benchmarks: Benchmarks, ind: Indicator, grain: str | None, period_end: date | None
) -> list[Benchmark]:
    """The benchmarks to show beside the indicator's value for the period of ``grain``
    ending ``period_end`` (in :meth:`Benchmarks.for_indicator` order): none where the
    definitions differ (``comparable``, ``on_measured_day``); for a figure measured on
    one day of the year, only those published for a day on or before the period end."""
    if not comparable(ind, grain) or not on_measured_day(ind, period_end):
        return []
    found = benchmarks.for_indicator(ind.id)
    day = _day(period_end)
    if ind.benchmark_day is not None and day is not None:
        found = [b for b in found if b.year_ending <= day]
    return found


def england(
    benchmarks: Benchmarks, ind: Indicator, grain: str | None, period_end: date | None
) -> Benchmark | None:
    """The latest England figure with the indicator's definition for this period, where
    it compares (see :func:`shown_beside`)."""
    for bench in shown_beside(benchmarks, ind, grain, period_end):
        if bench.area_type == "national":
            return bench
    return None


def when_label(benchmark: Benchmark, ind: Indicator) -> str:
    """When the figure was measured: "2024-25", "at 30 September 2023", "year to 30
    September 2023" (the indicator's ``benchmark_measured``, else :func:`year_label`)."""
    if ind.benchmark_measured is not None:
        return f"{ind.benchmark_measured} {benchmark.year_ending.year}"
    return year_label(benchmark.year_ending)


def timing_note(
    indicators: Iterable[Indicator], benchmarks: Benchmarks, period_end: date | None
) -> str | None:
    """The sentence a page shows once when an indicator's England figure is left out
    because its period does not end on the day the figure is measured; None otherwise."""
    days = {
        ind.benchmark_measured.removeprefix("year to ").removeprefix("at ")
        for ind in indicators
        if ind.benchmark_measured is not None
        and benchmarks.for_indicator(ind.id)
        and not on_measured_day(ind, period_end)
    }
    if not days:
        return None
    day = " and ".join(sorted(days))
    return (
        f"The DfE measures the workforce at {day} (turnover: the year to {day}), so its England "
        f"figures are shown only beside periods ending {day}."
    )
