"""One LA's children's social care, simulated as vectorised event streams.

The flow (rates and mixes in ``synthetic/params.py``):

- **Referral chains.** First referrals arrive on weighted days (fewer at weekends, on
  bank holidays and in August) about children picked by age. Each referral opens an
  episode: no further action, or an assessment (start 0-18 working days later,
  authorised after a median of about 33 working days); some have a section 47
  enquiry, a third of those an initial conference, most of which start a child
  protection plan (ending at a review conference, about 10 months on average); a
  child assessed in need gets a child in need plan; a plan may step down to a CIN
  plan. The episode closes (RC1-RC9) when its last plan ends. A closed episode is
  followed, with some probability, by the next referral of the same child: that
  is what makes re-referrals.
- **Front door.** Most referrals come from a contact (outcome ``referral``); other
  contacts (advice, no further action, early help, already open) are drawn on their
  own, some repeating a child.
- **Early help.** Episodes start from contacts, from closures stepped down to early
  help (RC9) and directly from partners; some precede a referral and close
  ``stepped_up``; some are followed by another episode.

Referral chains run from ``WARM_UP_YEARS`` before ``start`` (the other contacts from
``FRONT_DOOR_WARM_UP_YEARS`` before it) so that the first day is in a steady state;
:mod:`synthetic.output` writes only what falls in the window (and the plans and
episodes open in it) and blanks what is decided after the window's end.
A handful of awkward cases (12-month boundaries, 45/46 working days, a plan of
exactly 2 years, same-day duplicates) are forced in every LA large enough to have
candidates.

Example::

    >>> import numpy as np
    >>> sim = Simulation(np.random.default_rng(1), 500, np.datetime64("2022-04-01"),
    ...                  np.datetime64("2023-03-31"))
    >>> sim.run()
    >>> len(sim.tables.frame("referrals")["uid"]) > 0
    True
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics.calendar import add_months
from synthetic import params
from synthetic.population import ChildPool, Structure, make_pool, make_structure
from synthetic.timeline import (
    NAT,
    Bools,
    Days,
    Ints,
    Strs,
    add_wd,
    chance,
    choose,
    force_some,
    plus_days,
    sample_days,
    weighted_days,
    years_later,
)

Frame = dict[str, npt.NDArray[Any]]

# Referrals are about children whose 18th birthday is at least this far off.
AGE_MARGIN_DAYS = 120


@dataclass(frozen=True)
class Profile:
    """How one LA differs from the England-like defaults (multipliers, shares)."""

    contacts: float
    referrals: float
    s47: float
    early_help: float
    late_assessments: float
    birth_trend: float


def draw_profile(rng: np.random.Generator) -> Profile:
    """A modest LA character: volumes within about +-10 %, timeliness a few points.

    Contacts follow referrals (a busy front door refers more), so the share of
    contacts that become referrals stays near England's.
    """
    referrals = float(rng.uniform(0.95, 1.05))
    return Profile(
        contacts=referrals * float(rng.uniform(0.93, 1.07)),
        referrals=referrals,
        s47=float(rng.uniform(0.95, 1.05)),
        early_help=float(rng.uniform(0.85, 1.15)),
        late_assessments=float(rng.uniform(-0.03, 0.03)),
        birth_trend=float(rng.uniform(-0.01, 0.006)),
    )


class Tables:
    """Rows of every kind, added in chunks of columns; each row has a ``uid`` in its kind."""

    def __init__(self) -> None:
        self._chunks: dict[str, list[Frame]] = defaultdict(list)
        self._next: Counter[str] = Counter()

    def reserve(self, kind: str, n: int) -> Ints:
        """``n`` new row uids of ``kind``."""
        first = self._next[kind]
        self._next[kind] += n
        return np.arange(first, first + n, dtype=np.int64)

    def add(self, kind: str, **columns: npt.NDArray[Any]) -> None:
        """Add rows (every column the same length; ``uid`` from :meth:`reserve`).

        Empty chunks are kept too: they give an empty kind its columns.
        """
        self._chunks[kind].append(columns)

    def frame(self, kind: str) -> Frame:
        """All the rows of ``kind`` so far, concatenated."""
        chunks = self._chunks[kind]
        return {c: np.concatenate([ch[c] for ch in chunks]) for c in chunks[0]}


@dataclass
class EhSeeds:
    """Early help episodes to create: known start (forward) or known end (stepped up)."""

    child: list[Ints]
    start: list[Days]
    lead: list[Strs]


class Simulation:
    """Simulate one LA from ``start - WARM_UP_YEARS`` to ``end`` (inclusive)."""

    def __init__(
        self,
        rng: np.random.Generator,
        children: int,
        start: np.datetime64,
        end: np.datetime64,
        profile: Profile | None = None,
    ) -> None:
        self.rng = rng
        self.children = children
        self.start: np.datetime64 = start.astype("datetime64[D]")
        self.end: np.datetime64 = end.astype("datetime64[D]")
        self.first = years_later(np.array([self.start]), -params.WARM_UP_YEARS)[0]
        self.front_first = years_later(np.array([self.start]), -params.FRONT_DOOR_WARM_UP_YEARS)[0]
        self.profile = profile or draw_profile(rng)
        self.structure: Structure = make_structure(rng)
        last_mid_year = np.datetime64(f"{self.end.astype(object).year}-06-30", "D")
        self.pool: ChildPool = make_pool(
            rng,
            children,
            self.first,
            max(self.end, last_mid_year),
            self.start,
            self.profile.birth_trend,
            len(self.structure.localities),
        )
        self.days, self.day_cum = weighted_days(
            self.first,
            self.end,
            params.WEEKDAY_WEIGHTS,
            params.MONTH_WEIGHTS,
            params.BANK_HOLIDAY_WEIGHT,
        )
        self.tables = Tables()
        self.forced: Counter[str] = Counter()
        self.eh = EhSeeds([], [], [])
        self.episodes: list[tuple[Ints, Days, Days, Ints]] = []

    # --- helpers ---------------------------------------------------------------------

    def expected(self, rate_per_10k: float, since: np.datetime64 | None = None) -> int:
        """A Poisson count for a yearly rate per 10,000 from ``since`` (or the start) on."""
        first = self.first if since is None else since
        years = float((self.end - first).astype(np.int64) + 1) / 365.25
        return int(self.rng.poisson(rate_per_10k * self.children / 10_000 * years))

    def in_window(self, dates: Days) -> Bools:
        """Dates inside ``[start, end]``."""
        return (dates >= self.start) & (dates <= self.end)

    def team_for(self, child: Ints) -> Ints:
        """A team of the child's home locality."""
        return self.structure.team_for(self.rng, self.pool.locality[child])

    def before_18(self, child: Ints, dates: Days, margin: int = 0) -> Bools:
        """Dates before the child's 18th birthday less ``margin`` days."""
        return dates < plus_days(self.pool.eighteenth[child], -margin)

    def cap_18(self, child: Ints, dates: Days) -> Days:
        """Dates no later than the day before the child's 18th birthday (NaT stays)."""
        return np.minimum(dates, plus_days(self.pool.eighteenth[child], -1))

    def force(self, key: str, candidates: Bools, p: float) -> Bools:
        """Pick forced awkward cases: share ``p``, and one if none was forced yet."""
        picked = force_some(self.rng, candidates, p, self.forced[key] == 0)
        self.forced[key] += int(picked.sum())
        return picked

    # --- the run ---------------------------------------------------------------------

    def run(self) -> None:
        """Simulate everything; rows end up in :attr:`tables`."""
        self.referral_chains()
        self.other_contacts()
        self.open_case_contacts()
        self.direct_early_help()
        self.early_help()

    def referral_chains(self) -> None:
        """First referrals, then each generation of re-referrals until none is left."""
        n = self.expected(params.FIRST_REFERRAL_RATE * self.profile.referrals)
        dates = sample_days(self.rng, self.days, self.day_cum, n)
        child, found = self.pool.pick(self.rng, dates, AGE_MARGIN_DAYS)
        child, dates = child[found], dates[found]
        while True:  # at least once, so that every kind has its columns
            closure = self.referral_episodes(child, dates)
            if not len(child):
                break
            child, dates = self.next_referrals(child, dates, closure)

    def next_referrals(self, child: Ints, rdate: Days, closure: Days) -> tuple[Ints, Days]:
        """The next referral of a chain: soon after closure, or a year or more later."""
        rng = self.rng
        n = len(child)
        go = ~np.isnat(closure) & chance(rng, params.CHAIN_CONTINUE, n)
        soon = chance(rng, params.CHAIN_SOON, n)
        gap = np.where(
            soon,
            7 + rng.gamma(*params.CHAIN_SOON_GAMMA, n),
            365 + rng.exponential(params.CHAIN_LATE_MEAN_DAYS, n),
        ).astype(np.int64)
        nxt = plus_days(closure, gap)
        boundary = add_months(rdate, 12)
        can = (
            go
            & self.in_window(rdate)
            & (closure < plus_days(boundary, -3))
            & self.in_window(plus_days(boundary, 1))
            & self.before_18(child, boundary, AGE_MARGIN_DAYS + 1)
        )
        exact = self.force("rereferral_12m", can, params.BOUNDARY_REREFERRAL)
        later = self.force("rereferral_12m_1d", can & ~exact, params.BOUNDARY_REREFERRAL)
        nxt = np.where(exact, boundary, np.where(later, plus_days(boundary, 1), nxt))
        keep = go & (nxt <= self.end) & self.before_18(child, nxt, AGE_MARGIN_DAYS)
        return child[keep], nxt[keep]

    # --- one generation of referral episodes -----------------------------------------

    def referral_episodes(self, child: Ints, rdate: Days) -> Days:
        """Every row that follows from these referrals; returns their closure dates."""
        rng = self.rng
        n = len(child)
        uid = self.tables.reserve("referrals", n)
        team = self.team_for(child)
        source = choose(rng, params.REFERRAL_SOURCE_WEIGHTS, n)
        stepped = chance(rng, params.STEPPED_UP_REFERRAL, n)
        source[stepped] = "5D"
        self.stepped_up_episodes(child[stepped], rdate[stepped])
        contact = self.referral_contacts(child, rdate, source, team)
        nfa = chance(rng, params.REFERRAL_NFA, n)
        assessed = ~nfa & chance(rng, params.ASSESSED_IF_NOT_NFA, n)
        a_start, auth = self.assessment_dates(rdate, assessed)
        icpc, plan = self.s47_at_referral(child, rdate, auth, source, assessed, uid, team)
        in_need = assessed & (plan | chance(rng, params.IN_NEED, n))
        self.add_assessments(child, a_start, auth, uid, team, in_need, assessed)
        cin = in_need & ~plan & chance(rng, params.CIN_PLAN_IF_IN_NEED, n)
        cin_end, icpc2, plan2 = self.cin_episodes(child, auth, cin, uid, team)
        plan_start = np.where(plan, icpc, np.where(plan2, icpc2, NAT))
        plan_end = self.plan_episodes(child, plan_start, team)
        step_end = self.step_down(child, plan_end, team)
        last = np.fmax(np.fmax(cin_end, plan_end), step_end)
        closure, reason = self.closures(child, rdate, nfa, assessed, in_need, auth, last)
        need = self.primary_needs(in_need)
        self.tables.add(
            "referrals",
            uid=uid,
            child=child,
            referral_date=rdate,
            referral_source=source,
            referral_nfa=np.where(nfa, "true", "false"),
            contact=contact,
            primary_need=need,
            closure_date=closure,
            closure_reason=reason,
            team=team,
        )
        self.duplicates(child, rdate, nfa, need, closure, reason, team)
        self.step_down_to_early_help(child, closure, reason)
        open_until = np.where(np.isnat(closure), self.end, closure)
        self.episodes.append((child, rdate, open_until, team))
        return closure

    def referral_contacts(self, child: Ints, rdate: Days, source: Strs, team: Ints) -> Ints:
        """The contact each referral came from (uid), or -1 for a referral without one."""
        rng = self.rng
        n = len(child)
        has = chance(rng, params.REFERRAL_WITH_CONTACT, n)
        lag = choose(rng, params.CONTACT_TO_REFERRAL_WD, n).astype(np.int64)
        cdate = np.where(lag == 0, rdate, add_wd(rdate, -lag, roll="backward"))
        cdate = np.fmax(cdate, self.pool.dob[child])
        uid = self.tables.reserve("contacts", int(has.sum()))
        self.tables.add(
            "contacts",
            uid=uid,
            child=child[has],
            contact_date=cdate[has],
            contact_source=source[has],
            outcome=np.full(len(uid), "referral"),
            decision_date=rdate[has],
            team=team[has],
        )
        out = np.full(n, -1, dtype=np.int64)
        out[has] = uid
        self.second_contacts(child[has], cdate[has], rdate[has], team[has])
        return out

    def second_contacts(self, child: Ints, cdate: Days, rdate: Days, team: Ints) -> None:
        """A second contact about the same concern, also decided as the referral."""
        rng = self.rng
        two = chance(rng, params.SECOND_CONTACT, len(child))
        k = int(two.sum())
        back = rng.integers(0, 3, k)
        when = np.fmax(add_wd(cdate[two], -back, roll="backward"), self.pool.dob[child[two]])
        self.tables.add(
            "contacts",
            uid=self.tables.reserve("contacts", k),
            child=child[two],
            contact_date=np.where(back == 0, cdate[two], when),
            contact_source=choose(rng, params.REFERRAL_SOURCE_WEIGHTS, k),
            outcome=np.full(k, "referral"),
            decision_date=rdate[two],
            team=team[two],
        )

    def duplicates(
        self,
        child: Ints,
        rdate: Days,
        nfa: Bools,
        need: Strs,
        closure: Days,
        reason: Strs,
        team: Ints,
    ) -> None:
        """Same-day duplicate referrals: same child and date, another id and source."""
        dup = self.force("duplicate_referral", self.in_window(rdate), params.DUPLICATE_REFERRAL)
        k = int(dup.sum())
        self.tables.add(
            "referrals",
            uid=self.tables.reserve("referrals", k),
            child=child[dup],
            referral_date=rdate[dup],
            referral_source=choose(self.rng, params.REFERRAL_SOURCE_WEIGHTS, k),
            referral_nfa=np.where(nfa[dup], "true", "false"),
            contact=np.full(k, -1, dtype=np.int64),
            primary_need=need[dup],
            closure_date=closure[dup],
            closure_reason=reason[dup],
            team=team[dup],
        )

    # --- assessments -----------------------------------------------------------------

    def assessment_wd(self, starts: Days) -> Ints:
        """Working days from start to authorisation (some forced to exactly 45 and 46)."""
        rng = self.rng
        n = len(starts)
        u = rng.random(n)
        late_share = params.ASSESSMENT_LATE + self.profile.late_assessments
        quick = rng.integers(2, 16, n)
        body = np.floor(rng.triangular(*params.ASSESSMENT_BODY_TRIANGLE, n)).astype(np.int64)
        late = 46 + np.floor(rng.gamma(1.6, params.ASSESSMENT_LATE_MEAN / 1.6, n)).astype(np.int64)
        wd = np.where(u < params.ASSESSMENT_QUICK, quick, np.where(u < 1 - late_share, body, late))
        can = self.in_window(starts) & (starts <= plus_days(np.array(self.end), -90))
        wd[self.force("assessment_45wd", can, params.FORCED_ASSESSMENT_WD)] = 45
        wd[self.force("assessment_46wd", can & (wd != 45), params.FORCED_ASSESSMENT_WD)] = 46
        return np.minimum(wd, 250).astype(np.int64)

    def assessment_dates(self, rdate: Days, assessed: Bools) -> tuple[Days, Days]:
        """Start and authorisation of each referral's assessment (NaT where none)."""
        n = len(rdate)
        delay = choose(self.rng, params.ASSESSMENT_START_WD, n).astype(np.int64)
        start = np.where(assessed, add_wd(rdate, delay), NAT)
        auth = add_wd(start, self.assessment_wd(start))
        return start, auth

    def add_assessments(
        self,
        child: Ints,
        start: Days,
        auth: Days,
        referral: Ints,
        team: Ints,
        in_need: Bools,
        mask: Bools,
        explicit_share: float = 0.94,
    ) -> None:
        """Assessment rows for ``mask``; ``explicit_share`` of them name their referral."""
        rng = self.rng
        k = int(mask.sum())
        need = in_need[mask]
        self.tables.add(
            "assessments",
            uid=self.tables.reserve("assessments", k),
            child=child[mask],
            start_date=start[mask],
            referral=referral[mask],
            referral_blank=~chance(rng, explicit_share, k),
            authorisation_date=auth[mask],
            child_seen=choose(rng, params.CHILD_SEEN, k),
            outcome_in_need=np.where(need, "true", "false"),
            factors=self.factors(need),
            team=team[mask],
        )

    def factors(self, in_need: Bools) -> Strs:
        """Assessment factor lists: 1-4 distinct codes when in need, 0-2 when not."""
        rng = self.rng
        n = len(in_need)
        codes = np.array(list(params.FACTOR_WEIGHTS))
        logw = np.log(np.array(list(params.FACTOR_WEIGHTS.values())))
        count = np.where(
            in_need,
            choose(rng, params.FACTOR_COUNT_IN_NEED, n),
            choose(rng, params.FACTOR_COUNT_NOT_IN_NEED, n),
        ).astype(np.int64)
        # Weighted sampling without replacement: the top 4 of log-weight + Gumbel noise.
        keys = logw[None, :] + rng.gumbel(size=(n, len(codes)))
        top = np.argsort(-keys, axis=1)[:, :4]
        sep = np.where(chance(rng, params.FACTOR_SEMICOLON, n), ";", ",")
        out = np.where(count > 0, codes[top[:, 0]], "")
        for j in range(1, 4):
            more = np.strings.add(np.strings.add(out, sep), codes[top[:, j]])
            out = np.where(count > j, more, out)
        return out.astype(str)

    # --- section 47 and child protection ---------------------------------------------

    def icpc_outcomes(self, strategy: Days, mask: Bools) -> tuple[Days, Bools, Bools]:
        """For S47s in ``mask``: ICPC date (NaT if none), whether held, whether a plan."""
        rng = self.rng
        n = len(strategy)
        held = mask & chance(rng, params.ICPC, n)
        within = chance(rng, params.ICPC_WITHIN_15, n)
        wd = np.where(
            within,
            np.floor(rng.triangular(4, 13, 16, n)),
            16 + np.floor(rng.exponential(8, n)),
        ).astype(np.int64)
        icpc = np.where(held, add_wd(strategy, wd), NAT)
        plan = held & chance(rng, params.ICPC_TO_PLAN, n)
        return icpc, held, plan

    def add_s47(
        self,
        child: Ints,
        strategy: Days,
        icpc: Days,
        plan: Bools,
        referral: Ints,
        team: Ints,
        mask: Bools,
    ) -> None:
        """S47 rows for ``mask`` (most name their referral)."""
        rng = self.rng
        k = int(mask.sum())
        outcome = np.where(plan[mask], "true", "false")
        outcome[chance(rng, params.ICPC_OUTCOME_BLANK, k)] = ""
        self.tables.add(
            "s47",
            uid=self.tables.reserve("s47", k),
            child=child[mask],
            strategy_date=strategy[mask],
            referral=referral[mask],
            referral_blank=chance(rng, 0.08, k),
            icpc_date=icpc[mask],
            icpc_outcome_plan=outcome,
            icpc_not_required_blank=chance(rng, params.ICPC_NOT_REQUIRED_BLANK, k),
            team=team[mask],
        )

    def s47_at_referral(
        self,
        child: Ints,
        rdate: Days,
        auth: Days,
        source: Strs,
        assessed: Bools,
        referral: Ints,
        team: Ints,
    ) -> tuple[Days, Bools]:
        """S47 enquiries during the assessment: the ICPC date and whether a plan started."""
        rng = self.rng
        n = len(child)
        p = np.where(source == "6", params.S47_POLICE, params.S47_OTHER) * self.profile.s47
        s47 = assessed & (rng.random(n) < p)
        k = np.where(chance(rng, 0.6, n), rng.integers(0, 3, n), rng.integers(3, 21, n))
        strategy = np.where(s47, np.fmin(add_wd(rdate, k), auth), NAT)
        icpc, _, plan = self.icpc_outcomes(strategy, s47)
        self.add_s47(child, strategy, icpc, plan, referral, team, s47)
        return icpc, plan

    def cin_episodes(
        self, child: Ints, auth: Days, cin: Bools, referral: Ints, team: Ints
    ) -> tuple[Days, Days, Bools]:
        """CIN plans after the assessment, with S47s and re-assessments during some.

        Returns the CIN plan end, and the ICPC date and plan flag of an S47 held
        during the CIN plan (the CIN plan then ends when the CP plan starts).
        """
        rng = self.rng
        n = len(child)
        start = add_wd(auth, rng.integers(0, 11, n))
        cin = cin & self.before_18(child, start, 30)
        start = np.where(cin, start, NAT)
        days = rng.lognormal(np.log(params.CIN_MEDIAN_DAYS), params.CIN_SIGMA, n)
        end = self.cap_18(child, plus_days(start, np.maximum(days, 14).astype(np.int64)))
        length = np.maximum((end - start).astype(np.int64), 1)
        s47 = cin & chance(rng, params.S47_IN_CIN, n)
        strategy = add_wd(plus_days(start, np.floor(rng.random(n) * length)), 0)
        strategy = np.where(s47, strategy, NAT)
        icpc, _, plan = self.icpc_outcomes(strategy, s47)
        plan &= self.before_18(child, icpc, 30)
        self.add_s47(child, strategy, icpc, plan, referral, team, s47)
        end = np.where(plan, icpc, end)
        again = cin & ~plan & chance(rng, params.REASSESSMENT_IN_CIN, n)
        a_start = add_wd(plus_days(start, np.floor(rng.uniform(0.3, 0.9, n) * length)), 0)
        a_start = np.where(again, a_start, NAT)
        a_auth = add_wd(a_start, self.assessment_wd(a_start))
        need = chance(rng, 0.8, n)
        self.add_assessments(child, a_start, a_auth, referral, team, need, again, 0.5)
        self.add_cin_plans(child[cin], start[cin], end[cin], team[cin])
        return end, icpc, plan

    def add_cin_plans(self, child: Ints, start: Days, end: Days, team: Ints) -> None:
        """CIN plan rows."""
        self.tables.add(
            "cin_plans",
            uid=self.tables.reserve("cin_plans", len(child)),
            child=child,
            start_date=start,
            end_date=end,
            team=team,
        )

    def step_down(self, child: Ints, plan_end: Days, team: Ints) -> Days:
        """A CIN plan after some CP plans end; returns its end (NaT where none)."""
        rng = self.rng
        n = len(child)
        sd = ~np.isnat(plan_end) & chance(rng, params.STEP_DOWN_TO_CIN, n)
        sd &= self.before_18(child, plan_end, 14)
        days = rng.lognormal(np.log(params.STEP_DOWN_MEDIAN_DAYS), params.CIN_SIGMA, n)
        end = self.cap_18(child, plus_days(plan_end, np.maximum(days, 14).astype(np.int64)))
        self.add_cin_plans(child[sd], plan_end[sd], end[sd], team[sd])
        return np.where(sd, end, NAT)

    def review_dates(self, start: Days) -> list[Days]:
        """Review conferences at 3 months, then 6-monthly from each actual review."""
        rng = self.rng
        n = len(start)
        due = add_months(start, 3)
        out: list[Days] = []
        for _ in range(max(params.PLAN_REVIEWS) + 1):
            timing = choose(rng, params.REVIEW_TIMING, n)
            early = add_wd(due, -rng.integers(0, 11, n), roll="backward")
            late = add_wd(due, rng.integers(1, 26, n), roll="forward")
            held = np.where(
                timing == "early", early, np.where(timing == "late", late, add_wd(due, 0, "backward"))
            )
            out.append(held)
            due = add_months(held, 6)
        return out

    def plan_episodes(self, child: Ints, start: Days, team: Ints) -> Days:
        """CP plans starting at ``start`` (NaT: no plan), their reviews; returns the ends."""
        rng = self.rng
        has = ~np.isnat(start)
        c, s, t = child[has], start[has], team[has]
        n = len(c)
        reviews = self.review_dates(s)
        n_rev = choose(rng, params.PLAN_REVIEWS, n).astype(np.int64)
        at_review = chance(rng, params.PLAN_ENDS_AT_REVIEW, n)
        stacked = np.stack([s, *reviews])  # row k: start (k=0) or review k
        last = stacked[n_rev, np.arange(n)]
        nxt = stacked[n_rev + 1, np.arange(n)]
        between = (nxt - last).astype(np.int64)
        early_end = plus_days(s, rng.integers(20, 86, n))
        mid = plus_days(last, 1 + np.floor(rng.random(n) * np.maximum(between - 2, 1)))
        end = np.where(n_rev == 0, early_end, np.where(at_review, last, mid))
        two_years = years_later(s, 2)
        can = self.in_window(s) & (two_years <= self.end) & self.before_18(c, two_years, 1)
        end = np.where(self.force("plan_2y", can, params.FORCED_TWO_YEAR_PLAN), two_years, end)
        end = self.cap_18(c, end)
        uid = self.tables.reserve("cp_plans", n)
        self.add_plans(uid, c, s, end, t)
        self.add_reviews(uid, c, reviews, end, t)
        out = np.full(len(child), NAT)
        out[has] = end
        return out

    def add_plans(self, uid: Ints, child: Ints, start: Days, end: Days, team: Ints) -> None:
        """CP plan rows with their categories."""
        rng = self.rng
        n = len(uid)
        initial = choose(rng, params.CP_CATEGORY_WEIGHTS, n)
        latest = np.where(
            chance(rng, params.LATEST_CATEGORY_CHANGES, n),
            choose(rng, params.CP_CATEGORY_WEIGHTS, n),
            initial,
        )
        latest[chance(rng, params.LATEST_CATEGORY_BLANK, n)] = ""
        self.tables.add(
            "cp_plans",
            uid=uid,
            child=child,
            start_date=start,
            end_date=end,
            initial_category=initial,
            latest_category=latest,
            team=team,
        )

    def add_reviews(self, plan: Ints, child: Ints, reviews: list[Days], end: Days, team: Ints) -> None:
        """Review rows: every review held on or before the plan's end."""
        dates = np.concatenate(reviews)
        k = len(reviews)
        keep = dates <= np.tile(end, k)
        m = int(keep.sum())
        self.tables.add(
            "cp_reviews",
            uid=self.tables.reserve("cp_reviews", m),
            child=np.tile(child, k)[keep],
            plan=np.tile(plan, k)[keep],
            plan_blank=chance(self.rng, params.REVIEW_PLAN_ID_BLANK, m),
            review_date=dates[keep],
            team=np.tile(team, k)[keep],
        )

    # --- closure -----------------------------------------------------------------------

    def closures(
        self,
        child: Ints,
        rdate: Days,
        nfa: Bools,
        assessed: Bools,
        in_need: Bools,
        auth: Days,
        last_plan_end: Days,
    ) -> tuple[Days, Strs]:
        """Episode closure date and reason (RC1-RC9) by the path the episode took."""
        rng = self.rng
        n = len(child)
        plans = ~np.isnat(last_plan_end)
        d_nfa = plus_days(rdate, np.where(chance(rng, 0.8, n), 0, rng.integers(1, 4, n)))
        d_unassessed = plus_days(rdate, rng.integers(5, 31, n))
        d_not_in_need = plus_days(auth, rng.integers(0, 6, n))
        d_in_need = plus_days(auth, rng.integers(30, 151, n))
        d_plans = plus_days(last_plan_end, rng.integers(0, 11, n))
        date = np.where(
            nfa,
            d_nfa,
            np.where(
                ~assessed,
                d_unassessed,
                np.where(~in_need, d_not_in_need, np.where(plans, d_plans, d_in_need)),
            ),
        )
        reason = np.where(
            nfa,
            choose(rng, params.CLOSURE_NFA, n),
            np.where(
                ~assessed,
                "RC7",
                np.where(
                    ~in_need,
                    choose(rng, params.CLOSURE_NOT_IN_NEED, n),
                    choose(rng, params.CLOSURE_IN_NEED, n),
                ),
            ),
        )
        date = self.cap_18(child, date)
        return date, reason.astype(str)

    def primary_needs(self, in_need: Bools) -> Strs:
        """Primary need: abuse or neglect leads for children in need; N9/N0 otherwise."""
        rng = self.rng
        n = len(in_need)
        need = np.where(
            in_need,
            choose(rng, params.PRIMARY_NEED_IN_NEED, n),
            choose(rng, params.PRIMARY_NEED_NOT_IN_NEED, n),
        ).astype(str)
        need[chance(rng, params.PRIMARY_NEED_BLANK, n)] = ""
        return need

    # --- contacts that did not become referrals ----------------------------------------

    def other_contacts(self) -> None:
        """Advice, NFA and early help contacts, some repeating an earlier child."""
        rng = self.rng
        rate = params.OTHER_CONTACT_RATE * self.profile.contacts
        since = self.front_first
        n = self.expected(rate * (1 - params.REPEAT_CONTACT), since)
        dates = sample_days(rng, self.days, self.day_cum, n, since)
        child, found = self.pool.pick(rng, dates)
        child, dates = child[found], dates[found]
        prior = self.tables.frame("contacts")
        recent = prior["contact_date"] >= since
        pool_child = np.concatenate([child, prior["child"][recent]]).astype(np.int64)
        pool_date = np.concatenate([dates, prior["contact_date"][recent]])
        m = self.expected(rate * params.REPEAT_CONTACT, since)
        pick = rng.integers(0, len(pool_child), m) if len(pool_child) else np.zeros(0, int)
        gap = 3 + np.floor(rng.gamma(*params.REPEAT_CONTACT_GAMMA, m)).astype(np.int64)
        r_child = pool_child[pick]
        r_date = plus_days(pool_date[pick], gap)
        ok = (r_date <= self.end) & self.before_18(r_child, r_date)
        child = np.concatenate([child, r_child[ok]])
        dates = np.concatenate([dates, r_date[ok]])
        outcome = choose(rng, params.OTHER_CONTACT_OUTCOMES, len(child))
        self.add_decided_contacts(child, dates, outcome)

    def add_decided_contacts(self, child: Ints, dates: Days, outcome: Strs) -> None:
        """Contacts with a decision some working days later; early help ones start episodes."""
        rng = self.rng
        n = len(child)
        lag = choose(rng, params.CONTACT_DECISION_WD, n).astype(np.int64)
        decision = add_wd(dates, lag, roll="forward")
        decision = np.where(lag == 0, dates, decision)
        take_up = min(1.0, params.CONTACT_EH_TAKEN_UP * self.profile.early_help)
        eh = (outcome == "early_help") & chance(rng, take_up, n)
        eh_start = add_wd(decision, rng.integers(0, 15, n))
        keep = eh & self.before_18(child, eh_start, 30)
        self.eh.child.append(child[keep])
        self.eh.start.append(eh_start[keep])
        self.eh.lead.append(choose(rng, params.EH_LEAD_FROM_FRONT_DOOR, int(keep.sum())))
        self.tables.add(
            "contacts",
            uid=self.tables.reserve("contacts", n),
            child=child,
            contact_date=dates,
            contact_source=choose(rng, params.REFERRAL_SOURCE_WEIGHTS, n),
            outcome=outcome,
            decision_date=decision,
            team=self.team_for(child),
        )

    def open_case_contacts(self) -> None:
        """Contacts about a child whose referral episode is open (outcome open_case)."""
        rng = self.rng
        child, start, until, _ = (np.concatenate(x) for x in zip(*self.episodes, strict=True))
        first = np.maximum(plus_days(start, 10), self.front_first)
        length = np.maximum((until - first).astype(np.int64), 0).astype(float)
        rate = params.OPEN_CASE_CONTACT_RATE * self.profile.contacts
        n = self.expected(rate, self.front_first)
        if length.sum() <= 0:
            n, length = 0, np.ones_like(length)
        idx = rng.choice(len(child), size=n, p=length / length.sum()) if n else np.zeros(0, int)
        dates = plus_days(first[idx], np.floor(rng.random(n) * length[idx]))
        ok = dates <= self.end
        self.add_decided_contacts(child[idx][ok], dates[ok], np.full(int(ok.sum()), "open_case"))

    # --- early help --------------------------------------------------------------------

    def step_down_to_early_help(self, child: Ints, closure: Days, reason: Strs) -> None:
        """Most RC9 closures start an early help episode within a few weeks."""
        rng = self.rng
        n = len(child)
        start = add_wd(closure, rng.integers(0, 15, n))
        take_up = min(1.0, params.CLOSURE_RC9_TO_EH * self.profile.early_help)
        keep = (reason == "RC9") & chance(rng, take_up, n)
        keep &= ~np.isnat(start) & self.before_18(child, start, 30)
        self.eh.child.append(child[keep])
        self.eh.start.append(start[keep])
        self.eh.lead.append(choose(rng, params.EH_LEAD_FROM_FRONT_DOOR, int(keep.sum())))

    def stepped_up_episodes(self, child: Ints, rdate: Days) -> None:
        """Early help episodes that ended ``stepped_up`` just before a referral."""
        rng = self.rng
        n = len(child)
        end = np.fmax(plus_days(rdate, -rng.integers(0, 8, n)), self.pool.dob[child])
        days = rng.lognormal(np.log(params.EH_MEDIAN_DAYS), params.EH_SIGMA, n).astype(np.int64)
        start = np.fmax(plus_days(end, -np.maximum(days, 14)), self.pool.dob[child])
        start = np.minimum(start, end)
        lead = choose(rng, params.EH_LEAD_FROM_FRONT_DOOR, n)
        reason = np.full(n, "stepped_up")
        self.add_early_help(child, start, end, lead, reason)

    def direct_early_help(self) -> None:
        """Episodes that partners start without a contact (a school-led TAF, say)."""
        rng = self.rng
        n = self.expected(params.DIRECT_EH_RATE * self.profile.early_help, self.front_first)
        dates = add_wd(sample_days(rng, self.days, self.day_cum, n, self.front_first), 0)
        child, found = self.pool.pick(rng, dates, 60)
        self.eh.child.append(child[found])
        self.eh.start.append(dates[found])
        self.eh.lead.append(choose(rng, params.EH_LEAD_DIRECT, int(found.sum())))

    def early_help(self) -> None:
        """Forward episodes from every seed, then repeat episodes until none is left."""
        rng = self.rng
        child = np.concatenate(self.eh.child) if self.eh.child else np.zeros(0, np.int64)
        start = np.concatenate(self.eh.start) if self.eh.start else np.zeros(0, "datetime64[D]")
        lead = np.concatenate(self.eh.lead) if self.eh.lead else np.zeros(0, str)
        while True:  # at least once, so that the kind has its columns
            n = len(child)
            days = rng.lognormal(np.log(params.EH_MEDIAN_DAYS), params.EH_SIGMA, n)
            end = self.cap_18(child, plus_days(start, np.maximum(days, 10).astype(np.int64)))
            end = np.maximum(end, start)
            reason = choose(rng, params.EH_CLOSURE_FORWARD, n)
            self.add_early_help(child, start, end, lead, reason)
            if not n:
                break
            child, start, lead = self.repeat_early_help(child, end, lead)

    def repeat_early_help(self, child: Ints, end: Days, lead: Strs) -> tuple[Ints, Days, Strs]:
        """The next episode of some children: within a year mostly; some exactly 12 months."""
        rng = self.rng
        n = len(child)
        go = chance(rng, params.EH_REPEAT, n)
        gap = np.where(
            chance(rng, params.EH_REPEAT_SOON, n),
            rng.integers(14, 365, n),
            rng.integers(366, 900, n),
        )
        start = add_wd(plus_days(end, gap), 0)
        twelve = add_months(end, 12)
        can = go & (end >= self.start) & self.in_window(twelve)
        can &= self.before_18(child, twelve, 30)
        start = np.where(self.force("eh_12m", can, params.EH_FORCED_12M), twelve, start)
        keep = go & (start <= self.end) & self.before_18(child, start, 30)
        same_lead = chance(rng, 0.6, n)
        new_lead = np.where(same_lead, lead, choose(rng, params.EH_LEAD_FROM_FRONT_DOOR, n))
        return child[keep], start[keep], new_lead[keep]

    def add_early_help(self, child: Ints, start: Days, end: Days, lead: Strs, reason: Strs) -> None:
        """Early help rows with assessment dates and outcome scores."""
        rng = self.rng
        n = len(child)
        assessed = plus_days(start, rng.integers(5, 41, n))
        assessed = np.where((assessed > end) | chance(rng, params.EH_ASSESSMENT_BLANK, n), NAT, assessed)
        lo, hi = params.EH_SCORE_RANGE
        first = np.clip(np.round(rng.normal(*params.EH_SCORE_START, n)), lo, hi)
        keys = sorted(params.EH_SCORE_GAIN)
        mean = np.array([params.EH_SCORE_GAIN[k][0] for k in keys])
        sd = np.array([params.EH_SCORE_GAIN[k][1] for k in keys])
        ri = np.searchsorted(np.array(keys), reason)
        last = np.clip(np.round(first + rng.normal(mean[ri], sd[ri])), lo, hi)
        first = np.where(chance(rng, params.EH_SCORE_START_BLANK, n), -1, first)
        last = np.where(chance(rng, params.EH_SCORE_END_BLANK, n), -1, last)
        reason = reason.copy()
        reason[chance(rng, params.EH_CLOSURE_BLANK, n)] = ""
        self.tables.add(
            "early_help",
            uid=self.tables.reserve("early_help", n),
            child=child,
            start_date=start,
            lead_agency=lead,
            assessment_date=assessed,
            end_date=end,
            closure_reason=reason,
            score_start=first.astype(np.int64),
            score_end=last.astype(np.int64),
            team=self.team_for(child),
        )
