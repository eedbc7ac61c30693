"""The workforce, vacancies, caseloads, audits and partner measures of a simulated LA.

Built after the child's journey (``synthetic.simulate``), from it, on a random stream
of its own (so adding these kinds changed no byte of the journey's files):

- **Caseloads follow the children.** Each team's open cases at a month end are the
  referral episodes of that team open then. Teams are staffed for about
  ``CASES_PER_FTE`` cases per case-holding FTE (England's figure is about 16), less
  for the struggling teams, and the cases of a month are shared among the case
  holders in post (weighted by FTE; seniors carry less) in one multinomial draw.
- **Posts and spells.** Every team has social worker posts (a quarter senior), a team
  manager and a family support worker (role ``other``); each locality a service
  manager; the first team IROs. Each post is filled by a sequence of spells (drawn as
  a matrix, posts x spells, with cumulative sums): an agency locum with the team's
  agency share (about 18 %, near 40 % in a struggling team), directly employed
  otherwise, lasting an exponential time set by the team's turnover (about 16 % a
  year; near 30 % in a struggling team), with a vacancy gap after a leaver. A few
  spells end in a change of FTE (``leaving`` false, the same worker continues).
  Long-serving staff started long before the window (workforce start_date may be
  before 1990).
- **Vacancies** at each month end and team: the team's social worker posts (1 FTE
  each) less the FTE of directly employed workers in them, never below 0 (an agency
  worker covering a post leaves it vacant, as extracts.md says).
- **Audits**: about ``AUDITS_PER_10K_MONTH`` per 10,000 children a month, of children
  with an open episode, graded worse in the struggling teams; a quarter multi-agency.
- **Partner measures**: every measure of the shipped example file, for every whole
  month or quarter of the window, with one late return missing (a monthly measure's
  fifth month), as partners' returns are.

Example::

    >>> from synthetic.simulate import Simulation
    >>> sim = Simulation(np.random.default_rng(1), 2000, np.datetime64("2023-04-01"),
    ...                  np.datetime64("2024-03-31"))
    >>> sim.run()
    >>> tables = workforce_tables(sim, "394", np.random.default_rng(2))
    >>> sorted(tables)
    ['audits', 'caseloads', 'partner_measures', 'vacancies', 'workforce']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from store.measures import MeasureCatalogue, default_measures
from synthetic.output import Columns, _date, _text
from synthetic.simulate import Simulation
from synthetic.timeline import Bools, Days, Ints, choose, plus_days

CASES_PER_FTE = 14.5  # staffing target: about 16 cases per FTE in post after vacancies
STRUGGLING_CASES_PER_FTE = 24.0
# Agency share of FTE-time per post as the spell model sees it; with the vacancy gaps and
# the struggling teams the LA comes out near England's 18 % (tests/test_synthetic.py).
AGENCY_SHARE = 0.10
STRUGGLING_AGENCY_SHARE = 0.3
TURNOVER = 0.15
STRUGGLING_TURNOVER = 0.3
AGENCY_MEAN_YEARS = 0.8
VACANCY_GAP_MEAN_DAYS = 30.0
FTE_CHANGE = 0.08  # share of direct spells that end in a change of FTE, not a leaver
FTE_WEIGHTS = {1.0: 0.8, 0.8: 0.1, 0.6: 0.07, 0.5: 0.03}
SPELLS_PER_POST = 48
HISTORY_YEARS = 20
AUDITS_PER_10K_MONTH = 25.0
AUDIT_GRADES = ("outstanding", "good", "requires_improvement", "inadequate")
GRADE_WEIGHTS = np.array([0.06, 0.5, 0.34, 0.10])
STRUGGLING_GRADE_WEIGHTS = np.array([0.02, 0.3, 0.43, 0.25])
AUDIT_THEMES = {
    "neglect": 3.0,
    "domestic abuse": 2.5,
    "re-referrals": 1.5,
    "child sexual exploitation": 1.0,
    "pre-birth": 1.0,
    "": 1.0,
}
MULTI_AGENCY_AUDITORS = {"social_care": 0.4, "health": 0.25, "police": 0.2, "school": 0.15}
# Per measure: the monthly denominator per 10,000 children (count: the value) and the
# share meeting it (percent), or the mean (days).
PM_VOLUME_PER_10K_MONTH = 6.0
PM_SHARE_BELOW_TARGET = 0.06


def workforce_tables(
    sim: Simulation, la_code: str, rng: np.random.Generator, measures: MeasureCatalogue | None = None
) -> dict[str, Columns]:
    """The five kinds for one simulated LA, as text columns in canonical order; the partner
    figures are for ``measures`` (the configured measures file; None: the shipped example)."""
    return _Workforce(sim, la_code, rng, measures or default_measures()).tables()


class _Workforce:
    def __init__(
        self, sim: Simulation, la_code: str, rng: np.random.Generator, measures: MeasureCatalogue
    ) -> None:
        self.sim, self.la, self.rng, self.measures = sim, la_code, rng, measures
        st = sim.structure
        self.teams = np.array(st.teams)
        self.team_locality = np.array(st.localities)[st.team_locality]
        first_month = sim.start.astype("datetime64[M]")
        last_month = sim.end.astype("datetime64[M]")
        self.months = np.arange(first_month, last_month + 1)
        ends = (self.months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        self.month_end = np.minimum(ends, sim.end)
        n_teams = len(self.teams)
        struggling = max(1, round(n_teams * 0.15))
        self.struggling = np.zeros(n_teams, dtype=bool)
        self.struggling[rng.choice(n_teams, size=struggling, replace=False)] = True
        self.cases = self._open_cases()
        self.sw_posts = self._sw_posts()
        self.holder_team = self._holder_teams()
        # The cases of a team without posts (a small LA) are held by a team of its
        # locality that has them, so every open case is someone's.
        onehot = self.holder_team[:, None] == np.arange(n_teams)[None, :]
        self.held = self.cases @ onehot.astype(np.int64)

    # --- cases ------------------------------------------------------------------------

    def _episodes(self) -> tuple[Ints, Days, Days, Ints]:
        """Every referral episode: child, start, last day open, team (empty arrays if none)."""
        if not self.sim.episodes:
            days = np.zeros(0, dtype="datetime64[D]")
            return np.zeros(0, np.int64), days, days, np.zeros(0, np.int64)
        child, start, until, team = (np.concatenate(x) for x in zip(*self.sim.episodes, strict=True))
        return child, start, until, team

    def _open_cases(self) -> npt.NDArray[np.int64]:
        """Open referral episodes per month end (rows) and team (columns)."""
        _, start, until, team = self._episodes()
        me = self.month_end[:, None]
        open_ = (start[None, :] <= me) & (until[None, :] >= me)
        out = np.zeros((len(self.months), len(self.teams)), dtype=np.int64)
        for_team = np.broadcast_to(team, open_.shape)
        np.add.at(out, (np.nonzero(open_)[0], for_team[open_]), 1)
        return out

    # --- posts and spells -------------------------------------------------------------

    def _sw_posts(self) -> Ints:
        """Case-holding posts per team: the LA's total rounded, shared by largest remainder."""
        per_fte = np.where(self.struggling, STRUGGLING_CASES_PER_FTE, CASES_PER_FTE)
        ideal = self.cases.mean(axis=0) / per_fte
        total = max(1, round(float(ideal.sum())))
        posts = np.floor(ideal).astype(np.int64)
        extra = total - int(posts.sum())
        if extra > 0:
            posts[np.argsort(-(ideal - posts), kind="stable")[:extra]] += 1
        return posts

    def _holder_teams(self) -> Ints:
        """Per team, the team whose workers hold its cases: itself, else one of its locality."""
        loc = self.sim.structure.team_locality
        has = self.sw_posts > 0
        out = np.arange(len(has))
        for t in np.flatnonzero(~has):
            same = np.flatnonzero(has & (loc == loc[t]))
            out[t] = same[0] if len(same) else int(np.argmax(self.sw_posts))
        return out

    def _posts(self) -> dict[str, npt.NDArray[Any]]:
        sw_posts = self.sw_posts
        team_idx: list[Ints] = []
        roles: list[npt.NDArray[np.str_]] = []
        for t, n in enumerate(sw_posts):
            senior = max(0, round(n * 0.25))
            team_idx.append(np.full(n + 2, t))
            roles.append(np.array(["senior_sw"] * senior + ["sw"] * (n - senior) + ["team_manager", "other"]))
        st = self.sim.structure
        team_idx.append(st.first_team.astype(np.int64))
        roles.append(np.full(len(st.first_team), "service_manager"))
        iros = max(1, round(self.cases.mean(axis=0).sum() / 120))
        team_idx.append(np.zeros(iros, dtype=np.int64))
        roles.append(np.full(iros, "iro"))
        return {"team": np.concatenate(team_idx), "role": np.concatenate(roles)}

    def _spells(self) -> dict[str, npt.NDArray[Any]]:
        rng, sim = self.rng, self.sim
        posts = self._posts()
        p, k = len(posts["team"]), SPELLS_PER_POST
        bad = self.struggling[posts["team"]]
        turnover = np.where(bad, STRUGGLING_TURNOVER, TURNOVER)[:, None]
        # A spell's chance of being agency that gives the wanted share of FTE-time:
        # share = p a / (p a + (1 - p) d), a and d the mean agency and direct lengths.
        share = np.where(bad, STRUGGLING_AGENCY_SHARE, AGENCY_SHARE)[:, None]
        direct_years = 1.0 / turnover
        p_agency = share * direct_years / (AGENCY_MEAN_YEARS * (1 - share) + share * direct_years)
        agency = rng.random((p, k)) < p_agency
        agency &= (posts["role"] != "other")[:, None]
        years = np.where(
            agency, rng.exponential(AGENCY_MEAN_YEARS, (p, k)), rng.exponential(1.0, (p, k)) / turnover
        )
        length = np.maximum(14, np.round(years * 365.25)).astype(np.int64)
        change = ~agency & (rng.random((p, k)) < FTE_CHANGE)
        gap = np.where(change, 0, np.round(rng.gamma(1.5, VACANCY_GAP_MEAN_DAYS / 1.5, (p, k)))).astype(
            np.int64
        )
        gap = np.where(agency & ~change, np.minimum(gap, 21), gap)
        origin = sim.start - np.timedelta64(int(HISTORY_YEARS * 365.25), "D")
        # The first spell of a post may be half-way through: it started before the origin.
        first_offset = -np.floor(rng.random(p) * length[:, 0]).astype(np.int64)
        step = length + 1 + gap
        offset = np.concatenate(
            [first_offset[:, None], first_offset[:, None] + np.cumsum(step, axis=1)[:, :-1]], 1
        )
        start = origin + offset.astype("timedelta64[D]")
        end = start + (length - 1).astype("timedelta64[D]")
        # A change of FTE keeps the worker: a new worker starts after any other ending.
        prev_change = np.concatenate([np.zeros((p, 1), dtype=bool), change[:, :-1]], axis=1)
        worker_seq = np.cumsum(~prev_change, axis=1)
        keep = (start <= sim.end) & (end >= plus_days(np.array([sim.start]), -400)[0])
        fte = choose(rng, FTE_WEIGHTS, p * k).astype(float).reshape(p, k)
        rows, cols = np.nonzero(keep)
        worker_number = rows * (k + 1) + worker_seq[rows, cols]
        _, worker = np.unique(worker_number, return_inverse=True)
        ended = end[rows, cols] <= sim.end
        return {
            "post": rows,
            "team": posts["team"][rows],
            "role": posts["role"][rows],
            "agency": agency[rows, cols],
            "fte": fte[rows, cols],
            "start": start[rows, cols],
            "end": np.where(ended, end[rows, cols], np.datetime64("NaT")),
            "leaving": ended & ~change[rows, cols],
            "worker": worker,
        }

    # --- the five tables --------------------------------------------------------------

    def tables(self) -> dict[str, Columns]:
        spells = self._spells()
        return {
            "workforce": self._workforce(spells),
            "vacancies": self._vacancies(spells),
            "caseloads": self._caseloads(spells),
            "audits": self._audits(),
            "partner_measures": self._partner_measures(),
        }

    def _common(self, n: int, team: Ints | None) -> dict[str, npt.NDArray[np.str_]]:
        return {
            "la_code": _text(np.full(n, self.la)),
            "team": _text(self.teams[team]) if team is not None else np.full(n, ""),
            "locality": _text(self.team_locality[team]) if team is not None else np.full(n, ""),
            "recorded_date": np.full(n, ""),
        }

    def _workforce(self, s: dict[str, npt.NDArray[Any]]) -> Columns:
        order = np.lexsort((s["post"], s["start"]))
        s = {k: v[order] for k, v in s.items()}
        n = len(order)
        width = max(5, len(str(n)))
        return {
            "spell_id": np.strings.add("SP", np.strings.zfill(np.arange(1, n + 1).astype(str), width)),
            "worker_id": np.strings.add("W", np.strings.zfill((s["worker"] + 1).astype(str), width)),
            "role": _text(s["role"]),
            "agency": np.where(s["agency"], "true", "false"),
            "fte": _text(s["fte"]),
            "start_date": _date(s["start"]),
            "end_date": _date(s["end"]),
            "leaving": np.where(np.isnat(s["end"]), "", np.where(s["leaving"], "true", "false")),
            **self._common(n, s["team"]),
        }

    def _in_post(self, s: dict[str, npt.NDArray[Any]]) -> Bools:
        """Spells (columns) in post at each month end (rows)."""
        me = self.month_end[:, None]
        return (s["start"][None, :] <= me) & (np.isnat(s["end"])[None, :] | (s["end"][None, :] >= me))

    def _vacancies(self, s: dict[str, npt.NDArray[Any]]) -> Columns:
        social_worker = s["role"] != "other"
        in_post = self._in_post(s) & (social_worker & ~s["agency"])[None, :]
        n_t = len(self.teams)
        filled = np.zeros((len(self.months), n_t))
        for_team = np.broadcast_to(s["team"], in_post.shape)
        np.add.at(
            filled,
            (np.nonzero(in_post)[0], for_team[in_post]),
            np.broadcast_to(s["fte"], in_post.shape)[in_post],
        )
        posts = self._posts()
        est = np.bincount(posts["team"][posts["role"] != "other"], minlength=n_t).astype(float)
        vacant = np.maximum(0.0, np.round(est[None, :] - filled, 1))
        m = np.repeat(np.arange(len(self.months)), n_t)
        t = np.tile(np.arange(n_t), len(self.months))
        return {
            "month": _date(self.month_end[m]),
            "team": _text(self.teams[t]),
            "vacant_fte": np.char.mod("%.1f", vacant.ravel()),
            "la_code": _text(np.full(len(m), self.la)),
            "locality": _text(self.team_locality[t]),
            "recorded_date": np.full(len(m), ""),
        }

    def _caseloads(self, s: dict[str, npt.NDArray[Any]]) -> Columns:
        holder = np.isin(s["role"], ["sw", "senior_sw"])
        in_post = self._in_post(s) & holder[None, :]
        weight = s["fte"] * np.where(s["role"] == "senior_sw", 0.7, 1.0)
        month, spell = np.nonzero(in_post)
        team = s["team"][spell]
        # Per (month, team): the case holders' weights, padded to one width, in one draw.
        group = month * len(self.teams) + team
        order = np.lexsort((spell, group))
        month, spell, team, group = month[order], spell[order], team[order], group[order]
        first = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
        size = np.diff(np.r_[first, len(group)])
        slot = np.arange(len(group)) - np.repeat(first, size)
        pvals = np.zeros((len(first), int(size.max()) if len(size) else 1))
        pvals[np.repeat(np.arange(len(first)), size), slot] = weight[spell]
        pvals /= pvals.sum(axis=1, keepdims=True)
        n_cases = self.held[month[first], team[first]]
        drawn = self.rng.multinomial(n_cases, pvals)
        cases = drawn[np.repeat(np.arange(len(first)), size), slot]
        width = max(5, len(str(int(s["worker"].max()) + 1)))
        return {
            "month": _date(self.month_end[month]),
            "worker_id": np.strings.add("W", np.strings.zfill((s["worker"][spell] + 1).astype(str), width)),
            "cases": cases.astype(str),
            "la_code": _text(np.full(len(month), self.la)),
            "team": _text(self.teams[team]),
            "locality": _text(self.team_locality[team]),
            "recorded_date": np.full(len(month), ""),
        }

    def _audits(self) -> Columns:
        rng, sim = self.rng, self.sim
        child, start, until, team = self._episodes()
        n_month = rng.poisson(AUDITS_PER_10K_MONTH * sim.children / 10_000, len(self.months))
        month = np.repeat(np.arange(len(self.months)), n_month)
        first_day = self.months[month].astype("datetime64[D]")
        span = (self.month_end[month] - first_day).astype(np.int64) + 1
        day = first_day + np.floor(rng.random(len(month)) * span).astype("timedelta64[D]")
        # An episode open on the audit day, at random (none open: no audit).
        counts, ranked = _open_counts(start, until, day, month)
        pick = np.floor(rng.random(len(day)) * counts).astype(np.int64)
        ok = counts > 0
        if not ok.any():
            return {}
        chosen = ranked(pick)
        day, chosen = day[ok], chosen[ok]
        n = len(day)
        a_team = team[chosen]
        bad = self.struggling[a_team]
        weights = np.where(bad[:, None], STRUGGLING_GRADE_WEIGHTS, GRADE_WEIGHTS)
        grade = (rng.random(n)[:, None] > np.cumsum(weights, axis=1)).sum(axis=1)
        multi = rng.random(n) < 0.25
        auditor = np.where(
            multi, choose(rng, MULTI_AGENCY_AUDITORS, n), np.where(rng.random(n) < 0.05, "", "social_care")
        )
        order = np.argsort(day, kind="stable")
        pool = sim.pool
        c = child[chosen][order]
        return {
            "audit_id": np.strings.add("AU", np.strings.zfill(np.arange(1, n + 1).astype(str), 6)),
            "child_id": _text(pool.child_id[c]),
            "audit_date": _date(day[order]),
            "grade": np.array(AUDIT_GRADES)[np.minimum(grade, 3)][order],
            "multi_agency": np.where(multi, "true", "false")[order],
            "auditor_agency": auditor[order],
            "theme": choose(rng, AUDIT_THEMES, n).astype(str),
            **self._common(n, a_team[order]),
            "date_of_birth": _date(pool.dob[c]),
            "sex": _text(pool.sex[c]),
            "ethnicity": _text(pool.ethnicity[c]),
        }

    def _partner_measures(self) -> Columns:
        rng, sim = self.rng, self.sim
        rows: list[tuple[str, Days, Days, npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]] = []
        missing_done = False
        for m in self.measures.measures:
            step = 3 if m.grain == "quarter" else 1
            starts = self.months[(self.months.astype(np.int64) % step) == 0]
            starts = starts[starts.astype("datetime64[D]") >= sim.start]
            ends = (starts + step).astype("datetime64[D]") - np.timedelta64(1, "D")
            keep = ends <= sim.end
            starts, ends = starts[keep].astype("datetime64[D]"), ends[keep]
            if m.grain == "month" and not missing_done and len(starts) > 5:
                starts, ends = np.delete(starts, 4), np.delete(ends, 4)  # a late return
                missing_done = True
            k = len(starts)
            volume = PM_VOLUME_PER_10K_MONTH * step * sim.children / 10_000
            den = np.maximum(1, rng.poisson(volume, k)).astype(float)
            if m.unit in ("count", "days"):
                value = den if m.unit == "count" else np.round(rng.gamma(4.0, 2.0, k), 1)
                rows.append((m.id, starts, ends, np.full(k, np.nan), np.full(k, np.nan), value))
                continue
            target = (m.target or 90.0) / 100
            share = np.clip(target - PM_SHARE_BELOW_TARGET + rng.normal(0, 0.04, k), 0.3, 1.0)
            num = rng.binomial(den.astype(np.int64), share).astype(float)
            scale = 100.0 if m.unit == "percent" else 10_000.0
            value = np.floor(num * scale / den * 10 + 0.5) / 10
            rows.append((m.id, starts, ends, num, den, value))
        ids = np.concatenate([np.full(len(r[1]), r[0]) for r in rows])
        n = len(ids)

        def num_text(x: npt.NDArray[Any]) -> npt.NDArray[np.str_]:
            return np.where(np.isnan(x), "", np.char.mod("%g", np.nan_to_num(x)))

        return {
            "measure_id": ids,
            "period_start": _date(np.concatenate([r[1] for r in rows])),
            "period_end": _date(np.concatenate([r[2] for r in rows])),
            "numerator": num_text(np.concatenate([r[3] for r in rows])),
            "denominator": num_text(np.concatenate([r[4] for r in rows])),
            "value": num_text(np.concatenate([r[5] for r in rows])),
            "note": np.full(n, ""),
            **self._common(n, None),
        }


def _open_counts(start: Days, until: Days, day: Days, month: Ints) -> tuple[Ints, Callable[[Ints], Ints]]:
    """For each audit day, how many episodes are open on it, and a function from a rank
    among them (in episode order) to the episode's index.

    Worked a month at a time over only the episodes open in that month: a dense audits
    by episodes matrix for a large LA (45,000 audits by 170,000 episodes) is tens of GB.

    >>> d = np.array(["2024-01-05", "2024-01-20"], dtype="datetime64[D]")
    >>> s = np.array(["2024-01-01", "2024-01-10", "2023-12-01"], dtype="datetime64[D]")
    >>> u = np.array(["2024-01-31", "2024-01-31", "2024-01-06"], dtype="datetime64[D]")
    >>> counts, ranked = _open_counts(s, u, d, np.array([0, 0]))
    >>> counts.tolist(), ranked(np.array([1, 1])).tolist()
    ([2, 2], [2, 1])
    """
    counts = np.zeros(len(day), dtype=np.int64)
    blocks = [
        (rows, np.flatnonzero((start <= day[rows].max()) & (until >= day[rows].min())))
        for rows in (np.flatnonzero(month == m) for m in np.unique(month))
    ]

    def open_on(rows: Ints, cols: Ints) -> npt.NDArray[np.bool_]:
        on = day[rows][:, None]
        return (start[cols][None, :] <= on) & (until[cols][None, :] >= on)

    for rows, cols in blocks:
        counts[rows] = open_on(rows, cols).sum(axis=1)

    def ranked(pick: Ints) -> Ints:
        chosen = np.zeros(len(day), dtype=np.int64)
        for rows, cols in blocks:
            if len(cols):
                open_ = open_on(rows, cols)
                hit = ((np.cumsum(open_, axis=1) - 1) == pick[rows][:, None]) & open_
                chosen[rows] = cols[np.argmax(hit, axis=1)]
        return chosen

    return counts, ranked
