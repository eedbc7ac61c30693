"""``scorecard users`` and ``scorecard audit`` against a real SQLite store."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from scorecard import accounts
from scorecard.cli import main
from store.engine import open_store

PASSWORD = "a long enough password"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SCORECARD_NEW_PASSWORD", PASSWORD)
    return f"sqlite:///{tmp_path / 'store.db'}"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_users_add_list_set_role_disable_reset(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "users", "add", "sam", "--role", "analyst", "--la", "394", "--db", db)[0] == 0
    code, out, _ = _run(capsys, "users", "add", "pc", "--role", "partner", "--agency", "Police", "--db", db)
    assert code == 0 and "added pc (partner" in out
    code, out, _ = _run(capsys, "users", "list", "--format", "csv", "--db", db)
    rows = {r["username"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["sam"]["role"] == "analyst" and rows["sam"]["las"] == "394"
    assert rows["pc"]["agency"] == "Police" and rows["sam"]["password"] == "True"
    assert _run(capsys, "users", "set-role", "sam", "manager", "--la", "394,390", "--db", db)[0] == 0
    assert _run(capsys, "users", "disable", "pc", "--db", db)[0] == 0
    engine = open_store(db)
    sam = accounts.get_user(engine, username="sam")
    assert sam is not None and sam.role == "manager" and sam.las == frozenset({"390", "394"})
    pc = accounts.get_user(engine, username="pc")
    assert pc is not None and not pc.active
    assert accounts.check_password(engine, "sam", PASSWORD, None).user is not None
    code, out, _ = _run(capsys, "audit", "--user", "nobody", "--db", db)
    assert code == 0
    code, out, _ = _run(capsys, "audit", "--since", "2020-01-01", "--format", "csv", "--db", db)
    audit = list(csv.DictReader(io.StringIO(out)))
    assert [r["action"] for r in audit] == ["user"] * 4
    assert "set-role: sam is now manager" in audit[1]["detail"]


def test_users_errors_say_what_to_do(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "users", "disable", "ghost", "--db", db)
    assert code == 1 and "There is no user 'ghost'" in err
    code, _, err = _run(capsys, "users", "add", "p", "--role", "partner", "--db", db)
    assert code == 1 and "needs its agency" in err
    with pytest.raises(SystemExit):
        main(["users", "add", "x", "--role", "root", "--db", db])


def test_audit_format_csv_filters_by_user(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from scorecard.audit import record

    engine = open_store(db)
    record(engine, "signin", "sam", "10.0.0.1", "password")
    record(engine, "records.download", "kim", "10.0.0.2", "=HYPERLINK(1)", "394")
    code, out, _ = _run(capsys, "audit", "--user", "kim", "--format", "csv", "--db", db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["username"] for r in rows] == ["kim"]
    assert rows[0]["detail"] == "'=HYPERLINK(1)"  # formula-safe
