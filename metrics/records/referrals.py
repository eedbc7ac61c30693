"""Records of the referral indicators (and ``step_down_to_eh``, computed from referrals).

Readings as ``metrics.compute.referrals`` and ``linking``:

- Same-day duplicates are removed first: one referral per (LA, child,
  referral_date), the smallest referral_id as text. Every stored referral of a
  (child, date) is read with it, so the kept one is the one compute keeps; its own
  team, locality and source give its groups.
- ``rereferrals_12m``: the child's previous kept referral (any time before; read from
  the child's whole history) dated on or after referral_date − 12 calendar months.
- ``referral_to_assessment``: an assessment with a referral_id links to the kept
  referral of the referral it names (a removed duplicate points to the kept one; an
  id naming no referral stays unlinked); one without links to the child's latest
  referral dated on or before its start_date. Whenever the assessment started.
- ``step_down_to_eh``: kept referrals with closure_date in the period; numerator
  closure_reason RC9.

Example::

    >>> frame = pd.DataFrame({"child_key": ["a", "a", "b"], "referral_id": ["R2", "R10", "R3"],
    ...                       "referral_date": pd.to_datetime(["2024-05-01"] * 3)})
    >>> kept_referrals(frame)["referral_id"].tolist()   # "R10" < "R2" as text
    ['R10', 'R3']
"""

from __future__ import annotations

import pandas as pd

from metrics.compute.measures import within_12_months_before
from metrics.records.request import Request, finish, flags, in_period
from metrics.wiring import records

COLUMNS = ["child_key", "referral_id", "referral_date", "referral_source"]
COMMON = ["team", "locality"]
IN_PERIOD = "referral_date BETWEEN :start AND :end"


def kept_referrals(frame: pd.DataFrame) -> pd.DataFrame:
    """One referral per (child, referral_date): the smallest referral_id as text."""
    ordered = frame.sort_values("referral_id", kind="stable")
    return ordered.drop_duplicates(["child_key", "referral_date"], keep="first").sort_index()


def _period(req: Request, extra: list[str] | None = None) -> pd.DataFrame:
    read = req.read("referrals", COLUMNS + (extra or []) + COMMON, IN_PERIOD)
    return finish(kept_referrals(read), "referrals", req)


@records("referrals", "referrals_rate")
def referrals(req: Request) -> pd.DataFrame:
    """Kept referrals with referral_date in the period."""
    return _period(req)


@records("referrals_nfa")
def referrals_nfa(req: Request) -> pd.DataFrame:
    """Kept referrals; in the numerator: referral_nfa true (blank is not true)."""
    frame = _period(req, ["referral_nfa"])
    return frame.assign(in_numerator=flags(frame["referral_nfa"].eq(True)))


@records("rereferrals_12m")
def rereferrals_12m(req: Request) -> pd.DataFrame:
    """Kept referrals; in the numerator: the child's previous one is within 12 months before."""
    history = req.read(
        "referrals",
        COLUMNS + COMMON,
        f"referral_date <= :end AND {req.children('referrals', IN_PERIOD)}",
    )
    kept = kept_referrals(history).sort_values(["child_key", "referral_date"], kind="stable")
    kept["previous_referral_date"] = kept.groupby("child_key", sort=False)["referral_date"].shift(1)
    kept = kept[in_period(kept["referral_date"], req)]
    previous = kept["previous_referral_date"].to_numpy("datetime64[D]")
    again = within_12_months_before(previous, kept["referral_date"].to_numpy("datetime64[D]"))
    return finish(kept, "referrals", req).assign(in_numerator=flags(again))


def _linked_assessments(req: Request, later: pd.DataFrame) -> pd.DataFrame:
    """(child_key, referral_date) of the kept referral each relevant assessment links to.

    ``later`` holds every stored referral, dated from the period start on, of the
    children with a referral in the period.
    """
    found = req.read(
        "assessments",
        ["assessment_id", "child_key", "start_date", "referral_id"],
        f"TRIM(referral_id) IN (SELECT TRIM(referral_id) FROM referrals WHERE {req.scan_la} AND {IN_PERIOD}) "
        f"OR (start_date >= :start AND {req.children('referrals', IN_PERIOD)} "
        "AND (referral_id IS NULL OR TRIM(referral_id) = ''))",
    )
    named = found["referral_id"].str.strip()
    blank = named.isna() | named.eq("")
    in_period_refs = later[in_period(later["referral_date"], req)]
    by_id = in_period_refs.assign(rid=in_period_refs["referral_id"].str.strip()).drop_duplicates("rid")
    explicit = (
        found[~blank]
        .assign(rid=named[~blank])
        .merge(
            by_id[["rid", "child_key", "referral_date"]].rename(columns={"child_key": "ref_child"}),
            on="rid",
        )
    )
    explicit = explicit.assign(child_key=explicit["ref_child"])
    fallback = pd.merge_asof(
        found[blank].sort_values("start_date"),
        later[["child_key", "referral_date"]].drop_duplicates().sort_values("referral_date"),
        left_on="start_date",
        right_on="referral_date",
        by="child_key",
        direction="backward",
    ).dropna(subset=["referral_date"])
    columns = ["child_key", "referral_date", "assessment_id", "start_date"]
    return pd.concat([explicit[columns], fallback[columns]], ignore_index=True)


@records("referral_to_assessment")
def referral_to_assessment(req: Request) -> pd.DataFrame:
    """Kept referrals; in the numerator: those with at least one linked assessment."""
    later = req.read(
        "referrals",
        COLUMNS + COMMON,
        f"referral_date >= :start AND {req.children('referrals', IN_PERIOD)}",
    )
    kept = kept_referrals(later[in_period(later["referral_date"], req)])
    links = _linked_assessments(req, later)
    first = links.sort_values(["start_date", "assessment_id"], kind="stable").drop_duplicates(
        ["child_key", "referral_date"]
    )
    first = first.rename(columns={"start_date": "assessment_start_date"})
    merged = kept.merge(first, on=["child_key", "referral_date"], how="left", validate="one_to_one")
    merged.index = kept.index
    return finish(merged, "referrals", req).assign(in_numerator=flags(merged["assessment_id"].notna()))


@records("step_down_to_eh")
def step_down_to_eh(req: Request) -> pd.DataFrame:
    """Kept referrals with closure_date in the period; in the numerator: closure_reason RC9."""
    history = req.read(
        "referrals",
        [*COLUMNS, "closure_date", "closure_reason", *COMMON],
        req.children("referrals", "closure_date BETWEEN :start AND :end"),
    )
    kept = kept_referrals(history)
    kept = kept[in_period(kept["closure_date"], req)]
    rc9 = flags(kept["closure_reason"].eq("RC9"))
    return finish(kept, "referrals", req).assign(in_numerator=rc9)
