"""The records behind a number, ready to show and to download.

``metrics.records.records_for`` gives the records of the numerator (counts) or of the
denominator with an ``in_numerator`` flag (percentages). Here they get plain dates,
"Yes"/"No" for flags and words for column names; nothing else about a child than its
pseudonym is ever in them.

Example::

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"child": ["a1"], "referral_date": pd.to_datetime(["2025-03-03"]),
    ...                       "in_numerator": pd.array([True], dtype="boolean")})
    >>> records_display(frame).to_dict("records")
    [{'Child (pseudonym)': 'a1', 'Referral date': '2025-03-03', 'In the numerator': 'Yes'}]
    >>> records_summary(frame)
    '1 record; 1 counted in the numerator.'
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from scorecard.formatting import plural

COLUMN_TITLES = {
    "child": "Child (pseudonym)",
    "child_key": "Child (pseudonym)",
    "in_numerator": "In the numerator",
    "working_days": "Working days",
    "la_code": "LA",
}
RAW_IDENTIFIERS = ("child_id",)


def _flag(value: Any) -> str:
    if value is None or pd.isna(value):
        return "Not decided"
    return "Yes" if bool(value) else "No"


def records_for_download(frame: pd.DataFrame) -> pd.DataFrame:
    """The records as a file holds them: ISO dates, flags as Yes/No, no raw identifier."""
    out = frame.drop(columns=[c for c in frame.columns if c in RAW_IDENTIFIERS])
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            out[name] = column.dt.strftime("%Y-%m-%d").astype(object).where(column.notna(), "")
        elif pd.api.types.is_bool_dtype(column):
            out[name] = [_flag(v) for v in column]
    return out


def records_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The records for the page: as for the download, with column names in words."""
    out = records_for_download(frame)
    titles = {c: COLUMN_TITLES.get(c, c.replace("_", " ").capitalize()) for c in out.columns}
    return out.rename(columns=titles).astype(object).where(out.notna().to_numpy(), "")


def records_summary(frame: pd.DataFrame) -> str:
    """How many records, and how many of them count in the numerator (percentages)."""
    text = plural(len(frame), "record")
    if "in_numerator" in frame.columns:
        counted = int(frame["in_numerator"].fillna(False).astype(bool).sum())
        text += f"; {counted:,} counted in the numerator"
    return text + "."
