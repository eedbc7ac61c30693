"""The record-view log: every list of records behind a number that is shown or downloaded.

Example::

    >>> from store.engine import open_store
    >>> engine = open_store("sqlite:///:memory:")
    >>> view = RecordView("394", "referrals", "month", date(2025, 3, 31), "all", "all")
    >>> log_record_view(engine, view, "view", rows=12, viewer=None)
    1
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import has_request_context, request
from sqlalchemy import Engine, insert

from store.schema import record_views
from store.times import utc_now


@dataclass(frozen=True)
class RecordView:
    """Which records: the indicator, LA, period and group behind one number."""

    la_code: str
    kpi_id: str
    grain: str
    period_end: date
    breakdown: str
    group_name: str


def current_viewer() -> str | None:
    """Who is looking, when the web server has signed them in (WSGI ``REMOTE_USER``);
    None without sign-in. A request header is never trusted for this."""
    if not has_request_context():
        return None
    return request.environ.get("REMOTE_USER") or None


def log_record_view(
    engine: Engine,
    view: RecordView,
    action: str,
    rows: int,
    viewer: str | None,
    now: datetime | None = None,
) -> int:
    """Write one log row (action ``view`` or ``download``) and return its id."""
    if action not in ("view", "download"):
        raise ValueError(f"unknown record-view action {action!r}: expected view or download")
    with engine.begin() as conn:
        result = conn.execute(
            insert(record_views).values(
                viewed_at=(now or utc_now()).replace(microsecond=0),
                viewer=viewer,
                action=action,
                la_code=view.la_code,
                kpi_id=view.kpi_id,
                grain=view.grain,
                period_end=view.period_end,
                breakdown=view.breakdown,
                group_name=view.group_name,
                rows=rows,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]
