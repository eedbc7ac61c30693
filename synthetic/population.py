"""The children of one synthetic LA and its localities and teams.

Children are drawn with dates of birth over every year the simulation needs (so
that about ``children`` of them are aged 0-17 on any day), sorted by date of
birth; an event on date ``d`` picks a child born in ``(d - 18 years, d]``. Each
child has an LA person id (``P`` + 7 digits, random, so the same id can occur in
two LAs), a sex, an ethnicity and a home locality.

Example::

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> pool = make_pool(rng, 1000, np.datetime64("2019-04-01"), np.datetime64("2025-06-30"),
    ...                  np.datetime64("2022-04-01"), trend=0.0, localities=4)
    >>> 900 < pool.aged_0_17(np.datetime64("2022-06-30")) < 1100
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import params
from synthetic.timeline import Bools, Days, Ints, Strs, choose, plus_days, years_later


@dataclass(frozen=True)
class ChildPool:
    """Every child the LA's events may be about, sorted by date of birth."""

    dob: Days
    eighteenth: Days
    child_id: Strs
    sex: Strs
    ethnicity: Strs
    locality: Ints
    prior_plans: Ints

    def aged_0_17(self, day: np.datetime64) -> int:
        """How many children are aged 0-17 on ``day``."""
        born_after = years_later(np.array([day], dtype="datetime64[D]"), -18)[0]
        lo = np.searchsorted(self.dob, born_after, side="right")
        hi = np.searchsorted(self.dob, day, side="right")
        return int(hi - lo)

    def pick(self, rng: np.random.Generator, dates: Days, margin_days: int = 0) -> tuple[Ints, Bools]:
        """A child aged 0-17 on each date (a share of babies), and where one was found.

        ``margin_days`` keeps children whose 18th birthday is at least that far off.
        """
        n = len(dates)
        baby = rng.random(n) < params.BABY_SHARE
        oldest = plus_days(years_later(dates, -18), 1 + margin_days)
        youngest_first = np.where(baby, plus_days(dates, -364), oldest)
        lo = np.searchsorted(self.dob, np.maximum(youngest_first, oldest), side="left")
        hi = np.searchsorted(self.dob, dates, side="right")
        found = hi > lo
        child = lo + np.floor(rng.random(n) * (hi - lo)).astype(np.int64)
        return np.where(found, child, 0), found


def make_pool(
    rng: np.random.Generator,
    children: int,
    first_day: np.datetime64,
    last_day: np.datetime64,
    anchor: np.datetime64,
    trend: float,
    localities: int,
) -> ChildPool:
    """Children born so that about ``children`` are aged 0-17 at ``anchor``.

    Births drift by ``trend`` a year (e.g. -0.01: 1 % fewer each year), so the 0-17
    population drifts slowly too. ``first_day`` .. ``last_day`` is the span of days on
    which the children must exist.
    """
    births = np.arange(years_later(np.array([first_day]), -18)[0], last_day + 1)
    years_from_anchor = (births - anchor).astype(np.int64) / 365.25
    weight = np.maximum(1.0 + trend * years_from_anchor, 0.05)
    in_anchor = (births > years_later(np.array([anchor]), -18)[0]) & (births <= anchor)
    per_weight = children / weight[in_anchor].sum()
    total = max(1, round(per_weight * weight.sum()))
    dob = np.sort(births[rng.choice(len(births), size=total, p=weight / weight.sum())])
    width = max(7, len(str(total * 4)))
    numbers = rng.choice(10**width, size=total, replace=False)
    ids = np.strings.add("P", np.strings.zfill(numbers.astype(str), width))
    sex = choose(rng, params.SEX, total)
    eth = choose(rng, params.ETHNICITY, total)
    return ChildPool(
        dob=dob,
        eighteenth=years_later(dob, 18),
        child_id=ids,
        sex=sex,
        ethnicity=eth,
        locality=rng.integers(0, localities, total),
        prior_plans=choose(rng, params.PREVIOUS_PLANS_HISTORY, total).astype(np.int64),
    )


@dataclass(frozen=True)
class Structure:
    """An LA's localities and teams; each team belongs to one locality."""

    localities: tuple[str, ...]
    teams: tuple[str, ...]
    team_locality: Ints
    first_team: Ints  # per locality: index of its first team (teams are grouped)
    team_count: Ints  # per locality: how many teams it has

    def team_for(self, rng: np.random.Generator, locality: Ints) -> Ints:
        """A team of each given locality, at random."""
        pick = np.floor(rng.random(len(locality)) * self.team_count[locality]).astype(np.int64)
        return self.first_team[locality] + pick


def make_structure(rng: np.random.Generator) -> Structure:
    """4-6 localities and 10-15 teams, spread evenly over the localities."""
    n_loc = int(rng.integers(4, 7))
    n_teams = int(rng.integers(10, 16))
    names = rng.permutation(np.array(params.LOCALITY_NAMES))[:n_loc]
    count = np.full(n_loc, n_teams // n_loc, dtype=np.int64)
    count[: n_teams % n_loc] += 1
    first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    teams: list[str] = []
    team_loc: list[int] = []
    for loc, name in enumerate(names):
        for k in range(int(count[loc])):
            teams.append(f"{name} {params.TEAM_KINDS[k]}")
            team_loc.append(loc)
    return Structure(
        localities=tuple(str(n) for n in names),
        teams=tuple(teams),
        team_locality=np.array(team_loc, dtype=np.int64),
        first_team=first,
        team_count=count,
    )
