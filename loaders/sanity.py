"""Dates no extract can hold: after the load date (plus a grace) or before 1990.

An extract is taken on or before the day it is loaded, so a date after that day is a
typing error (2030 for 2023); before 1990 no child in the extracts was born or seen.
Month columns (vacancies, caseloads) are checked as their first day. The one exception
to 1990 is a workforce spell's ``start_date``: long-serving staff started decades ago,
so that column declares ``before_1990`` and only the future is checked.
Either is a row reject naming the column, the date and the limit, like every other
reject. The grace (days after the load date still accepted, default 0) is configuration
(``SCORECARD_DATE_GRACE_DAYS``, read in ``scorecard/settings.py``).

Reject codes (stable machine codes beside the sentence, for the loaders' reason codes):
``date_in_future``, ``date_before_1990`` and, from ``loaders.values.parse_la``,
``unknown_la``. ``reason_code`` gives the code of a reason written here.

Example::

    >>> import pandas as pd
    >>> limits = DateLimits(load_date=date(2026, 3, 31))
    >>> days = pd.Series(pd.to_datetime(["2030-06-01", "1989-12-31", "2026-03-31", None]))
    >>> [str(r)[:40] if r else r for r in date_failures("referral_date", days, limits)]
    ['referral_date 2030-06-01 is after the lo', 'referral_date 1989-12-31 is before 1990:', None, None]
    >>> [getattr(r, 'code', None) for r in date_failures('referral_date', days, limits)]
    ['date_in_future', 'date_before_1990', None, None]
    >>> reason_code("referral_date 1989-12-31 is before 1990: correct it")
    'date_before_1990'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.values import Failure

EARLIEST = date(1990, 1, 1)
REJECT_CODES = {
    "date_in_future": "is after the load date",
    "date_before_1990": "is before 1990",
    "unknown_la": "is not a local authority in England",
}


@dataclass(frozen=True)
class DateLimits:
    """The load date and the days after it still accepted."""

    load_date: date
    grace_days: int = 0

    @property
    def latest(self) -> date:
        return self.load_date + timedelta(days=self.grace_days)

    @classmethod
    def today(cls, grace_days: int = 0) -> DateLimits:
        return cls(load_date=date.today(), grace_days=grace_days)


def date_failures(
    column: str, days: pd.Series, limits: DateLimits, *, before_1990: bool = False
) -> npt.NDArray[np.object_]:
    """Per row: why the date cannot be right, or None (blank dates are left to other rules).

    ``before_1990``: the column may hold dates before 1990 (a worker's start date: staff
    serve for decades, store/extracts.py), so only the future is checked.
    """
    out = np.full(len(days), None, dtype=object)
    values = pd.to_datetime(days)
    # Compared in numpy (NaT is neither late nor early): a column costs two passes.
    stamps = values.to_numpy(dtype="datetime64[s]")
    late = stamps > np.datetime64(limits.latest, "s")
    early = (stamps < np.datetime64(EARLIEST, "s")) & (not before_1990)
    grace = f" plus {limits.grace_days} days' grace" if limits.grace_days else ""
    for i in np.flatnonzero(late):
        out[i] = Failure(
            f"{column} {values.iloc[i]:%Y-%m-%d} is after the load date {limits.load_date:%Y-%m-%d}{grace}: "
            "a date in the future is a typing error; correct it and load the file again",
            "date_in_future",
        )
    for i in np.flatnonzero(early):
        out[i] = Failure(
            f"{column} {values.iloc[i]:%Y-%m-%d} is before 1990: correct the date (or the century) "
            "and load the file again",
            "date_before_1990",
        )
    return out


def reason_code(reason: str) -> str | None:
    """The machine code of a reject sentence written by these rules, or None."""
    return next((code for code, words in REJECT_CODES.items() if words in reason), None)
