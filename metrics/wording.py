"""The words users see for the data's own names: one wording table (data/wording.yaml).

Pages, messages, exports and notes never show a column or kind name such as
``decision_date`` or ``cp_plans``: they ask here. Readings taken:

- A column's words depend on its extract (``s47_id`` is "Enquiry", ``plan_id`` "Plan");
  the columns every extract shares are worded once, under ``common``.
- A code value is worded by its code list's meaning (store/codes.py), which is the
  wording the code lists already carry.
- Where the user must mend a file (a rejected row, an upload message) the file's own
  header is what they will search for, so it is quoted after the words:
  ``Decision date (decision_date)``; everywhere else only the words appear.
- Plurals agree with their number: ``plural(1, "episode")`` is "1 episode"; nouns whose
  plural is not noun + "s" are listed in the table.

Example::

    >>> column_words("contacts", "decision_date")
    'Decision date'
    >>> column_words("s47", "team"), column_words("s47", "s47_id")
    ('Team', 'Enquiry')
    >>> column_words("contacts", "decision_date", quoted=True)
    'Decision date (decision_date)'
    >>> kind_words("cp_plans"), kind_words("nonsense"), kind_in_text("s47")
    ('Child protection plans', 'nonsense', 'Section 47 enquiries')
    >>> code_words("contact_outcome", "early_help")
    'Early help'
    >>> plural(1, "episode"), plural(2, "episode"), plural(1_204, "child")
    ('1 episode', '2 episodes', '1,204 children')
    >>> plural(3, "child supported"), plural(2, "Section 47 enquiry")
    ('3 children supported', '2 Section 47 enquiries')
    >>> [(b.kind, b.column, b.when) for b in blank_by_design()][1:3]
    [('cin_plans', 'end_date', ()), ('early_help', 'end_date', ('closure_reason',))]
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from store.codes import CODE_LISTS
from store.extracts import COMMON_COLUMNS, EXTRACTS

COMMON = "common"
# A snake_case name standing alone: not in brackets already, not part of a file name or
# a longer name.
_COLUMN_NAME = re.compile(r"(?<![\w(.])[a-z][a-z0-9]*_[a-z0-9_]*(?![\w)]|\.\w)")


class BlankByDesign(BaseModel):
    """An optional column whose blank is meaningful (see the head of wording.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    column: str
    when: tuple[str, ...] = ()
    why: str


class Wording(BaseModel):
    """The wording table, checked against the extracts it words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, dict[str, str]]
    kinds: dict[str, str]
    records: dict[str, str]
    plurals: dict[str, str]
    blank_by_design: tuple[BlankByDesign, ...]

    @model_validator(mode="after")
    def _every_column_worded(self) -> Wording:
        shared = set(self.columns.get(COMMON, {}))
        unknown = sorted(set(self.columns) - set(EXTRACTS) - {COMMON})
        if unknown:
            raise ValueError(f"wording.yaml columns: unknown extract kinds {unknown}")
        for name, kind in EXTRACTS.items():
            own = set(self.columns.get(name, {}))
            names = {c.name for c in kind.all_columns}
            common = {c.name for c in COMMON_COLUMNS} if kind.has_common_columns else set()
            missing = sorted(names - own - (common & shared))
            extra = sorted(own - names)
            if missing or extra:
                raise ValueError(
                    f"wording.yaml columns.{name}: words missing for {missing}, not columns {extra}"
                )
        if set(self.kinds) != set(EXTRACTS):
            raise ValueError(f"wording.yaml kinds: words needed for exactly {sorted(EXTRACTS)}")
        for blank in self.blank_by_design:
            names = {c.name for c in EXTRACTS[blank.kind].all_columns} if blank.kind in EXTRACTS else set()
            for column in (blank.column, *blank.when):
                if column not in names:
                    raise ValueError(f"wording.yaml blank_by_design: {blank.kind} has no column {column!r}")
            if blank.column in EXTRACTS[blank.kind].required_columns:
                raise ValueError(f"wording.yaml blank_by_design: {blank.kind}.{blank.column} is required")
        return self


@cache
def wording() -> Wording:
    """The shipped wording table, validated once per process."""
    text = resources.files("metrics").joinpath("data", "wording.yaml").read_text("utf-8")
    # libyaml's loader where PyYAML has it (its wheels do): the pure-Python one took 0.1 s,
    # in every worker's first task (docs/performance.md, eleventh session).
    return Wording.model_validate(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def column_words(kind: str | None, column: str, quoted: bool = False) -> str:
    """A column's words in ``kind`` (else as a records column, else in another kind);
    unknown names come back as they are, so a file's stray header is still named."""
    table = wording()
    found = (
        table.columns.get(kind or "", {}).get(column)
        or table.columns[COMMON].get(column)
        or table.records.get(column)
    )
    if found is None:
        found = next((words[column] for words in table.columns.values() if column in words), None)
    if found is None:
        return column
    return f"{found} ({column})" if quoted else found


def name_columns(text: str, kind: str | None = None) -> str:
    """A message from the loaders with each column (or kind) name it quotes given its words first:
    the header stays, in brackets, for the user who must mend the file. Only names with
    an underscore are touched (``team`` or ``outcome`` read as words already); a name
    already in brackets, or part of a file name, is left alone.

    >>> name_columns("decision_date: '2024-13-01' is not a date", "contacts")
    "Decision date (decision_date): '2024-13-01' is not a date"
    >>> name_columns("missing required column referral_date; found: child_id in referrals_x.csv")
    'missing required column Referral date (referral_date); found: Child (child_id) in referrals_x.csv'
    """
    if not isinstance(text, str) or "_" not in text:
        return text

    def words(match: re.Match[str]) -> str:
        name = match.group(0)
        found = kind_words(name) if name in EXTRACTS else column_words(kind, name)
        return name if found == name else f"{found} ({name})"

    return _COLUMN_NAME.sub(words, text)


def kind_words(kind: str) -> str:
    """An extract kind's title ("Child protection plans")."""
    return EXTRACTS[kind].title if kind in EXTRACTS else str(kind)


def kind_in_text(kind: str) -> str:
    """An extract kind as running text names it ("early help episodes")."""
    return wording().kinds.get(kind, str(kind))


def code_words(code_list: str, code: str) -> str:
    """A code's meaning in its list; an unknown code comes back as it is."""
    return CODE_LISTS.get(code_list, {}).get(code, code)


def plural(n: float, noun: str, many: str | None = None) -> str:
    """ "1 episode", "3 episodes", "1,204 children": the number and the noun agreeing."""
    count = f"{n:,.0f}" if float(n).is_integer() else f"{n:,}"
    return f"{count} {noun if n == 1 else (many or plural_of(noun))}"


def plural_of(noun: str) -> str:
    """The plural of a noun or phrase: the table's, or the noun + "s"."""
    return wording().plurals.get(noun) or noun + "s"


def blank_by_design() -> tuple[BlankByDesign, ...]:
    """The optional columns whose blank is meaningful."""
    return wording().blank_by_design
