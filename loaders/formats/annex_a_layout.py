"""The Ofsted ILACS Annex A layout, declared as data: lists, header spellings, lead agencies.

``LISTS`` says what each list loads as and how each field's header may be spelled (the
spellings differ between Annex A versions and between local authorities: they are
compared ignoring case, punctuation, apostrophes and a bracketed part, so
``Referral NFA?`` = ``referral nfa`` = ``Referral NFA (Y/N)``). To accept a new
spelling, add it here.

``LEAD_AGENCY_WORDS`` maps the text of List 2's "Organisation completing assessment"
onto the early help lead agency: the first entry with a matching word wins, a text
matching none (or a blank organisation) is ``other``.

Example::

    >>> LISTS[3].kind, LISTS[3].fields["referral_nfa"][0]
    ('referrals', 'Referral NFA?')
    >>> [a for a, _ in LEAD_AGENCY_WORDS][:2]
    ['early_help_service', 'health']
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ListSpec:
    """One Annex A list: the kind it loads as, and the header spellings of each field.

    A field is a canonical column of the kind, a common column, or one of the fields
    used to derive something (``organisation``, ``visit_date``, ``seen_alone``,
    ``review_date``). ``required`` fields must have a column on the sheet.
    """

    number: int
    title: str
    kind: str | None
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    required: tuple[str, ...] = ()


# Fields on every list 1-7. The first spelling of each field is the one Annex A uses (it is
# named in messages); spellings are compared with ``annex_a.header_key``.
COMMON_FIELDS: dict[str, tuple[str, ...]] = {
    "child_id": (
        "Child Unique ID",
        "child unique identifier",
        "child id",
        "unique id",
        "unique child id",
        "child identifier",
        "la child id",
        "person id",
    ),
    "la_code": ("LA Code", "la number", "local authority code"),
    "team": ("Allocated Team", "team"),
    "date_of_birth": ("Date of Birth", "dob", "child date of birth", "birth date"),
    "sex": ("Gender", "sex"),
    "ethnicity": ("Ethnicity", "ethnic origin"),
}

LISTS: dict[int, ListSpec] = {
    1: ListSpec(
        1,
        "contacts",
        "contacts",
        {
            "contact_date": ("Date of Contact", "contact date"),
            "contact_source": ("Contact Source", "source of contact"),
        },
        ("child_id", "contact_date", "contact_source"),
    ),
    2: ListSpec(
        2,
        "early help",
        "early_help",
        {
            "start_date": (
                "Assessment start date",
                "early help assessment start date",
                "date of early help assessment start",
                "start date",
            ),
            "assessment_date": (
                "Assessment completion date",
                "early help assessment completion date",
                "assessment completed date",
                "date assessment completed",
            ),
            "organisation": (
                "Organisation completing assessment",
                "organisation completing the assessment",
                "organisation completing early help assessment",
                "agency completing assessment",
                "organisation",
                "lead organisation",
            ),
        },
        ("child_id", "start_date"),
    ),
    3: ListSpec(
        3,
        "referrals",
        "referrals",
        {
            "referral_date": ("Date of Referral", "referral date"),
            "referral_source": ("Referral Source", "source of referral"),
            "referral_nfa": ("Referral NFA?", "referral nfa y n", "nfa", "referral no further action"),
        },
        ("child_id", "referral_date", "referral_source", "referral_nfa"),
    ),
    4: ListSpec(
        4,
        "assessments",
        "assessments",
        {
            "start_date": (
                "Continuous Assessment Start Date",
                "assessment start date",
                "assessment actual start date",
                "single assessment start date",
            ),
            "child_seen": (
                "Child Seen During Continuous Assessment",
                "child seen during assessment",
                "was the child seen during the assessment",
                "child seen",
            ),
            "authorisation_date": (
                "Continuous Assessment Date of Authorisation",
                "assessment date of authorisation",
                "assessment authorisation date",
                "date of authorisation",
            ),
            "outcome_in_need": (
                "Was the child assessed as requiring LA children's social care support?",
                "was the child assessed as requiring childrens social care support",
                "was the child assessed as requiring la childrens services support",
                "assessed as requiring la childrens social care support",
            ),
        },
        ("child_id", "start_date"),
    ),
    5: ListSpec(
        5,
        "section 47 enquiries",
        "s47",
        {
            "strategy_date": (
                "Strategy discussion initiating Section 47 Enquiry Start Date",
                "strategy discussion initiating section 47 enquiry",
                "section 47 enquiry start date",
                "s47 enquiry start date",
                "date of strategy discussion",
            ),
            "icpc_not_required": (
                "Was an Initial Child Protection Conference deemed unnecessary?",
                "initial child protection conference deemed unnecessary",
                "icpc deemed unnecessary",
            ),
            "icpc_date": (
                "Date of Initial Child Protection Conference",
                "initial child protection conference date",
                "icpc date",
            ),
            "icpc_outcome_plan": (
                "Did the Initial Child Protection Conference Result in a Child Protection Plan",
                "did the icpc result in a child protection plan",
                "icpc resulted in a child protection plan",
            ),
        },
        ("child_id", "strategy_date"),
    ),
    6: ListSpec(
        6,
        "children in need",
        "cin_plans",
        {
            "start_date": ("CIN Start Date", "child in need start date", "cin plan start date"),
            "end_date": (
                "CIN Closure Date",
                "cin end date",
                "child in need closure date",
                "cin plan end date",
            ),
        },
        ("child_id", "start_date"),
    ),
    7: ListSpec(
        7,
        "child protection",
        "cp_plans",
        {
            "start_date": ("Child Protection Plan Start Date", "cp plan start date"),
            "initial_category": ("Initial Category of Abuse", "initial category"),
            "latest_category": ("Latest Category of Abuse", "latest category"),
            "end_date": ("Child Protection Plan End Date", "cp plan end date"),
            "previous_plans": (
                "Number of Previous Child Protection Plans",
                "number of previous cp plans",
                "previous child protection plans",
            ),
            "visit_date": (
                "Date of the Last Statutory Visit",
                "date of last statutory visit",
                "last statutory visit date",
                "date of the last statutory home visit",
            ),
            "seen_alone": ("Was the Child Seen Alone?", "child seen alone"),
            "review_date": (
                "Date of latest review conference",
                "date of the latest review conference",
                "date of last review conference",
                "latest review conference date",
            ),
        },
        ("child_id", "start_date", "initial_category"),
    ),
    8: ListSpec(8, "children looked after", None),
    9: ListSpec(9, "care leavers", None),
    10: ListSpec(10, "adoption", None),
    11: ListSpec(11, "adopters", None),
}

# Early help lead agency from the organisation's text (regular expressions matched as
# whole words in the lower-cased text): the first entry with a matching word wins, so
# "School Nursing Service" is health and "Early Help Schools Hub" early help.
LEAD_AGENCY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("early_help_service", (r"early help", r"family hubs?", r"family support")),
    (
        "health",
        (r"health", r"nhs", r"hospital", r"gp", r"surgery", r"midwi\w*", r"nurse", r"nursing", r"camhs"),
    ),
    ("police", (r"police", r"constabulary")),
    ("housing", (r"housing",)),
    (
        "school",
        (r"schools?", r"academy", r"academies", r"college", r"nursery", r"education", r"pupil referral"),
    ),
    (
        "voluntary",
        (
            r"voluntary",
            r"charity",
            r"charities",
            r"charitable",
            r"third sector",
            r"vcse?",
            r"barnardos",
            r"nspcc",
        ),
    ),
)
