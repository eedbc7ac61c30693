"""The indicator registry: every indicator of kpis.md, declared once as data.

The declarations live in ``metrics/data/indicators.yaml`` and are validated here at
start-up (unknown keys, unknown stages, breakdowns a type cannot have are errors).

Example::

    >>> reg = load_registry()
    >>> ind = reg["rereferrals_12m"]
    >>> (ind.type, ind.polarity, ind.stage)
    ('percentage', 'down', 'referrals')
    >>> "agency" in ind.breakdowns
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from store.extracts import EXTRACTS

IndicatorType = Literal["count", "rate", "percentage", "median"]
Polarity = Literal["up", "down", "neutral"]
Breakdown = Literal["all", "locality", "team", "agency", "kind", "column"]

POLARITY_SYMBOLS: dict[Polarity, str] = {"up": "↑", "down": "↓", "neutral": "–"}


class Stage(BaseModel):
    """A stage of the child's journey, in the order the scorecard shows them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str


class Indicator(BaseModel):
    """One indicator's declaration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    stage: str
    type: IndicatorType
    polarity: Polarity
    unit: str
    source: str
    breakdowns: tuple[Breakdown, ...]
    definition: str
    numerator: str | None = None
    denominator: str | None = None
    benchmark: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.source not in EXTRACTS and self.source not in ("loads", "each kind"):
            raise ValueError(f"{self.id}: unknown source {self.source!r}")
        if self.type == "rate" and not set(self.breakdowns) <= {"all", "agency"}:
            raise ValueError(f"{self.id}: rates have breakdowns all and agency only")
        if self.stage == "data_quality":
            if len(self.breakdowns) != 1 or self.breakdowns[0] not in ("kind", "column"):
                raise ValueError(f"{self.id}: data-quality ids break down by kind or column only")
        elif "all" not in self.breakdowns:
            raise ValueError(f"{self.id}: every indicator outside data quality has breakdown all")
        if self.type in ("percentage", "median") and not (self.numerator and self.denominator):
            raise ValueError(f"{self.id}: a {self.type} needs numerator and denominator text")
        return self

    @property
    def is_ratio(self) -> bool:
        return self.type in ("percentage", "rate")


class Registry(BaseModel):
    """All stages and indicators, in display order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stages: tuple[Stage, ...]
    indicators: tuple[Indicator, ...]

    @model_validator(mode="after")
    def _unique_and_known(self) -> Registry:
        stage_ids = [s.id for s in self.stages]
        ids = [i.id for i in self.indicators]
        for label, values in (("stage", stage_ids), ("indicator", ids)):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate {label} ids: {', '.join(dupes)}")
        for ind in self.indicators:
            if ind.stage not in stage_ids:
                raise ValueError(f"{ind.id}: unknown stage {ind.stage!r}")
        return self

    def __getitem__(self, kpi_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == kpi_id:
                return ind
        raise KeyError(f"no indicator {kpi_id!r}; known ids: {', '.join(self.ids())}")

    def __contains__(self, kpi_id: object) -> bool:
        return any(ind.id == kpi_id for ind in self.indicators)

    def __iter__(self) -> Iterator[Indicator]:  # type: ignore[override]
        return iter(self.indicators)

    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def by_stage(self) -> list[tuple[Stage, list[Indicator]]]:
        """Stages in order, each with its indicators in order."""
        return [(s, [i for i in self.indicators if i.stage == s.id]) for s in self.stages]


def parse_registry(text: str) -> Registry:
    """Validate registry YAML text; raises pydantic.ValidationError naming the bad entry."""
    return Registry.model_validate(yaml.safe_load(text))


@cache
def load_registry() -> Registry:
    """The shipped registry, validated once per process."""
    text = resources.files("metrics").joinpath("data", "indicators.yaml").read_text("utf-8")
    return parse_registry(text)
