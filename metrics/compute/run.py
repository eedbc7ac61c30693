"""``compute_indicators``: the snapshot in, every result row out.

Example::

    >>> from metrics.registry import load_registry
    >>> from metrics.snapshot_builder import build_snapshot
    >>> snap = build_snapshot(referrals=[{"referral_date": "2024-05-02"}])
    >>> out = compute_indicators(snap, load_registry(), kpi_ids=["referrals_rate"])
    >>> float(out.loc[0, "numerator"]), out.loc[0, "note"]
    (1.0, 'no population estimate for 2023 or earlier')
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

import pandas as pd

from metrics.compute.core import Context, SharedPeriods
from metrics.compute.results import encode, to_frame
from metrics.periods import GRAINS
from metrics.registry import Indicator, Registry
from metrics.snapshot import StoreSnapshot
from metrics.wiring import measure_of

log = logging.getLogger(__name__)


def compute_indicators(
    snapshot: StoreSnapshot,
    registry: Registry,
    *,
    kpi_ids: Iterable[str] | None = None,
    la_codes: Iterable[str] | None = None,
    shared: SharedPeriods | None = None,
    ends_from: date | None = None,
    every_period: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Every indicator (or ``kpi_ids``) for every LA (or ``la_codes``), grain, period, group.

    Columns: kpi_id, la_code, grain, period_start, period_end, breakdown,
    group_name, numerator, denominator, value, note. Periods are shared by all LAs
    (computed from every LA's data, so ``la_codes`` only filters). Warnings (dates
    outside the bank-holiday table) are logged and kept in ``frame.attrs["warnings"]``.
    ``ends_from`` keeps only the periods ending on or after it, except for the ids of
    ``every_period`` (a monthly refresh, ``metrics.recompute_tail``): the measures still
    count over every period, but the rows of the others are never built.
    ``shared`` gives the periods and LAs worked out from the whole store, for a snapshot
    of one LA (``metrics.recompute``); its warnings are the caller's to log.
    """
    wanted = None if kpi_ids is None else list(kpi_ids)
    if wanted is not None:
        unknown = [k for k in wanted if k not in registry]
        if unknown:
            raise KeyError(f"unknown indicator id(s): {', '.join(unknown)}")
    indicators = [i for i in registry if wanted is None or i.id in wanted]
    measures = [measure_of(i) for i in indicators]
    ctx = Context.from_snapshot(snapshot, la_codes, shared=shared)
    for warning in ctx.warnings if shared is None else ():
        log.warning(warning)
    blocks = []
    for indicator, measure in zip(indicators, measures, strict=True):
        for breakdown in indicator.breakdowns:
            since = None if indicator.id in every_period else ends_from
            blocks.append(encode(ctx, indicator, breakdown, measure(ctx, breakdown), ends_from=since))
    frame = _declared_grains(to_frame(blocks), indicators)
    frame.attrs["warnings"] = list(ctx.warnings)
    return frame


def _declared_grains(frame: pd.DataFrame, indicators: list[Indicator]) -> pd.DataFrame:
    """Only the grains each indicator declares (every grain unless it says otherwise)."""
    limited = {i.id: i.grains for i in indicators if set(i.grains) != set(GRAINS)}
    if not limited:
        return frame
    keep = pd.Series(True, index=frame.index)
    for kpi_id, grains in limited.items():
        keep &= ~((frame["kpi_id"] == kpi_id) & ~frame["grain"].isin(grains))
    return frame[keep].reset_index(drop=True)
