"""Times in the store: written and read back as timezone-aware UTC; shown in UK time.

Readings, with their reasons:

- Every moment the store records (a load's start and finish, a recompute, a comment, a
  record view) is written as an aware UTC ``datetime`` and read back as one, on SQLite
  and on PostgreSQL alike (:class:`UTCDateTime`). A naive ``datetime`` is refused when
  written: it cannot say which zone it is in (the release before migrations wrote the
  server's local time, so a store moved between servers, or read across the clocks
  changing, was ambiguous).
- What a user sees is UK time (GMT in winter, BST in summer: ``Europe/London``), as the
  partnerships are in England. Before this change the times shown were the server's
  local time, which on a UK server is the same thing.
- A load belongs to the UK day (and so the week, month, ...) on which it finished: the
  data-quality indicators count loads by UK date, as they did when times were local.

Example::

    >>> from datetime import datetime, timezone
    >>> uk_time(datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc))
    datetime.datetime(2025, 6, 2, 10, 30)
    >>> uk_day_start(date(2025, 1, 15))
    datetime.datetime(2025, 1, 15, 0, 0, tzinfo=datetime.timezone.utc)
    >>> uk_day_start(date(2025, 6, 2))
    datetime.datetime(2025, 6, 1, 23, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    import pandas as pd

UK = ZoneInfo("Europe/London")


def utc_now() -> datetime:
    """The current moment, as an aware UTC ``datetime`` (whole seconds are not forced)."""
    return datetime.now(UTC)


def uk_time(moment: datetime) -> datetime:
    """An aware moment as naive UK wall-clock time, for display and for dating by UK day."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone: the store's times are aware UTC")
    return moment.astimezone(UK).replace(tzinfo=None)


def uk_day_start(day: date) -> datetime:
    """The UTC moment at which a UK calendar day begins (midnight GMT or BST)."""
    return datetime.combine(day, time(), tzinfo=UK).astimezone(UTC)


def uk_wall_clock(values: Any) -> pd.Series:
    """UTC moments (aware datetimes, or the UTC text SQLite holds) as UK wall-clock ``datetime64[s]``.

    The frames the computations read date each load by its UK day, as they did when the
    store held local times.

    >>> uk_wall_clock(["2025-06-01 23:30:00.000000", None]).tolist()
    [Timestamp('2025-06-02 00:30:00'), NaT]
    """
    import pandas as pd

    moments = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    return moments.dt.tz_convert(UK).dt.tz_localize(None).astype("datetime64[s]")


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC: aware ``datetime`` in, aware UTC ``datetime`` out.

    PostgreSQL holds it as ``timestamp with time zone``; SQLite (which has no such type)
    as the UTC wall-clock text, the zone being implied by this type.

    >>> UTCDateTime().process_bind_param(datetime(2025, 1, 1, 12), None)
    Traceback (most recent call last):
    ...
    ValueError: naive time 2025-01-01 12:00:00 written to the store: use store.times.utc_now()
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect | None) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"{value!r} is not a datetime: the store's times are aware UTC datetimes")
        if value.tzinfo is None:
            raise ValueError(f"naive time {value} written to the store: use store.times.utc_now()")
        moment = value.astimezone(UTC)
        if dialect is not None and dialect.name == "sqlite":
            return moment.replace(tzinfo=None)
        return moment

    def process_result_value(self, value: Any, dialect: Dialect | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
