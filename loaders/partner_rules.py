"""The rules a partner_measures row must meet beyond its columns' own forms.

From ``shared/spec/extracts.md`` (partner_measures), each a row reject with a reason
and a stable code (``reason_code``):

- ``unknown_measure``: measure_id is not declared in the measures file;
- ``other_agency_measure``: the measure is owned by another agency than the partner
  named on the load (only when a partner is named);
- ``wrong_period_bounds``: period_start is not the first day of a calendar month or
  quarter matching the measure's grain, or period_end is not the last day of that
  same month or quarter;
- ``missing_numerator`` / ``missing_denominator``: a ``percent`` or ``rate_per_10k``
  measure without them (a denominator of 0 is a column error: "must be more than 0");
- ``missing_value``: a ``count`` or ``days`` measure without a value;
- ``value_inconsistent``: a value given for a ratio measure that does not equal the
  value computed from numerator and denominator to one decimal place (both rounded
  half up to 1 decimal place and compared);
- ``numerator_exceeds_denominator``: a ``percent`` measure whose numerator is larger
  than its denominator (a reading: a percentage of a group cannot exceed 100).

Each rule reports in the column it concerns; ``loaders.validate`` keeps a row's first
problem in column order.

A partner named on the load is read as an agency (``health``, ``Police``, ``Schools &
education``, ...). A partner that names no agency ("MASH", "Sample data") cannot be
checked against the owners: the rows are not checked for it, and the load says so in
a warning (a reading: the spec asks for the check "when a partner is named", and a
free-text partner on the upload page should not reject a partnership's own file).

Example::

    >>> from store.measures import default_measures
    >>> parsed = {
    ...     "measure_id": pd.Series(["strategy_police_attendance", "nope"], dtype="str"),
    ...     "period_start": pd.Series(pd.to_datetime(["2025-04-01", "2025-04-01"])),
    ...     "period_end": pd.Series(pd.to_datetime(["2025-04-30", "2025-04-30"])),
    ...     "numerator": pd.Series([9.0, 1.0]), "denominator": pd.Series([10.0, 2.0]),
    ...     "value": pd.Series([90.0, float("nan")]),
    ... }
    >>> reasons, codes = check_partner_measures(parsed, default_measures(), "health")["measure_id"]
    >>> list(codes)
    ['other_agency_measure', 'unknown_measure']
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from store.measures import MeasureCatalogue, agency_code, default_measures

Rule = tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]  # reasons, codes (None where fine)


def partner_agency(partner: str | None, warnings: list[str]) -> str | None:
    """The agency code of the partner named on a partner_measures load (None when none is named,
    or the name is not an agency's: then a warning is added)."""
    if partner is None or not partner.strip():
        return None
    code = agency_code(partner)
    if code is None:
        warnings.append(
            f"the partner {partner!r} is not an agency that owns measures (health, police, school, ...): "
            "the owners of the measures were not checked"
        )
    return code


class _Rules:
    """Reasons and codes per column, filled rule by rule (the first rule to fire wins)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.out: dict[str, Rule] = {}

    def add(self, column: str, mask: npt.NDArray[np.bool_], code: str, reasons: list[str] | str) -> None:
        if not mask.any():
            return
        reason, codes = self.out.setdefault(
            column, (np.full(self.n, None, dtype=object), np.full(self.n, None, dtype=object))
        )
        free = mask & pd.isna(reason)
        if isinstance(reasons, str):
            reason[free] = reasons
        else:
            reason[free] = np.asarray(reasons, dtype=object)[free]
        codes[free] = code


def _half_up_1dp(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.floor(x * 10 + 0.5) / 10


def check_partner_measures(
    parsed: dict[str, pd.Series], measures: MeasureCatalogue | None, agency: str | None
) -> dict[str, Rule]:
    """Per column, each row's rule failure (reason and code), or None where the row is fine."""
    catalogue = measures or default_measures()
    by_id = catalogue.by_id
    ids = parsed["measure_id"]
    n = len(ids)
    rules = _Rules(n)
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    declared = [by_id.get(u) for u in np.asarray(uniques, dtype=object)] + [None]
    measure = np.asarray(declared, dtype=object)[codes]
    present = ids.notna().to_numpy(bool)
    known = np.array([m is not None for m in measure], dtype=bool)

    listed = ", ".join(by_id) or "(none)"
    rules.add(
        "measure_id",
        present & ~known,
        "unknown_measure",
        [f"unknown measure {i!r}: {catalogue.source} declares {listed}" for i in ids.fillna("")],
    )
    owner = np.array([m.owner if m is not None else "" for m in measure], dtype=object)
    if agency is not None:
        rules.add(
            "measure_id",
            known & (owner != agency),
            "other_agency_measure",
            [
                f"measure {i!r} is owned by {o}, not by {agency}, the partner of this load"
                for i, o in zip(ids.fillna(""), owner, strict=True)
            ],
        )

    grain = np.array([m.grain if m is not None else "" for m in measure], dtype=object)
    _check_bounds(parsed, known, grain, rules)

    unit = np.array([m.unit if m is not None else "" for m in measure], dtype=object)
    _check_figures(parsed, known, unit, rules)
    return rules.out


def _check_bounds(
    parsed: dict[str, pd.Series], known: npt.NDArray[np.bool_], grain: npt.NDArray[np.object_], rules: _Rules
) -> None:
    start = parsed["period_start"].to_numpy("datetime64[D]")
    end = parsed["period_end"].to_numpy("datetime64[D]")
    has_start, has_end = ~np.isnat(start), ~np.isnat(end)
    quarterly = grain == "quarter"
    month = start.astype("datetime64[M]")
    month_start = month.astype("datetime64[D]") == start
    quarter_start = month_start & (month.astype(np.int64) % 3 == 0)  # Jan, Apr, Jul, Oct
    bad_start = known & has_start & ~np.where(quarterly, quarter_start, month_start)
    words = np.where(quarterly, "quarter (1 January, April, July or October)", "month")
    rules.add(
        "period_start",
        bad_start,
        "wrong_period_bounds",
        [
            f"period_start {s} is not the first day of a calendar {w}"
            for s, w in zip(start, words, strict=True)
        ],
    )
    expected = (month + np.where(quarterly, 3, 1)).astype("datetime64[D]") - np.timedelta64(1, "D")
    bad_end = known & ~bad_start & has_start & has_end & (end != expected)
    rules.add(
        "period_end",
        bad_end,
        "wrong_period_bounds",
        [
            f"period_end {e} is not the last day of the {g} starting {s} (expected {x})"
            for e, s, g, x in zip(end, start, grain, expected, strict=True)
        ],
    )


def _check_figures(
    parsed: dict[str, pd.Series], known: npt.NDArray[np.bool_], unit: npt.NDArray[np.object_], rules: _Rules
) -> None:
    num = parsed["numerator"].to_numpy(float)
    den = parsed["denominator"].to_numpy(float)
    val = parsed["value"].to_numpy(float)
    ratio = known & np.isin(unit, ["percent", "rate_per_10k"])
    single = known & np.isin(unit, ["count", "days"])
    rules.add(
        "numerator",
        ratio & np.isnan(num),
        "missing_numerator",
        "numerator is blank: a percent or rate measure is given as numerator and denominator",
    )
    rules.add(
        "denominator",
        ratio & np.isnan(den),
        "missing_denominator",
        "denominator is blank: a percent or rate measure is given as numerator and denominator",
    )
    over = ratio & (unit == "percent") & (num > den)
    rules.add(
        "numerator",
        over,
        "numerator_exceeds_denominator",
        [f"numerator {a:g} is larger than the denominator {b:g}" for a, b in zip(num, den, strict=True)],
    )
    scale = np.where(unit == "percent", 100.0, 10_000.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = num * scale / den
    off = (
        ratio
        & ~np.isnan(val)
        & ~np.isnan(computed)
        & (np.abs(_half_up_1dp(val) - _half_up_1dp(computed)) > 1e-9)
    )
    rules.add(
        "value",
        off,
        "value_inconsistent",
        [
            f"value {v:g} does not match numerator ÷ denominator ({c:.1f})"
            for v, c in zip(val, computed, strict=True)
        ],
    )
    rules.add(
        "value",
        single & np.isnan(val),
        "missing_value",
        "value is blank: a count or days measure is given as a value",
    )
