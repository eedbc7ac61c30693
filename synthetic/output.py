"""From a finished simulation to one Arrow table per extract kind, in canonical columns.

What is written: events whose main date falls in ``[start, end]``, plus the CP plans,
CIN plans and early help episodes open on any day of it (with all their review
conferences). What happens after ``end`` is not known yet: such end dates,
authorisations and conferences are blank and their outcomes with them, and
contacts not decided by ``end`` are ``pending``. Statutory visits are drawn here, for
the plans written. Ids are numbered per kind in date order (``R000001``...), over
the written rows from 1 in each LA; rows simulated before the window are numbered
after them, so an assessment can name a referral from before the window (a link that
stays unlinked, as it does in real extracts).

Example::

    >>> import numpy as np
    >>> from synthetic.simulate import Simulation
    >>> sim = Simulation(np.random.default_rng(1), 500, np.datetime64("2022-04-01"),
    ...                  np.datetime64("2023-03-31"))
    >>> sim.run()
    >>> tables = to_tables(sim, "394")
    >>> list(tables["referrals"])[:3]
    ['referral_id', 'child_id', 'referral_date']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from store.extracts import EXTRACTS
from synthetic import params
from synthetic.simulate import Frame, Simulation
from synthetic.timeline import (
    NAT,
    Bools,
    Days,
    Ints,
    Strs,
    add_wd,
    chance,
    choose,
    count_wd,
    plus_days,
    years_later,
)

# One extract as text columns ("" = not recorded), in canonical order.
Columns = dict[str, Strs]

ID_PREFIX = {
    "contacts": "C",
    "referrals": "R",
    "assessments": "A",
    "s47": "S",
    "cp_plans": "CPP",
    "cp_visits": "V",
    "cp_reviews": "CPR",
    "cin_plans": "CIN",
    "early_help": "EH",
}


def number(
    rng: np.random.Generator, prefix: str, dates: Days, uid: Ints, written: Bools
) -> tuple[Strs, Ints]:
    """Ids and ranks by uid: ``prefix`` + zero-padded rank in date order (random in a day).

    Written rows come first (``R000001`` is the first referral in the file); rows not
    written (before the window) are numbered after them, for the links that name them.
    """
    n = len(uid)
    order = np.lexsort((rng.random(n), dates, ~written))
    rank = np.empty(n, dtype=np.int64)
    rank[uid[order]] = np.arange(1, n + 1)
    width = max(6, len(str(n)))
    if n == 0:
        return np.zeros(0, dtype=str), rank
    return np.strings.add(prefix, np.strings.zfill(rank.astype(str), width)), rank


def _text(values: npt.NDArray[Any]) -> Strs:
    return np.asarray(values).astype(str)


def _date(values: Days) -> Strs:
    """ISO dates ("" for NaT), through a table of the distinct days in range (fast)."""
    d = np.asarray(values, dtype="datetime64[D]")
    nat = np.isnat(d)
    if nat.all():
        return np.full(len(d), "", dtype="<U10")
    lo, hi = d[~nat].min(), d[~nat].max()
    table = np.datetime_as_string(np.arange(lo, hi + 1, dtype="datetime64[D]"))
    return np.where(nat, "", table[(np.where(nat, lo, d) - lo).astype(np.int64)])


def _int(values: Ints) -> Strs:
    arr = np.asarray(values, dtype=np.int64)
    return np.where(arr < 0, "", arr.astype(str))


def _ref(ids: Strs, ref: Ints, blank: Bools) -> Strs:
    """Ids of referenced rows; blank where there is none or it is deliberately left out."""
    return np.where((ref >= 0) & ~blank, ids[np.maximum(ref, 0)], "")


def _keep(frame: Frame, mask: npt.NDArray[Any]) -> Frame:
    """The rows at a boolean mask or an index array."""
    return {k: v[mask] for k, v in frame.items()}


def _open_in_window(sim: Simulation, start: Days, end: Days) -> Bools:
    """Spells open on some day of the window (and not from too long before it)."""
    oldest = years_later(np.array([sim.start]), -params.WRITTEN_HISTORY_YEARS)[0]
    return (start <= sim.end) & (start >= oldest) & (np.isnat(end) | (end >= sim.start))


def _after(sim: Simulation, dates: Days) -> Bools:
    return ~np.isnat(dates) & (dates > sim.end)


class Finaliser:
    """Censors, filters, numbers and converts one simulation's rows."""

    def __init__(self, sim: Simulation, la_code: str) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.la_code = la_code
        self.frames: dict[str, Frame] = {}
        self.ids: dict[str, Strs] = {}
        self.ranks: dict[str, Ints] = {}

    def prepare(self) -> None:
        """Censor every kind at the window's end and number its rows."""
        for kind, prefix in ID_PREFIX.items():
            if kind == "cp_visits":
                continue
            frame = self.sim.tables.frame(kind)
            frame = getattr(self, f"_censor_{kind}")(frame)
            main = EXTRACTS[kind].main_date or ""
            self.ids[kind], self.ranks[kind] = number(
                self.rng, prefix, frame[main], frame["uid"], frame["written"]
            )
            self.frames[kind] = frame
        visits = self._visits()
        self.frames["cp_visits"] = visits
        self.ids["cp_visits"], self.ranks["cp_visits"] = number(
            self.rng, "V", visits["visit_date"], visits["uid"], visits["written"]
        )

    # --- censoring and what is written -------------------------------------------------

    def _censor_contacts(self, f: Frame) -> Frame:
        sim = self.sim
        recent = f["contact_date"] >= sim.end - np.timedelta64(90, "D")
        pending = _after(sim, f["decision_date"])
        stale = recent & (f["outcome"] != "referral")
        pending |= stale & chance(self.rng, params.STALE_PENDING, len(recent))
        f["outcome"] = np.where(pending, "pending", f["outcome"])
        blank = pending | chance(self.rng, params.CONTACT_DECISION_BLANK, len(recent))
        f["decision_date"] = np.where(blank, NAT, f["decision_date"])
        f["written"] = sim.in_window(f["contact_date"])
        return f

    def _censor_referrals(self, f: Frame) -> Frame:
        late = _after(self.sim, f["closure_date"])
        f["closure_date"] = np.where(late, NAT, f["closure_date"])
        f["closure_reason"] = np.where(late, "", f["closure_reason"])
        f["written"] = self.sim.in_window(f["referral_date"])
        return f

    def _censor_assessments(self, f: Frame) -> Frame:
        late = _after(self.sim, f["authorisation_date"])
        f["authorisation_date"] = np.where(late, NAT, f["authorisation_date"])
        f["outcome_in_need"] = np.where(late, "", f["outcome_in_need"])
        f["factors"] = np.where(late, "", f["factors"])
        f["written"] = self.sim.in_window(f["start_date"])
        return f

    def _censor_s47(self, f: Frame) -> Frame:
        sim = self.sim
        planned = ~np.isnat(f["icpc_date"])
        late = _after(sim, f["icpc_date"])
        f["icpc_date"] = np.where(late, NAT, f["icpc_date"])
        f["icpc_outcome_plan"] = np.where(late, "", f["icpc_outcome_plan"])
        concluded = add_wd(f["strategy_date"], 15) <= sim.end
        not_required = np.where(planned, np.where(late, "", "false"), "true")
        not_required = np.where(~planned & ~concluded, "", not_required)
        f["icpc_not_required"] = np.where(f["icpc_not_required_blank"], "", not_required)
        f["written"] = sim.in_window(f["strategy_date"])
        return f

    def _censor_spell(self, f: Frame) -> Frame:
        late = _after(self.sim, f["end_date"])
        f["end_date"] = np.where(late, NAT, f["end_date"])
        f["written"] = _open_in_window(self.sim, f["start_date"], f["end_date"])
        return f

    def _censor_cp_plans(self, f: Frame) -> Frame:
        f = self._censor_spell(f)
        sim = self.sim
        order = np.lexsort((f["start_date"], f["child"]))
        child = f["child"][order]
        new_child = np.r_[True, child[1:] != child[:-1]]
        group_start = np.maximum.accumulate(np.where(new_child, np.arange(len(child)), 0))
        earlier = np.empty(len(child), dtype=np.int64)
        earlier[order] = np.arange(len(child)) - group_start
        previous = earlier + sim.pool.prior_plans[f["child"]]
        blank = chance(self.rng, params.PREVIOUS_PLANS_BLANK, len(previous))
        f["previous_plans"] = np.where(blank, -1, previous)
        return f

    def _censor_cp_reviews(self, f: Frame) -> Frame:
        plans = self.frames["cp_plans"]
        written_plan = np.zeros(len(plans["uid"]), dtype=bool)
        written_plan[plans["uid"]] = plans["written"]
        f["written"] = written_plan[f["plan"]] & (f["review_date"] <= self.sim.end)
        return f

    def _censor_cin_plans(self, f: Frame) -> Frame:
        return self._censor_spell(f)

    def _censor_early_help(self, f: Frame) -> Frame:
        sim = self.sim
        late = _after(sim, f["end_date"])
        f["closure_reason"] = np.where(late, "", f["closure_reason"])
        f["score_end"] = np.where(late, -1, f["score_end"])
        f["assessment_date"] = np.where(_after(sim, f["assessment_date"]), NAT, f["assessment_date"])
        return self._censor_spell(f)

    # --- statutory visits --------------------------------------------------------------

    def _visits(self) -> Frame:
        """Visits to children on the written plans: about every 10 working days."""
        sim, rng = self.sim, self.rng
        plans = _keep(self.frames["cp_plans"], self.frames["cp_plans"]["written"])
        start = plans["start_date"]
        stop = np.where(np.isnat(plans["end_date"]), sim.end, plans["end_date"])
        slots = count_wd(start, plus_days(stop, 1)) // 5 + 2
        group = np.repeat(np.arange(len(start)), slots)
        gaps = choose(rng, params.VISIT_GAP_WD, len(group)).astype(np.int64)
        first = (np.cumsum(slots) - slots).astype(np.int64)
        gaps[first] = rng.integers(0, 6, len(first))
        cum = np.cumsum(gaps)
        offset = cum - np.repeat(cum[first] - gaps[first], slots)
        when = add_wd(start[group], offset)
        keep = (when <= stop[group]) & (when >= sim.start)
        child = plans["child"][group][keep]
        n = len(child)
        seen = choose(rng, params.VISIT_CHILD_SEEN, n)
        alone = choose(rng, params.VISIT_SEEN_ALONE, n)
        toddler = when[keep] < years_later(sim.pool.dob[child], 3)
        alone = np.where((seen != "true") | toddler, "", alone)
        return {
            "uid": np.arange(n, dtype=np.int64),
            "child": child,
            "visit_date": when[keep],
            "child_seen": seen,
            "seen_alone": alone,
            "team": plans["team"][group][keep],
            "written": np.ones(n, dtype=bool),
        }

    # --- conversion --------------------------------------------------------------------

    def table(self, kind: str) -> Columns:
        """The written rows of ``kind`` in id order, as text in canonical column order."""
        f = self.frames[kind]
        f = _keep(f, f["written"])
        f = _keep(f, np.argsort(self.ranks[kind][f["uid"]], kind="stable"))
        own = self._own_columns(kind, f, self.ids[kind][f["uid"]])
        main = EXTRACTS[kind].main_date or ""
        cols = {**own, **self._common(f["child"], f[main], f["team"])}
        return {c.name: cols[c.name] for c in EXTRACTS[kind].all_columns}

    def _own_columns(self, kind: str, f: Frame, ids: Strs) -> dict[str, Strs]:
        id_col = EXTRACTS[kind].id_columns[0]
        cols: dict[str, Strs] = {id_col: _text(ids), "child_id": self._child_ids(f)}
        spec = EXTRACTS[kind]
        for column in spec.columns:
            if column.name in cols:
                continue
            cols[column.name] = self._column(kind, column.name, column.type, f)
        return cols

    def _column(self, kind: str, name: str, type_: str, f: Frame) -> Strs:
        if name == "contact_id":
            return _ref(self.ids["contacts"], f["contact"], np.zeros(len(f["contact"]), bool))
        if name == "referral_id":
            return _ref(self.ids["referrals"], f["referral"], f["referral_blank"])
        if name == "plan_id":
            return _ref(self.ids["cp_plans"], f["plan"], f["plan_blank"])
        if kind == "early_help" and name.startswith("outcome_score"):
            return _int(f["score_start" if name.endswith("start") else "score_end"])
        if type_ == "date":
            return _date(f[name])
        if type_ == "int":
            return _int(f[name])
        return _text(f[name])

    def _child_ids(self, f: Frame) -> Strs:
        return _text(self.sim.pool.child_id[f["child"]])

    def _common(self, child: Ints, main: Days, team: Ints) -> dict[str, Strs]:
        """la_code, team, locality, recorded_date and the child's details, some blank."""
        sim, rng = self.sim, self.rng
        n = len(child)
        structure = sim.structure
        both = chance(rng, params.TEAM_AND_LOCALITY_BLANK, n)
        team_only = chance(rng, params.TEAM_ONLY_BLANK, n)
        team_name = np.array(structure.teams)[team]
        locality = np.array(structure.localities)[structure.team_locality[team]]
        lag = choose(rng, params.RECORDING_LAG_WD, n).astype(np.int64)
        recorded = np.fmin(add_wd(main, lag), sim.end)
        recorded = np.where(chance(rng, params.RECORDED_DATE_BLANK, n), NAT, recorded)
        dob = np.where(chance(rng, params.DOB_BLANK, n), NAT, sim.pool.dob[child])
        sex = np.where(chance(rng, params.SEX_BLANK, n), "", sim.pool.sex[child])
        eth = np.where(chance(rng, params.ETHNICITY_BLANK, n), "", sim.pool.ethnicity[child])
        return {
            "la_code": _text(np.full(n, self.la_code)),
            "team": _text(np.where(both | team_only, "", team_name)),
            "locality": _text(np.where(both, "", locality)),
            "recorded_date": _date(recorded),
            "date_of_birth": _date(dob),
            "sex": _text(sex),
            "ethnicity": _text(eth),
        }


def to_tables(sim: Simulation, la_code: str) -> dict[str, Columns]:
    """Every event kind of a finished simulation, as written to the canonical CSVs."""
    fin = Finaliser(sim, la_code)
    fin.prepare()
    return {kind: fin.table(kind) for kind in ID_PREFIX}


def population_table(sim: Simulation, la_code: str, first_year: int, last_year: int) -> Columns:
    """Mid-year (30 June) 0-17 population of the simulated children, per year."""
    years = np.arange(first_year, last_year + 1)
    counts = [sim.pool.aged_0_17(np.datetime64(f"{y}-06-30", "D")) for y in years]
    return {
        "la_code": np.full(len(years), la_code),
        "year": years.astype(str),
        "population_0_17": np.array(counts).astype(str),
    }
