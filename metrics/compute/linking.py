"""Same-day referral de-duplication and links across extracts (extracts.md, "Linking").

- Referrals are reduced to one per (LA, child, referral_date): the smallest
  referral_id compared as text (code-point order, as Python compares strings).
  This happens before any referral indicator and before linking.
- An assessment or S47 with no referral_id links to the child's most recent
  de-duplicated referral with referral_date on or before its start_date /
  strategy_date; none: unlinked. An explicit referral_id naming a removed
  duplicate links to the kept referral; one matching no referral of the LA stays
  unlinked (no fallback). A referral_id of only spaces counts as blank.
- A CP review with no plan_id, or one naming no loaded plan of the LA, links to the
  child's plan with start_date ≤ review_date and (end_date blank or end_date ≥
  review_date); if several, the latest start, then (a reading: the spec is silent
  on ties) the smallest plan_id as text.

Example::

    >>> from metrics.snapshot_builder import build_snapshot
    >>> from metrics.compute.core import Context
    >>> snap = build_snapshot(referrals=[
    ...     {"referral_id": "R2", "child_id": "C1", "referral_date": "2024-05-01"},
    ...     {"referral_id": "R10", "child_id": "C1", "referral_date": "2024-05-01"}])
    >>> kept, _ = deduplicated_referrals(Context.from_snapshot(snap))
    >>> kept.frame["referral_id"].tolist()   # "R10" < "R2" as text
    ['R10']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.compute.axis import Bools, Ints
from metrics.compute.core import Context, Rows
from metrics.compute.measures import packed


def _text_rank(values: pd.Series) -> Ints:
    """Each value's rank in code-point order (equal values share a rank; blank last).

    >>> _text_rank(pd.Series(["R2", "R10", "R2", None], dtype="str")).tolist()
    [1, 0, 1, 2]
    """
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes).astype(np.int64)


def _blank(values: pd.Series) -> Bools:
    """True where a text value is missing or only spaces."""
    codes, uniques = pd.factorize(values)
    empty = np.append(pd.Index(uniques).astype(str).str.strip() == "", True)
    return np.asarray(empty[codes], dtype=bool)


def deduplicated_referrals(ctx: Context) -> tuple[Rows, Ints]:
    """The kept referrals, and for every stored referral the index of its kept one."""

    def build() -> tuple[Rows, Ints]:
        rows = ctx.rows("referrals")
        child = rows.child()
        day = rows.days("referral_date").astype(np.int64)
        order = np.lexsort((_text_rank(rows.frame["referral_id"]), day, child))
        c, d = child[order], day[order]
        first = np.r_[True, (c[1:] != c[:-1]) | (d[1:] != d[:-1])] if len(order) else order > 0
        kept_positions = order[first]
        group = np.cumsum(first) - 1
        kept_of = np.empty(len(rows), np.int64)
        kept_of[order] = group
        # Kept rows in stored order, so that results do not depend on the sort above.
        stored_order = np.argsort(kept_positions, kind="stable")
        renumber = np.empty(len(kept_positions), np.int64)
        renumber[stored_order] = np.arange(len(kept_positions))
        return rows.subset(kept_positions[stored_order]), renumber[kept_of]

    return ctx.cached("referrals_dedup", build)


def linked_referral(ctx: Context, kind: str, date_col: str) -> Ints:
    """For each row of ``kind`` (assessments, s47): its de-duplicated referral, or −1."""

    def build() -> Ints:
        rows = ctx.rows(kind)
        kept, kept_of = deduplicated_referrals(ctx)
        blank = _blank(rows.frame["referral_id"])
        link = np.full(len(rows), -1, dtype=np.int64)
        named = _stored_referral(ctx, rows)
        explicit = ~blank & (named >= 0)
        link[explicit] = kept_of[named[explicit]]
        link[blank] = _latest_on_or_before(kept, rows, date_col, blank)
        return link

    return ctx.cached(("linked_referral", kind), build)


def _named(targets: Rows, rows: Rows, column: str) -> Ints:
    """Position in ``targets`` of the row (same LA) whose id ``column`` names, or −1.

    Ids are compared trimmed; a blank id names nothing.
    """
    ids = pd.concat([targets.frame[column], rows.frame[column]], ignore_index=True)
    codes, uniques = pd.factorize(ids.str.strip())
    codes = codes.astype(np.int64)
    width = len(uniques) + 1
    target_key = targets.la_index * width + codes[: len(targets)]
    query_codes = codes[len(targets) :]
    query_key = rows.la_index * width + query_codes
    if len(targets) == 0:
        return np.full(len(rows), -1, dtype=np.int64)
    order = np.argsort(target_key, kind="stable")
    at = np.minimum(np.searchsorted(target_key[order], query_key), len(order) - 1)
    found = (query_codes >= 0) & (target_key[order][at] == query_key)
    return np.where(found, order[at], -1).astype(np.int64)


def _stored_referral(ctx: Context, rows: Rows) -> Ints:
    """Position of the stored referral (same LA) that each row's referral_id names, or −1."""
    return _named(ctx.rows("referrals"), rows, "referral_id")


def _latest_on_or_before(kept: Rows, rows: Rows, date_col: str, which: Bools) -> Ints:
    """Index into ``kept`` of the child's latest referral dated on or before the row's date."""
    ref_key = packed(kept.child(), kept.days("referral_date"))
    order = np.argsort(ref_key, kind="stable")
    sorted_key = ref_key[order]
    child = rows.child()[which]
    query = packed(child, rows.days(date_col)[which])
    at = np.searchsorted(sorted_key, query, side="right") - 1
    safe = np.maximum(at, 0)
    ok = (at >= 0) & (kept.child()[order][safe] == child) if len(order) else at >= 0
    return np.where(ok, order[safe] if len(order) else -1, -1)


def linked_plan(ctx: Context) -> Ints:
    """For each CP review: its plan's position in the cp_plans table, or −1."""

    def build() -> Ints:
        reviews, plans = ctx.rows("cp_reviews"), ctx.rows("cp_plans")
        named = _named(plans, reviews, "plan_id")
        link = named.copy()
        fallback = np.flatnonzero(named < 0)
        link[fallback] = _covering_plan(plans, reviews, fallback)
        return link

    return ctx.cached("linked_plan", build)


def _covering_plan(plans: Rows, reviews: Rows, which: Ints) -> Ints:
    """The child's plan covering the review date (latest start, then smallest plan_id)."""
    left = pd.DataFrame(
        {
            "review": which,
            "child": reviews.child()[which],
            "day": reviews.days("review_date")[which],
        }
    )
    right = pd.DataFrame(
        {
            "plan": np.arange(len(plans)),
            "child": plans.child(),
            "start": plans.days("start_date"),
            "end": plans.days("end_date"),
            "id_rank": _text_rank(plans.frame["plan_id"]),
        }
    )
    pairs = left.merge(right, on="child")
    covers = (pairs["start"] <= pairs["day"]) & (pairs["end"].isna() | (pairs["end"] >= pairs["day"]))
    pairs = pairs[covers].sort_values(["review", "start", "id_rank"], ascending=[True, False, True])
    best = pairs.drop_duplicates("review")
    out = pd.Series(-1, index=which, dtype=np.int64)
    out[best["review"].to_numpy()] = best["plan"].to_numpy()
    return out.to_numpy().astype(np.int64)
