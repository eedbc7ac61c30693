"""Plain English (issue 12): no page shows a column or kind name, plurals agree, every LA
page says how current its data is, Data quality says per partner and extract how current
each is, and the Early help page's tiles come from the registry's tag."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from metrics import results
from metrics.registry import load_registry, parse_registry
from metrics.wording import column_words, plural, wording
from scorecard.app import create_app
from store.extracts import EXTRACTS
from store.local_authorities import la_name
from tests.dash_fixtures import (
    MAIN_LA,
    call_with_trigger,
    fake_results_store,
    page,
    pipeline_store,
    settings_for,
    signed_in_request,
    text_of,
)

# Every stored name a user could be shown by mistake: extract kinds and their columns with
# an underscore (a name like "team" or "outcome" is an English word as well).
STORED_NAMES = sorted(
    {k.name for k in EXTRACTS.values()} | {c.name for k in EXTRACTS.values() for c in k.all_columns}
)
RAW_NAME = re.compile(
    # Quoted after its words, "Decision date (decision_date)", is how a file's header is
    # named where the user must mend the file; a file name ("cp_plans.csv") is a file name.
    r"(?<![\w(.])(" + "|".join(n for n in STORED_NAMES if "_" in n) + r")(?![\w)]|\.\w)"
)
# "1 episodes", "(1 rows)": a count of one with a plural noun. Decimals ("1.5 days") and
# larger numbers ("21 rows") do not match.
BAD_PLURAL = re.compile(r"(?<![\d.,])\b1 (?!of\b)([a-z]+s)\b")
NOT_PLURALS = {"is", "was", "has", "this", "its", "plus", "status", "less", "across"}


def _problems(text: str) -> list[str]:
    found = [f"column or kind name {m.group(0)!r}" for m in RAW_NAME.finditer(text)]
    found += [f"plural {m.group(0)!r}" for m in BAD_PLURAL.finditer(text) if m.group(1) not in NOT_PLURALS]
    return found


def test_the_scan_finds_what_it_looks_for() -> None:
    assert _problems("no contacts with a decision_date in the period (1 episodes)") == [
        "column or kind name 'decision_date'",
        "plural '1 episodes'",
    ]
    assert _problems("Decision date (decision_date); cp_plans.csv; 21 rows; 1 row; 1 of 3 closures") == []


def _views(la: str, end: str) -> dict[str, Any]:
    """Every page's layout and every callback that draws what a user reads."""
    views: dict[str, Any] = {
        "scorecard": page("scorecard").show_scorecard(la, "month", end, "all", "all"),
        "journey": page("journey").show_journey(la, "quarter", end),
        "partners": page("partners").show_partners(la, "quarter", end),
        "early_help": page("early_help").show_early_help(la, "year", end),
        "data_quality": page("data_quality").show_data_quality(la, "month", end),
        "rejects": page("data_quality").show_rejects("all"),
    }
    for name in ("scorecard", "journey", "partners", "early_help", "data_quality", "loads", "actions"):
        views[f"layout_{name}"] = page(name).layout(la=la, routed_by="app-shell")
    for name in ("admin_audit", "admin_users"):
        views[f"layout_{name}"] = page(name).layout()
    indicator = page("indicator")
    for ind in load_registry():
        views[f"indicator_{ind.id}"] = indicator.show_indicator(la, "month", end, "all", "all", ind.id)
        views[f"layout_indicator_{ind.id}"] = indicator.layout(kpi_id=ind.id, la=la, routed_by="app-shell")
        if "all" in ind.breakdowns:  # the data-quality ids list their records on Data quality
            args = (la, "month", end, "all", "all", ind.id)
            views[f"records_{ind.id}"] = call_with_trigger(
                indicator.show_records, "indicator-records-show.n_clicks", 1, *args
            )
    # A file the loaders refuse: its message names the missing column.
    bad = "data:text/csv;base64,Y2luX3BsYW5faWQsc3RhcnRfZGF0ZQpBMSwyMDI0LTAxLTA1Cg=="
    views["upload_preview"] = call_with_trigger(
        page("loads").preview_upload, "loads-upload.contents", [bad], None, ["cin_plans.csv"], "auto", "", ""
    )[0]
    return views


@pytest.fixture(scope="module", params=["samples", "results"])
def store_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The app on the committed samples loaded and recomputed, and on the dashboard tests'
    store of results (whose loads have rejected rows of every kind)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('plain') / 'store.db'}"
    (pipeline_store if request.param == "samples" else fake_results_store)(url).dispose()
    return create_app(settings_for(url))


def test_no_page_shows_a_column_name_or_a_disagreeing_plural_and_each_says_how_current(
    store_app: Any,
) -> None:
    """Every page and callback: no stored name, no "1 episodes"; and every page about an LA
    says "Data for <LA> from <first> to <last event date>"."""
    from metrics.periods import month_end

    with signed_in_request(store_app) as ctx:
        window = results.reporting_window(ctx.engine, MAIN_LA)
        assert window is not None
        start, last = window
        views = _views(MAIN_LA, month_end(last).isoformat())
    found = {name: problems for name, view in views.items() if (problems := _problems(text_of(view)))}
    assert found == {}
    expected = f"Data for {la_name(MAIN_LA)} from {start.day} {start:%b %Y} to {last.day} {last:%b %Y}."
    for name in ("scorecard", "journey", "partners", "early_help", "indicator_referrals"):
        assert expected in text_of(views[name]), name
    assert expected in text_of(views["data_quality"][0])


# --- Data quality: how current each partner's extracts are ----------------------------------


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_data_quality_shows_each_partners_latest_event_and_load_date(tmp_path: Path) -> None:
    from loaders.pipeline import LoadOptions, load_paths
    from metrics.recompute import recompute
    from store.engine import open_store
    from store.times import uk_time
    from tests.dash_fixtures import TEST_SECRET

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = open_store(url)
    key = TEST_SECRET.encode()
    police = _write(
        tmp_path,
        "contacts.csv",
        "contact_id,child_id,contact_date,contact_source,outcome\n"
        "K1,C1,2025-01-10,2A,nfa\nK2,C2,2025-02-27,2A,nfa\n",
    )
    health = _write(
        tmp_path,
        "contacts_health.csv",
        "contact_id,child_id,contact_date,contact_source,outcome\nK3,C3,2025-02-03,3A,nfa\n",
    )
    plans = _write(
        tmp_path,
        "cin_plans.csv",
        # The open plan's blank end date is as it should be (completeness leaves it out).
        "cin_plan_id,child_id,start_date,end_date\nP1,C1,2025-01-06,\nP2,C2,2025-03-14,2025-03-20\n",
    )
    for path, partner in ((police, "Police"), (health, "Health"), (plans, "Children's social care")):
        options = LoadOptions(key=key, default_la=MAIN_LA, partner=partner, load_date=date(2025, 4, 1))
        (outcome,) = load_paths(engine, [path], options)
        assert outcome.status == "loaded", outcome
    recompute(engine)
    loaded = {
        r["partner"]: uk_time(r["finished_at"])
        for r in results.load_history(engine, limit=10).to_dict("records")
    }
    engine.dispose()
    app = create_app(settings_for(url))
    dq = page("data_quality")

    with signed_in_request(app) as ctx:
        text = text_of(dq.freshness_section(ctx, MAIN_LA, dq._allowed(ctx)))
    # By hand: Police's two contacts end on 27 Feb, Health's one is 3 Feb, the plans' latest
    # start is 14 Mar; each loaded once, at the time its load finished.
    for partner, extract, latest in (
        ("Children's social care", "Child in need plans", "14 Mar 2025"),
        ("Health", "Contacts", "03 Feb 2025"),
        ("Police", "Contacts", "27 Feb 2025"),
    ):
        row = f"{partner}  {extract}  {latest}  {loaded[partner]:%d %b %Y %H:%M}"
        assert row in text, (row, text)
    assert f"How current each partner's data is ({la_name(MAIN_LA)})" in text
    # A partner sees only its own loads' rows (as the rest of Data quality).
    with signed_in_request(app, "partner", agency="Health", username="health-partner") as ctx:
        mine = text_of(dq.freshness_section(ctx, MAIN_LA, dq._allowed(ctx)))
    assert "Health" in mine and "03 Feb 2025" in mine
    assert "Police" not in mine and "27 Feb 2025" not in mine and "Child in need plans" not in mine
    # The whole page shows it under the LA's loads.
    with signed_in_request(app):
        _, loads_part = dq.show_data_quality(MAIN_LA, "month", "2025-03-31")
    assert "Latest event date and date loaded, by partner and extract" in text_of(loads_part)


def _ctx() -> Any:
    from scorecard.context import get_context

    return get_context()


def test_completeness_on_data_quality_says_what_is_blank_by_design() -> None:
    text = page("data_quality").blank_by_design_text()
    assert "Child in need plans: End date (blank while the plan is open)" in text
    assert "Early help episodes: Closure reason (blank until the episode ends)" in text
    assert "end_date" not in text


# --- The wording table and plurals ---------------------------------------------------------


def test_every_column_of_every_extract_has_words() -> None:
    for kind in EXTRACTS.values():
        for column in kind.all_columns:
            words = column_words(kind.name, column.name)
            assert words != column.name and "_" not in words, (kind.name, column.name)
    for ind in load_registry():
        for column in ind.records.columns:
            assert "_" not in column_words(None, column), (ind.id, column)


def test_the_wording_table_refuses_an_unworded_column() -> None:
    from metrics.wording import Wording

    data = wording().model_dump()
    del data["columns"]["contacts"]["decision_date"]
    with pytest.raises(ValidationError, match=r"columns.contacts: words missing for \['decision_date'\]"):
        Wording.model_validate(data)


@pytest.mark.parametrize(
    ("n", "noun", "expected"),
    [
        (1, "episode", "1 episode"),
        (0, "episode", "0 episodes"),
        (2, "episode", "2 episodes"),
        (1.0, "closure", "1 closure"),
        (1, "child", "1 child"),
        (2, "child", "2 children"),
        (12_345, "row", "12,345 rows"),
    ],
)
def test_plural_agrees_with_its_number(n: float, noun: str, expected: str) -> None:
    assert plural(n, noun) == expected


# --- Early help tiles by tag -----------------------------------------------------------------


def _registry_text() -> str:
    from importlib import resources

    return resources.files("metrics").joinpath("data", "indicators.yaml").read_text("utf-8")


def test_early_help_tiles_are_the_indicators_tagged_early_help_tile_in_their_places() -> None:
    eh = page("early_help")
    registry = load_registry()
    assert [t.label for _, t in eh.tiles_by_tag(registry)] == [
        "Reach per 10,000 children",
        "Episodes started",
        "Episodes closed",
        "Closed with outcomes achieved",
        "Stepped up to social care",
        "Stepped down from social care",
        "Repeat episodes within 12 months",
    ]
    rows = {
        "eh_started": {"value": 1.0, "numerator": 1.0},
        "eh_outcomes_achieved": {"value": 50.0, "numerator": 1.0, "denominator": 2.0},
    }
    assert (
        eh.headline_text(registry, rows)
        == "1 early help episode started, 50.0% of closures with outcomes achieved"
    )
    rows["eh_started"] = {"value": 140.0}
    assert eh.headline_text(registry, rows).startswith("140 early help episodes started, ")
    # Move a tile in the YAML and drop another's tag: the page follows the declaration.
    data = yaml.safe_load(_registry_text())
    for ind in data["indicators"]:
        if ind["id"] == "eh_started":
            del ind["tags"]["early_help_tile"], ind["tiles"]
        if ind["id"] == "eh_repeat_12m":
            ind["tags"]["early_help_tile"] = 0
    changed = parse_registry(yaml.safe_dump(data))
    labels = [t.label for _, t in eh.tiles_by_tag(changed)]
    assert labels[0] == "Repeat episodes within 12 months" and "Episodes started" not in labels
    assert eh.headline_text(changed, rows) == "50.0% of closures with outcomes achieved"
    tiles = text_of(eh.headline_tiles(changed, rows, None))
    assert "Episodes started" not in tiles and "1 of 2 closures" in tiles


def test_tiles_and_the_tag_go_together() -> None:
    data = yaml.safe_load(_registry_text())
    for ind in data["indicators"]:
        if ind["id"] == "eh_started":
            del ind["tags"]["early_help_tile"]
    with pytest.raises(ValidationError, match=r"tiles \(their words\) go with the early_help_tile tag"):
        parse_registry(yaml.safe_dump(data))
