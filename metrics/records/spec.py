"""What each indicator's records look like, declared once as data.

``RECORD_SPECS[kpi_id]`` gives the columns (in order), the sentence the indicator
page shows above the list, the sort after ``in_numerator`` and, for the
distinct-children indicators, that there is one row per child (and group).

The rows come first that a manager acts on: for a percentage, ``in_numerator``
False first when higher is better (late assessments, children not seen), True
first otherwise (re-referrals, plans lasting 2 years); then the declared order
(longest waits first); then the ids, so the order is always the same.

Example::

    >>> RECORD_SPECS["cp_visits_10wd"].columns[:4]
    ('child', 'plan_id', 'start_date', 'latest_visit_date')
    >>> RECORD_SPECS["cp_children_at_end"].per_child
    True
"""

from __future__ import annotations

from dataclasses import dataclass

# Sort keys: (column, ascending).
SortKeys = tuple[tuple[str, bool], ...]

GROUPS = ("team", "locality")
AGENCY_GROUPS = ("agency", "team", "locality")
IN = ("in_numerator",)


@dataclass(frozen=True)
class RecordSpec:
    """One indicator's records: columns, page sentence, order, one row per child or not."""

    columns: tuple[str, ...]
    description: str
    order: SortKeys = ()
    per_child: bool = False
    ids: tuple[str, ...] = ()

    @property
    def has_flag(self) -> bool:
        return "in_numerator" in self.columns

    @property
    def id_columns(self) -> tuple[str, ...]:
        """The columns that identify a record (tie-breakers of the sort)."""
        first_id = [c for c in self.columns if c.endswith("_id")][:1]
        return self.ids or (*first_id, "child")


def _cols(*parts: str | tuple[str, ...]) -> tuple[str, ...]:
    """Column names and tuples of them, flattened in order."""
    return tuple(name for part in parts for name in ((part,) if isinstance(part, str) else part))


def _spec(columns: tuple[str, ...], description: str, order: SortKeys = (), **kw: object) -> RecordSpec:
    return RecordSpec(columns, description, order, **kw)  # type: ignore[arg-type]


_CONTACT = ("child", "contact_id", "contact_date")
_REFERRAL = ("child", "referral_id", "referral_date")
_ASSESSMENT = ("child", "assessment_id", "start_date", "authorisation_date")
_S47 = ("child", "s47_id", "strategy_date", "icpc_date")
_PLAN = ("child", "plan_id", "start_date")
_EPISODE = ("child", "episode_id", "start_date")
_LONGEST: SortKeys = (("working_days", False),)
_OLDEST: SortKeys = (("start_date", True),)
_STORED = ("kind", "record_id", "child", "event_date")

RECORD_SPECS: dict[str, RecordSpec] = {
    "contacts": _spec(
        _cols(_CONTACT, AGENCY_GROUPS), "Contacts received in the period.", (("contact_date", True),)
    ),
    "contacts_rate": _spec(
        _cols(_CONTACT, AGENCY_GROUPS),
        "Contacts received in the period (the count behind the rate).",
        (("contact_date", True),),
    ),
    "contact_conversion": _spec(
        _cols(_CONTACT, ("outcome", "decision_date"), AGENCY_GROUPS, IN),
        "Contacts in the period with a decision; 'In numerator' marks those that became a referral.",
        (("contact_date", True),),
    ),
    "contact_decision_timely": _spec(
        _cols(_CONTACT, ("decision_date", "working_days"), AGENCY_GROUPS, IN),
        "Contacts in the period with a decision date; 'In numerator' marks those decided "
        "within 1 working day.",
        _LONGEST,
    ),
    "referrals": _spec(
        _cols(_REFERRAL, AGENCY_GROUPS),
        "Referrals in the period, one per child and day (same-day duplicates removed).",
        (("referral_date", True),),
    ),
    "referrals_rate": _spec(
        _cols(_REFERRAL, AGENCY_GROUPS),
        "Referrals in the period, one per child and day (the count behind the rate).",
        (("referral_date", True),),
    ),
    "rereferrals_12m": _spec(
        _cols(_REFERRAL, "previous_referral_date", AGENCY_GROUPS, IN),
        "Referrals in the period; 'In numerator' marks re-referrals: the child's previous "
        "referral was within the 12 months before.",
        (("referral_date", True),),
    ),
    "referrals_nfa": _spec(
        _cols(_REFERRAL, AGENCY_GROUPS, IN),
        "Referrals in the period; 'In numerator' marks those with no further action.",
        (("referral_date", True),),
    ),
    "referral_to_assessment": _spec(
        _cols(_REFERRAL, ("assessment_id", "assessment_start_date"), AGENCY_GROUPS, IN),
        "Referrals in the period; 'In numerator' marks those that led to an assessment "
        "(the first linked assessment is shown).",
        (("referral_date", True),),
    ),
    "assessments_completed": _spec(
        _cols(_ASSESSMENT, "working_days", GROUPS),
        "Assessments completed in the period, longest first.",
        _LONGEST,
    ),
    "assessments_45wd": _spec(
        _cols(_ASSESSMENT, "working_days", GROUPS, IN),
        "Assessments completed in the period; 'In numerator' marks those completed within 45 working days.",
        _LONGEST,
    ),
    "assessment_median_wd": _spec(
        _cols(_ASSESSMENT, "working_days", GROUPS),
        "Assessments completed in the period with their working days; the indicator is the "
        "median of 'Working days'.",
        _LONGEST,
    ),
    "assessments_not_in_need": _spec(
        _cols(_ASSESSMENT, GROUPS, IN),
        "Assessments completed in the period with an outcome recorded; 'In numerator' marks "
        "those concluding the child is not in need.",
        (("authorisation_date", True),),
    ),
    "assessments_open_over_45wd": _spec(
        _cols(_ASSESSMENT, "working_days", GROUPS),
        "Assessments still open at the period end more than 45 working days after they "
        "started, longest first.",
        _LONGEST,
    ),
    "s47_started": _spec(
        _cols(_S47, GROUPS), "Section 47 enquiries started in the period.", (("strategy_date", True),)
    ),
    "s47_rate": _spec(
        _cols(_S47, GROUPS),
        "Section 47 enquiries started in the period (the count behind the rate).",
        (("strategy_date", True),),
    ),
    "s47_to_icpc": _spec(
        _cols(_S47, GROUPS, IN),
        "Section 47 enquiries started in the period; 'In numerator' marks those that led to "
        "an initial conference.",
        (("strategy_date", True),),
    ),
    "icpc_15wd": _spec(
        _cols(_S47, "working_days", GROUPS, IN),
        "Initial conferences held in the period; 'In numerator' marks those within 15 "
        "working days of the strategy discussion.",
        _LONGEST,
    ),
    "icpc_to_plan": _spec(
        _cols(_S47, GROUPS, IN),
        "Initial conferences held in the period with an outcome recorded; 'In numerator' "
        "marks those that resulted in a plan.",
        (("icpc_date", True),),
    ),
    "cp_plans_started": _spec(
        _cols(_PLAN, "end_date", GROUPS), "Child protection plans started in the period.", _OLDEST
    ),
    "cp_children_at_end": _spec(
        _cols(_PLAN, "end_date", GROUPS),
        "Children on a child protection plan at the period end, one row per child with "
        "their open plan, longest on a plan first.",
        _OLDEST,
        per_child=True,
    ),
    "cp_rate_at_end": _spec(
        _cols(_PLAN, "end_date", GROUPS),
        "Children on a child protection plan at the period end (the count behind the "
        "rate), one row per child with their open plan.",
        _OLDEST,
        per_child=True,
    ),
    "cp_second_or_subsequent": _spec(
        _cols(_PLAN, ("previous_plans", "previous_plan_start_date"), GROUPS, IN),
        "Plans started in the period; 'In numerator' marks second or subsequent plans.",
        _OLDEST,
    ),
    "cp_ended_2y_plus": _spec(
        _cols(_PLAN, "end_date", GROUPS, IN),
        "Plans ended in the period; 'In numerator' marks those that lasted 2 years or more.",
        _OLDEST,
    ),
    "cp_visits_10wd": _spec(
        _cols(_PLAN, ("latest_visit_date", "working_days_since_visit"), GROUPS, IN),
        "Children on a plan at least 10 working days old at the period end, with their "
        "latest visit where they were seen; 'In numerator' marks those seen in the last "
        "10 working days.",
        (("working_days_since_visit", False), ("latest_visit_date", True)),
        per_child=True,
    ),
    "cp_reviews_timely": _spec(
        _cols(_PLAN, ("latest_review_date", "review_due_date"), GROUPS, IN),
        "Plans open at the period end with their next review's due date; 'In numerator' "
        "marks those whose review is not overdue.",
        (("review_due_date", True),),
    ),
    "cin_children_at_end": _spec(
        _cols(("child", "cin_plan_id", "start_date", "end_date"), GROUPS),
        "Children on a child in need plan at the period end, one row per child with their "
        "open plan, longest first.",
        _OLDEST,
        per_child=True,
    ),
    "cin_rate_at_end": _spec(
        _cols(("child", "cin_plan_id", "start_date", "end_date"), GROUPS),
        "Children on a child in need plan at the period end (the count behind the rate), "
        "one row per child with their open plan.",
        _OLDEST,
        per_child=True,
    ),
    "eh_started": _spec(
        _cols(_EPISODE, "end_date", AGENCY_GROUPS), "Early help episodes started in the period.", _OLDEST
    ),
    "eh_reach": _spec(
        _cols(_EPISODE, "end_date", AGENCY_GROUPS),
        "Children with an early help episode open at any time in the period (the count "
        "behind the rate), one row per child with their episode.",
        _OLDEST,
        per_child=True,
    ),
    "eh_outcomes_achieved": _spec(
        _cols(_EPISODE, ("end_date", "closure_reason"), AGENCY_GROUPS, IN),
        "Early help episodes ended in the period; 'In numerator' marks those closed with outcomes achieved.",
        (("end_date", True),),
    ),
    "eh_stepped_up": _spec(
        _cols(_EPISODE, ("end_date", "closure_reason"), AGENCY_GROUPS, IN),
        "Early help episodes ended in the period; 'In numerator' marks those stepped up to "
        "children's social care.",
        (("end_date", True),),
    ),
    "eh_repeat_12m": _spec(
        _cols(_EPISODE, "previous_end_date", AGENCY_GROUPS, IN),
        "Early help episodes started in the period; 'In numerator' marks those starting "
        "within 12 months of the end of a previous episode.",
        _OLDEST,
    ),
    "step_down_to_eh": _spec(
        _cols(_REFERRAL, ("closure_date", "closure_reason"), GROUPS, IN),
        "Referrals closed in the period; 'In numerator' marks those closed with a step "
        "down to early help (RC9).",
        (("closure_date", True),),
    ),
    "dq_rejected_rows": _spec(
        ("load_id", "file_name", "loaded_at", "row_number", "column", "value", "reason", "rows"),
        "Rows rejected by the loads of this extract kind in the period, with the reason "
        "(a file rejected whole is one line; 'Rows' says how many rows it rejected).",
        (("loaded_at", False), ("load_id", False)),
        ids=("load_id", "row_number"),
    ),
    "dq_recording_lag_5wd": _spec(
        _cols(_STORED, ("recorded_date", "working_days"), GROUPS, IN),
        "Stored records of this kind in the period with a recorded date; 'In numerator' "
        "marks those entered more than 5 working days after the event.",
        _LONGEST,
        ids=("record_id",),
    ),
    "dq_completeness": _spec(
        _cols(_STORED, GROUPS, IN),
        "Stored records of this kind in the period; 'In numerator' marks those where this "
        "field is filled in.",
        (("event_date", True),),
        ids=("record_id",),
    ),
}

RECORD_COLUMNS: dict[str, list[str]] = {kpi: list(spec.columns) for kpi, spec in RECORD_SPECS.items()}
