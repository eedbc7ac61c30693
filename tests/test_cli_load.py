"""The command line as a user meets it: exit status, output lines, JSON, history, rejects."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from scorecard.cli import main
from tests.test_loader_rules import CONTACT_HEADER, csv_bytes

GOOD = csv_bytes(CONTACT_HEADER, "C1,P1,2024-02-29,6,referral,2024-03-01", "C2,P2,2024-03-04,2A,nfa,")
WITH_REJECT = csv_bytes(
    CONTACT_HEADER, "C3,P3,2024-03-04,6,nfa,", "C4,P000999,2024-03-05,6,=cmd|' /C calc'!A0,"
)
BAD = csv_bytes("contact_id,child_id,contact_date", "C9,P9,2024-01-01")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCORECARD_SECRET_KEY_FILE", str(tmp_path / "keys" / "secret.key"))
    for name in ("SCORECARD_DATABASE_URL", "SCORECARD_SECRET_KEY", "SCORECARD_DEFAULT_LA"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "contacts.csv").write_bytes(GOOD)
    (tmp_path / "in" / "contacts_2024-03.csv").write_bytes(WITH_REJECT)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "contacts.csv").write_bytes(BAD)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([*args, "--no-recompute"] if args[0] == "load" else list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_default_database_is_data_scorecard_db_and_the_key_file_is_private(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "load", "in/contacts.csv", "--la", "394")
    assert status == 0
    assert (env / "data" / "scorecard.db").is_file()
    key_file = env / "keys" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert out.strip() == "in/contacts.csv: contacts: 2 read, 2 loaded, 0 rejected"


def test_one_line_per_file_with_what_to_do_next_and_exit_0_with_row_rejects(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "load", "in", "--la", "394", "--db", "sqlite:///x.db")
    lines = out.strip().splitlines()
    assert status == 0
    assert lines[0] == "in/contacts.csv: contacts: 2 read, 2 loaded, 0 rejected"
    assert lines[1] == (
        "in/contacts_2024-03.csv: contacts: 2 read, 1 loaded, 1 rejected. "
        "Next: see the rejected rows with: scorecard rejects --load 2"
    )


def test_a_file_rejected_whole_exits_1_and_says_why(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "load", "bad/contacts.csv", "--la", "394")
    assert status == 1
    assert out.startswith(
        "bad/contacts.csv: REJECTED (contacts): required columns contact_source, outcome missing"
    )


def test_json_lists_one_object_per_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "load", "in", "bad", "--la", "394", "--json")
    got = json.loads(out)
    assert status == 1
    assert [
        (o["file"], o["kind"], o["rows_read"], o["rows_loaded"], o["rows_rejected"], o["status"]) for o in got
    ] == [
        ("in/contacts.csv", "contacts", 2, 2, 0, "loaded"),
        ("in/contacts_2024-03.csv", "contacts", 2, 1, 1, "loaded"),
        ("bad/contacts.csv", "contacts", 1, 0, 1, "rejected"),
    ]
    status, out, _ = run(capsys, "load", "in/contacts.csv", "--la", "394", "--json")
    assert status == 0 and json.loads(out)[0]["status"] == "unchanged"


@pytest.mark.parametrize(
    "args",
    [
        ["load", "missing.csv"],
        ["load", "in", "--kind", "nonsense"],
        ["load", "in", "--la", "Sunderland"],
        ["rejects", "--load", "99"],
        ["loads", "--format", "xml"],
    ],
)
def test_bad_usage_exits_2_with_a_message(
    env: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        status = main(args)
        raise SystemExit(status)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_rejects_report_file_row_column_value_reason_masking_child_ids(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "load", "in", "--la", "394")
    status, out, _ = run(capsys, "rejects", "--load", "2", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and len(rows) == 1
    row = rows[0]
    assert (row["file"], row["row_number"], row["column"]) == ("contacts_2024-03.csv", "2", "outcome")
    assert row["value"] == "'=cmd|' /C calc'!A0"  # formula injection escaped
    assert row["reason"].startswith("unknown code")
    assert "P000999" not in out
    status, table, _ = run(capsys, "rejects")
    assert "unknown code: expected one of referral" in table


def test_loads_history(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "load", "in", "bad", "--la", "394", "--partner", "Police")
    status, out, _ = run(capsys, "loads", "--format", "json")
    history = json.loads(out)
    assert status == 0
    assert [(h["load_id"], h["kind"], h["status"], h["partner"], h["rows_read"]) for h in history] == [
        (1, "contacts", "loaded", "Police", 2),
        (2, "contacts", "loaded", "Police", 2),
        (3, "contacts", "rejected", "Police", 1),
    ]


def test_database_url_from_the_environment_and_db_overrides_it(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORECARD_DATABASE_URL", f"sqlite:///{env / 'from_env.db'}")
    run(capsys, "load", "in/contacts.csv", "--la", "394")
    assert (env / "from_env.db").is_file() and not (env / "data" / "scorecard.db").exists()
    run(capsys, "load", "in/contacts.csv", "--la", "394", "--db", f"sqlite:///{env / 'flag.db'}")
    assert (env / "flag.db").is_file()


def test_the_installed_console_script_runs(env: Path) -> None:
    script = Path(os.__file__).parents[3] / "bin" / "scorecard"
    venv_script = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "scorecard"
    exe = venv_script if venv_script.exists() else script
    result = subprocess.run(
        [str(exe), "load", "in/contacts.csv", "--la", "394", "--no-recompute"],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    assert "2 loaded" in result.stdout
