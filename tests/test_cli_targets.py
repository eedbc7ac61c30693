"""``scorecard targets set|list`` against a real SQLite store: stored, audited, checked."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from sqlalchemy import select

from scorecard.cli import main
from store.engine import open_store
from store.schema import audit_log, kpi_results, target_overrides


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_targets_set_stores_audits_and_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    code, out, err = _run(
        capsys, "targets", "set", "icpc_15wd", "75", "--la", "394", "--no-recompute", "--db", db
    )
    assert code == 0, err
    assert out.strip() == "icpc_15wd, LA 394: target 80 (tolerance 5) -> 75 (tolerance 5)"
    code, out, _ = _run(
        capsys, "targets", "set", "icpc_15wd", "82", "--tolerance", "3", "--no-recompute", "--db", db
    )
    assert out.strip() == "icpc_15wd, every LA: target 80 (tolerance 5) -> 82 (tolerance 3)"
    code, out, _ = _run(capsys, "targets", "list", "--db", db)
    assert "icpc_15wd, every LA: 82, tolerance 3 (set in the app)" in out
    assert "icpc_15wd, LA 394: 75 (set in the app)" in out
    assert "assessments_45wd, every LA: 85\n" in out
    engine = open_store(db)
    with engine.connect() as conn:
        audited = conn.execute(
            select(audit_log.c.username, audit_log.c.la_code, audit_log.c.detail).where(
                audit_log.c.action == "target"
            )
        ).all()
        stored = conn.execute(select(target_overrides.c.kpi_id, target_overrides.c.la_code)).all()
    who = f"{getpass.getuser()} (command line)"
    assert [tuple(a)[:2] for a in audited] == [(who, "394"), (who, None)]
    assert sorted(tuple(s) for s in stored) == [("icpc_15wd", "*"), ("icpc_15wd", "394")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["icpc_15wd", "120"], "not a percentage from 0 to 100"),
        (["contacts", "10"], "polarity is neutral"),
        (["nope", "10"], "'nope' is not an indicator id"),
    ],
)
def test_targets_set_refuses_what_a_targets_file_may_not_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    code, _, err = _run(capsys, "targets", "set", *argv, "--no-recompute", "--db", db)
    assert code == 1 and message in err
    with open_store(db).connect() as conn:
        assert conn.execute(select(audit_log.c.audit_id)).first() is None


def test_a_changed_target_is_applied_by_the_recompute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The samples loaded and recomputed; then a new target for LA 394: every stored result of
    that indicator and LA carries it after the recompute the command runs (the inputs
    fingerprint includes the targets set in the app, so nothing is skipped as unchanged)."""
    from tests.dash_fixtures import MAIN_LA, pipeline_store

    db = f"sqlite:///{tmp_path / 'store.db'}"
    engine = pipeline_store(db)
    r = kpi_results.c

    def targets() -> set[float]:
        with engine.connect() as conn:
            query = select(r.target).where(r.kpi_id == "assessments_45wd", r.la_code == MAIN_LA)
            return set(conn.execute(query).scalars())

    assert targets() == {85.0}
    code, out, err = _run(capsys, "targets", "set", "assessments_45wd", "91", "--la", MAIN_LA, "--db", db)
    assert code == 0, err
    assert "recomputed indicators" in out
    assert targets() == {91.0}
