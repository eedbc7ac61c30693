"""Records of the partners' measures ``pm_<id>``: the figures behind each number.

The records of a period are the figures the owning partner sent for the measure whose
``period_start`` lies in the period (each month's, or each quarter's), as stored after
supersession, with the partner's note. Breakdown ``all`` only.
"""

from __future__ import annotations

import pandas as pd

from metrics.records.request import Request, finish
from metrics.registry import Indicator
from metrics.registry_measures import RECORD_COLUMNS
from metrics.wiring import records_family


@records_family("pm_")
def partner_measure(req: Request, indicator: Indicator) -> pd.DataFrame:
    """The measure's figures with a period_start in the period, earliest first."""
    assert indicator.partner is not None, f"{indicator.id} is not a partner measure"
    frame = req.read(
        "partner_measures",
        [*RECORD_COLUMNS, "team", "locality"],  # the group labels read them
        "measure_id = :measure AND period_start BETWEEN :start AND :end",
        measure=indicator.partner.measure_id,
    )
    return finish(frame, "partner_measures", req)
