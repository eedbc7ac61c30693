"""The canonical extract kinds of ``shared/spec/extracts.md``, declared once as data.

Loaders validate against these declarations, the store builds its tables from
them and the metrics layer reads their optional columns for data quality. Column
order matters: a row's first problem is reported in this order (the kind's
columns, then the columns common to every extract).

Reading taken where the spec is silent: ``la_code`` is treated as the first of
the common optional columns, because the general rules name it before the other
common columns.

Example::

    >>> kind = EXTRACTS["referrals"]
    >>> kind.id_columns
    ('referral_id',)
    >>> [c.name for c in kind.columns if c.required]
    ['referral_id', 'child_id', 'referral_date', 'referral_source', 'referral_nfa']
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from store.codes import CODE_LISTS

ColumnType = Literal[
    "id", "child", "worker", "text", "date", "month", "bool", "code", "codes", "int", "number", "la"
]

# The common columns that describe a child; kinds that carry no child do not have them.
CHILD_COMMON_COLUMNS = frozenset({"date_of_birth", "sex", "ethnicity"})


class Column(BaseModel):
    """One column of a canonical extract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: ColumnType
    required: bool = False
    codes: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    # True when the value must be strictly greater than ``minimum`` (fte: 0 < fte <= 1).
    exclusive_minimum: bool = False
    # A date column that may hold dates before 1990 (loaders/sanity.py): only a worker's
    # start date, since staff serve for decades; every other date before 1990 is a typo.
    before_1990: bool = False

    @model_validator(mode="after")
    def _codes_match_type(self) -> Column:
        if (self.type in ("code", "codes")) != (self.codes is not None):
            raise ValueError(f"column {self.name}: a code column needs a code list, and only it")
        if self.codes is not None and self.codes not in CODE_LISTS:
            raise ValueError(f"column {self.name}: unknown code list {self.codes!r}")
        return self


class ExtractKind(BaseModel):
    """One canonical extract kind: its columns, id, main date and date-order checks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    columns: tuple[Column, ...]
    id_columns: tuple[str, ...]
    main_date: str | None
    # (start column, end column): the end must not be before the start.
    end_checks: tuple[tuple[str, str], ...] = ()
    has_common_columns: bool = True
    # False for the kinds that carry no child (workforce, vacancies, caseloads,
    # partner_measures): the child columns of the common ones do not apply.
    has_child_columns: bool = True
    # Whether the main date spans the reporting periods. A workforce spell may have started
    # decades before the extracts begin (long-serving staff), so its start_date counts its
    # row for data quality but does not stretch the period axis back.
    spans_periods: bool = True
    # A second date that stretches the period axis and the reporting window: where a row is
    # a figure for a period (partner_measures), the period's end. A quarterly figure's
    # period_start alone would end the axis in the quarter's first month, before the
    # quarter its figure is for.
    span_end: str | None = None

    @model_validator(mode="after")
    def _names_exist(self) -> ExtractKind:
        names = {c.name for c in self.all_columns}
        ends = (self.span_end,) if self.span_end else ()
        for n in (*self.id_columns, *(x for pair in self.end_checks for x in pair), *ends):
            if n not in names:
                raise ValueError(f"kind {self.name}: {n} is not one of its columns")
        if self.main_date is not None and self.main_date not in names:
            raise ValueError(f"kind {self.name}: main date {self.main_date} is not a column")
        return self

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """The kind's own columns, then the common ones, in reporting order.

        A common column the kind declares itself (``team`` in ``vacancies``, required
        there) keeps the kind's declaration and place.
        """
        if not self.has_common_columns:
            return self.columns
        own = {c.name for c in self.columns}
        common = tuple(
            c
            for c in COMMON_COLUMNS
            if c.name not in own and (self.has_child_columns or c.name not in CHILD_COMMON_COLUMNS)
        )
        return self.columns + common

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.all_columns if c.required)

    @property
    def optional_columns(self) -> tuple[str, ...]:
        """Optional columns counted for completeness (``la_code`` excluded, per kpis.md)."""
        return tuple(c.name for c in self.all_columns if not c.required and c.type != "la")

    @property
    def has_child(self) -> bool:
        return any(c.type == "child" for c in self.columns)

    @property
    def has_worker(self) -> bool:
        return any(c.type == "worker" for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.all_columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")


def _c(name: str, type_: ColumnType, required: bool = False, **kw: object) -> Column:
    return Column(name=name, type=type_, required=required, **kw)  # type: ignore[arg-type]


COMMON_COLUMNS: tuple[Column, ...] = (
    _c("la_code", "la"),
    _c("team", "text"),
    _c("locality", "text"),
    _c("recorded_date", "date"),
    _c("date_of_birth", "date"),
    _c("sex", "text"),
    _c("ethnicity", "text"),
)

_KINDS: tuple[ExtractKind, ...] = (
    ExtractKind(
        name="contacts",
        title="Contacts",
        columns=(
            _c("contact_id", "id", True),
            _c("child_id", "child", True),
            _c("contact_date", "date", True),
            _c("contact_source", "code", True, codes="referral_source"),
            _c("outcome", "code", True, codes="contact_outcome"),
            _c("decision_date", "date"),
        ),
        id_columns=("contact_id",),
        main_date="contact_date",
        end_checks=(("contact_date", "decision_date"),),
    ),
    ExtractKind(
        name="referrals",
        title="Referrals",
        columns=(
            _c("referral_id", "id", True),
            _c("child_id", "child", True),
            _c("referral_date", "date", True),
            _c("referral_source", "code", True, codes="referral_source"),
            _c("referral_nfa", "bool", True),
            _c("contact_id", "id"),
            _c("primary_need", "code", codes="primary_need"),
            _c("closure_date", "date"),
            _c("closure_reason", "code", codes="closure_reason"),
        ),
        id_columns=("referral_id",),
        main_date="referral_date",
        end_checks=(("referral_date", "closure_date"),),
    ),
    ExtractKind(
        name="assessments",
        title="Assessments",
        columns=(
            _c("assessment_id", "id", True),
            _c("child_id", "child", True),
            _c("start_date", "date", True),
            _c("referral_id", "id"),
            _c("authorisation_date", "date"),
            _c("child_seen", "bool"),
            _c("outcome_in_need", "bool"),
            _c("factors", "codes", codes="assessment_factor"),
        ),
        id_columns=("assessment_id",),
        main_date="start_date",
        end_checks=(("start_date", "authorisation_date"),),
    ),
    ExtractKind(
        name="s47",
        title="Section 47 enquiries",
        columns=(
            _c("s47_id", "id", True),
            _c("child_id", "child", True),
            _c("strategy_date", "date", True),
            _c("referral_id", "id"),
            _c("icpc_not_required", "bool"),
            _c("icpc_date", "date"),
            _c("icpc_outcome_plan", "bool"),
        ),
        id_columns=("s47_id",),
        main_date="strategy_date",
        end_checks=(("strategy_date", "icpc_date"),),
    ),
    ExtractKind(
        name="cp_plans",
        title="Child protection plans",
        columns=(
            _c("plan_id", "id", True),
            _c("child_id", "child", True),
            _c("start_date", "date", True),
            _c("initial_category", "code", True, codes="cp_category"),
            _c("end_date", "date"),
            _c("latest_category", "code", codes="cp_category"),
            _c("previous_plans", "int", minimum=0),
        ),
        id_columns=("plan_id",),
        main_date="start_date",
        end_checks=(("start_date", "end_date"),),
    ),
    ExtractKind(
        name="cp_visits",
        title="Child protection visits",
        columns=(
            _c("visit_id", "id", True),
            _c("child_id", "child", True),
            _c("visit_date", "date", True),
            _c("child_seen", "bool"),
            _c("seen_alone", "bool"),
        ),
        id_columns=("visit_id",),
        main_date="visit_date",
    ),
    ExtractKind(
        name="cp_reviews",
        title="Child protection reviews",
        columns=(
            _c("review_id", "id", True),
            _c("child_id", "child", True),
            _c("plan_id", "id"),
            _c("review_date", "date", True),
        ),
        id_columns=("review_id",),
        main_date="review_date",
    ),
    ExtractKind(
        name="cin_plans",
        title="Child in need plans",
        columns=(
            _c("cin_plan_id", "id", True),
            _c("child_id", "child", True),
            _c("start_date", "date", True),
            _c("end_date", "date"),
        ),
        id_columns=("cin_plan_id",),
        main_date="start_date",
        end_checks=(("start_date", "end_date"),),
    ),
    ExtractKind(
        name="early_help",
        title="Early help episodes",
        columns=(
            _c("episode_id", "id", True),
            _c("child_id", "child", True),
            _c("start_date", "date", True),
            _c("lead_agency", "code", True, codes="eh_lead_agency"),
            _c("assessment_date", "date"),
            _c("end_date", "date"),
            _c("closure_reason", "code", codes="eh_closure_reason"),
            _c("outcome_score_start", "number"),
            _c("outcome_score_end", "number"),
        ),
        id_columns=("episode_id",),
        main_date="start_date",
        end_checks=(("start_date", "end_date"),),
    ),
    ExtractKind(
        name="workforce",
        title="Social care workforce",
        columns=(
            _c("spell_id", "id", True),
            _c("worker_id", "worker", True),
            _c("role", "code", True, codes="worker_role"),
            _c("agency", "bool", True),
            _c("fte", "number", True, minimum=0, exclusive_minimum=True, maximum=1),
            _c("start_date", "date", True, before_1990=True),
            _c("end_date", "date"),
            _c("leaving", "bool"),
        ),
        id_columns=("spell_id",),
        main_date="start_date",
        end_checks=(("start_date", "end_date"),),
        has_child_columns=False,
        spans_periods=False,
    ),
    ExtractKind(
        name="vacancies",
        title="Social worker vacancies",
        columns=(
            _c("month", "month", True),
            _c("team", "text", True),
            _c("vacant_fte", "number", True, minimum=0),
        ),
        id_columns=("month", "team"),
        main_date="month",
        has_child_columns=False,
    ),
    ExtractKind(
        name="caseloads",
        title="Caseloads",
        columns=(
            _c("month", "month", True),
            _c("worker_id", "worker", True),
            _c("cases", "int", True, minimum=0),
        ),
        id_columns=("month", "worker_id"),
        main_date="month",
        has_child_columns=False,
    ),
    ExtractKind(
        name="audits",
        title="Case audits",
        columns=(
            _c("audit_id", "id", True),
            _c("child_id", "child", True),
            _c("audit_date", "date", True),
            _c("grade", "code", True, codes="audit_grade"),
            _c("multi_agency", "bool"),
            _c("auditor_agency", "code", codes="agency"),
            _c("theme", "text"),
        ),
        id_columns=("audit_id",),
        main_date="audit_date",
    ),
    ExtractKind(
        name="partner_measures",
        title="Partner measures",
        columns=(
            _c("measure_id", "text", True),
            _c("period_start", "date", True),
            _c("period_end", "date", True),
            _c("numerator", "number", minimum=0),
            _c("denominator", "number", minimum=0, exclusive_minimum=True),
            _c("value", "number"),
            _c("note", "text"),
        ),
        id_columns=("measure_id", "period_start"),
        main_date="period_start",
        end_checks=(("period_start", "period_end"),),
        has_child_columns=False,
        span_end="period_end",
    ),
    ExtractKind(
        name="population",
        title="Population (mid-year estimates, 0-17)",
        columns=(
            _c("la_code", "la", True),
            _c("year", "int", True, minimum=1900),
            _c("population_0_17", "int", True, minimum=0),
        ),
        id_columns=("la_code", "year"),
        main_date=None,
        has_common_columns=False,
    ),
)

EXTRACTS: dict[str, ExtractKind] = {k.name: k for k in _KINDS}

# The order in which a folder's files are loaded and kinds are listed: the child's journey.
KIND_ORDER: tuple[str, ...] = tuple(EXTRACTS)

# The kinds that are partner extracts (population is reference data).
EVENT_KINDS: tuple[str, ...] = tuple(k for k in KIND_ORDER if k != "population")

# The workforce, quality-assurance and partner kinds (issue 10): extracts like the others,
# but no child's journey runs through them.
WORKFORCE_KINDS: tuple[str, ...] = ("workforce", "vacancies", "caseloads", "audits", "partner_measures")

# The kinds of the child's journey (the first nine): what the journey, the window and
# the sample data were built on.
JOURNEY_KINDS: tuple[str, ...] = tuple(k for k in EVENT_KINDS if k not in WORKFORCE_KINDS)
