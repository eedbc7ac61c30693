"""What every record builder shares: the request, narrow reads, groups, working days.

A ``Request`` is one LA and one period, read through one connection. Builders ask
it for rows of one kind with a ``where`` clause (always restricted to the LA); dates
are passed as the driver of each dialect expects them. Readings follow
``metrics.compute`` exactly:

- Group values are trimmed; blank or only spaces is "Not recorded". The agency is
  the roll-up of ``store.codes`` (contacts and referrals by source code, early help
  by lead agency label); a code outside the roll-up is shown as written.
- Working days are ``metrics.compute.workdays.working_days_between``: exact inside
  the bank-holiday table; outside it a count is unknown (``<NA>``) and a threshold
  test it cannot settle is ``<NA>`` too (the stored value is then blank as well).
- Ids are compared as stored: the loaders store them trimmed (``loaders/values.py``).

Example::

    >>> labels(pd.Series([" North ", None, "  "], dtype="str")).tolist()
    ['North', 'Not recorded', 'Not recorded']
    >>> agency_labels(pd.Series(["3B", "ZZ"], dtype="str"), "contacts").tolist()
    ['Health', 'ZZ']
    >>> d = lambda *s: pd.Series(pd.to_datetime(list(s))).astype("datetime64[s]")
    >>> working_days(d("2024-12-24"), d("2024-12-27")).tolist()   # 25, 26 Dec are holidays
    [1]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection

from metrics.compute.core import AGENCY_COLUMNS, ALL_GROUP, NOT_RECORDED
from metrics.compute.workdays import working_days_between
from store.bulk import read_frame
from store.schema import kind_table

Test = Literal["at_most", "more_than", "at_least"]

# The SQL condition "open at the period end" of kpis.md (start ≤ end, end blank or after).
OPEN_AT_END = "start_date <= :end AND (end_date IS NULL OR end_date > :end)"


@dataclass(frozen=True)
class Request:
    """One LA and one period ``[start, end]``, read through one connection.

    ``breakdown`` is the breakdown asked for; ``group`` the group, or None for every
    group of it (the data-quality builders read only the kind the group names).
    """

    conn: Connection
    la: str
    start: date
    end: date
    breakdown: str
    group: str | None = None

    @property
    def sqlite(self) -> bool:
        return self.conn.dialect.name == "sqlite"

    def param(self, value: Any) -> Any:
        """A parameter as the driver compares it with stored values (ISO text on SQLite)."""
        if isinstance(value, datetime):
            return value.isoformat(sep=" ") if self.sqlite else value
        if isinstance(value, date):
            return value.isoformat() if self.sqlite else value
        return value

    def params_for(self, sql: str, **extra: Any) -> dict[str, Any]:
        """The parameters ``sql`` names among ``la``, ``start``, ``end`` and ``extra``."""
        used = set(re.findall(r":(\w+)", sql))
        values = {"la": self.la, "start": self.start, "end": self.end, **extra}
        return {k: self.param(v) for k, v in values.items() if k in used}

    def day_bounds(self) -> tuple[datetime, datetime]:
        """``[start 00:00, end + 1 day 00:00)``: the period as times (for load times)."""
        return datetime.combine(self.start, time()), datetime.combine(self.end + timedelta(days=1), time())

    @property
    def scan_la(self) -> str:
        """The LA condition of a read: it scans the LA's rows.

        The kind tables have only their primary key (la_code, id). On SQLite the unary
        ``+`` keeps the planner off it: row-by-row lookups of a whole LA through an index
        are 15 times slower than a scan (2.2 s against 0.06 s for 400k contacts).
        """
        return "+la_code = :la" if self.sqlite else "la_code = :la"

    def children(self, table: str, condition: str) -> str:
        """``child_key IN`` the children of the LA with a row of ``table`` where ``condition``."""
        return f"child_key IN (SELECT child_key FROM {table} WHERE {self.scan_la} AND {condition})"

    def read(
        self, kind: str, columns: list[str], where: str, *, seek: bool = False, **extra: Any
    ) -> pd.DataFrame:
        """Rows of ``kind`` for the LA where ``where`` holds (``:la``, ``:start``, ``:end`` bound).

        ``seek``: ``where`` picks ids, so the read seeks them through the primary key
        (la_code, id); otherwise (dates, children) it scans the LA's rows.
        """
        condition = f"{'la_code = :la' if seek else self.scan_la} AND ({where})"
        params = self.params_for(condition, **extra)
        return read_frame(self.conn, kind_table(kind), list(dict.fromkeys(columns)), condition, params)


def _relabelled(values: pd.Series, relabel: Callable[[str], str]) -> pd.Series:
    """Each distinct value relabelled once (blank: "Not recorded"), taken back to the rows."""
    codes, uniques = pd.factorize(values)
    mapped = [relabel(str(u).strip()) for u in uniques] + [NOT_RECORDED]
    taken = pa.array(mapped, type=pa.large_string()).take(pa.array(np.where(codes < 0, len(uniques), codes)))
    return pd.Series(pd.arrays.ArrowStringArray(taken), index=values.index, dtype="str")


def labels(values: pd.Series) -> pd.Series:
    """Trimmed group values; blank or only spaces is "Not recorded"."""
    return _relabelled(values, lambda text: text or NOT_RECORDED)


def agency_labels(values: pd.Series, kind: str) -> pd.Series:
    """The agency each code rolls up to (``store.codes``); an unknown code as written."""
    roll_up = AGENCY_COLUMNS[kind][1]
    return _relabelled(values, lambda text: roll_up.get(text, text) if text else NOT_RECORDED)


def with_groups(frame: pd.DataFrame, kind: str, breakdown: str) -> pd.DataFrame:
    """``team`` and ``locality`` as group labels, ``agency`` (kinds that have one) and
    ``group_name``: the row's group in ``breakdown``."""
    out = frame.assign(team=labels(frame["team"]), locality=labels(frame["locality"]))
    if kind in AGENCY_COLUMNS:
        out["agency"] = agency_labels(frame[AGENCY_COLUMNS[kind][0]], kind)
    if "theme" in frame.columns:
        out["theme"] = labels(frame["theme"])
    if breakdown == "all":
        out["group_name"] = pd.Series(ALL_GROUP, index=out.index, dtype="str")
    elif breakdown in ("locality", "team", "agency", "theme"):
        out["group_name"] = out[breakdown]
    return out


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[s]").astype("datetime64[D]")


def working_days(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray) -> pd.arrays.IntegerArray:
    """Working days in ``[a, b)`` per row; ``<NA>`` where a date is blank or the count
    reaches outside the bank-holiday table (positional, to ``assign`` to a frame)."""
    da, db = _days(a), _days(b)
    has = ~np.isnat(da) & ~np.isnat(db)
    wd = working_days_between(da[has], db[has])
    exact = np.zeros(len(da), bool)
    exact[has] = wd.exact
    values = np.zeros(len(da), np.int64)
    values[has] = wd.low
    out = pd.array(values, dtype="Int64")
    out[~exact] = pd.NA
    return out


def working_day_test(
    a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, test: Test, threshold: int
) -> pd.arrays.BooleanArray:
    """Whether ``working days(a, b)`` passes the test: True, False, or ``<NA>`` where a
    date outside the bank-holiday table leaves it undecided (or a date is blank)."""
    da, db = _days(a), _days(b)
    has = ~np.isnat(da) & ~np.isnat(db)
    yes = np.zeros(len(da), bool)
    unknown = ~has
    wd = working_days_between(da[has], db[has])
    passes, undecided = getattr(wd, test)(threshold)
    yes[has] = passes
    unknown[has] = undecided
    out = flags(yes)
    out[unknown] = pd.NA
    return out


def flags(values: pd.Series | np.ndarray) -> pd.arrays.BooleanArray:
    """A boolean array (``<NA>`` kept; a Series' blanks are False), positional."""
    if isinstance(values, pd.Series):
        values = values.fillna(False).to_numpy(bool)
    return pd.array(np.asarray(values, dtype=bool), dtype="boolean")


def in_period(values: pd.Series, req: Request) -> pd.Series:
    """True where a date column falls inside the request's period (blank: False)."""
    return (values >= pd.Timestamp(req.start)) & (values <= pd.Timestamp(req.end))


def finish(frame: pd.DataFrame, kind: str, req: Request) -> pd.DataFrame:
    """A kind's rows as records: ``child`` (the pseudonym), group labels, ``group_name``."""
    return with_groups(frame.rename(columns={"child_key": "child"}), kind, req.breakdown)
