"""Targets and tolerances: configuration the partnership edits, never code.

A YAML file maps indicator ids to a target, an optional tolerance and optional
per-LA overrides::

    assessments_45wd:
      target: 85
      tolerance: 5          # optional: the default of kpis.md otherwise
      by_la:
        "394": {target: 88}

The shipped defaults are ``metrics/data/targets.yaml``. A partnership copies that
file, edits it and names the copy in ``SCORECARD_TARGETS_FILE``; the caller passes the
path in. The copy replaces the shipped file whole (it is not merged with it), so
deleting an entry removes that target.

Resolution for an LA: its own ``target`` if set, else the indicator's; its own
``tolerance`` if set, else the indicator's, else the default of kpis.md for the
resolved target (5 percentage points for percentages, 10 % of the target for counts,
rates and medians).

The partners' measures (``pm_*``) may declare their own ``target`` and ``tolerance`` in
the measures file (``SCORECARD_MEASURES_FILE``); the registry carries them
(``Indicator.partner``) and they are each measure's starting target. Precedence, lowest
first: (1) the measures file's target and tolerance; (2) the targets file's entry for
``pm_<id>``, field by field (its ``target`` replaces the measure's, its ``tolerance``
likewise, its ``by_la`` adds LAs; a field it leaves out keeps the measure's, so
``pm_x: {by_la: {"394": {target: 80}}}`` keeps the measure's target for the other LAs);
(3) the targets set in the app or with ``scorecard targets set`` (below). The shipped
targets file therefore has no ``pm_*`` entries: the shipped measures declare theirs.

Targets set in the app or with ``scorecard targets set`` are kept in the store
(``target_overrides``, one row per indicator and scope: every LA, ``*``, or one LA) and
override the file: :func:`with_overrides` applies them, for every LA over the
indicator's entry and for one LA over its ``by_la`` entry. An override without a
tolerance keeps the tolerance the file gives that scope (else the default of kpis.md).
The recompute applies them, and a change of them recomputes everything (the inputs
fingerprint of ``metrics.recompute_plan`` includes them).

Validation against the registry: an unknown indicator id, a target on an indicator
whose polarity is neutral, an entry with no target at all, a negative tolerance, a
negative target, a percentage target outside 0-100, an unknown key, a key given twice
and anything that is not a number are errors naming the file, the indicator and the
problem (all problems at once).

Example::

    >>> from metrics.registry import load_registry
    >>> t = load_targets(None, load_registry())
    >>> a = t.for_indicator("assessments_45wd", "394")
    >>> (a.value, a.tolerance)
    (85.0, 5.0)
    >>> t.for_indicator("contacts", "394") is None
    True
    >>> t.for_indicator("pm_icpc_health_reports", "394").value   # the measures file's own
    90.0
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, select

from metrics.registry import IndicatorType, Registry
from metrics.status import default_tolerance
from store.schema import target_overrides

DEFAULT_TARGETS = "targets.yaml"
EVERY_LA = "*"


def _number() -> Any:
    """A field for an optional plain number (no text, no true/false, no .nan or .inf)."""
    return Field(default=None, strict=True, allow_inf_nan=False)


class TargetsError(ValueError):
    """The targets file is missing, unreadable or wrong; the message lists every problem."""


class LaOverride(BaseModel):
    """An LA's own target and/or tolerance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: float | None = _number()
    tolerance: float | None = _number()


class TargetEntry(BaseModel):
    """One indicator's entry in the targets file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: float | None = _number()
    tolerance: float | None = _number()
    by_la: dict[str, LaOverride] = Field(default_factory=dict)

    @field_validator("by_la", mode="before")
    @classmethod
    def _la_codes_as_text(cls, v: Any) -> Any:
        """LA codes as written (trimmed); an unquoted 394 in YAML is the code "394"."""
        if isinstance(v, dict):
            return {(str(k).strip() if isinstance(k, int | str) else k): x for k, x in v.items()}
        return v


@dataclass(frozen=True)
class Target:
    """A resolved target: the value to meet and the tolerance for amber."""

    kpi_id: str
    value: float
    tolerance: float
    la_code: str | None = None
    """The LA whose own override set it; None for the partnership-wide entry."""


try:
    # libyaml's parser: the shipped targets in about 1 ms instead of 30 ms, read at every recompute.
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _UniqueKeyLoader(_SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""


def _mapping_without_duplicates(loader: _SafeLoader, node: yaml.MappingNode) -> Any:
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"{key!r} is given twice (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


class Targets:
    """Every configured target, validated against the registry."""

    def __init__(self, entries: dict[str, TargetEntry], types: dict[str, IndicatorType], source: str):
        self._entries = entries
        self._types = types
        self.source = source
        """Where the targets came from (a path, for messages and the About page)."""

    def __contains__(self, kpi_id: object) -> bool:
        return kpi_id in self._entries

    def entry(self, kpi_id: str) -> TargetEntry | None:
        """The indicator's entry as configured (None when it has none)."""
        return self._entries.get(kpi_id)

    def ids(self) -> list[str]:
        """Indicator ids with an entry, in file order."""
        return list(self._entries)

    def for_indicator(self, kpi_id: str, la_code: str | None = None) -> Target | None:
        """The target of ``kpi_id`` for ``la_code`` (its override, else the default).

        None when the indicator has no target (for that LA). A ``kpi_id`` the registry
        does not know is a KeyError.
        """
        if kpi_id not in self._types:
            raise KeyError(f"no indicator {kpi_id!r} in the registry")
        entry = self._entries.get(kpi_id)
        if entry is None:
            return None
        la = la_code.strip() if la_code is not None else None
        override = entry.by_la.get(la) if la is not None else None
        value, tolerance = entry.target, entry.tolerance
        if override is not None:
            value = override.target if override.target is not None else value
            tolerance = override.tolerance if override.tolerance is not None else tolerance
        if value is None:
            return None
        if tolerance is None:
            tolerance = default_tolerance(self._types[kpi_id], value)
        own = override is not None and override.target is not None
        return Target(kpi_id, float(value), float(tolerance), la if own else None)


def _entry_problems(kpi_id: str, entry: TargetEntry, registry: Registry) -> list[str]:
    ind = registry[kpi_id]
    if ind.polarity == "neutral":
        return [
            "its polarity is neutral (context only, no good direction), so it cannot "
            "have a target: remove the entry"
        ]
    problems: list[str] = []
    places: list[tuple[str, float | None, float | None]] = [("", entry.target, entry.tolerance)]
    places += [(f'by_la "{la}": ', o.target, o.tolerance) for la, o in entry.by_la.items()]
    for where, target, tolerance in places:
        if target is not None and target < 0:
            problems.append(f"{where}target {target:g} is negative")
        if ind.type == "percentage" and target is not None and not 0 <= target <= 100:
            problems.append(f"{where}target {target:g} is not a percentage from 0 to 100")
        if tolerance is not None and tolerance < 0:
            problems.append(f"{where}tolerance {tolerance:g} is negative: it must be 0 or more")
    if entry.target is None:
        missing = [la for la, o in entry.by_la.items() if o.target is None]
        if not entry.by_la:
            problems.append("no target is set: give target (or remove the entry)")
        elif missing:
            problems.append(
                f"no target for LA {', '.join(missing)}: give target under the indicator or under the LA"
            )
    for la in entry.by_la:
        if not la:
            problems.append("by_la has a blank LA code")
    return problems


def _pydantic_problems(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        got = err.get("input")
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key: expected target, tolerance or by_la (target and tolerance under an LA)"
        out.append(f"{where}: {msg} (got {got!r})" if where else f"{msg} (got {got!r})")
    return out


def declared_targets(registry: Registry) -> dict[str, TargetEntry]:
    """The targets the measures file declares for the partners' measures (``pm_*``), by id.

    >>> from metrics.registry import load_registry
    >>> declared_targets(load_registry())["pm_strategy_police_attendance"].target
    95.0
    """
    return {
        ind.id: TargetEntry(target=ind.partner.target, tolerance=ind.partner.tolerance)
        for ind in registry
        if ind.partner is not None and ind.partner.target is not None
    }


def _over_declared(declared: TargetEntry | None, entry: TargetEntry) -> TargetEntry:
    """The targets file's entry over the measure's own, field by field."""
    if declared is None:
        return entry
    return TargetEntry(
        target=entry.target if entry.target is not None else declared.target,
        tolerance=entry.tolerance if entry.tolerance is not None else declared.tolerance,
        by_la=entry.by_la,
    )


def parse_targets(text: str, registry: Registry, source: str = "<targets>") -> Targets:
    """Validate targets YAML text; TargetsError listing every problem, naming ``source``."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise TargetsError(f"{source}{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise TargetsError(f"{source}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TargetsError(
            f"{source}: expected a mapping of indicator ids to targets, got {type(data).__name__}"
        )
    problems: list[str] = []
    declared = declared_targets(registry)
    entries: dict[str, TargetEntry] = {}
    for key, raw in data.items():
        kpi_id = str(key)
        if kpi_id not in registry:
            close = difflib.get_close_matches(kpi_id, registry.ids(), n=1)
            hint = f"did you mean {close[0]}?" if close else "see metrics/data/indicators.yaml"
            problems.append(f"{kpi_id}: unknown indicator id ({hint})")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{kpi_id}: expected target, tolerance and by_la under it, got {raw!r}")
            continue
        try:
            entry = _over_declared(declared.get(kpi_id), TargetEntry.model_validate(raw))
        except ValidationError as exc:
            problems += [f"{kpi_id}: {p}" for p in _pydantic_problems(exc)]
            continue
        found = _entry_problems(kpi_id, entry, registry)
        problems += [f"{kpi_id}: {p}" for p in found]
        if not found:
            entries[kpi_id] = entry
    written = {str(key) for key in data}
    for kpi_id, entry in declared.items():
        if kpi_id in written:
            continue
        found = _entry_problems(kpi_id, entry, registry)
        problems += [f"{kpi_id} (its target in the measures file): {p}" for p in found]
        if not found:
            entries[kpi_id] = entry
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise TargetsError(f"{source}: {len(problems)} problem(s) with the targets:\n{listed}")
    types = {ind.id: ind.type for ind in registry}
    return Targets(entries, types, source)


def load_targets(path: Path | None, registry: Registry) -> Targets:
    """The targets in ``path`` (the SCORECARD_TARGETS_FILE setting), or the shipped ones."""
    if path is None:
        text = resources.files("metrics").joinpath("data", DEFAULT_TARGETS).read_text("utf-8")
        return parse_targets(text, registry, source=f"metrics/data/{DEFAULT_TARGETS}")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TargetsError(
            f"{path}: targets file not found (check SCORECARD_TARGETS_FILE, or copy "
            f"metrics/data/{DEFAULT_TARGETS} there)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError(f"{path}: cannot read the targets file: {exc}") from None
    return parse_targets(text, registry, source=str(path))


class TargetOverride(NamedTuple):
    """A target set in the app: for every LA (``la_code`` ``*``) or one LA."""

    kpi_id: str
    la_code: str
    target: float
    tolerance: float | None


def stored_overrides(conn: Connection) -> list[TargetOverride]:
    """Every target set in the app, in a stable order."""
    c = target_overrides.c
    query = select(c.kpi_id, c.la_code, c.target, c.tolerance).order_by(c.kpi_id, c.la_code)
    return [
        TargetOverride(str(k), str(la), float(t), None if tol is None else float(tol))
        for k, la, t, tol in conn.execute(query)
    ]


def _overridden(entry: TargetEntry | None, override: TargetOverride) -> TargetEntry:
    """The entry with the override applied (its tolerance kept when the override gives none)."""
    base = entry or TargetEntry()
    if override.la_code == EVERY_LA:
        tolerance = override.tolerance if override.tolerance is not None else base.tolerance
        return base.model_copy(update={"target": override.target, "tolerance": tolerance})
    old = base.by_la.get(override.la_code, LaOverride())
    tolerance = override.tolerance if override.tolerance is not None else old.tolerance
    by_la = {**base.by_la, override.la_code: LaOverride(target=override.target, tolerance=tolerance)}
    return base.model_copy(update={"by_la": by_la})


def with_overrides(targets: Targets, overrides: Iterable[TargetOverride], registry: Registry) -> Targets:
    """``targets`` with the targets set in the app applied (every LA's first, then each LA's),
    each checked as the file's entries are (an override breaking a rule is a TargetsError).

    >>> from metrics.registry import load_registry
    >>> reg = load_registry()
    >>> ours = [TargetOverride("assessments_45wd", "394", 90, None)]
    >>> t = with_overrides(load_targets(None, reg), ours, reg)
    >>> [t.for_indicator("assessments_45wd", la).value for la in ("394", "391")]
    [90.0, 85.0]
    """
    entries = {k: e for k in targets.ids() if (e := targets.entry(k)) is not None}
    problems: list[str] = []
    for override in sorted(overrides, key=lambda o: (o.la_code != EVERY_LA, o.kpi_id, o.la_code)):
        if override.kpi_id not in registry:
            problems.append(f"{override.kpi_id}: unknown indicator id")
            continue
        entry = _overridden(entries.get(override.kpi_id), override)
        found = _entry_problems(override.kpi_id, entry, registry)
        if found:
            problems += [f"{override.kpi_id}: {p}" for p in found]
            continue
        entries[override.kpi_id] = entry
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise TargetsError(f"targets set in the app: {len(problems)} problem(s):\n{listed}")
    types = {ind.id: ind.type for ind in registry}
    return Targets(entries, types, f"{targets.source} and the targets set in the app")
