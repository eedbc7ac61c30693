"""The indicator registry: every indicator of kpis.md, declared once as data.

The declarations live in ``metrics/data/indicators.yaml``: title, type, unit,
polarity, source, breakdowns, grains, the "nothing qualifies" note, the record list
(columns, sentence, order) and the page sections (tags) of each indicator. They are
validated here (unknown keys, unknown stages, breakdowns a type cannot have are
errors). Code attaches to a declaration by id only: ``@measure`` (how to compute it)
and ``@records`` (how to list its records), checked against it by ``metrics.wiring``.

Example::

    >>> reg = load_registry()
    >>> ind = reg["rereferrals_12m"]
    >>> (ind.type, ind.polarity, ind.stage)
    ('percentage', 'down', 'referrals')
    >>> "agency" in ind.breakdowns
    True
    >>> ind.records.columns[:3], ind.records.sort_keys
    (('child', 'referral_id', 'referral_date'), (('referral_date', True),))
    >>> [i.id for i in reg.tagged("journey_edge")][:2]
    ['contact_conversion', 'referral_to_assessment']
    >>> p = reg["pm_strategy_police_attendance"]   # from the measures file
    >>> (p.type, p.owner, p.partner.grain, p.breakdowns)
    ('percentage', 'police', 'month', ('all',))
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from metrics.periods import GRAINS, Grain
from metrics.registry_measures import declarations
from store.extracts import EXTRACTS
from store.measures import MeasureCatalogue, default_measures

IndicatorType = Literal["count", "rate", "percentage", "median", "number"]
Polarity = Literal["up", "down", "neutral"]
Breakdown = Literal["all", "locality", "team", "agency", "theme", "kind", "column"]
# The page sections that select indicators (see the head of indicators.yaml).
Tag = Literal[
    "front_door",
    "early_help",
    "early_help_tile",
    "journey_step",
    "journey_edge",
    "journey_early_help",
    "agency_chart",
    "workforce",
    "quality_assurance",
    "partner_measures",
]
JOURNEY_TAGS: tuple[Tag, ...] = ("journey_step", "journey_edge", "journey_early_help")

POLARITY_SYMBOLS: dict[Polarity, str] = {"up": "↑", "down": "↓", "neutral": "–"}


class Stage(BaseModel):
    """A stage of the child's journey, in the order the scorecard shows them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str


class RecordList(BaseModel):
    """The records behind one of the indicator's numbers: columns, sentence, order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: tuple[str, ...]
    description: str
    # After in_numerator: column names, "<column> desc" for largest first.
    order: tuple[str, ...] = ()
    per_child: bool = False
    ids: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known_columns(self) -> RecordList:
        for key in (*(k.removesuffix(" desc") for k in self.order), *self.ids):
            if key not in self.columns:
                raise ValueError(f"records: {key!r} is not one of the columns {', '.join(self.columns)}")
        return self

    @property
    def sort_keys(self) -> tuple[tuple[str, bool], ...]:
        """``order`` as (column, ascending) pairs."""
        return tuple((k.removesuffix(" desc"), not k.endswith(" desc")) for k in self.order)

    @property
    def has_flag(self) -> bool:
        return "in_numerator" in self.columns

    @property
    def id_columns(self) -> tuple[str, ...]:
        """The columns that identify a record (tie-breakers of the sort)."""
        first_id = [c for c in self.columns if c.endswith("_id")][:1]
        return self.ids or (*first_id, "child")


class Journey(BaseModel):
    """The words on the journey page; a step's count is its ``part`` column."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    part: Literal["value", "denominator"] = "value"
    note: str = ""
    # In the early help lane: what the numerator counts, singular ("child"), or nothing.
    counted: str = ""


class Tile(BaseModel):
    """A headline tile of the Early help page (tag ``early_help_tile``): its label, the
    figure it shows (the value, or the denominator: "Episodes closed"), the words under
    it (``{numerator}`` and ``{denominator}`` stand for those counts, and ``noun``, singular,
    follows in the number of the last of them: "1 of 1 closure"), whether it is a
    series of the page's count chart, and its words in the page's heading (after the
    figure; blank: not in the heading).

    >>> Tile(label="Starts", detail="{numerator} of {total}")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Tile
    ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    show: Literal["value", "denominator"] = "value"
    detail: str = ""
    noun: str = ""
    trend: bool = False
    headline: str = ""

    @model_validator(mode="after")
    def _known_placeholders(self) -> Tile:
        try:
            self.detail.format(numerator="", denominator="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"tile {self.label!r}: detail {self.detail!r} may use only {{numerator}} and "
                f"{{denominator}} ({exc})"
            ) from exc
        return self


class PartnerMeasure(BaseModel):
    """What a ``pm_*`` indicator computes from (``metrics.registry_measures``), and the
    target and tolerance its measures file declares (``metrics.targets`` starts from
    them; the targets file and the targets set in the app override them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measure_id: str
    unit: Literal["count", "percent", "rate_per_10k", "days"]
    grain: Literal["month", "quarter"]
    target: float | None = None
    tolerance: float | None = None


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
    # When the published figure is measured, where it is one day of the year: "at 30
    # September" (a snapshot) or "year to 30 September" (a count over the 12 months to
    # it). Its benchmark is then shown only beside periods ending on that day
    # (metrics.benchmarks.shown_beside).
    benchmark_measured: str | None = Field(
        default=None, pattern=r"^(at|year to) ([1-9]|[12][0-9]|3[01]) [A-Z][a-z]+$"
    )
    grains: tuple[Grain, ...] = GRAINS
    # "loads": the periods of the data range widened by the load dates.
    periods: Literal["main", "loads"] = "main"
    nothing_qualifies: str | None = None
    tags: dict[Tag, int] = Field(default_factory=dict)
    journey: Journey | None = None
    tiles: tuple[Tile, ...] = ()
    records: RecordList
    # A partner's measure: the owning agency (its scorecard sub-heading) and its figures.
    owner: str | None = None
    partner: PartnerMeasure | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        ratio_like = self.type in ("percentage", "median")
        # A number may be a ratio (cases per FTE, with a note) or a plain sum (FTE, without).
        if self.type != "number" and ratio_like != (self.nothing_qualifies is not None):
            raise ValueError(
                f"{self.id}: nothing_qualifies is the note of a percentage or median with nothing "
                f"in the denominator; a {self.type} " + ("needs one" if ratio_like else "has none")
            )
        if (self.journey is not None) != any(t in self.tags for t in JOURNEY_TAGS):
            raise ValueError(f"{self.id}: journey (its words) goes with a journey_* tag")
        if bool(self.tiles) != ("early_help_tile" in self.tags):
            raise ValueError(f"{self.id}: tiles (their words) go with the early_help_tile tag")
        if "agency_chart" in self.tags and "agency" not in self.breakdowns:
            raise ValueError(f"{self.id}: an agency_chart needs breakdown agency")
        if self.source not in EXTRACTS and self.source not in ("loads", "each kind"):
            raise ValueError(f"{self.id}: unknown source {self.source!r}")
        if self.type == "rate" and not set(self.breakdowns) <= {"all", "agency"}:
            raise ValueError(f"{self.id}: rates have breakdowns all and agency only")
        if self.stage == "data_quality":
            if len(self.breakdowns) != 1 or self.breakdowns[0] not in ("kind", "column"):
                raise ValueError(f"{self.id}: data-quality ids break down by kind or column only")
        elif "all" not in self.breakdowns:
            raise ValueError(f"{self.id}: every indicator outside data quality has breakdown all")
        if (self.partner is not None) != self.id.startswith("pm_") or (self.partner is None) != (
            self.owner is None
        ):
            raise ValueError(f"{self.id}: the ids pm_* (and only they) are partners' measures with an owner")
        if self.benchmark_measured is not None:
            if self.benchmark is None:
                raise ValueError(f"{self.id}: benchmark_measured goes with a benchmark")
            try:
                _ = self.benchmark_day
            except ValueError as exc:
                raise ValueError(
                    f"{self.id}: benchmark_measured {self.benchmark_measured!r}: {exc}"
                ) from None
        if self.type in ("percentage", "median") and not (self.numerator and self.denominator):
            raise ValueError(f"{self.id}: a {self.type} needs numerator and denominator text")
        return self

    @property
    def benchmark_day(self) -> tuple[int, int] | None:
        """(month, day) of ``benchmark_measured`` ("at 30 September": (9, 30)), or None."""
        if self.benchmark_measured is None:
            return None
        day_month = self.benchmark_measured.removeprefix("year to ").removeprefix("at ")
        when = datetime.strptime(f"{day_month} 2001", "%d %B %Y")  # not a leap year: no 29 Feb
        return when.month, when.day

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
        for tag in get_args(Tag):
            places = [i.tags[tag] for i in self.indicators if tag in i.tags]
            if len(set(places)) != len(places):
                raise ValueError(f"tag {tag}: two indicators have the same place {sorted(places)}")
        steps = {i.tags["journey_step"] for i in self.tagged("journey_step")}
        for ind in self.tagged("journey_edge"):
            if ind.tags["journey_edge"] not in steps or ind.tags["journey_edge"] == max(steps):
                place = ind.tags["journey_edge"]
                raise ValueError(f"{ind.id}: journey_edge {place} must follow a journey step (not the last)")
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

    def tagged(self, tag: Tag) -> list[Indicator]:
        """The indicators of a page section, in their places."""
        return sorted((i for i in self.indicators if tag in i.tags), key=lambda i: i.tags[tag])

    def by_stage(self) -> list[tuple[Stage, list[Indicator]]]:
        """Stages in order, each with its indicators in order."""
        return [(s, [i for i in self.indicators if i.stage == s.id]) for s in self.stages]


def parse_registry(text: str, measures: MeasureCatalogue | None = None) -> Registry:
    """Validate registry YAML text, with the ``pm_*`` declarations of ``measures`` (if
    given) after the written ones; raises pydantic.ValidationError naming the bad entry."""
    # libyaml's loader when PyYAML has it: the same documents, a tenth of the time.
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if measures is not None and isinstance(data, dict):
        data = {**data, "indicators": [*data.get("indicators", []), *declarations(measures)]}
    return Registry.model_validate(data)


@cache
def load_registry(measures: MeasureCatalogue | None = None) -> Registry:
    """The shipped registry with the partners' measures of ``measures`` (None: the shipped
    example file), validated once per process and catalogue.

    The caller reads ``SCORECARD_MEASURES_FILE`` at the edge (``scorecard.settings``) and
    passes its catalogue in; code without settings (tests, benchmarks, doctests) gets the
    shipped example.
    """
    text = resources.files("metrics").joinpath("data", "indicators.yaml").read_text("utf-8")
    return parse_registry(text, default_measures() if measures is None else measures)
