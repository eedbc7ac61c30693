"""The workforce, vacancies, caseloads, audits and partner measures of one large LA,
for ``benchmarks/recompute.py``: about 600 staff spells over 15 teams, 60 months of
caseloads and vacancies, 2,000 audits and 5 partner measures (issue 10's sizes).

Example::

    >>> frames = workforce_frames("394", np.random.default_rng(1), 1.0, _frame_stub)
    >>> sorted(frames)
    ['audits', 'caseloads', 'partner_measures', 'vacancies', 'workforce']
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from store.measures import default_measures

FIRST = np.datetime64("2020-04-01")
MONTHS = 60
TEAMS = np.array([f"Team {i:02d}" for i in range(15)], dtype=object)
Frame = Callable[[str, str, dict[str, pd.Series], int], pd.DataFrame]


def _frame_stub(kind: str, la: str, columns: dict[str, pd.Series], n: int) -> pd.DataFrame:
    return pd.DataFrame(columns)


def _text(values: np.ndarray) -> pd.Series:
    return pd.Series(values.astype(str), dtype="str")


def _days(values: np.ndarray) -> pd.Series:
    return pd.Series(values.astype("datetime64[s]"))


def _common(n: int, team: np.ndarray | None, main: np.ndarray) -> dict[str, pd.Series]:
    t = _text(TEAMS[team]) if team is not None else pd.Series([np.nan] * n, dtype="str")
    return {"team": t, "locality": t, "recorded_date": _days(main)}


def workforce_frames(
    la: str, rng: np.random.Generator, scale: float, frame: Frame
) -> dict[str, pd.DataFrame]:
    """The five kinds' frames for one LA (sizes × ``scale``)."""
    out: dict[str, pd.DataFrame] = {}
    n = int(600 * scale)
    team = rng.integers(0, len(TEAMS), n)
    start = FIRST - 365 * 3 + rng.integers(0, 365 * 8, n)
    end = start + rng.integers(60, 365 * 6, n)
    end = np.where(end > FIRST + 365 * 5, np.datetime64("NaT"), end).astype("datetime64[D]")
    worker = np.array([f"w{i:05d}" for i in range(n)], dtype=object)
    out["workforce"] = frame(
        "workforce",
        la,
        {
            "spell_id": _text(np.array([f"SP{i:06d}" for i in range(n)])),
            "worker_key": _text(worker),
            "role": _text(rng.choice(np.array(["sw", "sw", "sw", "senior_sw", "team_manager", "other"]), n)),
            "agency": pd.Series(rng.random(n) < 0.18, dtype="boolean"),
            "fte": pd.Series(rng.choice(np.array([1.0, 1.0, 0.8, 0.5]), n)),
            "start_date": _days(start),
            "end_date": _days(end),
            "leaving": pd.Series(~np.isnat(end) & (rng.random(n) < 0.9), dtype="boolean"),
            **_common(n, team, start),
        },
        n,
    )
    months = (FIRST.astype("datetime64[M]") + np.arange(MONTHS)).astype("datetime64[D]")
    m, t = np.repeat(months, len(TEAMS)), np.tile(np.arange(len(TEAMS)), MONTHS)
    out["vacancies"] = frame(
        "vacancies",
        la,
        {
            "month": _days(m),
            "team": _text(TEAMS[t]),
            "vacant_fte": pd.Series(np.round(rng.gamma(1.5, 1.0, len(m)), 1)),
            "locality": _text(TEAMS[t]),
            "recorded_date": _days(m),
        },
        len(m),
    )
    holders = max(1, int(150 * scale))
    cm, cw = np.repeat(months, holders), np.tile(np.arange(holders), MONTHS)
    out["caseloads"] = frame(
        "caseloads",
        la,
        {
            "month": _days(cm),
            "worker_key": _text(worker[cw % n]),
            "cases": pd.Series(rng.poisson(16, len(cm)), dtype="Int64"),
            **_common(len(cm), cw % len(TEAMS), cm),
        },
        len(cm),
    )
    a = int(2000 * scale)
    day = FIRST + rng.integers(0, 365 * 5, a)
    out["audits"] = frame(
        "audits",
        la,
        {
            "audit_id": _text(np.array([f"AU{i:06d}" for i in range(a)])),
            "child_key": _text(np.array([f"child{i:07d}" for i in rng.integers(0, 150_000, a)])),
            "audit_date": _days(day),
            "grade": _text(
                rng.choice(np.array(["outstanding", "good", "requires_improvement", "inadequate"]), a)
            ),
            "multi_agency": pd.Series(rng.random(a) < 0.25, dtype="boolean"),
            "auditor_agency": _text(rng.choice(np.array(["social_care", "health", "police", "school"]), a)),
            "theme": _text(rng.choice(np.array(["neglect", "domestic abuse", "pre-birth"]), a)),
            "date_of_birth": _days(day - 3650),
            "sex": pd.Series([np.nan] * a, dtype="str"),
            "ethnicity": pd.Series([np.nan] * a, dtype="str"),
            **_common(a, rng.integers(0, len(TEAMS), a), day),
        },
        a,
    )
    # The shipped example's five measures (pm_* of the registry): the monthly ones every
    # month, the quarterly ones every quarter.
    ids_l, ps_l, pe_l = [], [], []
    for measure in default_measures().measures:
        step = 3 if measure.grain == "quarter" else 1
        starts = FIRST.astype("datetime64[M]") + np.arange(0, MONTHS, step)
        ids_l.append(np.full(len(starts), measure.id, dtype=object))
        ps_l.append(starts.astype("datetime64[D]"))
        pe_l.append((starts + step).astype("datetime64[D]") - 1)
    ids, ps, pe = np.concatenate(ids_l), np.concatenate(ps_l), np.concatenate(pe_l)
    den = rng.poisson(40, len(ids)).astype(float) + 1
    out["partner_measures"] = frame(
        "partner_measures",
        la,
        {
            "measure_id": _text(ids),
            "period_start": _days(ps),
            "period_end": _days(pe),
            "numerator": pd.Series(np.floor(den * 0.9)),
            "denominator": pd.Series(den),
            "value": pd.Series(np.floor(den * 0.9) * 100 / den),
            "note": pd.Series([np.nan] * len(ids), dtype="str"),
            **_common(len(ids), None, ps),
        },
        len(ids),
    )
    return out
