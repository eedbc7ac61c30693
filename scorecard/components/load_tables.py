"""Load records as tables in words: loads, rows by partner, rejected rows.

Example::

    >>> import pandas as pd
    >>> kind_title("cp_plans")
    'Child protection plans'
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from metrics.wording import column_words, kind_words, name_columns
from scorecard.formatting import format_number, format_value, is_missing
from store.times import uk_time


def kind_title(kind: Any) -> str:
    return kind_words(kind)


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


def freshness_table(by_load: pd.DataFrame) -> pd.DataFrame:
    """Per partner and extract: the latest event date its stored rows hold, and when it
    last loaded rows of them (``metrics.results.latest_events_by_load``, already scoped).

    >>> from datetime import date, datetime, timezone
    >>> by_load = pd.DataFrame({"load_id": [1, 2, 3], "partner": ["Police", "Police", "MASH"],
    ...     "kind": ["contacts", "contacts", "contacts"],
    ...     "loaded_at": [datetime(2026, 4, 2, 9, tzinfo=timezone.utc),
    ...                   datetime(2026, 3, 1, 9, tzinfo=timezone.utc),
    ...                   datetime(2026, 4, 3, 9, tzinfo=timezone.utc)],
    ...     "latest_event": [date(2026, 2, 27), date(2026, 3, 31), date(2026, 3, 30)]})
    >>> freshness_table(by_load).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['MASH', 'Contacts', '30 Mar 2026', '03 Apr 2026 10:00'],
     ['Police', 'Contacts', '31 Mar 2026', '02 Apr 2026 10:00']]
    """
    grouped = (
        by_load.groupby(["partner", "kind"], sort=True)
        .agg(latest_event=("latest_event", "max"), loaded_at=("loaded_at", "max"))
        .reset_index()
    )
    return pd.DataFrame(
        {
            "Partner": grouped["partner"],
            "Extract": [kind_title(k) for k in grouped["kind"]],
            "Latest event": [f"{d:%d %b %Y}" for d in grouped["latest_event"]],
            "Loaded": [f"{uk_time(t):%d %b %Y %H:%M}" for t in grouped["loaded_at"]],
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
            "Column": [
                column_words(k, c, quoted=True) if isinstance(c, str) else ""
                for k, c in zip(rejects["kind"], rejects["column_name"], strict=True)
            ],
            "Value": [v if isinstance(v, str) else "" for v in rejects["value"]],
            "Reason": [name_columns(r, k) for k, r in zip(rejects["kind"], rejects["reason"], strict=True)],
            "Code": [
                c if isinstance(c, str) else "" for c in rejects.get("reason_code", rejects["reason"] * 0)
            ],
        }
    )
