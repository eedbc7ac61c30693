"""Load records as tables in words: loads, rows by partner, rejected rows.

Example::

    >>> import pandas as pd
    >>> kind_title("cp_plans")
    'Child protection plans'
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from scorecard.formatting import format_number, format_value, is_missing
from store.extracts import EXTRACTS
from store.times import uk_time


def kind_title(kind: Any) -> str:
    return EXTRACTS[kind].title if kind in EXTRACTS else str(kind)


def count_text(value: Any) -> str:
    return "" if is_missing(value) else format_number(value)


def loads_table(loads: pd.DataFrame) -> pd.DataFrame:
    """Each load with its counts, newest first, in words."""
    return pd.DataFrame(
        {
            "Load": [str(v) for v in loads["load_id"]],
            "File": loads["file_name"],
            "Extract": [kind_title(k) for k in loads["kind"]],
            "Partner": [p if isinstance(p, str) and p else "Not recorded" for p in loads["partner"]],
            "Status": loads["status"],
            "Rows read": [count_text(v) for v in loads["rows_read"]],
            "Loaded": [count_text(v) for v in loads["rows_loaded"]],
            "Rejected": [count_text(v) for v in loads["rows_rejected"]],
            "Finished": [
                f"{uk_time(t):%d %b %Y %H:%M}" if not is_missing(t) else "" for t in loads["finished_at"]
            ],
            "By": [b if isinstance(b, str) else "" for b in loads["loaded_by"]],
        }
    )


def partner_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Rows read, loaded and rejected per partner and extract, with the share rejected."""
    share = [
        format_value(100.0 * r / n if n else None, "percentage", "n/a: no rows read")
        for r, n in zip(counts["rows_rejected"], counts["rows_read"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Partner": counts["partner"],
            "Extract": [kind_title(k) for k in counts["kind"]],
            "Loads": [count_text(v) for v in counts["loads"]],
            "Rows read": [count_text(v) for v in counts["rows_read"]],
            "Loaded": [count_text(v) for v in counts["rows_loaded"]],
            "Rejected": [count_text(v) for v in counts["rows_rejected"]],
            "Rejected (%)": share,
        }
    )


def rejects_table(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows: where, which column and value, and why (child ids already masked)."""
    return pd.DataFrame(
        {
            "Load": [str(v) for v in rejects["load_id"]],
            "File": rejects["file_name"],
            "Extract": [kind_title(k) for k in rejects["kind"]],
            "Row": [("whole file" if is_missing(v) else str(int(v))) for v in rejects["row_number"]],
            "Column": [c if isinstance(c, str) else "" for c in rejects["column_name"]],
            "Value": [v if isinstance(v, str) else "" for v in rejects["value"]],
            "Reason": rejects["reason"],
            "Code": [
                c if isinstance(c, str) else "" for c in rejects.get("reason_code", rejects["reason"] * 0)
            ],
        }
    )
