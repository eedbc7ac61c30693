"""The records behind a number, ready to show and to download.

``metrics.records.records_for`` gives the records of the numerator (counts) or of the
denominator with an ``in_numerator`` flag (percentages). Here they get plain dates,
"Yes"/"No" for flags, and words for column names (both on the page and as the headers of
the download) and, on the page, for codes (metrics.wording); nothing else about a child
than its pseudonym is ever in them. The download keeps the codes themselves: a file is
matched back to the partner's system by them.

Example::

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"child": ["a1"], "referral_date": pd.to_datetime(["2025-03-03"]),
    ...                       "in_numerator": pd.array([True], dtype="boolean")})
    >>> records_display(frame).to_dict("records")
    [{'Child (pseudonym)': 'a1', 'Referral date': '2025-03-03', 'In the numerator': 'Yes'}]
    >>> list(records_for_download(frame).columns)
    ['Child (pseudonym)', 'Referral date', 'In the numerator']
    >>> records_display(pd.DataFrame({"outcome": ["early_help"]}), "contacts").to_dict("records")
    [{'Outcome': 'Early help'}]
    >>> records_summary(frame)
    '1 record; 1 counted in the numerator.'
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.wording import code_words, column_words, kind_words
from scorecard.formatting import plural
from store.extracts import EXTRACTS

RAW_IDENTIFIERS = ("child_id",)


def _flag(value: Any) -> str:
    if value is None or pd.isna(value):
        return "Not decided"
    return "Yes" if bool(value) else "No"


def records_for_download(frame: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """The records as a file holds them: headers in words, ISO dates, flags as Yes/No, no
    raw identifier."""
    return _plain(frame).rename(columns=lambda c: column_words(kind, c))


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=[c for c in frame.columns if c in RAW_IDENTIFIERS])
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            out[name] = column.dt.strftime("%Y-%m-%d").astype(object).where(column.notna(), "")
        elif pd.api.types.is_bool_dtype(column):
            out[name] = [_flag(v) for v in column]
    return out


def records_display(frame: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """The records for the page: as for the download, and codes in words."""
    out = _plain(frame)
    for name in out.columns:
        codes = _code_list(kind, name)
        if codes is not None:
            out[name] = [code_words(codes, v) if isinstance(v, str) else v for v in out[name]]
        elif name == "kind":
            out[name] = [kind_words(v) if isinstance(v, str) else v for v in out[name]]
    shown = out.rename(columns=lambda c: column_words(kind, c))
    return shown.astype(object).where(out.notna().to_numpy(), "")


def _code_list(kind: str | None, name: str) -> str | None:
    """The code list of a column of the kind, if it is a code column."""
    if kind not in EXTRACTS:
        return None
    found = [c for c in EXTRACTS[kind].all_columns if c.name == name]
    return found[0].codes if found and found[0].type == "code" else None


def records_summary(frame: pd.DataFrame) -> str:
    """How many records, and how many of them count in the numerator (percentages)."""
    text = plural(len(frame), "record")
    if "in_numerator" in frame.columns:
        counted = int(frame["in_numerator"].fillna(False).astype(bool).sum())
        text += f"; {counted:,} counted in the numerator"
    return text + "."
