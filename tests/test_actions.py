"""Clinic actions (scorecard/actions.py): raised, updated with history, listed, overdue, CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scorecard.actions import (
    ActionError,
    ActionScope,
    action_history,
    actions_by_kpi,
    list_actions,
    raise_action,
    update_action,
)
from scorecard.cli import main

DUE = date(2025, 4, 30)


def _raise(engine: Engine, kpi: str = "rereferrals_12m", **scope: object) -> int:
    action = raise_action(
        engine,
        ActionScope(kpi, **scope),  # type: ignore[arg-type]
        "Audit 20 re-referrals",
        "J. Lead",
        DUE,
        "A. Chair",
        now=datetime(2025, 4, 2, 10, 0, tzinfo=UTC),
    )
    return action.action_id


def test_an_action_keeps_every_version(engine: Engine) -> None:
    action_id = _raise(engine, la_code="394", grain="month", period_end=date(2025, 3, 31), team="Duty")
    update_action(
        engine, action_id, "J. Lead", owner="K. Other", note="handed", now=datetime(2025, 4, 3, tzinfo=UTC)
    )
    done = update_action(engine, action_id, "K. Other", status="done", now=datetime(2025, 4, 20, tzinfo=UTC))
    assert (done.status, done.owner, done.body, done.due_date) == (
        "done",
        "K. Other",
        "Audit 20 re-referrals",
        DUE,
    )
    assert done.created_by == "A. Chair" and done.updated_by == "K. Other"
    assert done.scope == ActionScope("rereferrals_12m", "394", "month", date(2025, 3, 31), "Duty", None)
    history = action_history(engine, action_id)
    assert [(v.status, v.owner, v.author) for v in history] == [
        ("done", "K. Other", "K. Other"),
        ("open", "K. Other", "J. Lead"),
        ("open", "J. Lead", "A. Chair"),
    ]
    assert history[1].note == "handed"


def test_filters_owner_status_la_and_overdue_boundary(engine: Engine) -> None:
    first = _raise(engine, la_code="394")
    _raise(engine, kpi="referrals", la_code="391")
    anywhere = _raise(engine, kpi="contacts")
    update_action(engine, anywhere, "J. Lead", status="dropped")
    assert [a.action_id for a in list_actions(engine, la_code="394")] == [first, anywhere]
    assert [a.action_id for a in list_actions(engine, status="dropped")] == [anywhere]
    assert len(list_actions(engine, owner="j. lead")) == 3  # owner matched without case
    # Due 30 April: not overdue on the day, overdue the day after; a dropped action never is.
    assert list_actions(engine, overdue_on=DUE) == []
    assert len(list_actions(engine, overdue_on=date(2025, 5, 1))) == 2
    assert actions_by_kpi(list_actions(engine)) == {
        "rereferrals_12m": "Audit 20 re-referrals (J. Lead, due 30 Apr 2025, open)",
        "referrals": "Audit 20 re-referrals (J. Lead, due 30 Apr 2025, open)",
    }


def test_missing_parts_are_refused_with_what_to_fix(engine: Engine) -> None:
    with pytest.raises(ActionError, match="owner"):
        raise_action(engine, ActionScope("referrals"), "Audit", " ", DUE, "A. Chair")
    with pytest.raises(ActionError, match="due"):
        raise_action(engine, ActionScope("referrals"), "Audit", "J. Lead", None, "A. Chair")
    action_id = _raise(engine)
    with pytest.raises(ActionError, match="Unknown status 'closed'"):
        update_action(engine, action_id, "J. Lead", status="closed")
    with pytest.raises(ActionError, match="no action 999"):
        update_action(engine, 999, "J. Lead", status="done")


def test_cli_lists_overdue_actions_as_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from store.engine import open_store

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    late = _raise(engine, la_code="394")
    done = _raise(engine, kpi="referrals")
    update_action(engine, done, "J. Lead", status="done")
    raise_action(
        engine, ActionScope("contacts"), "=cmd|' /C calc'!A0", "J. Lead", date(2025, 6, 1), "A. Chair"
    )
    engine.dispose()
    assert main(["actions", "--db", url, "--overdue", "--format", "csv", "--today", "2025-05-01"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [int(r["action_id"]) for r in rows] == [late] and rows[0]["overdue"] == "yes"
    assert main(["actions", "--db", url, "--format", "csv"]) == 0
    everything = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert any(r["action"].startswith("'=cmd") for r in everything)  # formula-safe
    assert main(["actions", "--db", url, "--today", "2025-05-01"]) == 0
    assert "OVERDUE" in capsys.readouterr().out
