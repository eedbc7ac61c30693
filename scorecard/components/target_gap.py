"""How far a group (a team) is from its targets, to list the furthest first.

Readings (issue 10, "the teams furthest from target first"):

- a value's distance from its target is how far it is on the wrong side, as a share of
  the target (so 30 % against a target of 15 % is 1.0 and 9 against 18 is 0.5): the
  indicators of one team have different units, and a share compares them;
- a value on the right side of its target (or equal) is 0; an indicator with no
  target, no value or no direction (polarity neutral) gives no distance;
- a team's distance is the largest of its indicators'; teams with no distance at all
  come last, and ties keep the groups' names in order.

Example::

    >>> shortfall(30.0, 15.0, "down"), shortfall(9.0, 18.0, "up"), shortfall(10.0, 15.0, "down")
    (1.0, 0.5, 0.0)
    >>> furthest_first({"A": [0.0, None], "B": [0.2], "C": [None], "D": [0.2, 0.1]})
    ['B', 'D', 'A', 'C']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scorecard.formatting import is_missing


def shortfall(value: Any, target: Any, polarity: str) -> float | None:
    """How far ``value`` is on the wrong side of ``target``, as a share of the target."""
    if is_missing(value) or is_missing(target) or polarity not in ("up", "down"):
        return None
    gap = float(target) - float(value) if polarity == "up" else float(value) - float(target)
    gap = max(gap, 0.0)
    return gap / abs(float(target)) if float(target) else gap


def worst(gaps: Sequence[float | None]) -> float | None:
    """The largest distance of a group's indicators, or None when none has one."""
    known = [g for g in gaps if g is not None]
    return max(known) if known else None


def furthest_first(gaps: Mapping[str, Sequence[float | None]]) -> list[str]:
    """The groups ordered by their largest distance from target, furthest first."""
    return sorted(gaps, key=lambda g: (worst(gaps[g]) is None, -(worst(gaps[g]) or 0.0), g))
