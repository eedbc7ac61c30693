"""The local authorities of England, from the reference table ``store/data/local_authorities.csv``.

Its source is named in ``store/data/README.md`` (mySociety's "UK Local Authority Names
and Codes", with the DfE numbers of the nine authorities created since 2019). An LA is
stored under its DfE three-digit number; the ONS code maps to the same LA, so ``394``
and ``E08000024`` are one LA.

Example::

    >>> la_number("E08000024"), la_number(" 394 "), la_number("399")
    ('394', '394', None)
    >>> la_name("394"), la_name("399")
    ('Sunderland', 'LA 399')
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field


class LocalAuthority(BaseModel):
    """One row of the reference table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    la_number: str = Field(pattern=r"^\d{3}$")
    ons_code: str = Field(pattern=r"^E\d{8}$")
    name: str
    region: str
    type: str
    source: str


@cache
def local_authorities() -> tuple[LocalAuthority, ...]:
    """Every LA of the reference table, validated once per process."""
    text = resources.files("store").joinpath("data", "local_authorities.csv").read_text("utf-8")
    return tuple(LocalAuthority.model_validate(row) for row in csv.DictReader(io.StringIO(text)))


@cache
def _by_code() -> dict[str, LocalAuthority]:
    out: dict[str, LocalAuthority] = {}
    for la in local_authorities():
        out[la.la_number] = la
        out[la.ons_code] = la
    return out


def find_la(code: str | None) -> LocalAuthority | None:
    """The LA a DfE number or an ONS code names (case and spaces ignored), or None."""
    if code is None:
        return None
    return _by_code().get(str(code).strip().upper())


def la_number(code: str | None) -> str | None:
    """The DfE number of the LA a code names, or None for a code of no English LA."""
    found = find_la(code)
    return found.la_number if found else None


def la_name(code: str | None) -> str:
    """The LA's name for a page ("Sunderland"), or "LA <code>" for a code not in the table."""
    found = find_la(code)
    if found is not None:
        return found.name
    return f"LA {code}" if code else "No LA"
