"""Start-up refuses an indicator whose declaration and code do not match, naming the id."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics import wiring
from metrics.recompute import recompute
from metrics.registry import load_registry
from scorecard.app import create_app
from scorecard.settings import Settings
from store.engine import open_store


def _ghost(ctx: object, breakdown: str) -> None:
    return None


def test_create_app_refuses_code_for_an_undeclared_indicator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(wiring._MEASURES, "ghost_indicator", _ghost)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.db'}", secret_key="k" * 40)
    named = r"@measure\('ghost_indicator'\) on tests.test_wiring._ghost"
    with pytest.raises(wiring.WiringError, match=named):
        create_app(settings)


def test_recompute_refuses_a_declared_indicator_without_records(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wiring.check_wiring(load_registry())  # imports the code, filling the tables
    monkeypatch.delitem(wiring._RECORDS, "rereferrals_12m")
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with pytest.raises(wiring.WiringError, match=r"'rereferrals_12m' is declared .* no @records"):
        recompute(engine)
