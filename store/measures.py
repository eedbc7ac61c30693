"""The partnership's own measures (partner_measures), declared in a YAML file.

``shared/spec/extracts.md`` (partner_measures): each measure a partner supplies as
figures is declared with ``id``, ``title``, ``owner``, ``definition``, ``unit``,
``polarity``, ``grain`` and optionally ``target`` and ``tolerance``. The file is named
by the setting ``SCORECARD_MEASURES_FILE``; the project ships an example
(``store/data/partner_measures.yaml``) with five measures real partnerships use.

The file is validated with pydantic when the app or a command starts, and every
problem is reported at once, each with the file and line, so a partnership fixes its
file in one go.

Readings taken where the spec is silent:

- the file holds one list under the key ``measures``; ids are lower-case words joined
  by ``_`` (they become indicator ids ``pm_<id>`` and appear in URLs);
- ``owner`` takes the agency codes of the multi-agency views (``social_care`` and the
  early help ``lead_agency`` codes) and also their labels (``Health``, ``Police``);
- a ``target`` of a measure whose polarity is ``none`` is a mistake (no status can be
  given against it) and is reported, as is a negative target or a ``percent`` target
  outside 0-100;
- the ``target`` and ``tolerance`` are the measure's own: ``metrics.targets`` reads them
  (through the registry) and an entry ``pm_<id>`` in the targets file, then a target set
  in the app or with ``scorecard targets set``, override them.

Example::

    >>> catalogue = default_measures()
    >>> sorted({m.owner for m in catalogue.measures})
    ['health', 'police', 'school']
    >>> catalogue.get("icpc_health_reports").unit
    'percent'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from store.codes import AGENCY_LABELS, LABEL_ALIASES

DEFAULT_MEASURES_NAME = "partner_measures.yaml"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


def _agency_code(text: str) -> str | None:
    """The agency code for a code or a label (``Health`` → ``health``), or None."""
    key = re.sub(r"[\s\-_]+", "_", text.strip().lower())
    for code, label in AGENCY_LABELS.items():
        if key in (code, re.sub(r"[\s\-_]+", "_", label.lower())):
            return code
    return LABEL_ALIASES["agency"].get(key)


def agency_code(text: str) -> str | None:
    """The agency a partner's name means (``Health``, ``police``, ``Schools``), or None.

    >>> agency_code("Schools & education"), agency_code("Police"), agency_code("MASH")
    ('school', 'police', None)
    """
    return _agency_code(text)


class Measure(BaseModel):
    """One declared partner measure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str = Field(min_length=1)
    owner: str
    definition: str = Field(min_length=1)
    unit: Literal["count", "percent", "rate_per_10k", "days"]
    polarity: Literal["up", "down", "none"]
    grain: Literal["month", "quarter"]
    target: float | None = None
    tolerance: float | None = Field(default=None, ge=0)

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("an id is lower-case letters, digits and _, starting with a letter (≤ 48)")
        return value

    @field_validator("owner")
    @classmethod
    def _owner_is_an_agency(cls, value: str) -> str:
        code = _agency_code(value)
        if code is None:
            raise ValueError(f"unknown owner {value!r}: expected one of {', '.join(AGENCY_LABELS)}")
        return code

    @property
    def kpi_id(self) -> str:
        return f"pm_{self.id}"

    @property
    def has_ratio(self) -> bool:
        """Percent and rate measures are given as numerator and denominator."""
        return self.unit in ("percent", "rate_per_10k")


class MeasuresFile(BaseModel):
    """The measures file: one list of measures with distinct ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class MeasureCatalogue:
    """The validated measures, by id, and the file they came from."""

    source: str
    measures: tuple[Measure, ...]

    def get(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    @property
    def by_id(self) -> dict[str, Measure]:
        return {m.id: m for m in self.measures}

    def owned_by(self, agency: str) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.owner == agency)


class MeasuresFileError(ValueError):
    """The measures file cannot be used; the message lists every problem with its line."""


def parse_measures(text: str, source: str) -> MeasureCatalogue:
    """Validate the text of a measures file; raises MeasuresFileError listing every problem.

    >>> parse_measures("measures:\\n  - id: x\\n    unit: pounds\\n", "m.yaml")
    Traceback (most recent call last):
    ...
    store.measures.MeasuresFileError: m.yaml: 6 problems:
      m.yaml line 2: measures[0]: title: Field required
      m.yaml line 2: measures[0]: owner: Field required
      m.yaml line 2: measures[0]: definition: Field required
      m.yaml line 3: measures[0]: unit: Input should be 'count', 'percent', 'rate_per_10k' or 'days'
      m.yaml line 2: measures[0]: polarity: Field required
      m.yaml line 2: measures[0]: grain: Field required
    """
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise MeasuresFileError(f"{source}{line}: not valid YAML: {exc}") from exc
    problems: list[str] = []
    try:
        parsed = MeasuresFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            at = _line_of(node, loc)
            where = _describe(loc)
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"{source} line {at}: {where}: {message}" if where else f"{source}: {message}")
        parsed = None
    problems += _cross_checks(data, node, source)
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise MeasuresFileError(f"{source}: {len(problems)} {noun}:\n  " + "\n  ".join(problems))
    assert parsed is not None
    return MeasureCatalogue(source=source, measures=parsed.measures)


def _cross_checks(data: Any, node: yaml.Node | None, source: str) -> list[str]:
    """Problems between fields and between measures, checked on the raw entries so that
    they are reported beside the fields' own problems: a repeated id, and a target on a
    measure with no polarity."""
    entries = data.get("measures") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    problems: list[str] = []
    seen: dict[object, int] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        ident = entry.get("id")
        if isinstance(ident, str) and ident in seen:
            problems.append(
                f"{source} line {_line_of(node, ('measures', i, 'id'))}: measures[{i}]: id: "
                f"{ident!r} is already declared at measures[{seen[ident]}]"
            )
        elif isinstance(ident, str):
            seen[ident] = i
        target = entry.get("target")
        where = f"{source} line {_line_of(node, ('measures', i, 'target'))}: measures[{i}]: target: "
        if target is not None and entry.get("polarity") == "none":
            problems.append(where + "a target needs a polarity of up or down (none gives no status)")
        if isinstance(target, int | float) and not isinstance(target, bool):
            if target < 0:
                problems.append(where + f"{target:g} is negative")
            elif entry.get("unit") == "percent" and target > 100:
                problems.append(where + f"{target:g} is not a percentage from 0 to 100")
    return problems


def _describe(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] += f"[{item}]"
        else:
            parts.append(str(item))
    if len(parts) >= 2:
        return f"{parts[0]}: {'.'.join(parts[1:])}"
    return parts[0] if parts else ""


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int:
    """The 1-based line of the deepest YAML node on the path ``loc`` (the file's first line if none)."""
    best = node.start_mark.line + 1 if node is not None else 1
    for item in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == item), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and item < len(node.value):
            found = node.value[item]
        else:
            found = None
        if found is None:
            break
        node = found
        best = node.start_mark.line + 1
    return best


def load_measures(path: Path) -> MeasureCatalogue:
    """The measures declared in ``path``; raises MeasuresFileError (naming the file) if unusable."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise MeasuresFileError(f"{path}: cannot read the measures file: {exc.strerror}") from exc
    return parse_measures(text, str(path))


def default_measures() -> MeasureCatalogue:
    """The example measures shipped with the project."""
    text = resources.files("store").joinpath("data", DEFAULT_MEASURES_NAME).read_text("utf-8")
    return parse_measures(text, f"store/data/{DEFAULT_MEASURES_NAME}")


TEMPLATE_COLUMNS = ("measure_id", "period_start", "period_end", "numerator", "denominator", "value", "note")


def next_period(grain: str, today: date) -> tuple[date, date]:
    """The period a partner reports next: the latest whole calendar month or quarter
    ended before ``today`` (a reading: figures are sent after the period closes).

    >>> [d.isoformat() for d in next_period("month", date(2026, 1, 15))]
    ['2025-12-01', '2025-12-31']
    >>> [d.isoformat() for d in next_period("quarter", date(2026, 1, 15))]
    ['2025-10-01', '2025-12-31']
    >>> [d.isoformat() for d in next_period("quarter", date(2026, 3, 31))]
    ['2025-10-01', '2025-12-31']
    """
    step = 3 if grain == "quarter" else 1
    index = today.year * 12 + today.month - 1  # this month
    first = (index // step) * step - step  # the start month of the previous whole period
    start = date(first // 12, first % 12 + 1, 1)
    after = first + step
    end = date(after // 12, after % 12 + 1, 1) - timedelta(days=1)
    return start, end


def template_csv(catalogue: MeasureCatalogue, agency: str, today: date) -> bytes:
    """A partner_measures file pre-filled for ``agency``'s own measures and the next period:
    measure_id and the period bounds filled, the figures left for the partner.

    >>> text = template_csv(default_measures(), "police", date(2026, 1, 15)).decode()
    >>> text.splitlines()[1]
    'strategy_police_attendance,2025-12-01,2025-12-31,,,,'
    """
    lines = [",".join(TEMPLATE_COLUMNS)]
    for m in catalogue.owned_by(agency):
        start, end = next_period(m.grain, today)
        lines.append(f"{m.id},{start.isoformat()},{end.isoformat()},,,,")
    return ("\n".join(lines) + "\n").encode("utf-8")
