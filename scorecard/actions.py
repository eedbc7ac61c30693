"""Clinic actions: what a meeting agreed to do about an indicator, who owns it, by when.

An action is raised against an indicator, optionally for an LA, a period, a team or an
agency. Every change (text, owner, due date, status) adds a version with its author,
time and a note, so the history is kept as commentary's is; the current state is the
latest version.

Readings:

- **Who**: the author is the signed-in user when sign-in exists. Until then it is
  what the commentary uses: the web server's ``REMOTE_USER`` if set, else the name
  typed in the form (``scorecard.audit.current_viewer`` is the one hook to change).
- **Overdue**: open, and the due date is before today (due today is not overdue).
- **Where an action shows**: on its indicator for every view of its LA (or of every LA
  when it names none); its period, team or agency are shown beside it, not used to
  hide it (a clinic follows an action up in later months).

Example::

    >>> from datetime import UTC
    >>> from store.engine import open_store
    >>> engine = open_store("sqlite:///:memory:")
    >>> scope = ActionScope("rereferrals_12m", la_code="394")
    >>> first = raise_action(engine, scope, "Audit 20 re-referrals", "J. Lead", date(2025, 4, 30), "A. Chair",
    ...                      now=datetime(2025, 4, 2, 10, 0, tzinfo=UTC))
    >>> done = update_action(engine, first.action_id, "J. Lead", status="done", note="Audit done",
    ...                      now=datetime(2025, 4, 20, 9, 0, tzinfo=UTC))
    >>> (done.status, done.owner, [v.status for v in action_history(engine, first.action_id)])
    ('done', 'J. Lead', ['done', 'open'])
    >>> is_overdue(first, date(2025, 5, 1)), is_overdue(done, date(2025, 5, 1))
    (True, False)
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, get_args

from sqlalchemy import Engine, func, insert, select

from scorecard.safe_export import write_records_csv
from store.schema import clinic_action_versions, clinic_actions
from store.times import utc_now

Status = Literal["open", "done", "dropped"]
STATUSES: tuple[str, ...] = get_args(Status)
MAX_BODY = 2_000
MAX_NAME = 200
CSV_COLUMNS = (
    "action_id",
    "kpi_id",
    "la_code",
    "grain",
    "period_end",
    "team",
    "agency",
    "action",
    "owner",
    "due_date",
    "status",
    "overdue",
    "last_note",
    "updated_by",
    "updated_at",
    "created_by",
    "created_at",
)


class ActionError(ValueError):
    """An action that cannot be saved; the message says what to fix."""


@dataclass(frozen=True)
class ActionScope:
    """What an action is about: an indicator, and optionally an LA, period, team or agency."""

    kpi_id: str
    la_code: str | None = None
    grain: str | None = None
    period_end: date | None = None
    team: str | None = None
    agency: str | None = None


@dataclass(frozen=True)
class Action:
    """An action in its current state (its latest version)."""

    action_id: int
    scope: ActionScope
    body: str
    owner: str
    due_date: date
    status: str
    note: str | None
    updated_by: str
    updated_at: datetime
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Version:
    version_id: int
    body: str
    owner: str
    due_date: date
    status: str
    note: str | None
    author: str
    created_at: datetime


def is_overdue(action: Action, today: date) -> bool:
    """Open and due before today."""
    return action.status == "open" and action.due_date < today


def _text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ActionError(f"Enter the {what}.")
    if len(text) > limit:
        raise ActionError(f"The {what} can be at most {limit:,} characters (this is {len(text):,}).")
    return text


def _status(value: str) -> str:
    if value not in STATUSES:
        raise ActionError(f"Unknown status {value!r}: choose one of {', '.join(STATUSES)}.")
    return value


def raise_action(
    engine: Engine,
    scope: ActionScope,
    body: str | None,
    owner: str | None,
    due_date: date | None,
    author: str | None,
    now: datetime | None = None,
) -> Action:
    """Record a new open action; raises ActionError naming what is missing."""
    text = _text(body, "action", MAX_BODY)
    who = _text(owner, "owner", MAX_NAME)
    by = _text(author, "your name (who raised the action)", MAX_NAME)
    if not scope.kpi_id:
        raise ActionError("Choose the indicator the action is about.")
    if due_date is None:
        raise ActionError("Enter the date the action is due.")
    created = (now or utc_now()).replace(microsecond=0)
    with engine.begin() as conn:
        result = conn.execute(
            insert(clinic_actions).values(
                kpi_id=scope.kpi_id,
                la_code=scope.la_code or None,
                grain=scope.grain or None,
                period_end=scope.period_end,
                team=scope.team or None,
                agency=scope.agency or None,
                created_by=by,
                created_at=created,
            )
        )
        action_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        conn.execute(
            insert(clinic_action_versions).values(
                action_id=action_id,
                body=text,
                owner=who,
                due_date=due_date,
                status="open",
                note=None,
                author=by,
                created_at=created,
            )
        )
    found = get_action(engine, action_id)
    assert found is not None
    return found


def update_action(
    engine: Engine,
    action_id: int,
    author: str | None,
    *,
    status: str | None = None,
    owner: str | None = None,
    due_date: date | None = None,
    body: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Action:
    """Add a version with what changed (the rest carried over); raises ActionError."""
    by = _text(author, "your name (who updated the action)", MAX_NAME)
    current = get_action(engine, action_id)
    if current is None:
        raise ActionError(f"There is no action {action_id}.")
    values = {
        "action_id": action_id,
        "body": _text(body, "action", MAX_BODY) if body is not None else current.body,
        "owner": _text(owner, "owner", MAX_NAME) if owner is not None else current.owner,
        "due_date": due_date or current.due_date,
        "status": _status(status) if status is not None else current.status,
        "note": (note or "").strip()[:MAX_BODY] or None,
        "author": by,
        "created_at": (now or utc_now()).replace(microsecond=0),
    }
    with engine.begin() as conn:
        conn.execute(insert(clinic_action_versions).values(**values))
    updated = get_action(engine, action_id)
    assert updated is not None
    return updated


def action_history(engine: Engine, action_id: int) -> list[Version]:
    """Every version of the action, newest first."""
    v = clinic_action_versions.c
    query = (
        select(v.version_id, v.body, v.owner, v.due_date, v.status, v.note, v.author, v.created_at)
        .where(v.action_id == action_id)
        .order_by(v.version_id.desc())
    )
    with engine.connect() as conn:
        return [Version(*row) for row in conn.execute(query).fetchall()]


def get_action(engine: Engine, action_id: int) -> Action | None:
    found = list_actions(engine, action_ids=[action_id])
    return found[0] if found else None


def list_actions(
    engine: Engine,
    *,
    kpi_id: str | None = None,
    la_code: str | None = None,
    owner: str | None = None,
    status: str | None = None,
    overdue_on: date | None = None,
    action_ids: Sequence[int] | None = None,
) -> list[Action]:
    """Actions in their current state, by due date. ``la_code`` keeps the LA's actions and
    those naming no LA; ``overdue_on`` keeps those overdue on that day."""
    a, v = clinic_actions.c, clinic_action_versions.c
    latest = select(v.action_id, func.max(v.version_id).label("version_id")).group_by(v.action_id).subquery()
    query = (
        select(
            a.action_id,
            a.kpi_id,
            a.la_code,
            a.grain,
            a.period_end,
            a.team,
            a.agency,
            v.body,
            v.owner,
            v.due_date,
            v.status,
            v.note,
            v.author,
            v.created_at,
            a.created_by,
            a.created_at.label("raised_at"),
        )
        .select_from(
            clinic_actions.join(latest, latest.c.action_id == a.action_id).join(
                clinic_action_versions, v.version_id == latest.c.version_id
            )
        )
        .order_by(v.due_date, a.action_id)
    )
    if kpi_id is not None:
        query = query.where(a.kpi_id == kpi_id)
    if la_code is not None:
        query = query.where((a.la_code == la_code) | a.la_code.is_(None))
    if owner:
        query = query.where(func.lower(v.owner) == owner.strip().lower())
    if status:
        query = query.where(v.status == _status(status))
    if action_ids is not None:
        query = query.where(a.action_id.in_(list(action_ids)))
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    actions = [_action(row) for row in rows]
    if overdue_on is not None:
        actions = [x for x in actions if is_overdue(x, overdue_on)]
    return actions


def _action(row: Any) -> Action:
    scope = ActionScope(row.kpi_id, row.la_code, row.grain, row.period_end, row.team, row.agency)
    return Action(
        row.action_id, scope, row.body, row.owner, row.due_date, row.status, row.note,
        row.author, row.created_at, row.created_by, row.raised_at,
    )  # fmt: skip


def action_line(action: Action) -> str:
    """One line for a table cell or a pack: "Audit re-referrals (J. Lead, due 30 Apr 2025, open)".

    >>> scope = ActionScope("referrals")
    >>> a = Action(1, scope, "Audit", "J. Lead", date(2025, 4, 30), "open", None, "x", datetime(2025, 4, 1),
    ...            "x", datetime(2025, 4, 1))
    >>> action_line(a)
    'Audit (J. Lead, due 30 Apr 2025, open)'
    """
    return f"{action.body} ({action.owner}, due {action.due_date:%d %b %Y}, {action.status})"


def actions_by_kpi(actions: Sequence[Action]) -> dict[str, str]:
    """The open actions of each indicator as one text, for an export column."""
    out: dict[str, list[str]] = {}
    for action in actions:
        if action.status == "open":
            out.setdefault(action.scope.kpi_id, []).append(action_line(action))
    return {kpi: "; ".join(lines) for kpi, lines in out.items()}


def action_records(actions: Sequence[Action], today: date) -> list[dict[str, Any]]:
    """The actions as flat records (the CSV's columns)."""
    return [
        {
            "action_id": x.action_id,
            "kpi_id": x.scope.kpi_id,
            "la_code": x.scope.la_code or "",
            "grain": x.scope.grain or "",
            "period_end": x.scope.period_end.isoformat() if x.scope.period_end else "",
            "team": x.scope.team or "",
            "agency": x.scope.agency or "",
            "action": x.body,
            "owner": x.owner,
            "due_date": x.due_date.isoformat(),
            "status": x.status,
            "overdue": "yes" if is_overdue(x, today) else "no",
            "last_note": x.note or "",
            "updated_by": x.updated_by,
            "updated_at": x.updated_at.isoformat(sep=" "),
            "created_by": x.created_by,
            "created_at": x.created_at.isoformat(sep=" "),
        }
        for x in actions
    ]


def actions_csv(actions: Sequence[Action], today: date) -> str:
    """The actions as CSV, text cells escaped against formula injection."""
    out = io.StringIO()
    write_records_csv(out, action_records(actions, today), CSV_COLUMNS, lineterminator="\n")
    return out.getvalue()
