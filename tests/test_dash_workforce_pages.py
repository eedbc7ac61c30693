"""Issue 10's pages: the scorecard's Workforce, Quality assurance and Partners' measures
sections, the Workforce and Quality assurance pages, partners' own measures on the
Partners page, and the partner-measures template download."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select

from metrics.registry import load_registry
from scorecard.components.scorecard_table import table_sections
from scorecard.pages.workforce import team_table
from store.measures import default_measures, next_period
from store.schema import audit_log
from tests import dash_fixtures
from tests.dash_fixtures import MAIN_LA, as_user, call_with_trigger, make_user, page, text_of

dash_store_url = dash_fixtures.dash_store_url
dash_app = dash_fixtures.dash_app
app_ctx = dash_fixtures.app_ctx

END = date(2025, 3, 31)
PERIOD = (MAIN_LA, "month", END.isoformat())


def test_tagged_sections_come_after_the_stages_and_partner_measures_by_owner() -> None:
    reg = load_registry()
    # Two indicators re-tagged as partners' measures of two owners (the pm_* ids come
    # from the measures file; the grouping is by owner whatever the id).
    inds = [
        i.model_copy(update={"tags": {"partner_measures": n}})
        if i.id in ("contacts", "referrals", "s47_started")
        else i
        for n, i in enumerate(reg.indicators)
    ]
    test_reg = reg.model_copy(update={"indicators": tuple(inds)})
    owners = {"contacts": "Police", "referrals": "Health", "s47_started": "Police"}
    sections = table_sections(test_reg, owners)
    headings = [h for h, _ in sections]
    assert headings[-3:] == ["Workforce", "Quality assurance", "Partners' measures"]
    assert "Data quality" not in headings
    partners = dict(sections[-1][1])
    assert [i.id for i in partners["Police"]] == ["contacts", "s47_started"]
    assert [i.id for i in partners["Health"]] == ["referrals"]
    shown = [i.id for _, subs in sections for _, inds in subs for i in inds]
    assert shown.count("contacts") == 1  # in its tag's section only
    workforce = dict(sections[-3][1])[None]
    assert [i.id for i in workforce] == [i.id for i in reg.tagged("workforce")]
    assert {"sw_agency_rate", "sw_turnover_12m", "sw_vacancy_rate"} <= {i.id for i in workforce}
    qa = {i.id for i in dict(sections[-2][1])[None]}
    assert qa == {"audits_completed", "audits_good_or_better", "audits_inadequate", "audits_multi_agency"}


def test_scorecard_has_the_workforce_and_quality_sections(app_ctx: Any) -> None:
    view = page("scorecard").show_scorecard(*PERIOD, "all", "all")
    text = text_of(view)
    for words in ("Workforce", "Quality assurance", "Agency social workers", "Case audits completed"):
        assert words in text
    assert text.index("Early help episodes started") < text.index("Agency social workers")
    assert text.index("Agency social workers") < text.index("Case audits completed")


def _rows(*rows: tuple[str, str, float | None, float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kpi_id": k, "group_name": g, "value": v, "target": t, "note": None, "status": None}
            for k, g, v, t in rows
        ]
    )


def test_teams_furthest_from_target_come_first() -> None:
    reg = load_registry()
    # Hand-worked: A is 3 points over a 15 % target (0.2 of it), B 15 over (1.0), C on
    # target, D has no target; so B, A, C, D.
    frame = _rows(
        ("sw_agency_rate", "A", 18.0, 15.0),
        ("sw_agency_rate", "B", 30.0, 15.0),
        ("sw_agency_rate", "C", 10.0, 15.0),
        ("sw_agency_rate", "D", 40.0, None),
        ("sw_turnover_12m", "A", 16.5, 15.0),  # 0.1 of the target: A's largest stays 0.2
    )
    table = team_table(reg, frame)
    assert list(table["Team"]) == ["B", "A", "C", "D"]
    furthest = dict(zip(table["Team"], table["Furthest from target"], strict=True))
    assert furthest["B"] == "Agency social workers: 30.0% against a target of 15.0%"
    assert furthest["A"].startswith("Agency social workers: 18.0%")
    assert furthest["C"] == "On target for every indicator with one"
    assert furthest["D"] == "No target set"


def test_workforce_page_by_team_over_time_with_the_dfe_note(app_ctx: Any) -> None:
    view = page("workforce").show_workforce(*PERIOD)
    text = text_of(view)
    assert "The DfE measures the workforce at 30 September" in text
    assert "By team, furthest from target first" in text
    for team in dash_fixtures.TEAMS:
        assert team in text
    for ind in load_registry().tagged("workforce"):
        assert f"{ind.title}, month by month" in text
    assert "nan" not in text.lower().replace("financial", "")


def test_quality_page_has_grades_by_theme_and_agency(app_ctx: Any) -> None:
    text = text_of(page("quality").show_quality(*PERIOD))
    assert "Audit grades by theme" in text and "Audit grades by lead auditor's agency" in text
    assert "Neglect" in text and "Police" in text
    assert "Audits graded good or outstanding by theme" in text


def test_partners_page_shows_each_agencys_own_measures_or_says_there_are_none(app_ctx: Any) -> None:
    text = text_of(page("partners").show_partners(*PERIOD))
    assert "Each partner's own measures" in text
    for agency in ("Health", "Police", "Schools & education"):
        assert agency in text
    reg = app_ctx.registry
    if not any(i.id.startswith("pm_") for i in reg):  # no pm_* indicators yet: a sentence
        assert "No figures for Police's own measures are stored for this period" in text
    assert "Its front-door figures: Contacts received" in text


def _template(role: str, app_ctx: Any, chosen: str | None = None, **options: Any) -> tuple[Any, Any]:
    as_user(make_user(app_ctx.engine, role, **options))
    return call_with_trigger(page("loads").download_template, "loads-template.n_clicks", 1, chosen)


def test_a_partner_downloads_the_template_of_its_own_agency(app_ctx: Any) -> None:
    data, message = _template("partner", app_ctx, chosen="health")  # the form says health
    start, end = next_period("month", date.today())
    assert data["filename"] == f"partner_measures_template_police_{end:%Y-%m}.csv"
    lines = base64.b64decode(data["content"]).decode("utf-8-sig").splitlines()
    assert lines[0] == "measure_id,period_start,period_end,numerator,denominator,value,note"
    ids = [line.split(",")[0] for line in lines[1:]]
    assert ids == [m.id for m in default_measures().owned_by("police")]
    assert lines[1].split(",")[1:3] == [start.isoformat(), end.isoformat()]
    assert "Downloaded" in message
    with app_ctx.engine.connect() as conn:
        last = conn.execute(select(audit_log).order_by(audit_log.c.audit_id.desc())).mappings().first()
    assert last["action"] == "export" and last["username"] == "test-partner"
    assert "partner_measures_template_police" in last["detail"]


def test_the_template_for_other_roles_and_agencies_without_measures(app_ctx: Any) -> None:
    data, _ = _template("analyst", app_ctx, chosen="school")
    assert data["filename"].startswith("partner_measures_template_school_")
    data, message = _template("partner", app_ctx, agency="Housing", username="test-housing")
    assert data is not None and "declares no measures owned by Housing" in text_of(message)
    _, message = _template("manager", app_ctx)
    assert "may not upload" in text_of(message)
