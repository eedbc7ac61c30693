"""The "Download a template" part of the Data loads page: a partner_measures file
pre-filled with one agency's own measures and the period each reports next.

The rows come from ``store.measures.template_csv`` (measure_id and period bounds; the
figures left blank) and are written again through ``scorecard.safe_export``, the one
writer of the files the app produces. Readings:

- a partner gets its own agency's measures only (the agency on the signed-in user),
  whatever the form says; a role with upload and no agency (analyst, admin) chooses
  the owning agency from those the measures file names;
- "the next period" is ``store.measures.next_period`` (the latest whole month or
  quarter before today): the period a partner sends figures for after it closes.

Example::

    >>> from datetime import date
    >>> from store.measures import default_measures
    >>> name, data = template_file(default_measures(), "police", date(2026, 1, 15))
    >>> name
    'partner_measures_template_police_2025-12.csv'
    >>> for line in data.decode("utf-8-sig").splitlines()[1:]:
    ...     print(line)
    strategy_police_attendance,2025-12-01,2025-12-31,,,,
    da_notifications_next_day,2025-12-01,2025-12-31,,,,
    >>> template_file(default_measures(), "housing", date(2026, 1, 15)) is None
    True
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from scorecard.safe_export import csv_bytes
from store.codes import AGENCY_LABELS
from store.measures import MeasureCatalogue, agency_code, template_csv


def owner_choices(measures: MeasureCatalogue) -> list[dict[str, str]]:
    """The agencies owning a measure, as select options (label, code), in the file's order."""
    codes = list(dict.fromkeys(m.owner for m in measures.measures))
    return [{"label": AGENCY_LABELS.get(c, c), "value": c} for c in codes]


def user_agency(agency: str | None) -> str | None:
    """The agency code of a user's agency (``Police`` → ``police``), or None."""
    return agency_code(agency) if agency else None


def template_file(measures: MeasureCatalogue, agency: str, today: date) -> tuple[str, bytes] | None:
    """The file name and content of ``agency``'s template, or None when it owns no measure."""
    if not measures.owned_by(agency):
        return None
    frame = pd.read_csv(io.BytesIO(template_csv(measures, agency, today)), dtype=str, keep_default_na=False)
    last = max(frame["period_end"])
    return f"partner_measures_template_{agency}_{last[:7]}.csv", csv_bytes(frame)
