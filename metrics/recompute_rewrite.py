"""Which stored rows a monthly refresh rewrites among the periods before its ``from_date``.

The indicators of ``metrics.recompute_tail.EVERY_PERIOD`` are recomputed over every
period (a referral's "assessed" can change when a later assessment links to it), but a
month changes few of their earlier rows: in the store of four LAs, LA 800's month
recomputed 4,727 rows of ``referral_to_assessment`` before the month and handed every one
back. The writer deleted and inserted them all, and since the store's key keeps each
period's rows together, that touched a page of ``kpi_results`` for every period: 8.1 MB
written to the WAL at the commit against 0.9 MB for the month's own rows
(docs/performance.md, fourteenth session).

So the task reads those indicators' stored rows before ``from_date``
(``metrics.recompute_tail.every_period_read``) and compares them with the rows it
computed for the same periods, column by column as the store holds them
(``store.bulk.arrow_store_column``: dates as dates, NaN as null, whole numbers as
integers). It hands back only the rows that differ or are new, and the keys of the
stored rows to delete first: those that differ and those it no longer computes (a group
that went). The stored rows are then what a full recompute would write, row for row;
``tests/test_recompute_incremental.py`` checks it after later months.

Readings: a stored row equal in every column is kept, not rewritten (a full recompute
writes the same values); 0.0 and -0.0 compare equal, as they do in every comparison of
the results (the pages show both as 0).

Example::

    >>> import pandas as pd
    >>> keys = dict(la_code="394", grain="month", breakdown="all", kpi_id="k", group_name="all")
    >>> def rows(values, ends):
    ...     return pd.DataFrame([{**keys, "period_end": pd.Timestamp(e), "value": v}
    ...                          for v, e in zip(values, ends)])
    >>> stored = rows([1.0, 2.0, 3.0], ["2024-01-31", "2024-02-29", "2024-03-31"])
    >>> fresh = rows([1.0, 2.5, 4.0], ["2024-01-31", "2024-02-29", "2024-04-30"])
    >>> keep, gone = rewrites(fresh, stored, ["value"])
    >>> keep.tolist()
    [False, True, True]
    >>> gone["period_end"].dt.strftime("%Y-%m-%d").tolist()
    ['2024-02-29', '2024-03-31']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow.compute as pc

from store.bulk import arrow_store_column
from store.schema import kpi_results

KEYS = [c.name for c in kpi_results.primary_key.columns]
# The columns compared: every column of a stored row but its key.
VALUES = [c.name for c in kpi_results.columns if c.name not in KEYS]


def rewrites(
    fresh: pd.DataFrame, stored: pd.DataFrame, columns: Sequence[str] = VALUES
) -> tuple[npt.NDArray[np.bool_], pd.DataFrame]:
    """Which of ``fresh`` (rows computed for periods the store holds) to write, and the
    keys of the ``stored`` rows to delete first (those that differ, and those ``fresh``
    lacks). Rows compare on ``columns`` as the store holds them."""
    new_at, old_at = _matched(fresh, stored)
    differs = ~_same_values(fresh, stored, new_at, old_at, columns)
    keep = np.ones(len(fresh), dtype=bool)
    keep[new_at[~differs]] = False
    lost = np.ones(len(stored), dtype=bool)
    lost[old_at[~differs]] = False
    return keep, stored.loc[lost, KEYS].reset_index(drop=True)


def _matched(fresh: pd.DataFrame, stored: pd.DataFrame) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The positions of the rows of ``fresh`` and ``stored`` with the same key, pair by pair."""
    left = _keys(fresh).assign(_new=np.arange(len(fresh)))
    right = _keys(stored).assign(_old=np.arange(len(stored)))
    both = left.merge(right, on=KEYS, how="inner")
    return both["_new"].to_numpy(np.intp), both["_old"].to_numpy(np.intp)


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    keys = frame[KEYS].reset_index(drop=True)
    # Computed and read frames may carry the period's end at different precisions.
    return keys.assign(period_end=pd.to_datetime(keys["period_end"]).astype("datetime64[s]"))


def _same_values(
    fresh: pd.DataFrame,
    stored: pd.DataFrame,
    new_at: npt.NDArray[np.intp],
    old_at: npt.NDArray[np.intp],
    columns: Sequence[str],
) -> npt.NDArray[np.bool_]:
    """Per matched pair, whether every one of ``columns`` stores the same (null as null)."""
    same = np.ones(len(new_at), dtype=bool)
    for name in columns:
        sql_type = kpi_results.c[name].type
        new = arrow_store_column(fresh[name].iloc[new_at], sql_type, "postgresql")
        old = arrow_store_column(stored[name].iloc[old_at], sql_type, "postgresql")
        if new.type != old.type:
            old = old.cast(new.type)
        equal = pc.fill_null(pc.equal(new, old), False)
        both_null = pc.and_(pc.is_null(new), pc.is_null(old))
        same &= pc.or_(equal, both_null).to_numpy(zero_copy_only=False)
    return same
