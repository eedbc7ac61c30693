"""Rates, mixes and timings of the synthetic data, in one place.

Rates are per 10,000 children aged 0-17 per year, set near England's published
figures (DfE "Characteristics of children in need"); mixes are relative weights,
normalised where they are used. Every code of every code list in
``store.codes`` has a weight above zero, so every code occurs in a large enough
file. The flow model that uses these numbers is described in
``synthetic/simulate.py``.

Example::

    >>> round(sum(REFERRAL_SOURCE_WEIGHTS.values()))
    90
    >>> set(CP_CATEGORY_WEIGHTS) == {"NEG", "PHY", "SAB", "EMO", "MUL"}
    True
"""

from __future__ import annotations

# --- Volumes (per 10,000 children per year) -------------------------------------------
# First referrals of a chain; re-referrals (CHAIN_CONTINUE) and same-day duplicates
# come on top: 323 / (1 - 0.42) is about 560, less the chains cut short by age 18.
FIRST_REFERRAL_RATE = 323.0
# Contacts that did not become a referral (the referral contacts come from referrals).
OTHER_CONTACT_RATE = 1750.0
# Contacts about a child whose case is already open (outcome open_case).
OPEN_CASE_CONTACT_RATE = 190.0
# Early help episodes started directly by a partner (a school-led TAF, a health visitor).
DIRECT_EH_RATE = 18.0

# --- Referral chains ------------------------------------------------------------------
# Probability that a closed episode is followed by another referral of the same child.
CHAIN_CONTINUE = 0.42
# Share of those next referrals that come soon (days after closure ~ 7 + gamma), the rest
# come after a year or more.
CHAIN_SOON = 0.68
CHAIN_SOON_GAMMA = (1.2, 95.0)
CHAIN_LATE_MEAN_DAYS = 420.0
# Same-day duplicate referrals (same child, same date, a second referral_id).
DUPLICATE_REFERRAL = 0.006
# Forced awkward cases: next referral exactly 12 months after the previous, or a day later.
BOUNDARY_REREFERRAL = 0.006

# --- Front door -----------------------------------------------------------------------
REFERRAL_WITH_CONTACT = 0.95
# Referrals with a second contact about the same concern (another agency, same days).
SECOND_CONTACT = 0.08
# Working days from contact to the referral decision (0 = same day).
CONTACT_TO_REFERRAL_WD = {0: 0.72, 1: 0.20, 2: 0.05, 3: 0.03}
# Outcomes of the contacts that did not become a referral (open_case ones are separate).
OTHER_CONTACT_OUTCOMES = {"early_help": 0.13, "advice": 0.40, "nfa": 0.47}
# Working days from contact to decision for those.
CONTACT_DECISION_WD = {0: 0.55, 1: 0.30, 2: 0.06, 3: 0.04, 5: 0.025, 8: 0.015, 12: 0.01}
# Share of other contacts that repeat an earlier contact's child (days later ~ gamma).
REPEAT_CONTACT = 0.30
REPEAT_CONTACT_GAMMA = (1.1, 120.0)
CONTACT_DECISION_BLANK = 0.015
# Contacts with no decision for a long time (pending though not recent).
STALE_PENDING = 0.002
# Early help outcome of a contact that leads to an episode.
CONTACT_EH_TAKEN_UP = 0.50

# --- Referrals ------------------------------------------------------------------------
REFERRAL_NFA = 0.07
ASSESSED_IF_NOT_NFA = 0.97
STEPPED_UP_REFERRAL = 0.05  # referral preceded by an early help episode stepped up
ASSESSMENT_START_WD = {0: 0.42, 1: 0.18, 2: 0.12, 3: 0.08, 5: 0.10, 8: 0.06, 12: 0.03, 18: 0.01}
PRIMARY_NEED_IN_NEED = {
    "N1": 56.0,
    "N2": 7.0,
    "N3": 3.5,
    "N4": 11.0,
    "N5": 14.0,
    "N6": 2.0,
    "N7": 0.5,
    "N8": 4.0,
    "N0": 2.0,
}
PRIMARY_NEED_NOT_IN_NEED = {"N9": 40.0, "N0": 25.0, "N4": 15.0, "N5": 12.0, "N1": 8.0}
PRIMARY_NEED_BLANK = 0.02
CLOSURE_NFA = {"RC8": 0.85, "RC7": 0.10, "RC9": 0.05}
CLOSURE_NOT_IN_NEED = {"RC8": 0.62, "RC9": 0.38}
CLOSURE_IN_NEED = {
    "RC7": 0.60,
    "RC9": 0.16,
    "RC5": 0.08,
    "RC3": 0.05,
    "RC4": 0.04,
    "RC6": 0.03,
    "RC1": 0.025,
    "RC2": 0.015,
}
CLOSURE_RC9_TO_EH = 0.70

# --- Assessments ----------------------------------------------------------------------
# Working days start -> authorisation: a quick share, a body up to 45 peaking in the
# high 30s (teams finish near the deadline), and a late tail past 45.
ASSESSMENT_QUICK = 0.12
ASSESSMENT_LATE = 0.15
ASSESSMENT_BODY_TRIANGLE = (14.0, 37.0, 46.0)
ASSESSMENT_LATE_MEAN = 14.0
FORCED_ASSESSMENT_WD = 0.002  # share forced to exactly 45 and to exactly 46 working days
IN_NEED = 0.58
CHILD_SEEN = {"true": 0.965, "false": 0.012, "": 0.023}
FACTOR_COUNT_IN_NEED = {1: 0.25, 2: 0.35, 3: 0.25, 4: 0.15}
FACTOR_COUNT_NOT_IN_NEED = {0: 0.35, 1: 0.40, 2: 0.25}
FACTOR_SEMICOLON = 0.05
# Assessment factors: domestic abuse (3x) and mental health (4x) lead, as in England.
FACTOR_WEIGHTS = {
    "1A": 2.0,
    "1B": 2.5,
    "1C": 1.0,
    "2A": 1.5,
    "2B": 2.5,
    "2C": 1.0,
    "3A": 14.0,
    "3B": 9.0,
    "3C": 5.0,
    "4A": 16.0,
    "4B": 8.0,
    "4C": 6.0,
    "5A": 3.0,
    "5B": 2.0,
    "5C": 1.5,
    "6A": 2.0,
    "6B": 1.0,
    "6C": 1.0,
    "7A": 1.0,
    "8B": 3.0,
    "8C": 1.5,
    "8D": 1.0,
    "8E": 0.6,
    "8F": 0.8,
    "9A": 1.0,
    "10A": 1.5,
    "11A": 2.0,
    "12A": 1.2,
    "13A": 1.0,
    "14A": 1.5,
    "15A": 2.0,
    "16A": 2.0,
    "17A": 1.5,
    "18A": 0.3,
    "18B": 3.0,
    "18C": 2.5,
    "19A": 0.3,
    "19B": 2.0,
    "19C": 1.5,
    "20": 1.0,
    "21": 8.0,
    "22A": 3.0,
    "23A": 0.8,
    "24A": 1.5,
}
REASSESSMENT_IN_CIN = 0.06

# --- Section 47 and conferences -------------------------------------------------------
S47_POLICE = 0.50
S47_OTHER = 0.30
S47_IN_CIN = 0.08
ICPC = 0.34
ICPC_TO_PLAN = 0.80
ICPC_WITHIN_15 = 0.76
ICPC_OUTCOME_BLANK = 0.02
ICPC_NOT_REQUIRED_BLANK = 0.03

# --- Child protection plans -----------------------------------------------------------
# Number of review conferences held before the plan ends (the plan usually ends at the
# last of them); about 10 months on average, a few % lasting 2 years or more.
PLAN_REVIEWS = {0: 0.13, 1: 0.28, 2: 0.28, 3: 0.17, 4: 0.09, 5: 0.035, 6: 0.01, 7: 0.005}
PLAN_ENDS_AT_REVIEW = 0.80
REVIEW_TIMING = {"early": 0.75, "on_due": 0.17, "late": 0.08}
FORCED_TWO_YEAR_PLAN = 0.004
CP_CATEGORY_WEIGHTS = {"NEG": 50.0, "EMO": 36.0, "PHY": 7.0, "SAB": 4.0, "MUL": 3.0}
LATEST_CATEGORY_CHANGES = 0.10
LATEST_CATEGORY_BLANK = 0.03
PREVIOUS_PLANS_HISTORY = {0: 0.80, 1: 0.14, 2: 0.04, 3: 0.02}
PREVIOUS_PLANS_BLANK = 0.35
STEP_DOWN_TO_CIN = 0.50
REVIEW_PLAN_ID_BLANK = 0.05
# Statutory visits: working days between visits (10 is the standard).
VISIT_GAP_WD = {
    5: 0.05,
    6: 0.08,
    7: 0.12,
    8: 0.15,
    9: 0.18,
    10: 0.20,
    11: 0.05,
    12: 0.04,
    13: 0.03,
    14: 0.03,
    15: 0.02,
    17: 0.03,
    20: 0.02,
}
VISIT_CHILD_SEEN = {"true": 0.95, "false": 0.04, "": 0.01}
VISIT_SEEN_ALONE = {"true": 0.55, "false": 0.35, "": 0.10}

# --- Child in need plans --------------------------------------------------------------
CIN_PLAN_IF_IN_NEED = 0.58
CIN_MEDIAN_DAYS = 130.0
CIN_SIGMA = 0.6
STEP_DOWN_MEDIAN_DAYS = 110.0

# --- Early help -----------------------------------------------------------------------
EH_MEDIAN_DAYS = 150.0
EH_SIGMA = 0.55
EH_REPEAT = 0.13
EH_REPEAT_SOON = 0.68
EH_FORCED_12M = 0.05
EH_CLOSURE_FORWARD = {"outcomes_achieved": 0.62, "declined": 0.18, "moved_away": 0.07, "other": 0.13}
EH_CLOSURE_BLANK = 0.02
EH_LEAD_FROM_FRONT_DOOR = {
    "early_help_service": 0.55,
    "school": 0.20,
    "health": 0.10,
    "police": 0.02,
    "housing": 0.03,
    "voluntary": 0.06,
    "other": 0.04,
}
EH_LEAD_DIRECT = {
    "school": 0.45,
    "health": 0.25,
    "voluntary": 0.12,
    "early_help_service": 0.08,
    "housing": 0.04,
    "police": 0.02,
    "other": 0.04,
}
EH_SCORE_START = (24.0, 6.0)
EH_SCORE_GAIN = {
    "outcomes_achieved": (9.0, 4.0),
    "stepped_up": (-2.0, 4.0),
    "declined": (1.0, 3.0),
    "moved_away": (1.0, 3.0),
    "other": (2.0, 4.0),
    "": (2.0, 4.0),
}
EH_SCORE_RANGE = (5, 50)
EH_SCORE_START_BLANK = 0.08
EH_SCORE_END_BLANK = 0.15
EH_ASSESSMENT_BLANK = 0.12

# --- Source of contacts and referrals (CIN census ReferralSource) ----------------------
# Police about 30 %, schools about 20 %, health about 15 %, as in England.
REFERRAL_SOURCE_WEIGHTS = {
    "1A": 4.0,
    "1B": 0.8,
    "1C": 1.0,
    "1D": 1.2,
    "2A": 18.0,
    "2B": 2.0,
    "3A": 2.0,
    "3B": 2.5,
    "3C": 0.8,
    "3D": 1.5,
    "3E": 3.0,
    "3F": 5.2,
    "4": 1.5,
    "5A": 4.0,
    "5B": 2.5,
    "5C": 1.5,
    "5D": 1.0,
    "6": 28.0,
    "7": 2.0,
    "8": 6.0,
    "9": 0.5,
    "10": 1.0,
}

# --- Common columns -------------------------------------------------------------------
# Working days from the event to the record being entered; 6+ is "late" (> 5).
RECORDING_LAG_WD = {
    0: 0.45,
    1: 0.25,
    2: 0.10,
    3: 0.07,
    4: 0.04,
    5: 0.03,
    7: 0.025,
    10: 0.015,
    15: 0.01,
    30: 0.01,
}
RECORDED_DATE_BLANK = 0.03
DOB_BLANK = 0.02
SEX = {"Male": 0.51, "Female": 0.485, "Unknown": 0.005}
SEX_BLANK = 0.01
# DfE ethnicity codes, weighted roughly as children in need in England.
ETHNICITY = {
    "WBRI": 66.0,
    "WIRI": 0.3,
    "WIRT": 0.3,
    "WOTH": 5.0,
    "WROM": 0.4,
    "MWBC": 2.0,
    "MWBA": 1.0,
    "MWAS": 1.0,
    "MOTH": 2.5,
    "AIND": 2.0,
    "APKN": 4.0,
    "ABAN": 1.5,
    "AOTH": 1.5,
    "BCRB": 1.0,
    "BAFR": 3.5,
    "BOTH": 0.8,
    "CHNE": 0.3,
    "OOTH": 2.0,
    "REFU": 0.6,
    "NOBT": 1.5,
}
ETHNICITY_BLANK = 0.04
TEAM_AND_LOCALITY_BLANK = 0.02
TEAM_ONLY_BLANK = 0.015
BABY_SHARE = 0.08  # events about a child under 1 (the rest uniform over ages 0-17)

# Localities and team kinds used to name an LA's structure.
LOCALITY_NAMES = ("North", "South", "East", "West", "Central", "Riverside", "Valley", "Coast")
TEAM_KINDS = ("Assessment", "Safeguarding", "Family Support", "Children in Need")

# Day-of-week and month weights of front-door activity (Monday first, January first).
WEEKDAY_WEIGHTS = (1.05, 1.05, 1.0, 1.0, 0.95, 0.28, 0.22)
MONTH_WEIGHTS = (1.0, 1.02, 1.05, 0.95, 1.02, 1.05, 1.0, 0.78, 1.0, 1.1, 1.1, 0.88)
BANK_HOLIDAY_WEIGHT = 0.25

# The years simulated before ``start`` so that referral chains, plans and episodes are
# in a steady state on the first day (re-referral chains take several years to build
# up). Contacts and direct early help starts need less: they feed episodes that last
# months. Of what started before ``start`` only what is still open then is written,
# and nothing that started more than WRITTEN_HISTORY_YEARS before it.
WARM_UP_YEARS = 6
FRONT_DOOR_WARM_UP_YEARS = 2
WRITTEN_HISTORY_YEARS = 4
