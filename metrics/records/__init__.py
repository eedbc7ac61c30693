"""The records behind one stored result: the list an indicator page shows and downloads.

``records_for(engine, kpi_id, la_code, grain, period_end, breakdown, group_name)``
returns the records behind one row of ``kpi_results``, computed with exactly the
readings of ``metrics.compute`` (see each builder module's docstring):

- a count or rate: the records counted; for the distinct-children ids
  (``cp_children_at_end``, ``cp_rate_at_end``, ``cin_children_at_end``,
  ``cin_rate_at_end``, ``eh_reach``) one row per child, with the record that puts
  the child there;
- a percentage: every record in the denominator, with ``in_numerator`` (``<NA>``
  only where a date outside the bank-holiday table leaves it undecided, as the
  stored value is then blank); ``cp_visits_10wd`` has one row per child;
- the median: the records it is the median of, with ``working_days``;
- the data-quality ids: the stored rows of the kind (or ``kind.column``), and for
  ``dq_rejected_rows`` the rejected rows (child ids already masked by the loader).

``child`` is the pseudonym (``child_key``) and nothing else about the child. Dates
are ``datetime64[s]``, working days ``Int64``, ``in_numerator`` ``boolean``.
Each indicator's columns, sentence (``describe_records``), order and whether it
has one row per child are declared with the indicator (``records:`` in
``metrics/data/indicators.yaml``); each builder module adds only the query,
``@records("<id>")``. Each call reads only the LA, the period's rows and the
look-back rows of the children involved.

The rows come first that a manager acts on: for a percentage, ``in_numerator``
False first when higher is better (late assessments, children not seen), True
first otherwise (re-referrals, plans lasting 2 years); then the declared order
(longest waits first); then the ids, so the order is always the same.

Example::

    >>> from datetime import date, datetime
    >>> from store.engine import open_store
    >>> records_for(open_store("sqlite://"), "assessments_45wd", "394", "month",
    ...             date(2024, 5, 31)).columns.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    ['child', 'assessment_id', 'start_date', 'authorisation_date', 'working_days', 'team',
     'locality', 'in_numerator']
    >>> describe_records("assessments_45wd").split(";")[0]
    'Assessments completed in the period'
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine

from metrics.compute.core import ALL_GROUP
from metrics.periods import GRAINS, Period, period_for

# The builder modules: importing them registers their @records functions.
from metrics.records import (  # noqa: F401
    audits,
    casework,
    data_quality,
    early_help,
    front_door,
    partner_measures,
    plans,
    referrals,
    workforce,
)
from metrics.records.request import Request
from metrics.registry import Indicator, RecordList, Registry, load_registry
from metrics.wiring import records_of
from store.extracts import EVENT_KINDS

__all__ = ["describe_records", "records_by_group", "records_for"]


def describe_records(kpi_id: str, registry: Registry | None = None) -> str:
    """One sentence for the page, saying what the records are and what marks the numerator.

    ``registry`` is the app's (with the ``pm_*`` of its measures file); None: the shipped
    registry (tests, scripts). The same for every function here.

    >>> describe_records("cp_children_at_end").split(",")[0]
    'Children on a child protection plan at the period end'
    """
    return _indicator(kpi_id, registry).records.description


def _indicator(kpi_id: str, registry: Registry | None) -> Indicator:
    registry = registry if registry is not None else load_registry()
    if kpi_id not in registry:
        raise ValueError(f"unknown indicator id {kpi_id!r}; known ids: {', '.join(registry.ids())}")
    return registry[kpi_id]


def _period(grain: str, period_end: date) -> Period:
    if isinstance(period_end, datetime):  # a Timestamp or datetime: its day
        period_end = period_end.date()
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}: expected one of {', '.join(GRAINS)}")
    period = period_for(grain, period_end)
    if period.end != period_end:
        raise ValueError(
            f"{period_end} is not the end of a {grain} period: the {grain} ending in that month "
            f"ends on {period.end}"
        )
    return period


def _check_group(indicator: Indicator, breakdown: str, group_name: str | None) -> None:
    if breakdown not in indicator.breakdowns:
        raise ValueError(
            f"{indicator.id} has no breakdown {breakdown!r}; it has {', '.join(indicator.breakdowns)}"
        )
    if group_name is None:
        return
    if breakdown == "all" and group_name != ALL_GROUP:
        raise ValueError(f"breakdown 'all' has the one group 'all', not {group_name!r}")
    if breakdown != "all" and group_name == ALL_GROUP:
        raise ValueError(f"name a group of breakdown {breakdown!r} (group 'all' is breakdown 'all')")
    valid = {"kind": EVENT_KINDS, "column": data_quality.completeness_group_names()}.get(breakdown)
    if valid is not None and group_name not in valid:
        raise ValueError(
            f"{group_name!r} is not a group of breakdown {breakdown!r}: expected one of {', '.join(valid)}"
        )


def _sorted(frame: pd.DataFrame, spec: RecordList, indicator: Indicator) -> pd.DataFrame:
    keys: list[tuple[str, bool]] = []
    if spec.has_flag:
        keys.append(("in_numerator", indicator.polarity == "up"))
    keys += [k for k in spec.sort_keys if k[0] in frame.columns]
    keys += [(c, True) for c in spec.id_columns if c in frame.columns and c not in dict(keys)]
    if frame.empty or not keys:
        return frame
    return frame.sort_values(
        [k for k, _ in keys], ascending=[a for _, a in keys], na_position="first", kind="stable"
    )


def _one_per_child(frame: pd.DataFrame, spec: RecordList) -> pd.DataFrame:
    """For the distinct-children ids: per child and group, the latest-starting record."""
    if not spec.per_child:
        return frame
    ids = [c for c in spec.id_columns if c != "child"]
    ordered = frame.sort_values(["start_date", *ids], ascending=[False] + [True] * len(ids), kind="stable")
    return ordered.drop_duplicates(["child", "group_name"])


def _records(
    engine: Engine,
    kpi_id: str,
    la_code: str,
    grain: str,
    period_end: date,
    breakdown: str,
    group_name: str | None,
    registry: Registry | None,
) -> pd.DataFrame:
    indicator = _indicator(kpi_id, registry)
    period = _period(grain, period_end)
    _check_group(indicator, breakdown, group_name)
    spec = indicator.records
    query = records_of(indicator)
    with engine.connect() as conn:
        request = Request(conn, la_code.strip(), period.start, period.end, breakdown, group_name)
        frame = query(request)
    if group_name is not None:
        frame = frame[frame["group_name"] == group_name]
    frame = _sorted(_one_per_child(frame, spec), spec, indicator)
    return frame[[*spec.columns, "group_name"]].reset_index(drop=True)


def records_for(
    engine: Engine,
    kpi_id: str,
    la_code: str,
    grain: str,
    period_end: date,
    breakdown: str = "all",
    group_name: str = "all",
    registry: Registry | None = None,
) -> pd.DataFrame:
    """The records behind one stored result (one row of ``kpi_results``).

    Raises ValueError for an unknown indicator id or grain, a ``period_end`` that does
    not end a period of the grain, or a breakdown (or group) the indicator does not have.
    """
    return _records(engine, kpi_id, la_code, grain, period_end, breakdown, group_name, registry).drop(
        columns="group_name"
    )


def records_by_group(
    engine: Engine,
    kpi_id: str,
    la_code: str,
    grain: str,
    period_end: date,
    breakdown: str,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """The records of every group of a breakdown at once, with their ``group_name``.

    A record is in each group it counts in (a child with plans in two teams is in both).
    """
    return _records(engine, kpi_id, la_code, grain, period_end, breakdown, None, registry)
