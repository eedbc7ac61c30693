"""The filter state of a page (LA, grain, period, locality, team) and where it lives: the URL.

A page's query string is read into :class:`Filters`, checked against what the store
holds (an LA with results, a period of the grain that exists, a locality or team that
occurs) and defaulted where missing or unknown; :meth:`Filters.query` writes it back, so
a link reproduces the view.

Example::

    >>> f = Filters(la="394", grain="quarter", period_end=date(2025, 3, 31), team="Team A")
    >>> f.query()
    {'la': '394', 'grain': 'quarter', 'period': '2025-03', 'team': 'Team A'}
    >>> f.breakdown
    ('team', 'Team A')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine

from metrics import results
from metrics.periods import GRAINS, Grain, Period, month_end, month_start
from scorecard.formatting import la_name, month_key

ALL = "all"
FILTER_KEYS: tuple[str, ...] = ("la", "grain", "period", "locality", "team")


@dataclass(frozen=True)
class Filters:
    """One view's choices. ``locality`` and ``team`` are ``"all"`` or a group name."""

    la: str | None
    grain: Grain = "month"
    period_end: date | None = None
    locality: str = ALL
    team: str = ALL

    @property
    def breakdown(self) -> tuple[str, str]:
        """The (breakdown, group) the results are read for: one of locality or team."""
        if self.locality != ALL:
            return ("locality", self.locality)
        if self.team != ALL:
            return ("team", self.team)
        return ("all", "all")

    def query(self, keys: Sequence[str] = FILTER_KEYS) -> dict[str, str]:
        """The URL query parameters for this view (defaults left out)."""
        out: dict[str, str] = {}
        if self.la and "la" in keys:
            out["la"] = self.la
        if "grain" in keys:
            out["grain"] = self.grain
        if self.period_end and "period" in keys:
            out["period"] = month_key(self.period_end)
        if self.locality != ALL and "locality" in keys:
            out["locality"] = self.locality
        if self.team != ALL and "team" in keys:
            out["team"] = self.team
        return out

    def query_string(self, keys: Sequence[str] = FILTER_KEYS) -> str:
        query = self.query(keys)
        return "?" + urlencode(query) if query else ""


@dataclass(frozen=True)
class FilterOptions:
    """What the store offers for the chosen LA and grain."""

    las: list[str] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    localities: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Resolved:
    """Filters checked against the store, the options to offer, and what was changed."""

    filters: Filters
    options: FilterOptions
    notices: tuple[str, ...] = ()


def _text(value: Any) -> str | None:
    if isinstance(value, list):  # a repeated query parameter: the first wins
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _period_for_month(periods: list[Period], wanted: str | None) -> Period | None:
    """The period ending in the wanted month (``YYYY-MM`` or an ISO date), else None."""
    if not wanted:
        return None
    key = wanted[:7]
    return next((p for p in periods if month_key(p.end) == key), None)


def _period_on_or_before(periods: list[Period], end: date | None) -> Period | None:
    """The latest period ending on or before ``end`` (periods are newest first)."""
    if end is None:
        return None
    return next((p for p in periods if p.end <= end), None)


def offered_periods(
    periods: list[Period], window: tuple[date, date] | None, within_window: bool
) -> tuple[list[Period], Period | None]:
    """The periods to offer (newest first) and the default one.

    With a reporting window, the default is the latest complete period: the latest whose
    months all lie inside the window (else the latest ending in it). ``within_window``
    offers only periods with data that do not run past it: those ending in the window's
    months, partial ones at its start included (they are marked "partial" where shown);
    a quarter or rolling year running past the last month of data is not offered, nor
    anything before the window (metrics/coverage.py).
    """
    if window is None:
        return periods, (periods[0] if periods else None)
    start, end = month_start(window[0]), month_end(window[1])
    inside = [p for p in periods if p.end >= start and p.end <= end]
    complete = [p for p in inside if p.start >= start]
    default = next(iter(complete or inside or periods), None)
    if within_window:
        periods = inside
    return periods, default


def resolve(
    engine: Engine,
    query: Mapping[str, Any],
    default_la: str | None = None,
    previous_end: date | None = None,
    within_window: bool = True,
) -> Resolved:
    """Read and check the filters of a query string against the store.

    ``previous_end`` keeps a period close to the one shown before when the grain
    changes and the same month has no period of the new grain (a month to a quarter).
    A period asked for by name is shown even outside the reporting window.
    """
    from scorecard.websecurity import scope_las

    notices: list[str] = []
    las = scope_las(results.la_codes(engine))  # an LA outside the user's grant is as if absent
    la = _text(query.get("la"))
    if la not in las:
        if la is not None:
            notices.append(f"There are no results for {la_name(la)}; showing another LA.")
        la = default_la if default_la in las else (las[0] if las else None)
    grain_text = _text(query.get("grain")) or "month"
    grain: Grain = grain_text if grain_text in GRAINS else "month"
    if grain_text not in GRAINS:
        notices.append(f"Unknown grain {grain_text!r}; showing months.")
    if la is None:
        return Resolved(Filters(la=None, grain=grain), FilterOptions(), tuple(notices))
    stored = results.periods(engine, la, grain)
    periods, default = offered_periods(stored, results.reporting_window(engine, la), within_window)
    wanted = _text(query.get("period"))
    period = _period_for_month(stored, wanted) or _period_on_or_before(periods, previous_end)
    if period is not None and period not in periods:
        periods = sorted([*periods, period], reverse=True)
    if period is None:
        if wanted:
            notices.append(f"There are no results for the period {wanted}; showing the latest.")
        period = default
    if period is None:
        return Resolved(Filters(la=la, grain=grain), FilterOptions(las=las), tuple(notices))
    localities = results.groups(engine, la, "locality", grain, period.end)
    teams = results.groups(engine, la, "team", grain, period.end)
    locality = _text(query.get("locality")) or ALL
    team = _text(query.get("team")) or ALL
    if locality != ALL and locality not in localities:
        notices.append(f"There is no locality {locality!r} in {la_name(la)}; showing all localities.")
        locality = ALL
    if team != ALL and team not in teams:
        notices.append(f"There is no team {team!r} in {la_name(la)}; showing all teams.")
        team = ALL
    if ALL not in (locality, team):
        notices.append("Results are broken down by locality or by team, not both; showing the locality.")
        team = ALL
    filters = Filters(la=la, grain=grain, period_end=period.end, locality=locality, team=team)
    return Resolved(filters, FilterOptions(las, periods, localities, teams), tuple(notices))


def resolve_change(
    engine: Engine,
    values: Mapping[str, Any],
    triggered: str | None,
    default_la: str | None = None,
    within_window: bool = True,
) -> Resolved:
    """Filters after the user changed one control (``triggered`` names it).

    Choosing a locality clears the team and choosing a team clears the locality, since
    results are stored for one breakdown at a time.
    """
    query = dict(values)
    if triggered == "locality" and _text(query.get("locality")) not in (None, ALL):
        query["team"] = ALL
    if triggered == "team" and _text(query.get("team")) not in (None, ALL):
        query["locality"] = ALL
    previous = _text(query.get("period"))
    previous_end = date.fromisoformat(previous) if previous and len(previous) == 10 else None
    if triggered == "grain":
        query["period"] = None
    resolved = resolve(engine, query, default_la, previous_end, within_window)
    return replace(resolved, notices=())


def period_value(period_end: date | None) -> str | None:
    """How a period is held in the period control: its ISO end date."""
    return period_end.isoformat() if period_end else None


def control_values(filters: Filters) -> dict[str, Any]:
    """The control values that show these filters."""
    return {
        "la": filters.la,
        "grain": filters.grain,
        "period": period_value(filters.period_end),
        "locality": filters.locality,
        "team": filters.team,
    }
