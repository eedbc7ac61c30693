"""``COMPUTATIONS``: every indicator id mapped to its computation, stage by stage.

Example::

    >>> COMPUTATIONS["rereferrals_12m"].type, COMPUTATIONS["rereferrals_12m"].source
    ('percentage', 'referrals')
"""

from __future__ import annotations

from metrics.compute import (
    assessments,
    child_protection,
    children_in_need,
    cp_visits_reviews,
    data_quality,
    early_help,
    front_door,
    referrals,
    s47,
)
from metrics.compute.core import Computation

COMPUTATIONS: dict[str, Computation] = {
    c.kpi_id: c
    for module in (
        front_door,
        referrals,
        assessments,
        s47,
        child_protection,
        cp_visits_reviews,
        children_in_need,
        early_help,
        data_quality,
    )
    for c in module.COMPUTATIONS
}
