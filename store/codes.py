"""Code lists from ``shared/spec/extracts.md``, declared once as data.

Each list maps the bare code to its meaning. Annex A style labels
(``q) 6: Police``, ``a) Neglect``) are resolved to the bare code by the
loaders using these tables; the ``LABEL_ALIASES`` below add the label spellings
that are not simply the code itself.

Example::

    >>> REFERRAL_SOURCE_AGENCY["3B"]
    'Health'
    >>> EH_LEAD_AGENCY_LABELS["school"]
    'Schools & education'
"""

from __future__ import annotations

# CIN census ReferralSource code -> meaning.
REFERRAL_SOURCES: dict[str, str] = {
    "1A": "Individual: family member/relative/carer",
    "1B": "Individual: acquaintance (including neighbours and child minders)",
    "1C": "Individual: self",
    "1D": "Individual: other",
    "2A": "Schools",
    "2B": "Education services",
    "3A": "Health services: GP",
    "3B": "Health services: health visitor",
    "3C": "Health services: school nurse",
    "3D": "Health services: other primary health services",
    "3E": "Health services: A&E",
    "3F": "Health services: other",
    "4": "Housing",
    "5A": "LA services: social care",
    "5B": "LA services: other internal",
    "5C": "LA services: external",
    "5D": "LA services: early help",
    "6": "Police",
    "7": "Other legal agency",
    "8": "Other",
    "9": "Anonymous",
    "10": "Unknown",
}

# Referral source -> the partner agency it rolls up to in the multi-agency views.
REFERRAL_SOURCE_AGENCY: dict[str, str] = {
    **{c: "Individuals" for c in ("1A", "1B", "1C", "1D")},
    "2A": "Schools & education",
    "2B": "Schools & education",
    **{c: "Health" for c in ("3A", "3B", "3C", "3D", "3E", "3F")},
    "4": "Housing",
    **{c: "Local authority" for c in ("5A", "5B", "5C")},
    "5D": "Early help",
    "6": "Police",
    "7": "Legal agencies",
    "8": "Other",
    "9": "Unknown",
    "10": "Unknown",
}

CONTACT_OUTCOMES: dict[str, str] = {
    "referral": "Became a referral to children's social care",
    "early_help": "Early help",
    "advice": "Information and advice only",
    "nfa": "No further action",
    "open_case": "Child already open to social care",
    "pending": "No decision yet",
}

PRIMARY_NEEDS: dict[str, str] = {
    "N0": "Not stated",
    "N1": "Abuse or neglect",
    "N2": "Child's disability",
    "N3": "Parental disability or illness",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
    "N9": "Cases other than children in need",
}

CLOSURE_REASONS: dict[str, str] = {
    "RC1": "Adopted",
    "RC2": "Died",
    "RC3": "Child arrangements order",
    "RC4": "Special guardianship order",
    "RC5": "Transferred to another LA",
    "RC6": "Transferred to adult social care",
    "RC7": "Services ceased for any other reason",
    "RC8": "Closed after assessment, no further action",
    "RC9": "Closed after assessment, referred to early help",
}

CP_CATEGORIES: dict[str, str] = {
    "NEG": "Neglect",
    "PHY": "Physical abuse",
    "SAB": "Sexual abuse",
    "EMO": "Emotional abuse",
    "MUL": "Multiple",
}


def _factor_codes() -> dict[str, str]:
    codes: list[str] = []
    for n in range(1, 7):
        codes += [f"{n}A", f"{n}B", f"{n}C"]
    codes += ["7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A", "11A", "12A", "13A", "14A"]
    codes += ["15A", "16A", "17A", "18A", "18B", "18C", "19A", "19B", "19C", "20", "21"]
    codes += ["22A", "23A", "24A"]
    return {c: c for c in codes}


# CIN census assessment factors; 18A and 19A are retired but still accepted.
ASSESSMENT_FACTORS: dict[str, str] = _factor_codes()

EH_LEAD_AGENCY_LABELS: dict[str, str] = {
    "early_help_service": "Early help",
    "school": "Schools & education",
    "health": "Health",
    "police": "Police",
    "housing": "Housing",
    "voluntary": "Voluntary & community",
    "other": "Other",
}

EH_CLOSURE_REASONS: dict[str, str] = {
    "outcomes_achieved": "Outcomes achieved",
    "stepped_up": "Stepped up to children's social care",
    "declined": "Family withdrew consent or disengaged",
    "moved_away": "Moved away",
    "other": "Other",
}

# Workforce roles (extracts.md, workforce): every role but ``other`` is a social worker.
WORKER_ROLES: dict[str, str] = {
    "sw": "Case-holding social worker",
    "senior_sw": "Senior social worker",
    "team_manager": "Team manager",
    "service_manager": "Service manager",
    "iro": "Independent reviewing officer / conference chair",
    "other": "Not a registered social worker",
}

AUDIT_GRADES: dict[str, str] = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}

# The agencies of the multi-agency views: children's social care and the early help lead
# agencies. Audits' auditor_agency and partner measures' owner use these codes.
AGENCY_LABELS: dict[str, str] = {"social_care": "Children's social care", **EH_LEAD_AGENCY_LABELS}

CODE_LISTS: dict[str, dict[str, str]] = {
    "referral_source": REFERRAL_SOURCES,
    "contact_outcome": CONTACT_OUTCOMES,
    "primary_need": PRIMARY_NEEDS,
    "closure_reason": CLOSURE_REASONS,
    "cp_category": CP_CATEGORIES,
    "assessment_factor": ASSESSMENT_FACTORS,
    "eh_lead_agency": EH_LEAD_AGENCY_LABELS,
    "eh_closure_reason": EH_CLOSURE_REASONS,
    "worker_role": WORKER_ROLES,
    "audit_grade": AUDIT_GRADES,
    "agency": AGENCY_LABELS,
}

# Label spellings, beyond the meanings above, that real extracts use for a code.
# Keys are normalised: lower case, with spaces, hyphens and underscores as "_".
LABEL_ALIASES: dict[str, dict[str, str]] = {
    "cp_category": {
        "neglect": "NEG",
        "physical": "PHY",
        "physical_abuse": "PHY",
        "sexual": "SAB",
        "sexual_abuse": "SAB",
        "emotional": "EMO",
        "emotional_abuse": "EMO",
        "multiple": "MUL",
        "multiple/not_recommended": "MUL",
        "not_recommended": "MUL",
    },
    "eh_lead_agency": {
        "early_help": "early_help_service",
        "schools": "school",
        "schools_&_education": "school",
        "education": "school",
        "voluntary_&_community": "voluntary",
    },
    "audit_grade": {"1": "outstanding", "2": "good", "3": "requires_improvement", "4": "inadequate"},
    "agency": {
        "childrens_social_care": "social_care",
        "children's_social_care": "social_care",
        "early_help": "early_help_service",
        "schools": "school",
        "schools_&_education": "school",
        "education": "school",
        "voluntary_&_community": "voluntary",
    },
    "worker_role": {"social_worker": "sw", "senior_social_worker": "senior_sw"},
    "contact_outcome": {
        "information_and_advice": "advice",
        "no_further_action": "nfa",
    },
}
