"""``compute_indicators``: the snapshot in, every result row out.

Example::

    >>> from metrics.registry import load_registry
    >>> from tests.snapshot_builder import build_snapshot
    >>> snap = build_snapshot(referrals=[{"referral_date": "2024-05-02"}])
    >>> out = compute_indicators(snap, load_registry(), kpi_ids=["referrals_rate"])
    >>> float(out.loc[0, "numerator"]), out.loc[0, "note"]
    (1.0, 'no population estimate for 2023 or earlier')
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pandas as pd

from metrics.compute.catalogue import COMPUTATIONS
from metrics.compute.core import Computation, Context
from metrics.compute.results import encode, to_frame
from metrics.registry import Indicator, Registry
from metrics.snapshot import StoreSnapshot

log = logging.getLogger(__name__)


def _checked(indicator: Indicator) -> Computation:
    """The indicator's computation, refusing a registry entry it cannot honour."""
    computation = COMPUTATIONS.get(indicator.id)
    if computation is None:
        raise KeyError(f"indicator {indicator.id!r} has no computation in metrics/compute")
    if computation.type != indicator.type:
        raise ValueError(
            f"{indicator.id}: the registry says {indicator.type}, "
            f"the computation produces a {computation.type}"
        )
    missing = [b for b in indicator.breakdowns if b not in computation.breakdowns]
    if missing:
        raise ValueError(
            f"{indicator.id}: the registry asks for breakdown(s) {', '.join(missing)}; "
            f"the computation has {', '.join(computation.breakdowns)}"
        )
    return computation


def compute_indicators(
    snapshot: StoreSnapshot,
    registry: Registry,
    *,
    kpi_ids: Iterable[str] | None = None,
    la_codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every indicator (or ``kpi_ids``) for every LA (or ``la_codes``), grain, period, group.

    Columns: kpi_id, la_code, grain, period_start, period_end, breakdown,
    group_name, numerator, denominator, value, note. Periods are shared by all LAs
    (computed from every LA's data, so ``la_codes`` only filters). Warnings (dates
    outside the bank-holiday table) are logged and kept in ``frame.attrs["warnings"]``.
    """
    wanted = None if kpi_ids is None else list(kpi_ids)
    if wanted is not None:
        unknown = [k for k in wanted if k not in registry]
        if unknown:
            raise KeyError(f"unknown indicator id(s): {', '.join(unknown)}")
    indicators = [i for i in registry if wanted is None or i.id in wanted]
    computations = [_checked(i) for i in indicators]
    ctx = Context.from_snapshot(snapshot, la_codes)
    for warning in ctx.warnings:
        log.warning(warning)
    blocks = []
    for indicator, computation in zip(indicators, computations, strict=True):
        for breakdown in indicator.breakdowns:
            measure = computation.measure(ctx, breakdown)
            blocks.append(encode(ctx, indicator, computation, breakdown, measure))
    frame = to_frame(blocks)
    frame.attrs["warnings"] = list(ctx.warnings)
    return frame
