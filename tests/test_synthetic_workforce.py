"""The generator's workforce, vacancies, caseloads, audits and partner measures.

Consistent with the rest of the generated LA (teams, children, open cases) and near
England's figures (DfE children's social work workforce: about 16 cases per
case-holding FTE, agency about 18 %, turnover about 16 %), computed from the written
files with the definitions of kpis.md, on one LA of 20,000 children over 3 years.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loaders.readers import read_csv_bytes
from loaders.validate import validate
from store.extracts import EXTRACTS, WORKFORCE_KINDS
from synthetic import generate
from tests.conftest import TEST_KEY

MONTH_ENDS = pd.date_range("2023-04-30", "2026-03-31", freq="ME")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wf")
    generate(path, children=20_000, years=3, start=date(2023, 4, 1), las=("394",), seed=2026)
    return path


def read(out: Path, kind: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{kind}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("kind", WORKFORCE_KINDS)
def test_every_row_of_the_new_kinds_loads_without_a_reject(out: Path, kind: str) -> None:
    path = out / f"{kind}.csv"
    v = validate(read_csv_bytes(path.name, path.read_bytes()), EXTRACTS[kind], default_la=None, key=TEST_KEY)
    assert v.rows_read > 0 and v.rows_rejected == 0, v.rejects.head().to_dict("records")


def test_teams_are_the_teams_of_the_other_extracts(out: Path) -> None:
    teams = set(read(out, "referrals")["team"]) - {""}
    for kind in ("workforce", "vacancies", "caseloads", "audits"):
        assert set(read(out, kind)["team"]) - {""} <= teams, kind


def _spells(out: Path) -> pd.DataFrame:
    w = read(out, "workforce")
    w["fte"] = w["fte"].astype(float)
    w["start"] = pd.to_datetime(w["start_date"])
    w["end"] = pd.to_datetime(w["end_date"].replace("", None))
    return w[w["role"] != "other"]


def _in_post(w: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return w[(w["start"] <= day) & (w["end"].isna() | (w["end"] >= day))]


def test_agency_and_turnover_are_near_englands(out: Path) -> None:
    w = _spells(out)
    agency, turnover = [], []
    for end in MONTH_ENDS[12:]:
        now = _in_post(w, end)
        direct = now.loc[now["agency"] == "false", "fte"].sum()
        agency.append(now.loc[now["agency"] == "true", "fte"].sum() / now["fte"].sum())
        first = end - pd.DateOffset(months=12) + pd.Timedelta(days=1)
        left = w[(w["agency"] == "false") & (w["leaving"] == "true") & w["end"].between(first, end)]
        turnover.append(left["fte"].sum() / direct)
    assert 0.10 <= np.mean(agency) <= 0.30
    assert 0.08 <= np.mean(turnover) <= 0.30


def test_caseloads_hold_the_open_cases_at_about_16_per_fte(out: Path) -> None:
    c = read(out, "caseloads")
    c["cases"] = c["cases"].astype(int)
    w = read(out, "workforce")
    w["fte"] = w["fte"].astype(float)
    w["start"] = pd.to_datetime(w["start_date"])
    w["end"] = pd.to_datetime(w["end_date"].replace("", None))
    r = read(out, "referrals")
    rd = pd.to_datetime(r["referral_date"])
    closed = pd.to_datetime(r["closure_date"].replace("", None))
    ratios, per_fte = [], []
    for end in MONTH_ENDS[12:]:
        month = c[c["month"] == end.strftime("%Y-%m-%d")]
        open_referrals = ((rd <= end) & (closed.isna() | (closed >= end))).sum()
        ratios.append(month["cases"].sum() / open_referrals)
        holders = month.loc[month["cases"] >= 1, "worker_id"]
        now = _in_post(w, end)
        per_fte.append(month["cases"].sum() / now.loc[now["worker_id"].isin(holders), "fte"].sum())
    assert 0.8 <= np.mean(ratios) <= 1.25  # the children open to social care, as referrals say
    assert 13 <= np.mean(per_fte) <= 20


def test_some_teams_are_much_worse_than_others(out: Path) -> None:
    c = read(out, "caseloads")
    per_worker = c.assign(cases=c["cases"].astype(int)).groupby("team")["cases"].mean()
    assert per_worker.max() >= 1.3 * per_worker.median()


def test_audits_and_partner_measures_cover_the_window(out: Path) -> None:
    a = read(out, "audits")
    assert 1000 <= len(a) <= 3000 and set(a["grade"]) == {
        "outstanding",
        "good",
        "requires_improvement",
        "inadequate",
    }
    # Audited children are children of the journey (a few were open from before the window
    # and appear in no extract, as in a real LA's files).
    journey = set().union(*(set(read(out, k)["child_id"]) for k in ("referrals", "cin_plans", "cp_plans")))
    assert np.mean([c in journey for c in a["child_id"]]) > 0.8
    pm = read(out, "partner_measures")
    assert pm["measure_id"].nunique() == 5
    monthly = pm[pm["measure_id"] == "icpc_health_reports"]
    assert len(monthly) == 35  # 36 months, one late return missing
