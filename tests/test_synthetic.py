"""The synthetic generator: formats, determinism, England-like rates and awkward cases.

Rates are computed from the written files, with the definitions of kpis.md, on one
LA of 20,000 children over 3 years (generated once for the module).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.calendar import add_months, bank_holidays, calendar_range, working_days
from store.codes import (
    ASSESSMENT_FACTORS,
    CLOSURE_REASONS,
    CODE_LISTS,
    CONTACT_OUTCOMES,
    CP_CATEGORIES,
    EH_CLOSURE_REASONS,
    EH_LEAD_AGENCY_LABELS,
    PRIMARY_NEEDS,
    REFERRAL_SOURCES,
)
from store.extracts import EVENT_KINDS, EXTRACTS, JOURNEY_KINDS
from synthetic import GeneratedFile, generate
from synthetic.__main__ import main

START = date(2022, 4, 1)
LAST = np.datetime64("2025-03-31")
BH_FIRST, BH_LAST = calendar_range()


# --- helpers -------------------------------------------------------------------------


def read(out: Path, kind: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{kind}.csv", dtype=str, keep_default_na=False)


def days(col: pd.Series) -> np.ndarray:
    """A text date column as datetime64[D] (blank -> NaT)."""
    return col.replace("", "NaT").to_numpy(dtype="datetime64[D]")


def wd(a: pd.Series, b: pd.Series) -> np.ndarray:
    return working_days(days(a), days(b))


def months(d: np.ndarray, n: int) -> np.ndarray:
    return add_months(d, n)


def dedup_referrals(r: pd.DataFrame) -> pd.DataFrame:
    """One referral per (LA, child, date): the smallest referral_id, as kpis.md says."""
    r = r.sort_values(["la_code", "child_id", "referral_date", "referral_id"])
    return r.drop_duplicates(["la_code", "child_id", "referral_date"])


def previous_referral(r: pd.DataFrame) -> pd.DataFrame:
    """Deduplicated referrals with the date of the child's previous referral."""
    rr = dedup_referrals(r).sort_values(["la_code", "child_id", "referral_date"]).copy()
    rr["d"] = days(rr.referral_date)
    rr["prev"] = rr.groupby(["la_code", "child_id"]).d.shift(1)
    return rr


def per_10k_year(count: int, population: float, years: float = 3.0) -> float:
    return count * 10_000 / population / years


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, GeneratedFile]]:
    out = tmp_path_factory.mktemp("synthetic_20k")
    files = generate(out, children=20_000, years=3, start=START, las=("394",), seed=2026)
    return out, files


@pytest.fixture(scope="module")
def out(big: tuple[Path, dict[str, GeneratedFile]]) -> Path:
    return big[0]


@pytest.fixture(scope="module")
def population(out: Path) -> float:
    pop = read(out, "population")
    return float(pop.population_0_17.astype(int).mean())


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic_pair")
    generate(out, children=3000, years=3, start=START, las=("394", "390"), seed=11)
    return out


# --- files and formats ---------------------------------------------------------------


def test_returns_every_kind_with_path_and_row_count(
    big: tuple[Path, dict[str, GeneratedFile]],
) -> None:
    out, files = big
    assert list(files) == [*EVENT_KINDS, "population"]
    for kind, f in files.items():
        assert f.path == out / f"{kind}.csv"
        lines = f.path.read_bytes().count(b"\n")
        assert f.rows == lines - 1 > 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.csv" for k in files)


def test_headers_are_the_canonical_columns(out: Path) -> None:
    for kind in [*EVENT_KINDS, "population"]:
        raw = (out / f"{kind}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        header = raw.split(b"\n", 1)[0].decode("utf-8")
        assert header.split(",") == [c.name for c in EXTRACTS[kind].all_columns], kind


def test_values_are_canonical(out: Path) -> None:
    date_re = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for kind in JOURNEY_KINDS:
        df = read(out, kind)
        assert (df.la_code == "394").all()
        assert df.child_id.str.fullmatch(r"P\d{7}").all()
        for col in EXTRACTS[kind].all_columns:
            values = df[col.name][df[col.name] != ""]
            if col.type == "date":
                assert values.str.match(date_re).all(), (kind, col.name)
                d = days(values)
                assert (d <= LAST).all(), (kind, col.name)
                if col.name != "date_of_birth":
                    assert (d >= BH_FIRST).all(), (kind, col.name)
            elif col.type == "bool":
                assert set(values) <= {"true", "false"}, (kind, col.name)
            elif col.type in {"int", "number"}:
                assert values.str.fullmatch(r"\d+").all(), (kind, col.name)
            elif col.type == "code":
                assert set(values) <= set(CODE_LISTS[col.codes or ""]), (kind, col.name)
            elif col.type == "codes":
                listed = set(values.str.split(r"[,;]").explode())
                assert listed <= set(CODE_LISTS[col.codes or ""]), (kind, col.name)
        ids = EXTRACTS[kind].id_columns[0]
        assert df[ids].is_unique, kind
        assert (df[ids] != "").all()


def test_dates_are_in_order_and_children_are_0_to_17(out: Path) -> None:
    for kind in JOURNEY_KINDS:
        df = read(out, kind)
        for first, then in EXTRACTS[kind].end_checks:
            both = (df[first] != "") & (df[then] != "")
            assert (days(df[then][both]) >= days(df[first][both])).all(), (kind, then)
        main = EXTRACTS[kind].main_date
        assert main is not None
        dob = df.date_of_birth != ""
        when, born = days(df[main][dob]), days(df.date_of_birth[dob])
        assert (when >= born).all(), kind
        assert (when < months(born, 18 * 12)).all(), kind
    eh = read(out, "early_help")
    has = eh.assessment_date != ""
    assert (days(eh.assessment_date[has]) >= days(eh.start_date[has])).all()


def test_events_fall_in_the_window_and_open_spells_are_included(out: Path) -> None:
    first = np.datetime64(START)
    for kind in ("contacts", "referrals", "assessments", "s47", "cp_visits"):
        main = EXTRACTS[kind].main_date
        assert main is not None
        d = days(read(out, kind)[main])
        assert d.min() == first or d.min() < first + 7, kind
        assert (d >= first).all() and (d <= LAST).all(), kind
    for kind in ("cp_plans", "cin_plans", "early_help"):
        df = read(out, kind)
        start, end = days(df.start_date), days(df.end_date)
        assert (start <= LAST).all()
        assert (np.isnat(end) | (end >= first)).all(), kind
        assert (start < first).any(), f"{kind}: spells open on the first day are written"
        assert np.isnat(end).any(), f"{kind}: some are still open at the end"


def test_population_every_mid_year_close_to_children(out: Path) -> None:
    pop = read(out, "population")
    assert pop.year.astype(int).tolist() == [2021, 2022, 2023, 2024, 2025]
    values = pop.population_0_17.astype(int)
    assert ((values > 19_000) & (values < 21_000)).all()
    assert values.nunique() > 1  # it drifts


# --- links -----------------------------------------------------------------------------


def test_links_between_extracts(out: Path) -> None:
    c, r = read(out, "contacts"), read(out, "referrals")
    linked = r[r.contact_id != ""]
    assert 0.85 < len(linked) / len(r) < 0.99
    m = linked.merge(c, on="contact_id", suffixes=("", "_c"))
    assert len(m) > 0.98 * len(linked)
    assert (m.child_id == m.child_id_c).all()
    assert (m.outcome == "referral").all()
    assert (days(m.contact_date) <= days(m.referral_date)).all()
    for kind in ("assessments", "s47"):
        df = read(out, kind)
        blank = (df.referral_id == "").mean()
        assert 0.02 < blank < 0.15, kind
        x = df[df.referral_id != ""].merge(r, on="referral_id", suffixes=("", "_r"))
        assert len(x) > 0.9 * (df.referral_id != "").sum(), kind
        assert (x.child_id == x.child_id_r).all(), kind
        main = EXTRACTS[kind].main_date
        assert main is not None
        assert (days(x.referral_date) <= days(x[main])).all(), kind


def test_reviews_and_visits_belong_to_plans(out: Path) -> None:
    p, rv, v = read(out, "cp_plans"), read(out, "cp_reviews"), read(out, "cp_visits")
    named = rv[rv.plan_id != ""].merge(p, on="plan_id", suffixes=("", "_p"))
    assert len(named) == (rv.plan_id != "").sum()
    assert (named.child_id == named.child_id_p).all()
    assert (days(named.review_date) >= days(named.start_date)).all()
    end = days(named.end_date)
    assert (np.isnat(end) | (days(named.review_date) <= end)).all()
    assert 0.01 < (rv.plan_id == "").mean() < 0.12
    vp = v.merge(p, on="child_id")
    vd, ps, pe = days(vp.visit_date), days(vp.start_date), days(vp.end_date)
    vp["inside"] = (vd >= ps) & (np.isnat(pe) | (vd <= pe))
    assert vp.groupby("visit_id").inside.any().all()


# --- rates (per 10,000 children per year, kpis.md definitions) ----------------------------


def test_front_door_rates(out: Path, population: float) -> None:
    c = read(out, "contacts")
    assert 2000 < per_10k_year(len(c), population) < 3000
    decided = c[c.outcome != "pending"]
    conversion = (decided.outcome == "referral").mean()
    assert 0.18 < conversion < 0.27
    shares = c.outcome.value_counts(normalize=True)
    for outcome in ("early_help", "advice", "nfa", "open_case"):
        assert shares[outcome] > 0.03, outcome
    pending = c[c.outcome == "pending"]
    assert len(pending) > 0 and (pending.decision_date == "").all()
    assert (days(pending.contact_date) > LAST - 120).mean() > 0.9  # mostly the latest
    d = c[c.decision_date != ""]
    timely = (wd(d.contact_date, d.decision_date) <= 1).mean()
    assert 0.75 < timely < 0.95


def test_referral_rates(out: Path, population: float) -> None:
    r = read(out, "referrals")
    rr = previous_referral(r)
    assert 430 < per_10k_year(len(rr), population) < 620
    rere = rr.prev.notna() & (rr.prev.to_numpy() >= months(rr.d.to_numpy(), -12))
    assert 0.17 <= rere.mean() <= 0.27
    assert 0.04 < (r.referral_nfa == "true").mean() < 0.10
    sources = r.referral_source.value_counts(normalize=True)
    assert 0.25 < sources["6"] < 0.35  # police
    assert 0.15 < sources[["2A", "2B"]].sum() < 0.26  # schools & education
    assert 0.11 < sources[[f"3{x}" for x in "ABCDEF"]].sum() < 0.20  # health


def test_assessment_timescales(out: Path, population: float) -> None:
    a = read(out, "assessments")
    assert 380 < per_10k_year(len(a), population) < 620
    done = a[a.authorisation_date != ""]
    w = wd(done.start_date, done.authorisation_date)
    assert 28 <= np.median(w) <= 38
    assert 0.80 <= (w <= 45).mean() <= 0.90
    assert (w > 60).any()
    assert (a.authorisation_date == "").any()  # open at the extract date
    assert 0.25 < (done.outcome_in_need == "false").mean() < 0.5


def test_s47_and_conferences(out: Path, population: float) -> None:
    s = read(out, "s47")
    assert 140 < per_10k_year(len(s), population) < 230
    icpc = s[s.icpc_date != ""]
    assert 45 < per_10k_year(len(icpc), population) < 80
    within = (wd(icpc.strategy_date, icpc.icpc_date) <= 15).mean()
    assert 0.65 < within < 0.9
    assert 0.65 < (icpc.icpc_outcome_plan == "true").mean() < 0.9
    assert (s[s.icpc_date == ""].icpc_not_required == "true").mean() > 0.85


def test_children_on_plans_at_any_time(out: Path, population: float) -> None:
    p = read(out, "cp_plans")
    start, end = days(p.start_date), days(p.end_date)
    rates = []
    for day in pd.date_range("2022-04-30", "2025-03-31", freq="QE"):
        d = np.datetime64(day.date())
        open_ = (start <= d) & (np.isnat(end) | (end > d))
        rates.append(p.child_id[open_].nunique() * 10_000 / population)
    assert 30 <= np.mean(rates) <= 50, rates
    assert min(rates) >= 22 and max(rates) <= 58, rates  # about 80 children: noisy
    ended = ~np.isnat(end)
    two_years = end[ended] >= months(start[ended], 24)
    assert 0.01 < two_years.mean() < 0.10
    length = (end[ended] - start[ended]).astype(int) / 30.44
    assert 7 < length.mean() < 13
    assert (p.previous_plans != "").mean() > 0.5
    assert (p.previous_plans.replace("", "0").astype(int) > 0).any()


def test_visits_and_reviews_mostly_on_time(out: Path) -> None:
    p, v, rv = read(out, "cp_plans"), read(out, "cp_visits"), read(out, "cp_reviews")
    seen = v[v.child_seen != "false"]
    start, end = days(p.start_date), days(p.end_date)
    for day in ("2023-06-30", "2024-12-31"):
        d = np.datetime64(day)
        open_ = (start <= d) & (np.isnat(end) | (end > d))
        eligible = p[open_ & (working_days(start, np.full(len(p), d)) >= 10)].child_id
        last = seen[days(seen.visit_date) <= d].groupby("child_id").visit_date.max()
        last = last.reindex(eligible.unique())
        ok = last.notna() & (working_days(days(last.fillna(day)), np.full(len(last), d)) <= 10)
        assert 0.75 < ok.mean() < 1.0, day
        # reviews: latest review of the plan on or before d + 6 months, else start + 3
        plans = p[open_]
        reviews = rv[(rv.plan_id != "") & (days(rv.review_date) <= d)]
        latest = reviews.groupby("plan_id").review_date.max().reindex(plans.plan_id)
        due = np.where(
            latest.notna().to_numpy(),
            months(days(latest.fillna(day)), 6),
            months(days(plans.start_date), 3),
        )
        assert 0.8 < (due >= d).mean() <= 1.0, day
    gaps = v.assign(d=days(v.visit_date)).sort_values(["child_id", "d"])
    step = gaps.groupby("child_id").d.diff().dt.days
    assert (step > 14).any()  # some visits late
    assert (v.child_seen == "false").any()
    assert {"true", "false", ""} <= set(v.seen_alone)


def test_early_help(out: Path, population: float) -> None:
    eh = read(out, "early_help")
    started = eh[days(eh.start_date) >= np.datetime64(START)]
    assert 180 < per_10k_year(len(started), population) < 380
    closed = eh[eh.end_date != ""]
    shares = closed.closure_reason.value_counts(normalize=True)
    assert 0.5 < shares["outcomes_achieved"] < 0.75
    assert 0.03 < shares["stepped_up"] < 0.15
    # repeats: another episode of the child ending within 12 months before the start
    e = eh.assign(s=days(eh.start_date), e=days(eh.end_date))
    m = e.merge(e, on="child_id", suffixes=("", "_o"))
    m = m[(m.episode_id != m.episode_id_o) & m.e_o.notna()]
    within = (m.e_o < m.s) & (m.e_o >= months(m.s.to_numpy(), -12))
    repeat = m[within].episode_id.unique()
    assert 0.03 < len(repeat) / len(eh) < 0.2
    scored = closed[(closed.outcome_score_start != "") & (closed.outcome_score_end != "")]
    gain = scored.outcome_score_end.astype(int) - scored.outcome_score_start.astype(int)
    achieved = scored.closure_reason == "outcomes_achieved"
    assert gain[achieved].mean() > gain[~achieved].mean() + 3


def test_recording_lag_and_blanks(out: Path) -> None:
    for kind in JOURNEY_KINDS:
        df = read(out, kind)
        main = EXTRACTS[kind].main_date
        assert main is not None
        rec = df[df.recorded_date != ""]
        late = (wd(rec[main], rec.recorded_date) > 5).mean()
        assert 0.02 < late < 0.15, kind
        for col in ("recorded_date", "sex", "ethnicity", "date_of_birth", "team", "locality"):
            blank = (df[col] == "").mean()
            assert 0.0 < blank < 0.08 or len(df) < 300, (kind, col, blank)
    c = read(out, "contacts")
    assert ((c.decision_date == "") & (c.outcome != "pending")).any()
    eh = read(out, "early_help")
    for col in ("outcome_score_start", "outcome_score_end", "assessment_date"):
        assert (eh[col] == "").any(), col


def test_localities_and_teams(out: Path) -> None:
    rows = pd.concat([read(out, k)[["team", "locality"]] for k in JOURNEY_KINDS])
    named = rows[(rows.team != "") & (rows.locality != "")]
    assert 4 <= named.locality.nunique() <= 6
    assert 10 <= named.team.nunique() <= 15
    assert (named.groupby("team").locality.nunique() == 1).all()


# --- every code ------------------------------------------------------------------------


def test_every_code_occurs(out: Path) -> None:
    c, r = read(out, "contacts"), read(out, "referrals")
    a, p, eh = read(out, "assessments"), read(out, "cp_plans"), read(out, "early_help")
    assert set(c.contact_source) == set(REFERRAL_SOURCES)
    assert set(r.referral_source) == set(REFERRAL_SOURCES)
    assert set(c.outcome) == set(CONTACT_OUTCOMES)
    assert set(r.primary_need) - {""} == set(PRIMARY_NEEDS)
    assert set(r.closure_reason) - {""} == set(CLOSURE_REASONS)
    reasons = r.closure_reason.value_counts()
    assert reasons["RC8"] > 5 * reasons["RC1"] and reasons["RC9"] > 5 * reasons["RC2"]
    assert set(p.initial_category) == set(CP_CATEGORIES)
    assert set(p.latest_category) - {""} == set(CP_CATEGORIES)
    factors = set(a.factors.str.split(r"[,;]").explode()) - {""}
    assert factors == set(ASSESSMENT_FACTORS)
    assert a.factors.str.contains(";").any() and a.factors.str.contains(",").any()
    assert set(eh.lead_agency) == set(EH_LEAD_AGENCY_LABELS)
    assert set(eh.closure_reason) - {""} == set(EH_CLOSURE_REASONS)


# --- awkward cases ---------------------------------------------------------------------


def test_same_day_duplicate_referrals(out: Path) -> None:
    r = read(out, "referrals")
    dup = r.groupby(["child_id", "referral_date"]).referral_id.nunique()
    assert (dup >= 2).any()


def test_rereferrals_at_the_12_month_boundary(out: Path) -> None:
    rr = previous_referral(read(out, "referrals"))
    has = rr.prev.notna()
    boundary = months(rr.prev[has].to_numpy(dtype="datetime64[D]"), 12)
    d = rr.d[has].to_numpy()
    assert (d == boundary).any(), "a referral exactly 12 months after the previous"
    assert (d == boundary + 1).any(), "and one a day later"


def test_leap_day_and_bank_holidays(out: Path) -> None:
    c, r = read(out, "contacts"), read(out, "referrals")
    assert (c.contact_date == "2024-02-29").any()
    assert (r.referral_date == "2024-02-29").any()
    bh = set(np.datetime_as_string(bank_holidays()))
    assert c.contact_date.isin(bh).any()
    a = read(out, "assessments")
    done = a[a.authorisation_date != ""]
    s, e = days(done.start_date), days(done.authorisation_date)
    holidays = bank_holidays()
    spans = np.zeros(len(done), dtype=bool)
    for h in holidays[(holidays >= np.datetime64(START)) & (holidays <= LAST)]:
        spans |= (s < h) & (e > h)
    assert spans.mean() > 0.1


def test_assessments_of_exactly_45_and_46_working_days(out: Path) -> None:
    a = read(out, "assessments")
    done = a[a.authorisation_date != ""]
    w = wd(done.start_date, done.authorisation_date)
    assert (w == 45).any() and (w == 46).any()


def test_plan_of_exactly_two_years(out: Path) -> None:
    p = read(out, "cp_plans")
    ended = p[p.end_date != ""]
    assert (days(ended.end_date) == months(days(ended.start_date), 24)).any()


def test_early_help_exactly_12_months_after_previous_ended(out: Path) -> None:
    eh = read(out, "early_help")
    e = eh.assign(s=days(eh.start_date), e=days(eh.end_date))
    m = e.merge(e, on="child_id", suffixes=("", "_prev"))
    m = m[(m.episode_id != m.episode_id_prev) & m.e_prev.notna()]
    twelve = months(m.e_prev.to_numpy(dtype="datetime64[D]"), 12)
    exact = m[m.s.to_numpy() == twelve]
    assert len(exact) > 0
    # that previous episode is the child's latest one ending before this start
    ended_before = m[m.e_prev < m.s].groupby("episode_id").e_prev.max()
    assert (ended_before.reindex(exact.episode_id).to_numpy() == exact.e_prev.to_numpy()).any()


# --- several LAs, determinism ------------------------------------------------------------


def test_several_las_reuse_ids(pair: Path) -> None:
    for kind, first in (("contacts", "C000001"), ("referrals", "R000001")):
        df = read(pair, kind)
        id_col = EXTRACTS[kind].id_columns[0]
        assert set(df[df[id_col] == first].la_code) == {"394", "390"}
        assert not df.duplicated(["la_code", id_col]).any()
    for kind in [*EVENT_KINDS, "population"]:
        assert set(read(pair, kind).la_code) == {"394", "390"}, kind


def test_an_la_does_not_depend_on_the_others(pair: Path, tmp_path: Path) -> None:
    generate(tmp_path, children=3000, years=3, start=START, las=("394",), seed=11)
    for kind in ("referrals", "cp_plans", "population"):
        alone = (tmp_path / f"{kind}.csv").read_text().splitlines()
        both = (pair / f"{kind}.csv").read_text().splitlines()
        assert alone == [both[0]] + [ln for ln in both[1:] if ",394," in ln or ln.startswith("394,")]


def test_same_arguments_give_byte_identical_files(pair: Path, tmp_path: Path) -> None:
    files = generate(tmp_path, children=3000, years=3, start=START, las=("394", "390"), seed=11)
    for kind, f in files.items():
        assert f.path.read_bytes() == (pair / f"{kind}.csv").read_bytes(), kind
    other = generate(tmp_path / "other", children=3000, years=3, las=("394", "390"), seed=12)
    assert other["referrals"].path.read_bytes() != (pair / "referrals.csv").read_bytes()


def test_tiny_and_short_runs_work(tmp_path: Path) -> None:
    files = generate(tmp_path, children=1, years=1, start=date(2023, 1, 1))
    for kind, f in files.items():
        header = f.path.read_text().splitlines()[0]
        assert header.split(",") == [c.name for c in EXTRACTS[kind].all_columns]
    assert files["population"].rows == 2


# --- arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"children": 0}, "children"),
        ({"children": -5}, "children"),
        ({"children": 2.5}, "children"),
        ({"years": 0}, "years"),
        ({"years": 21}, "years"),
        ({"years": 12}, "bank-holiday table"),
        ({"start": date(2011, 4, 1)}, "bank-holiday table"),
        ({"las": ()}, "las"),
        ({"las": "394"}, "las"),
        ({"las": ("39",)}, "LA code '39'"),
        ({"las": ("E0800002",)}, "LA code"),
        ({"las": ("394", "394")}, "repeat"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_bad_arguments_are_rejected(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        generate(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out" / "contacts.csv").exists()


def test_out_dir_must_be_a_writable_directory(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        generate(a_file)
    with pytest.raises(ValueError, match="cannot be created"):
        generate(a_file / "sub")


def test_ons_codes_and_creating_the_out_dir(tmp_path: Path) -> None:
    files = generate(tmp_path / "new" / "dir", children=200, years=1, las=("E08000024",))
    assert set(read(tmp_path / "new" / "dir", "referrals").la_code) <= {"E08000024"}
    assert files["population"].rows == 3


# --- command line ------------------------------------------------------------------------


def test_module_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--out", str(tmp_path), "--children", "300", "--years", "1", "--las", "394,390"]
    assert main([*args, "--start", "2023-04-01", "--seed", "3", "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in printed] == [*EVENT_KINDS, "population"]
    assert (tmp_path / "contacts.csv").exists()
    assert main(["--out", str(tmp_path), "--children", "0"]) == 2
    assert "children" in capsys.readouterr().err
