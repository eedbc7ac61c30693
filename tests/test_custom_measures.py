"""A partnership's own measures file (SCORECARD_MEASURES_FILE) is known everywhere the
shipped example is: loading, the recompute, the scorecard's "Partners' measures"
section, the indicator page and its records, the targets, the template download and
``scorecard kpis``; and no production code builds the registry or the measures without it.

The custom file declares a different measure set from the shipped one (other ids,
owners, units and grains), so anything still reading the shipped registry shows the
wrong measures or fails on the custom ids.
"""

from __future__ import annotations

import ast
import base64
import calendar
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scorecard.audit import RecordView
from scorecard.cli import main
from store.engine import open_store
from store.measures import default_measures, next_period
from store.schema import kpi_results
from tests import dash_fixtures
from tests.dash_fixtures import MAIN_LA, as_user, call_with_trigger, make_user, page, settings_for, text_of

ROOT = Path(__file__).resolve().parents[1]
CUSTOM = """measures:
  - id: mash_checks_timely
    title: MASH police checks returned within 24 hours
    owner: Police
    definition: Of police checks the MASH asked for in the period, those returned within 24 hours.
    unit: percent
    polarity: up
    grain: month
    target: 80
    tolerance: 4
  - id: housing_welfare_visits
    title: Housing welfare visits to families in temporary accommodation
    owner: housing
    definition: Welfare visits made by the housing service to families with children.
    unit: count
    polarity: none
    grain: quarter
"""
OURS = ("pm_mash_checks_timely", "pm_housing_welfare_visits")
SHIPPED = tuple(m.kpi_id for m in default_measures().measures)
END = date(2026, 3, 31)


def _figures() -> str:
    lines = ["measure_id,period_start,period_end,numerator,denominator,value,note"]
    # January to March 2026: 9 of 10, 7 of 10, 17 of 20.
    for month, (num, den) in zip((1, 2, 3), ((9, 10), (7, 10), (17, 20)), strict=True):
        last = date(2026, month, calendar.monthrange(2026, month)[1])
        lines.append(f"mash_checks_timely,{date(2026, month, 1)},{last},{num},{den},,")
    lines.append("housing_welfare_visits,2026-01-01,2026-03-31,,,42,")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A store loaded (by the command line, with the setting) with the samples' contacts
    and the custom measures' figures, and recomputed."""
    root = tmp_path_factory.mktemp("custom-measures")
    measures = root / "our_measures.yaml"
    measures.write_text(CUSTOM, "utf-8")
    extracts = root / "extracts"
    extracts.mkdir()
    shutil.copy(ROOT / "data" / "samples" / "contacts.csv", extracts / "contacts.csv")
    (extracts / "partner_measures.csv").write_text(_figures(), "utf-8")
    url = f"sqlite:///{root / 'scorecard.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCORECARD_MEASURES_FILE", str(measures))
        mp.setenv("SCORECARD_SECRET_KEY", dash_fixtures.TEST_SECRET)
        assert main(["load", "--db", url, "--la", MAIN_LA, str(extracts)]) == 0
    yield {"url": url, "measures": measures, "root": root}


@pytest.fixture(scope="module")
def custom_app(custom: dict[str, Any]) -> Any:
    from scorecard.app import create_app

    return create_app(settings_for(custom["url"], measures_file=custom["measures"]))


@pytest.fixture
def ctx(custom_app: Any) -> Iterator[Any]:
    from scorecard.context import get_context

    with custom_app.server.test_request_context("/"):
        as_user(make_user(get_context().engine, "admin"))
        yield get_context()


def test_the_recompute_stores_the_custom_measures_with_their_own_target(custom: dict[str, Any]) -> None:
    engine = open_store(custom["url"])
    c = kpi_results.c
    with engine.connect() as conn:
        ids = {str(k) for k in conn.execute(select(c.kpi_id).distinct()).scalars()}
        row = conn.execute(
            select(c.value, c.target, c.status).where(
                c.kpi_id == "pm_mash_checks_timely",
                c.grain == "quarter",
                c.period_end == END,
                c.breakdown == "all",
            )
        ).one()
    assert set(OURS) <= ids
    assert not ids & set(SHIPPED)
    # 33 of 40 = 82.5 %, against the measures file's own target of 80: green.
    assert row.value == pytest.approx(82.5)
    assert (row.target, row.status) == (80.0, "green")


def test_the_scorecard_section_shows_the_custom_measures_under_their_owners(ctx: Any) -> None:
    text = text_of(page("scorecard").show_scorecard(MAIN_LA, "quarter", END.isoformat(), "all", "all"))
    assert "Partners' measures" in text
    assert "MASH police checks returned within 24 hours" in text
    assert "Housing welfare visits to families in temporary accommodation" in text
    assert "Police" in text and "Housing" in text
    for shipped in default_measures().measures:
        assert shipped.title not in text


def test_the_indicator_page_knows_a_custom_measure_and_lists_its_figures(ctx: Any) -> None:
    indicator = page("indicator")
    kpi = "pm_mash_checks_timely"
    assert indicator.page_title(kpi).startswith("MASH police checks returned within 24 hours")
    query = {"la": MAIN_LA, "grain": "quarter", "period": "2026-03"}
    text = text_of(indicator.layout(kpi_id=kpi, **query))
    assert "Indicator not found" not in text
    assert "The figures Police reported for each month of the period." in text
    view = RecordView(MAIN_LA, kpi, "quarter", END, "all", "all")
    records = indicator.fetch_records(ctx, view)
    assert list(records["period_start"].astype(str).str[:10]) == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert list(records["numerator"]) == [9, 7, 17]


def test_the_template_download_gives_a_partner_its_custom_measures(ctx: Any) -> None:
    as_user(make_user(ctx.engine, "partner", agency="Police", username="police-custom"))
    data, message = call_with_trigger(page("loads").download_template, "loads-template.n_clicks", 1, None)
    start, end = next_period("month", date.today())
    lines = base64.b64decode(data["content"]).decode("utf-8-sig").splitlines()
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["mash_checks_timely", start.isoformat(), end.isoformat()]
    ]
    assert "Downloaded" in message


def test_the_kpis_command_and_targets_list_take_the_custom_file(
    custom: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORECARD_MEASURES_FILE", str(custom["measures"]))
    code = main(["kpis", "--db", custom["url"], "--la", MAIN_LA, "--grain", "quarter", "--from", "2026-03"])
    out = capsys.readouterr().out
    assert code == 0
    assert all(kpi in out for kpi in OURS)
    assert not any(kpi in out for kpi in SHIPPED)
    assert main(["targets", "list", "--db", custom["url"]]) == 0
    listed = capsys.readouterr().out
    assert "pm_mash_checks_timely, every LA: 80, tolerance 4" in listed
    assert not any(kpi in listed for kpi in SHIPPED)


# --- No production code builds the registry or the measures behind the setting's back --

# (file, function called, why it may be called there without the configured measures)
ALLOWED = {
    ("scorecard/settings.py", "default_measures"): "the edge: no SCORECARD_MEASURES_FILE set",
    ("scorecard/context.py", "default_measures"): "the dataclass default; create_app passes the setting's",
    (
        "loaders/partner_rules.py",
        "default_measures",
    ): "tests' default; every loader caller passes options.measures",
    (
        "metrics/registry.py",
        "default_measures",
    ): "load_registry(None): the shipped example, for code without settings",
    ("synthetic/workforce.py", "default_measures"): "workforce_tables(None); generate passes the setting's",
    ("metrics/snapshot_builder.py", "load_registry"): "hand-written snapshots of tests and docstrings",
    # The default of an optional registry parameter (tests, scripts); callers are checked below.
    ("metrics/records/__init__.py", "load_registry"): "records_for(registry=None)",
    ("metrics/recompute.py", "load_registry"): "recompute(registry=None)",
    ("metrics/disclosure.py", "load_registry"): "shared_view(registry=None)",
    ("metrics/suppression.py", "load_registry"): "suppress_frame(registry=None)",
}
# Functions taking an optional registry, and the position of its argument.
REGISTRY_ARGUMENT = {
    "recompute": 99,
    "records_for": 7,
    "records_by_group": 6,
    "shared_view": 6,
    "suppress_frame": 99,
}
PACKAGES = ("scorecard", "metrics", "loaders", "store", "synthetic", "app.py")


def _calls(path: Path) -> Iterator[tuple[str, ast.Call]]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            yield name, node


def test_every_caller_passes_the_configured_registry_or_measures() -> None:
    found = []
    files = [
        p for pkg in PACKAGES for p in ([ROOT / pkg] if pkg.endswith(".py") else (ROOT / pkg).rglob("*.py"))
    ]
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for name, call in _calls(path):
            keywords = {k.arg for k in call.keywords}
            bare = not call.args and not keywords
            unconfigured = (name == "load_registry" and bare) or name == "default_measures"
            if unconfigured and (rel, name) not in ALLOWED:
                found.append(f"{rel}:{call.lineno} {name}()")
            at = REGISTRY_ARGUMENT.get(name)
            if at is not None and "registry" not in keywords and len(call.args) <= at:
                found.append(f"{rel}:{call.lineno} {name}() without the registry")
    assert found == []


def test_generate_writes_figures_for_the_custom_measures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    measures = tmp_path / "our_measures.yaml"
    measures.write_text(CUSTOM, "utf-8")
    monkeypatch.setenv("SCORECARD_MEASURES_FILE", str(measures))
    out = tmp_path / "generated"
    assert main(["generate", "--out", str(out), "--children", "300", "--years", "1"]) == 0
    capsys.readouterr()
    rows = (out / "partner_measures.csv").read_text("utf-8").splitlines()[1:]
    assert {row.split(",")[0] for row in rows} == {"mash_checks_timely", "housing_welfare_visits"}
