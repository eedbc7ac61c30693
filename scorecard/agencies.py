"""The partnership's agencies: what a partner account's agency means, its own rows, its kinds.

Declared once as data in ``scorecard/data/agencies.yaml`` and validated here (pydantic,
``extra="forbid"``): every group must be a label of the breakdowns by agency
(``store.codes``: the source-agency roll-up, the early help lead agencies and the
audits' agency labels, where the council is "Children's social care"), every kind
an extract kind (``store.extracts``) or one known to come (below).

Readings of ``shared/docs/SECURITY.md`` ("upload and load extracts: own agency's kinds")
against ``shared/spec/extracts.md`` (which extract comes from whom):

- **Children's social care** (the council) keeps the case system every child-level
  extract comes from, the front door's included (contacts are "received by the front
  door (MASH / customer service network)"), and the workforce and population data: it
  supplies **every kind**.
- **Early help** (the early help service) keeps the early help episodes, whichever
  agency leads one (``lead_agency`` is a column of its record): it supplies
  ``early_help``.
- **Health, police, schools** (and housing, voluntary): the only extract the spec
  describes as sent by a partner is ``partner_measures`` ("aggregate figures supplied
  by a partner (health, police, schools)"). A partner does not supply ``contacts``:
  a contact is the front door's record of what it received, identified by the front
  door's ``contact_id`` (a partner's own file would supersede the front door's rows by
  id, and its sources are not checked), so partners see their contacts through the
  records behind the front-door numbers, not by loading them.
- ``partner_measures`` rows carry their measure's ``owner``; the loader rejects, row by
  row, a measure owned by another agency than the partner named on the load
  (``loaders.partner_rules``; a partner's uploads name its agency), so every agency may
  upload the kind and sends only its own measures. :data:`KINDS_TO_COME` lists kinds
  declared here before their branch is merged (none now).

A partner account whose agency matches no declaration sees no rows as its own and may
upload nothing; ``scorecard users add`` refuses such an agency for a partner.

Example::

    >>> agencies = default_agencies()
    >>> agencies.find("police").code, agencies.find("Schools & Education").groups
    ('police', ('Schools & education',))
    >>> agencies.may_upload("Police", "contacts"), agencies.may_upload("Children's social care", "contacts")
    (False, True)
    >>> agencies.kinds_of("Health")
    ['partner_measures']
    >>> agencies.find("MASH") is None
    True
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from store.codes import AGENCY_LABELS, EH_LEAD_AGENCY_LABELS, REFERRAL_SOURCE_AGENCY
from store.extracts import EXTRACTS

EVERY_KIND = "*"
# Kinds declared in agencies.yaml before the branch adding them is merged (none now).
KINDS_TO_COME: frozenset[str] = frozenset()
GROUPS: frozenset[str] = (
    frozenset(REFERRAL_SOURCE_AGENCY.values())
    | frozenset(EH_LEAD_AGENCY_LABELS.values())
    | frozenset(AGENCY_LABELS.values())  # the audits by the lead auditor's agency
)


def normalise(text: str) -> str:
    """An agency name compared without case, spaces, hyphens or underscores.

    >>> normalise(" Schools & education "), normalise("early_help")
    ('schools&education', 'earlyhelp')
    """
    return re.sub(r"[\s_\-]+", "", text).lower()


class Agency(BaseModel):
    """One agency of the partnership."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1)
    names: tuple[str, ...] = Field(min_length=1)
    groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    @field_validator("code")
    @classmethod
    def _code_is_an_agency(cls, value: str) -> str:
        if value not in AGENCY_LABELS:
            raise ValueError(f"unknown agency code {value!r}: expected one of {', '.join(AGENCY_LABELS)}")
        return value

    @field_validator("groups")
    @classmethod
    def _groups_are_breakdown_labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [g for g in value if g not in GROUPS]
        if unknown:
            raise ValueError(f"unknown group {unknown[0]!r}: expected one of {', '.join(sorted(GROUPS))}")
        return value

    @field_validator("kinds")
    @classmethod
    def _kinds_exist(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = set(EXTRACTS) | KINDS_TO_COME | {EVERY_KIND}
        unknown = [k for k in value if k not in known]
        if unknown:
            raise ValueError(f"unknown kind {unknown[0]!r}: expected one of {', '.join(sorted(known))}")
        return value

    def supplies(self, kind: str) -> bool:
        return EVERY_KIND in self.kinds or kind in self.kinds

    def spellings(self) -> set[str]:
        return {normalise(t) for t in (self.code, *self.names)}


class Agencies(BaseModel):
    """Every agency; an agency's name, code or group finds it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agencies: tuple[Agency, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_are_unique(self) -> Agencies:
        seen: dict[str, str] = {}
        for agency in self.agencies:
            for spelling in agency.spellings():
                if seen.setdefault(spelling, agency.code) != agency.code:
                    raise ValueError(f"{spelling!r} names both {seen[spelling]} and {agency.code}")
        return self

    def find(self, name: str | None) -> Agency | None:
        """The agency a partner account's agency names, or None."""
        if not name or not name.strip():
            return None
        wanted = normalise(name)
        return next((a for a in self.agencies if wanted in a.spellings()), None)

    def groups_of(self, name: str | None) -> frozenset[str]:
        """The groups of the breakdowns by agency that are the named agency's own rows."""
        agency = self.find(name)
        return frozenset(agency.groups) if agency else frozenset()

    def may_upload(self, name: str | None, kind: str) -> bool:
        agency = self.find(name)
        return agency is not None and agency.supplies(kind)

    def kinds_of(self, name: str | None) -> list[str]:
        """The kinds the named agency supplies that exist on this install, in load order."""
        agency = self.find(name)
        return [k for k in EXTRACTS if agency is not None and agency.supplies(k)]


class AgenciesError(ValueError):
    """The agencies file is not valid: the message names the file and the field."""


def parse_agencies(text: str, source: str = "agencies.yaml") -> Agencies:
    """The declaration in ``text``, or an error naming the source and the problem.

    >>> parse_agencies("agencies:\\n  - code: police\\n    names: [Police]\\n    kinds: [letters]\\n")
    Traceback (most recent call last):
    ...
    scorecard.agencies.AgenciesError: agencies.yaml: agencies.0.kinds: Value error, unknown kind 'letters'...
    """
    try:
        return Agencies.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise AgenciesError(f"{source}: {problems}") from None


@cache
def default_agencies() -> Agencies:
    """The shipped declaration (``scorecard/data/agencies.yaml``)."""
    text = resources.files("scorecard").joinpath("data", "agencies.yaml").read_text("utf-8")
    return parse_agencies(text, "scorecard/data/agencies.yaml")
