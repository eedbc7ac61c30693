"""How code attaches to the registry: ``@measure`` and ``@records``, by indicator id.

An indicator is declared once, in ``metrics/data/indicators.yaml``. Code adds only
the two things data cannot say, registered under the indicator's id:

- ``@measure("rereferrals_12m")`` on a function ``(Context, breakdown) -> Measure``
  in ``metrics/compute/<stage>.py`` (how to count it);
- ``@records("rereferrals_12m")`` on a function ``(Request) -> DataFrame`` in
  ``metrics/records/<stage>.py`` (how to list the records behind a number).

One function may serve several ids (a count and its rate). A *family* of ids that
come from configuration, not from indicators.yaml (the partners' measures ``pm_<id>``
of ``SCORECARD_MEASURES_FILE``, declared by ``metrics.registry.load_registry``), has
one function for every member, registered under the ids' prefix:
``@measure_family("pm_")`` on ``(Context, breakdown, indicator) -> Measure`` and
``@records_family("pm_")`` on ``(Request, indicator) -> DataFrame``; ``measure_of`` and
``records_of`` hand them the member's declaration. ``check_wiring(registry)``
runs at start-up (``create_app``, ``recompute``, ``compute_indicators``,
``records_for``) and fails naming every id declared without a measure or records
function, and every function registered under an id the registry does not declare.

Example::

    >>> from metrics.registry import load_registry
    >>> check_wiring(load_registry())
    >>> measure_for("rereferrals_12m").__name__
    'rereferrals_12m'
    >>> records_function("referrals_rate").__name__   # the count's records serve its rate
    'referrals'
    >>> reg = load_registry()
    >>> measure_of(reg["pm_icpc_health_reports"]).func.__name__
    'partner_measure'
    >>> measure_for("no_such_kpi")
    Traceback (most recent call last):
    ...
    metrics.wiring.WiringError: indicator 'no_such_kpi' has no @measure in metrics/compute
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the signatures only; importing them here would be circular
    import pandas as pd

    from metrics.compute.core import Context, Measure
    from metrics.records.request import Request
    from metrics.registry import Indicator, Registry

    MeasureFunction = Callable[[Context, str], Measure]
    RecordsFunction = Callable[[Request], pd.DataFrame]

F = TypeVar("F", bound=Callable[..., object])

# Filled by the decorators as metrics.compute and metrics.records are imported.
_MEASURES: dict[str, Callable[..., object]] = {}
_RECORDS: dict[str, Callable[..., object]] = {}
# Families: id prefix -> the function serving every id with it (given the declaration).
_MEASURE_FAMILIES: dict[str, Callable[..., object]] = {}
_RECORDS_FAMILIES: dict[str, Callable[..., object]] = {}


class WiringError(LookupError):
    """An indicator's declaration and its code do not match (a missing or unknown id)."""


def _register(
    table: dict[str, Callable[..., object]], what: str, kpi_ids: tuple[str, ...]
) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        for kpi_id in kpi_ids:
            if kpi_id in table and table[kpi_id] is not function:
                raise WiringError(
                    f"@{what}({kpi_id!r}) is on both {table[kpi_id].__module__}.{table[kpi_id].__name__} "
                    f"and {function.__module__}.{function.__name__}; keep one"
                )
            table[kpi_id] = function
        return function

    return decorate


def measure(*kpi_ids: str) -> Callable[[F], F]:
    """Register the function that computes these indicators: ``(Context, breakdown) -> Measure``."""
    return _register(_MEASURES, "measure", kpi_ids)


def records(*kpi_ids: str) -> Callable[[F], F]:
    """Register the function that lists these indicators' records: ``(Request) -> DataFrame``."""
    return _register(_RECORDS, "records", kpi_ids)


def measure_family(prefix: str) -> Callable[[F], F]:
    """Register the function computing every id starting with ``prefix``:
    ``(Context, breakdown, indicator) -> Measure``."""
    return _register(_MEASURE_FAMILIES, "measure_family", (prefix,))


def records_family(prefix: str) -> Callable[[F], F]:
    """Register the function listing the records of every id starting with ``prefix``:
    ``(Request, indicator) -> DataFrame``."""
    return _register(_RECORDS_FAMILIES, "records_family", (prefix,))


def _family(table: dict[str, Callable[..., object]], kpi_id: str) -> Callable[..., object] | None:
    return next((f for prefix, f in table.items() if kpi_id.startswith(prefix)), None)


def _bound(
    table: dict[str, Callable[..., object]],
    families: dict[str, Callable[..., object]],
    what: str,
    indicator: Indicator,
) -> Callable[..., object]:
    """An indicator's own function, or its family's with the declaration bound to it."""
    if indicator.id in table:
        return table[indicator.id]
    family = _family(families, indicator.id)
    if family is None:
        where = "compute" if what == "measure" else "records"
        raise WiringError(f"indicator {indicator.id!r} has no @{what} in metrics/{where}")
    return partial(family, indicator=indicator)


def measure_of(indicator: Indicator) -> MeasureFunction:
    """The measure of a declared indicator: its own ``@measure``, or its family's bound to it."""
    _load_measures()
    return _bound(_MEASURES, _MEASURE_FAMILIES, "measure", indicator)  # type: ignore[return-value]


def records_of(indicator: Indicator) -> RecordsFunction:
    """The records query of a declared indicator: its own ``@records`` or its family's."""
    _load_records()
    return _bound(_RECORDS, _RECORDS_FAMILIES, "records", indicator)  # type: ignore[return-value]


def _load_measures() -> None:
    """Import the modules whose decorators fill the table (once; later calls are no-ops)."""
    import metrics.compute  # noqa: F401


def _load_records() -> None:
    import metrics.records  # noqa: F401


def measure_for(kpi_id: str) -> MeasureFunction:
    """The registered measure of one indicator."""
    _load_measures()
    if kpi_id not in _MEASURES:
        raise WiringError(f"indicator {kpi_id!r} has no @measure in metrics/compute")
    return _MEASURES[kpi_id]  # type: ignore[return-value]


def records_function(kpi_id: str) -> RecordsFunction:
    """The registered records query of one indicator."""
    _load_records()
    if kpi_id not in _RECORDS:
        raise WiringError(f"indicator {kpi_id!r} has no @records in metrics/records")
    return _RECORDS[kpi_id]  # type: ignore[return-value]


def wiring_problems(registry: Registry) -> list[str]:
    """Every mismatch between the registry and the registered code, as sentences."""
    _load_measures()
    _load_records()
    declared = registry.ids()
    problems = []
    for what, table, families, where in (
        ("measure", _MEASURES, _MEASURE_FAMILIES, "compute"),
        ("records", _RECORDS, _RECORDS_FAMILIES, "records"),
    ):
        problems += [
            f"indicator {kpi_id!r} is declared in metrics/data/indicators.yaml but has no "
            f"@{what}({kpi_id!r}) in metrics/{where} (is its module imported in "
            f"metrics/{where}/__init__.py?)"
            for kpi_id in declared
            if kpi_id not in table and _family(families, kpi_id) is None
        ]
        problems += [
            f"@{what}({kpi_id!r}) on {table[kpi_id].__module__}.{table[kpi_id].__name__} names an "
            "indicator that metrics/data/indicators.yaml does not declare"
            for kpi_id in table
            if kpi_id not in registry
        ]
    return problems


def check_wiring(registry: Registry) -> None:
    """Refuse to start when a declared indicator lacks its code or code names an unknown id."""
    problems = wiring_problems(registry)
    if problems:
        raise WiringError("the indicators and their code do not match:\n- " + "\n- ".join(problems))
