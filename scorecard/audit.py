"""The audit log (append-only) and the record-view log.

``audit_log`` has one row per sign-in, failed sign-in, sign-out, record-list view and
download, export, upload, load, retraction, commentary, target change and user or role
change: who, when, what and from which address. ``record_views`` keeps its own rows
(which records, how many) and carries the signed-in user; each view is also written
to the audit log, so the audit log alone answers "who saw what".

Actions are short dotted names (``signin``, ``signin.failed``, ``records.view`` ...);
``detail`` is a short text with ids, LA and period, never a child's or worker's id.

Example::

    >>> from store.engine import open_store
    >>> engine = open_store("sqlite:///:memory:")
    >>> view = RecordView("394", "referrals", "month", date(2025, 3, 31), "all", "all")
    >>> log_record_view(engine, view, "view", rows=12, viewer=None)
    1
    >>> record(engine, "signin", "sam", "127.0.0.1", "password")  # the view above wrote row 1
    2
    >>> [r["action"] for r in read_audit(engine)]
    ['signin', 'records.view']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Engine, insert, select

from store.schema import audit_log, record_views
from store.times import utc_now

ACTIONS = (
    "signin",
    "signin.failed",
    "signout",
    "records.view",
    "records.download",
    "export",
    "upload.preview",
    "upload.refused",
    "load",
    "retract",
    "comment",
    "target",
    "user",
)


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
    """The signed-in user's name (None outside a request or when nobody is signed in).
    A request header is never read for this: single sign-on is mapped to an account
    by ``scorecard.websecurity`` before any page runs."""
    if not has_request_context():
        return None
    from flask_login import current_user

    return getattr(current_user, "username", None) if current_user.is_authenticated else None


def client_address() -> str | None:
    """The address the request came from (the proxy's, unless ProxyFix trusts it)."""
    return request.remote_addr if has_request_context() else None


def record(
    engine: Engine,
    action: str,
    username: str | None,
    address: str | None,
    detail: str | None = None,
    la_code: str | None = None,
    now: datetime | None = None,
) -> int:
    """Append one row to the audit log; returns its id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: expected one of {', '.join(ACTIONS)}")
    with engine.begin() as conn:
        result = conn.execute(
            insert(audit_log).values(
                at=(now or utc_now()).replace(microsecond=0),
                username=username,
                action=action,
                la_code=la_code,
                detail=(detail or "")[:2000] or None,
                address=address,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def audit_request(engine: Engine, action: str, detail: str | None = None, la_code: str | None = None) -> int:
    """Append a row for the current request: its signed-in user and client address."""
    return record(engine, action, current_viewer(), client_address(), detail, la_code)


def read_audit(
    engine: Engine, username: str | None = None, since: datetime | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Audit rows, newest first, for one user and/or from a time."""
    a = audit_log.c
    query = select(a.audit_id, a.at, a.username, a.action, a.la_code, a.detail, a.address)
    if username:
        query = query.where(a.username == username)
    if since:
        query = query.where(a.at >= since)
    query = query.order_by(a.audit_id.desc()).limit(limit)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def log_record_view(
    engine: Engine,
    view: RecordView,
    action: str,
    rows: int,
    viewer: str | None,
    now: datetime | None = None,
) -> int:
    """Write one log row (action ``view`` or ``download``), and the audit row; return its id."""
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
        view_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    detail = (
        f"{view.kpi_id} {view.grain} {view.period_end:%Y-%m} {view.breakdown}={view.group_name}: {rows} rows"
    )
    record(engine, f"records.{action}", viewer, client_address(), detail, view.la_code, now)
    return view_id
