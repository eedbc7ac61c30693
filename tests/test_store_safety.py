"""Store safety (issue 14): concurrent loads serialise, private files, no silent new key.

The concurrent loads are two real ``scorecard load`` processes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from scorecard.cli import main
from store.engine import WAITING_MESSAGE, WRITE_LOCK_KEY, normalise_url, open_store
from store.schema import kind_table, loads
from tests.conftest import TEST_KEY
from tests.hostile_files import RAW_PREFIX, valid_csv


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARD_")}
    env["SCORECARD_SECRET_KEY"] = TEST_KEY.decode()
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return env


def _load_process(url: str, path: Path, tmp_path: Path, err: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scorecard.cli",
            "load",
            str(path),
            "--la",
            "394",
            "--db",
            url,
            "--no-recompute",
        ],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=err.open("wb"),
    )


def _wait_for(path: Path, words: str, timeout: float = 90) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = path.read_text(errors="replace") if path.exists() else ""
        if words in found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{words!r} not seen in {path.read_text(errors='replace')!r}")


def test_two_loads_of_one_file_at_once_on_a_new_store_make_one_load(store_url: str, tmp_path: Path) -> None:
    extract = tmp_path / "contacts.csv"
    extract.write_bytes(valid_csv(20_000))
    errs = [tmp_path / "a.err", tmp_path / "b.err"]
    procs = [_load_process(store_url, extract, tmp_path, e) for e in errs]
    outs = [p.communicate(timeout=300)[0].decode() for p in procs]
    for proc, out, err in zip(procs, outs, errs, strict=True):
        stderr = err.read_text()
        assert proc.returncode == 0, (out, stderr)
        assert "Traceback" not in stderr and RAW_PREFIX not in stderr + out
    assert sorted("unchanged" in out for out in outs) == [False, True]
    engine = open_store(store_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(loads)).scalar() == 1
            assert conn.execute(select(func.count()).select_from(kind_table("contacts"))).scalar() == 20_000
    finally:
        engine.dispose()


def test_a_load_waits_for_another_writer_and_says_so(store_url: str, tmp_path: Path) -> None:
    open_store(store_url).dispose()
    extract = tmp_path / "contacts.csv"
    extract.write_bytes(valid_csv(10))
    err = tmp_path / "load.err"
    if store_url.startswith("sqlite"):
        holder = sqlite3.connect(store_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")

        def release() -> None:
            holder.execute("ROLLBACK")
            holder.close()

    else:
        engine = create_engine(normalise_url(store_url), isolation_level="AUTOCOMMIT")
        conn = engine.connect()
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": WRITE_LOCK_KEY})

        def release() -> None:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": WRITE_LOCK_KEY})
            conn.close()
            engine.dispose()

    proc = _load_process(store_url, extract, tmp_path, err)
    try:
        _wait_for(err, WAITING_MESSAGE)
        assert proc.poll() is None  # still waiting
    finally:
        release()
    out = proc.communicate(timeout=120)[0].decode()
    assert proc.returncode == 0, err.read_text()
    assert "10 read, 10 loaded, 0 rejected" in out
    assert "Traceback" not in err.read_text()


def test_the_sqlite_file_and_its_wal_are_private(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'store.db'}"
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x int)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        files = sorted(p.name for p in (tmp_path / "new").iterdir())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "new").iterdir()}
    engine.dispose()
    assert "store.db-wal" in files
    assert set(modes.values()) == {0o600}, modes


def test_a_missing_key_file_for_a_store_with_pseudonyms_is_an_error_not_a_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCORECARD_SECRET_KEY", raising=False)
    key_file = tmp_path / "keys" / "secret.key"
    monkeypatch.setenv("SCORECARD_SECRET_KEY_FILE", str(key_file))
    (tmp_path / "contacts.csv").write_bytes(valid_csv(3))
    assert main(["load", "contacts.csv", "--la", "394", "--no-recompute"]) == 0
    key_file.unlink()
    (tmp_path / "contacts_2.csv").write_bytes(valid_csv(4))
    assert main(["load", "contacts_2.csv", "--la", "394", "--no-recompute"]) == 1
    err = capsys.readouterr().err
    assert f"the key file {key_file} is missing" in err
    assert "Restore" in err and "backup" in err
    assert not key_file.exists()
