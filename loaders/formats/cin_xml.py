"""DfE Children in Need census XML (``Message/Children/Child/CINdetails/...``), mapped onto the kinds.

Each ``CINdetails`` is a referral; nested in it, each ``Assessments`` is an assessment,
each ``Section47`` an S47 enquiry, each ``ChildProtectionPlans`` a CP plan (its
``Reviews/CPPreviewDate`` are CP reviews) and each ``CINPlanDates`` a CIN plan. The
child's ``PersonBirthDate``, ``Sex`` (2024 on) or ``GenderCurrent`` (to 2023) and
``Ethnicity`` go on every record; the LA is the header's ``Header/Source/LEA``. The
element names of each record are declared in ``FIELDS``; elements are matched by local
name (namespaces ignored) and any case, and text between elements is ignored, so the
2021-2026 layouts all read. Values are left as written for the normal validation.

Ids are a keyed hash (``mapping.record_id``) of the kind, the child and the record's date:
the same record in next year's census, or in an Annex A workbook, gets the same id, so
a later file supersedes it. Links come from the nesting: the referral_id of an
assessment or S47 is its CINdetails' referral (when that referral loads; otherwise it
is left blank, for the spec's linking rule), and the plan_id of a review its plan.

Each record's location is its element path by position, like
``Child[3]/CINdetails[1]/Assessments[2]``: never the LAchildID, which is only ever
pseudonymised.

Example::

    >>> xml = (b"<Message><Header><Source><LEA>394</LEA></Source></Header><Children><Child>"
    ...        b"<ChildIdentifiers><LAchildID>X1</LAchildID></ChildIdentifiers><CINdetails>"
    ...        b"<CINreferralDate>2024-01-05</CINreferralDate><ReferralSource>6</ReferralSource>"
    ...        b"<ReferralNFA>0</ReferralNFA></CINdetails></Child></Children></Message>")
    >>> matches("cin.xml", xml, None)
    True
    >>> found = read("cin.xml", xml, ReadContext(key=b"k" * 32))
    >>> [(t.kind, t.n_rows) for t in found.tables][:2], found.tables[0].locations
    ([('referrals', 1), ('assessments', 0)], ['Child[1]/CINdetails[1]'])
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import pandas as pd
from defusedxml import DefusedXmlException

from loaders.formats import READERS, FormatRead, FormatReader, ReadContext
from loaders.formats.mapping import (
    ReferralIndex,
    canonical_table,
    ethnicity_code,
    key_dates,
    record_id,
    sex_label,
    valid_referrals,
)
from loaders.readers import FileRejectedError, RawTable
from store.extracts import EXTRACTS, KIND_ORDER

NAME = "cin_census"
TITLE = "DfE Children in Need census XML"

# Element (local name, compared in lower case) -> canonical column, per record.
FIELDS: dict[str, dict[str, str]] = {
    "child": {
        "personbirthdate": "date_of_birth",
        "sex": "sex",
        "gendercurrent": "sex",
        "ethnicity": "ethnicity",
    },
    "referrals": {
        "cinreferraldate": "referral_date",
        "referralsource": "referral_source",
        "primaryneedcode": "primary_need",
        "cinclosuredate": "closure_date",
        "reasonforclosure": "closure_reason",
        "referralnfa": "referral_nfa",
    },
    "assessments": {
        "assessmentactualstartdate": "start_date",
        "assessmentauthorisationdate": "authorisation_date",
    },
    "s47": {
        "s47actualstartdate": "strategy_date",
        "dateofinitialcpc": "icpc_date",
        "icpcnotrequired": "icpc_not_required",
    },
    "cp_plans": {
        "cppstartdate": "start_date",
        "cppenddate": "end_date",
        "initialcategoryofabuse": "initial_category",
        "latestcategoryofabuse": "latest_category",
        "numberofpreviouscpp": "previous_plans",
    },
    "cin_plans": {
        "cinplanstartdate": "start_date",
        "cinplanenddate": "end_date",
    },
    "cp_reviews": {"cppreviewdate": "review_date"},
}

# The element each nested record is, inside CINdetails (local name, matched in any case).
NESTED: dict[str, str] = {
    "assessments": "Assessments",
    "s47": "Section47",
    "cp_plans": "ChildProtectionPlans",
    "cin_plans": "CINPlanDates",
}

# Per kind: the id column, the prefix of derived ids and the date the id is derived from.
IDS: dict[str, tuple[str, str, str]] = {
    "referrals": ("referral_id", "REF", "referral_date"),
    "assessments": ("assessment_id", "ASM", "start_date"),
    "s47": ("s47_id", "S47", "strategy_date"),
    "cp_plans": ("plan_id", "CPP", "start_date"),
    "cp_reviews": ("review_id", "CPR", "review_date"),
    "cin_plans": ("cin_plan_id", "CIN", "start_date"),
}

_PROLOG = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.DOTALL)
_FIRST_TAG = re.compile(rb"<\s*(?:[\w.\-]+:)?([\w.\-]+)")
_CHILDREN_TAG = re.compile(rb"<\s*(?:[\w.\-]+:)?Child(?:ren)?[\s/>]")


@cache
def local(tag: object) -> str:
    """An element's name without its namespace: ``{urn:x}Child`` -> ``Child``."""
    return str(tag).rsplit("}", 1)[-1]


@cache
def _lower(tag: object) -> str:
    return local(tag).lower()


def _named(parent: Element, name: str) -> Iterator[Element]:
    """The direct children of ``parent`` with this local name (any case)."""
    wanted = name.lower()
    return (el for el in parent if _lower(el.tag) == wanted)


def _text(el: Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    text = el.text.strip()
    return text or None


def matches(name: str, content: bytes, sheets: list[str] | None) -> bool:
    """XML whose root element is ``Message`` and that has ``Children``/``Child`` elements."""
    if sheets is not None:
        return False
    head = _PROLOG.sub(b"", content[: 1 << 20].lstrip(b"\xef\xbb\xbf \t\r\n"))
    first = _FIRST_TAG.search(head)
    return first is not None and first[1] == b"Message" and _CHILDREN_TAG.search(head) is not None


@dataclass
class _Records:
    """The records of one kind as read: columns of text, and where each came from."""

    kind: str
    rows: list[dict[str, str | None]] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    parents: list[int | None] = field(default_factory=list)  # the referral each is nested in

    def add(self, row: dict[str, str | None], location: str, parent: int | None = None) -> None:
        self.rows.append(row)
        self.locations.append(location)
        self.parents.append(parent)


def _fields(el: Element, kind: str) -> dict[str, str | None]:
    """The record's own values: the direct children of ``el`` named in ``FIELDS[kind]``."""
    names = FIELDS[kind]
    out: dict[str, str | None] = {}
    for child in el:
        column = names.get(_lower(child.tag))
        if column is not None and column not in out:
            out[column] = _text(child)
    return out


def _child_fields(child: Element) -> tuple[str | None, dict[str, str | None]]:
    """The child's LAchildID and the values every record of the child carries."""
    sections = [child, *(el for el in child if _lower(el.tag) != "cindetails")]
    values: dict[str, str | None] = {}
    child_id: str | None = None
    for section in sections:
        for el in section:
            name = _lower(el.tag)
            if name == "lachildid" and child_id is None:
                child_id = _text(el)
            column = FIELDS["child"].get(name)
            if column is not None and values.get(column) is None:
                values[column] = _text(el)
    values["sex"] = sex_label(values.get("sex"))
    values["ethnicity"] = ethnicity_code(values.get("ethnicity"))
    return child_id, values


def _factors(assessment: Element) -> str | None:
    """The assessment's factor codes, joined with ``,``."""
    codes = [_text(el) for el in assessment.iter() if _lower(el.tag) == "assessmentfactors"]
    return ",".join(c for c in codes if c) or None


def _read_child(child: Element, position: int, records: dict[str, _Records]) -> None:
    child_id, common = _child_fields(child)
    base = {"child_id": child_id, **common}
    for j, details in enumerate(_named(child, "CINdetails"), start=1):
        where = f"Child[{position}]/CINdetails[{j}]"
        referrals = records["referrals"]
        parent = len(referrals.rows)
        referrals.add({**base, **_fields(details, "referrals")}, where)
        for kind, element in NESTED.items():
            for k, el in enumerate(_named(details, element), start=1):
                row = {**base, **_fields(el, kind)}
                if kind == "assessments":
                    row["factors"] = _factors(el)
                records[kind].add(row, f"{where}/{element}[{k}]", parent)
                if kind == "cp_plans":
                    _read_reviews(el, f"{where}/{element}[{k}]", base, len(records[kind].rows) - 1, records)


def _read_reviews(
    plan: Element, where: str, base: dict[str, str | None], plan_row: int, records: dict[str, _Records]
) -> None:
    for r, reviews in enumerate(_named(plan, "Reviews"), start=1):
        for d, el in enumerate(_named(reviews, "CPPreviewDate"), start=1):
            records["cp_reviews"].add(
                {**base, "review_date": _text(el)}, f"{where}/Reviews[{r}]/CPPreviewDate[{d}]", plan_row
            )


def _parse(name: str, content: bytes) -> Element:
    try:
        root = SafeET.fromstring(content)
    except DefusedXmlException:
        raise FileRejectedError(
            f"{name}: the file uses XML entities or a DTD, which are refused for safety: "
            "export the census file again",
            code="bad_xml",
        ) from None
    except ParseError as exc:
        raise FileRejectedError(
            f"{name}: not well-formed XML ({exc}): export the census file again", code="bad_xml"
        ) from None
    return root


def _header_la(root: Element) -> str | None:
    for header in _named(root, "Header"):
        for source in _named(header, "Source"):
            for lea in _named(source, "LEA"):
                return _text(lea)
    return None


def _tables(name: str, records: dict[str, _Records], la: str | None, ctx: ReadContext) -> list[RawTable]:
    """Canonical tables from the records: ids derived, LA added, links from nesting."""
    ids = {kind: _ids(kind, recs, ctx.key) for kind, recs in records.items()}
    referrals = _table(name, records["referrals"], ids["referrals"], la)
    loadable = _loadable_referrals(referrals, records["referrals"], la, ctx)
    tables = [referrals]
    for kind in ("assessments", "s47", "cp_plans", "cin_plans", "cp_reviews"):
        recs = records[kind]
        if kind in ("assessments", "s47"):
            for row, parent in zip(recs.rows, recs.parents, strict=True):
                link = ids["referrals"][parent] if parent is not None else None
                row["referral_id"] = link if link in loadable else None
        if kind == "cp_reviews":
            for row, parent in zip(recs.rows, recs.parents, strict=True):
                row["plan_id"] = ids["cp_plans"][parent] if parent is not None else None
        tables.append(_table(name, recs, ids[kind], la))
    tables.sort(key=lambda t: KIND_ORDER.index(str(t.kind)))
    return tables


def _ids(kind: str, recs: _Records, key: bytes) -> list[str]:
    _column, prefix, date_column = IDS[kind]
    dates = key_dates(pd.Series([r.get(date_column) for r in recs.rows], dtype="str"), excel_serials=False)
    return [record_id(prefix, key, r.get("child_id"), d) for r, d in zip(recs.rows, dates, strict=True)]


def _loadable_referrals(table: RawTable, recs: _Records, la: str | None, ctx: ReadContext) -> set[str]:
    """The ids of the referrals that pass validation: links name only these."""
    dates = key_dates(
        pd.Series([r.get("referral_date") for r in recs.rows], dtype="str"), excel_serials=False
    )
    index: ReferralIndex = valid_referrals(
        table,
        children=[r.get("child_id") for r in recs.rows],
        dates=dates,
        las=[la or ctx.default_la or ""] * len(recs.rows),
        default_la=ctx.default_la,
        key=ctx.key,
    )
    return index.ids()


def _table(name: str, recs: _Records, ids: list[str], la: str | None) -> RawTable:
    """Every column of the kind (blank where the census has none); la_code only if the file has it."""
    id_column = IDS[recs.kind][0]
    columns: dict[str, list[str | None]] = {id_column: list(ids)}
    for column in EXTRACTS[recs.kind].all_columns:
        if column.name == "la_code":
            if la is not None:
                columns["la_code"] = [la] * len(recs.rows)
        elif column.name != id_column:
            columns[column.name] = [r.get(column.name) for r in recs.rows]
    return canonical_table(
        name,
        recs.kind,
        columns,
        range(1, len(recs.rows) + 1),
        locations=list(recs.locations),
    )


def read(name: str, content: bytes, ctx: ReadContext) -> FormatRead:
    """Read a CIN census file into one raw table per canonical kind."""
    root = _parse(name, content)
    if local(root.tag) != "Message":
        raise FileRejectedError(
            f"{name}: not a CIN census file: its root element is {local(root.tag)}, expected Message",
            code="unknown_kind",
        )
    la = _header_la(root)
    if la is None and ctx.default_la is None:
        raise FileRejectedError(
            f"{name}: the file has no LA number (Header/Source/LEA) and no default LA is set: "
            "give the LA (scorecard load --la 394, or the LA option when uploading) and load it again",
            code="no_la_code",
        )
    records = {k: _Records(k) for k in ("referrals", *NESTED, "cp_reviews")}
    children = [c for section in _named(root, "Children") for c in _named(section, "Child")]
    for position, child in enumerate(children, start=1):
        _read_child(child, position, records)
    notes = [] if children else ["no Child records in the file"]
    return FormatRead(format=NAME, tables=_tables(name, records, la, ctx), notes=notes)


READER = FormatReader(name=NAME, title=TITLE, matches=matches, read=read)

if not any(r.name == NAME for r in READERS):
    READERS.append(READER)
