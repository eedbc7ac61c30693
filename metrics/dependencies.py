"""Which stored kinds each indicator reads: what an incremental recompute must redo.

The registry (``metrics/data/indicators.yaml``) names each indicator's ``source``, the
kind it counts or whose denominator it is. Some indicators read further kinds (a
referral's assessment, a plan's visits), every rate divides by the population, and the
data-quality ids read every event kind (``each kind``) or the load records
(``loads``). ``indicator_kinds`` is the whole set; ``tests/test_recompute_incremental.py``
traces every computation's reads and checks they lie inside it, so a computation that
starts reading another kind fails a test instead of going stale silently.

``LOADS`` stands for the load records (``loads``/``load_counts``): every load touches them
for its LAs, so ``dq_rejected_rows`` is redone for any LA a load names.

Example::

    >>> from metrics.registry import load_registry
    >>> reg = load_registry()
    >>> sorted(indicator_kinds(reg["referral_to_assessment"]))
    ['assessments', 'referrals']
    >>> sorted(indicator_kinds(reg["referrals_rate"]))
    ['population', 'referrals']
    >>> "cp_visits" in indicator_kinds(reg["dq_completeness"])
    True
"""

from __future__ import annotations

from collections.abc import Iterable

from metrics.registry import Indicator, Registry
from store.extracts import EVENT_KINDS

LOADS = "loads"

# Kinds read beyond the registry's ``source``, found by tracing each computation's reads
# (the test above keeps this honest). Until the registry declares every source kind, this
# is the one place that says so.
READS_BEYOND_SOURCE: dict[str, tuple[str, ...]] = {
    "referral_to_assessment": ("assessments",),
    "cp_visits_10wd": ("cp_visits",),
    "cp_reviews_timely": ("cp_reviews",),
    # The vacancy rate divides by vacant + in-post FTE, the latter from the workforce spells.
    "sw_vacancy_rate": ("workforce",),
    # Cases per FTE: the FTE (and the team) of the case-holders come from their spells.
    "sw_caseload": ("workforce",),
}


def indicator_kinds(indicator: Indicator) -> frozenset[str]:
    """Every stored kind (and ``LOADS``) whose rows can change this indicator's results."""
    kinds = set(EVENT_KINDS) if indicator.source == "each kind" else {indicator.source}
    kinds.update(READS_BEYOND_SOURCE.get(indicator.id, ()))
    if indicator.type == "rate":
        kinds.add("population")
    return frozenset(kinds)


def affected_indicators(registry: Registry, touched: Iterable[str]) -> list[str]:
    """The ids, in registry order, of the indicators that read any of the ``touched`` kinds.

    >>> from metrics.registry import load_registry
    >>> affected_indicators(load_registry(), ["cp_reviews"])
    ['cp_reviews_timely', 'dq_recording_lag_5wd', 'dq_completeness']
    """
    touched = set(touched)
    return [i.id for i in registry if indicator_kinds(i) & touched]


def kinds_to_read(registry: Registry, kpi_ids: Iterable[str] | None) -> frozenset[str]:
    """The stored kinds (and ``LOADS``) that computing ``kpi_ids`` (None: all) reads."""
    wanted = None if kpi_ids is None else set(kpi_ids)
    out: set[str] = set()
    for indicator in registry:
        if wanted is None or indicator.id in wanted:
            out |= indicator_kinds(indicator)
    return frozenset(out)
