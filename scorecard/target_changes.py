"""Changing a target: checked, stored over the targets file, and audited with old and new values.

``shared/docs/SECURITY.md`` gives "targets, measures file" to analysts and administrators
(the permission ``targets``), and the audit log must hold every target change. The
targets file (``metrics/data/targets.yaml`` or ``SCORECARD_TARGETS_FILE``) is shipped or
kept by the partnership outside the app, so a change made in the app is stored in the
store (``target_overrides``, ``metrics.targets.with_overrides``), where every process
serving the app sees it and a restart keeps it.

Readings:

- A change is for one LA, or for every LA (``*``). A user granted some LAs only may
  change the target of those LAs, not the partnership-wide one (it would change the
  others' status); an administrator, or a user granted every LA, may change both.
- The new value is checked as a file's entry is (``metrics.targets``): a percentage
  0-100, not negative, only on an indicator with a polarity.
- The audit row (action ``target``) says the indicator, the scope, the old target and
  tolerance (as in force before: the file's, or an earlier change) and the new ones.
- The caller recomputes afterwards (status against target is stored with the results).

Example::

    >>> from metrics.registry import load_registry
    >>> from store.engine import open_store
    >>> engine = open_store("sqlite:///:memory:")
    >>> change = set_target(engine, load_registry(), None, "assessments_45wd", 90, None, "394", "sam")
    >>> change.describe()
    'assessments_45wd, LA 394: target 85 (tolerance 5) -> 90 (tolerance 5)'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, insert

from metrics.registry import Registry
from metrics.targets import (
    EVERY_LA,
    Target,
    TargetOverride,
    TargetsError,
    load_targets,
    stored_overrides,
    with_overrides,
)
from scorecard.access import User
from scorecard.audit import record
from store.schema import target_overrides
from store.times import utc_now


class TargetChangeError(ValueError):
    """A target change that is not allowed or not valid; the message says why."""


@dataclass(frozen=True)
class TargetChange:
    kpi_id: str
    la_code: str
    old: Target | None
    new: Target | None

    def describe(self) -> str:
        scope = "every LA" if self.la_code == EVERY_LA else f"LA {self.la_code}"
        return f"{self.kpi_id}, {scope}: target {_words(self.old)} -> {_words(self.new)}"


def _words(target: Target | None) -> str:
    return "none" if target is None else f"{target.value:g} (tolerance {target.tolerance:g})"


def _in_force(
    engine: Engine, registry: Registry, targets_file: Path | None, kpi_id: str, la: str
) -> Target | None:
    with engine.connect() as conn:
        targets = with_overrides(load_targets(targets_file, registry), stored_overrides(conn), registry)
    if kpi_id not in targets:
        return None
    if la == EVERY_LA:
        entry = targets.entry(kpi_id)
        if entry is None or entry.target is None:
            return None
        return targets.for_indicator(kpi_id, None)
    return targets.for_indicator(kpi_id, la)


def may_change(user: User | None, la_code: str) -> bool:
    """Whether the user may change a target for the scope (see the readings above)."""
    if user is None or not user.can("targets"):
        return False
    return user.every_la if la_code == EVERY_LA else user.may_see_la(la_code)


def set_target(
    engine: Engine,
    registry: Registry,
    targets_file: Path | None,
    kpi_id: str,
    value: float,
    tolerance: float | None,
    la_code: str | None,
    by: str,
    address: str | None = None,
) -> TargetChange:
    """Store the target of ``kpi_id`` for ``la_code`` (None or ``*``: every LA) and audit it."""
    la = (la_code or "").strip() or EVERY_LA
    if kpi_id not in registry:
        raise TargetChangeError(f"{kpi_id!r} is not an indicator id (see metrics/data/indicators.yaml)")
    old = _in_force(engine, registry, targets_file, kpi_id, la)
    override = TargetOverride(kpi_id, la, float(value), None if tolerance is None else float(tolerance))
    try:
        with engine.connect() as conn:
            others = [o for o in stored_overrides(conn) if (o.kpi_id, o.la_code) != (kpi_id, la)]
        with_overrides(load_targets(targets_file, registry), [*others, override], registry)
    except TargetsError as exc:
        raise TargetChangeError(str(exc).split("\n", 1)[-1].strip(" -")) from None
    c = target_overrides.c
    with engine.begin() as conn:
        conn.execute(delete(target_overrides).where(c.kpi_id == kpi_id, c.la_code == la))
        conn.execute(
            insert(target_overrides).values(
                kpi_id=kpi_id,
                la_code=la,
                target=override.target,
                tolerance=override.tolerance,
                set_by=by,
                set_at=utc_now(),
            )
        )
    change = TargetChange(kpi_id, la, old, _in_force(engine, registry, targets_file, kpi_id, la))
    record(engine, "target", by, address, change.describe(), None if la == EVERY_LA else la)
    return change
