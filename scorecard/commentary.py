"""Commentary on an indicator for a period: stored with its author and time, never lost.

An edit adds a new row that supersedes the current one, so the history stays.

Example::

    >>> from store.engine import open_store
    >>> engine = open_store("sqlite:///:memory:")
    >>> key = CommentKey("394", "referrals", "month", date(2025, 3, 31))
    >>> first = save_comment(engine, key, "Rise after half term", "A. Manager")
    >>> second = save_comment(engine, key, "Rise after half term; MASH staffing", "B. Lead")
    >>> [c.body for c in comment_history(engine, key)]
    ['Rise after half term; MASH staffing', 'Rise after half term']
    >>> second.supersedes == first.comment_id
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, insert, select

from store.schema import comments
from store.times import utc_now

MAX_BODY = 5_000
MAX_AUTHOR = 200


class CommentError(ValueError):
    """A comment that cannot be saved; the message says what to fix."""


@dataclass(frozen=True)
class CommentKey:
    """Which indicator, LA and period a comment is about."""

    la_code: str
    kpi_id: str
    grain: str
    period_end: date


@dataclass(frozen=True)
class Comment:
    comment_id: int
    body: str
    author: str
    created_at: datetime
    supersedes: int | None


def comment_history(engine: Engine, key: CommentKey) -> list[Comment]:
    """Every version of the commentary for the key, newest first (the first is current)."""
    c = comments.c
    query = (
        select(c.comment_id, c.body, c.author, c.created_at, c.supersedes)
        .where(
            c.la_code == key.la_code,
            c.kpi_id == key.kpi_id,
            c.grain == key.grain,
            c.period_end == key.period_end,
        )
        .order_by(c.comment_id.desc())
    )
    with engine.connect() as conn:
        return [Comment(*row) for row in conn.execute(query).fetchall()]


def current_comment(history: list[Comment]) -> Comment | None:
    """The version that no other version supersedes."""
    superseded = {c.supersedes for c in history if c.supersedes is not None}
    return next((c for c in history if c.comment_id not in superseded), None)


def save_comment(
    engine: Engine,
    key: CommentKey,
    body: str | None,
    author: str | None,
    now: datetime | None = None,
) -> Comment:
    """Add the commentary, superseding the current version; raises CommentError when empty."""
    text = (body or "").strip()
    who = (author or "").strip()
    if not text:
        raise CommentError("Write the commentary before saving it.")
    if not who:
        raise CommentError("Enter your name, so readers know who wrote the commentary.")
    if len(text) > MAX_BODY:
        raise CommentError(f"Commentary can be at most {MAX_BODY:,} characters (this is {len(text):,}).")
    if len(who) > MAX_AUTHOR:
        raise CommentError(f"A name can be at most {MAX_AUTHOR} characters.")
    created = (now or utc_now()).replace(microsecond=0)
    with engine.begin() as conn:
        current = current_comment(_history_in(conn, key))
        supersedes = current.comment_id if current else None
        row = {
            "la_code": key.la_code,
            "kpi_id": key.kpi_id,
            "grain": key.grain,
            "period_end": key.period_end,
            "body": text,
            "author": who,
            "created_at": created,
            "supersedes": supersedes,
        }
        result = conn.execute(insert(comments).values(**row))
        new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return Comment(new_id, text, who, created, supersedes)


def _history_in(conn: object, key: CommentKey) -> list[Comment]:
    c = comments.c
    query = (
        select(c.comment_id, c.body, c.author, c.created_at, c.supersedes)
        .where(
            c.la_code == key.la_code,
            c.kpi_id == key.kpi_id,
            c.grain == key.grain,
            c.period_end == key.period_end,
        )
        .order_by(c.comment_id.desc())
    )
    return [Comment(*row) for row in conn.execute(query).fetchall()]  # type: ignore[attr-defined]


def current_comments(engine: Engine, la_code: str, grain: str, period_end: date) -> dict[str, Comment]:
    """The current commentary of every indicator for one LA and period, by kpi_id."""
    c = comments.c
    query = (
        select(c.kpi_id, c.comment_id, c.body, c.author, c.created_at, c.supersedes)
        .where(c.la_code == la_code, c.grain == grain, c.period_end == period_end)
        .order_by(c.comment_id.desc())
    )
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    by_kpi: dict[str, list[Comment]] = {}
    for row in rows:
        by_kpi.setdefault(row[0], []).append(Comment(*row[1:]))
    found = {kpi: current_comment(history) for kpi, history in by_kpi.items()}
    return {kpi: comment for kpi, comment in found.items() if comment is not None}
