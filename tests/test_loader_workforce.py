"""Loading the workforce, vacancies, caseloads, audits and partner_measures kinds.

One hand-made fixture per rule of extracts.md for every new kind, each loaded into a
real store (a SQLite file, then PostgreSQL): the rows loaded, the rejects kept with
row, column, value, reason and reason code, rows read = loaded + rejected.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from loaders.pipeline import FileOutcome, LoadOptions, load_bytes
from loaders.pseudonym import WORKER_PREFIX, pseudonym
from loaders.retract import retract_load
from store.bulk import read_frame
from store.measures import parse_measures
from store.schema import VERSION_TABLES, kind_table, rejects
from tests.conftest import TEST_KEY
from tests.test_loader_rules import csv_bytes

OPTS = LoadOptions(key=TEST_KEY, default_la="394")
WF = "spell_id,worker_id,role,agency,fte,start_date,end_date,leaving,team"
VAC = "month,team,vacant_fte"
CASES = "month,worker_id,cases"
AUD = "audit_id,child_id,audit_date,grade,multi_agency,auditor_agency,theme"
PM = "measure_id,period_start,period_end,numerator,denominator,value,note"


def load(engine: Engine, name: str, content: bytes, opts: LoadOptions = OPTS) -> FileOutcome:
    out = load_bytes(engine, name, content, opts)
    assert out.rows_read == out.rows_loaded + out.rows_rejected
    return out


def reject_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        got = conn.execute(
            select(
                rejects.c.row_number, rejects.c.column_name, rejects.c.value, rejects.c.reason_code
            ).order_by(rejects.c.reject_id)
        ).all()
    return [tuple(r) for r in got]


def reasons(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(rejects.c.reason).order_by(rejects.c.reject_id)).scalars())


def stored(engine: Engine, kind: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        frame = read_frame(conn, kind_table(kind))
    return frame.drop(columns=["load_id"]).astype(object).to_dict("records")


# --- workforce ---------------------------------------------------------------------------


def test_workforce_rows_load_with_the_worker_pseudonymised_under_its_own_prefix(engine: Engine) -> None:
    content = csv_bytes(
        WF,
        "S1,W1,sw,no,1,1987-06-01,,,Team A",  # long-serving: a start before 1990 is fine
        "S2,W1,Senior SW,yes,0.5,2024-01-01,2024-03-31,yes,Team A",
    )
    out = load(engine, "workforce.csv", content)
    assert (out.rows_loaded, out.rows_rejected) == (2, 0)
    rows = sorted(stored(engine, "workforce"), key=lambda r: str(r["spell_id"]))
    assert rows[0]["worker_key"] == pseudonym(WORKER_PREFIX + "W1", TEST_KEY)
    assert rows[0]["worker_key"] != pseudonym("W1", TEST_KEY)  # never the same as a child "W1"
    assert rows[1]["role"] == "senior_sw" and rows[1]["fte"] == 0.5 and rows[1]["leaving"] is True
    assert "worker_id" not in rows[0] and "sex" not in rows[0]  # no child columns


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        (",W1,sw,no,1,2024-01-01,,,", "spell_id", None),
        ("S1,,sw,no,1,2024-01-01,,,", "worker_id", None),
        ("S1,W1,driver,no,1,2024-01-01,,,", "role", "driver"),
        ("S1,W1,sw,perhaps,1,2024-01-01,,,", "agency", "perhaps"),
        ("S1,W1,sw,no,0,2024-01-01,,,", "fte", "0"),
        ("S1,W1,sw,no,1.2,2024-01-01,,,", "fte", "1.2"),
        ("S1,W1,sw,no,full,2024-01-01,,,", "fte", "full"),
        ("S1,W1,sw,no,1,01/13/2024,,,", "start_date", "01/13/2024"),
        ("S1,W1,sw,no,1,2024-01-10,2024-01-09,yes,", "end_date", "2024-01-09"),
        ("S1,W1,sw,no,1,2024-01-01,,sometimes,", "leaving", "sometimes"),
    ],
)
def test_a_bad_workforce_row_is_rejected_with_its_column(
    engine: Engine, row: str, column: str, value: str | None
) -> None:
    out = load(engine, "workforce.csv", csv_bytes(WF, row, "S9,W9,iro,no,1,2024-01-01,,,"))
    assert (out.rows_loaded, out.rows_rejected) == (1, 1)
    assert [r[:3] for r in reject_rows(engine)] == [(1, column, value)]


def test_a_second_spell_with_the_same_id_is_rejected(engine: Engine) -> None:
    content = csv_bytes(WF, "S1,WZ771,sw,no,1,2024-01-01,,,", "S1,WZ772,sw,no,1,2024-02-01,,,")
    load(engine, "workforce.csv", content)
    assert [r[:3] for r in reject_rows(engine)] == [(2, "spell_id", "S1")]
    assert "duplicate spell_id" in reasons(engine)[0]


def test_a_corrected_workforce_extract_supersedes_spells_by_id(engine: Engine) -> None:
    load(
        engine,
        "workforce.csv",
        csv_bytes(WF, "S1,W1,sw,no,1,2024-01-01,,,A", "S2,W2,sw,yes,1,2024-01-01,,,A"),
    )
    load(engine, "workforce_fix.csv", csv_bytes(WF, "S2,W2,sw,yes,1,2024-01-01,2024-06-30,yes,A"))
    rows = {r["spell_id"]: r for r in stored(engine, "workforce")}
    assert sorted(rows) == ["S1", "S2"]
    assert str(rows["S2"]["end_date"])[:10] == "2024-06-30"


def test_retracting_the_correction_restores_the_superseded_spell(engine: Engine) -> None:
    load(engine, "workforce.csv", csv_bytes(WF, "S1,W1,sw,no,1,2024-01-01,,,A"))
    fix = load(
        engine,
        "workforce_fix.csv",
        csv_bytes(WF, "S1,W1,sw,no,0.5,2024-01-01,,,A", "S2,W2,iro,no,1,2024-02-01,,,A"),
    )
    with engine.connect() as conn:
        kept = read_frame(conn, VERSION_TABLES["workforce"])
    assert list(kept["spell_id"]) == ["S1"] and list(kept["superseded_by"]) == [fix.load_id]
    done = retract_load(engine, fix.load_id, by="test")
    assert (done.removed, done.restored) == (2, 1)
    rows = stored(engine, "workforce")
    assert [(r["spell_id"], r["fte"]) for r in rows] == [("S1", 1.0)]


# --- vacancies ---------------------------------------------------------------------------


def test_vacancies_store_the_first_of_the_month_and_a_reload_replaces_the_teams_month(
    engine: Engine,
) -> None:
    load(engine, "vacancies.csv", csv_bytes(VAC, "2025-03-31,Team A,2.5", "17/03/2025,Team B,0"))
    load(engine, "vacancies_fix.csv", csv_bytes(VAC, "2025-03-01,Team A,1.5"))
    rows = sorted((str(r["month"])[:10], r["team"], r["vacant_fte"]) for r in stored(engine, "vacancies"))
    assert rows == [("2025-03-01", "Team A", 1.5), ("2025-03-01", "Team B", 0.0)]


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("2025-02-30,Team A,1", "month", "2025-02-30"),
        ("2025-03-01,,1", "team", None),
        ("2025-03-01,Team A,-1", "vacant_fte", "-1"),
        ("2025-03-01,Team A,", "vacant_fte", None),
        ("2025-04-09,Team Z,1", "month", "2025-04-09"),  # the same team's month twice
    ],
)
def test_a_bad_vacancies_row_is_rejected_with_its_column(
    engine: Engine, row: str, column: str, value: str | None
) -> None:
    out = load(engine, "vacancies.csv", csv_bytes(VAC, "2025-04-30,Team Z,1", row))
    assert (out.rows_loaded, out.rows_rejected) == (1, 1)
    assert [r[:3] for r in reject_rows(engine)] == [(2, column, value)]


# --- caseloads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("2025-03,W1,3", "month", "2025-03"),
        ("2025-03-31,,3", "worker_id", None),
        ("2025-03-31,W1,-2", "cases", "-2"),
        ("2025-03-31,W1,2.5", "cases", "2.5"),
        ("2025-04-15,W7,3", "month", "2025-04-15"),  # the same worker's month twice
    ],
)
def test_a_bad_caseloads_row_is_rejected_with_its_column(
    engine: Engine, row: str, column: str, value: str | None
) -> None:
    out = load(engine, "caseloads.csv", csv_bytes(CASES, "2025-04-30,W7,12", row))
    assert (out.rows_loaded, out.rows_rejected) == (1, 1)
    assert [r[:3] for r in reject_rows(engine)] == [(2, column, value)]


def test_caseloads_key_on_month_and_pseudonymised_worker(engine: Engine) -> None:
    load(engine, "caseloads.csv", csv_bytes(CASES, "2025-04-30,W7,12", "2025-04-01,W8,0"))
    load(engine, "caseloads_fix.csv", csv_bytes(CASES, "2025-04-02,W7,14"))
    rows = sorted((r["worker_key"], r["cases"]) for r in stored(engine, "caseloads"))
    w7 = pseudonym(WORKER_PREFIX + "W7", TEST_KEY)
    assert (w7, 14) in rows and len(rows) == 2


# --- audits ------------------------------------------------------------------------------


def test_audit_grades_accept_numbers_and_words_and_agencies_accept_labels(engine: Engine) -> None:
    content = csv_bytes(
        AUD,
        "A1,P1,2025-01-10,1,yes,Children's social care,neglect",
        "A2,P2,2025-01-10,Requires Improvement,,health,",
        "A3,P3,2025-01-10,4,no,Police,re-referrals",
        "A4,P4,2025-01-10,good,,,",
    )
    out = load(engine, "audits.csv", content)
    assert out.rows_rejected == 0
    got = sorted(
        (r["audit_id"], r["grade"], None if pd.isna(r["auditor_agency"]) else r["auditor_agency"])
        for r in stored(engine, "audits")
    )
    assert [g[1:] for g in got] == [
        ("outstanding", "social_care"),
        ("requires_improvement", "health"),
        ("inadequate", "police"),
        ("good", None),
    ]


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("A1,P1,2025-01-10,excellent,,,", "grade", "excellent"),
        ("A1,P1,2025-01-10,5,,,", "grade", "5"),
        ("A1,,2025-01-10,good,,,", "child_id", None),
        ("A1,P1,,good,,,", "audit_date", None),
        ("A1,P1,2025-01-10,good,often,,", "multi_agency", "often"),
        ("A1,P1,2025-01-10,good,,fire service,", "auditor_agency", "fire service"),
        ("A9,P1,2025-01-10,good,,,", "audit_id", "A9"),  # duplicate id
    ],
)
def test_a_bad_audit_row_is_rejected_with_its_column(
    engine: Engine, row: str, column: str, value: str | None
) -> None:
    out = load(engine, "audits.csv", csv_bytes(AUD, "A9,P9,2025-01-10,good,,,", row))
    assert (out.rows_loaded, out.rows_rejected) == (1, 1)
    assert [r[:3] for r in reject_rows(engine)] == [(2, column, value)]


# --- partner measures --------------------------------------------------------------------

HEALTH = LoadOptions(key=TEST_KEY, default_la="394", partner="Health")
CATALOGUE = parse_measures(
    """measures:
  - {id: births, title: Births, owner: health, definition: d, unit: count, polarity: none, grain: month}
  - {id: wait_days, title: Days, owner: health, definition: d, unit: days, polarity: down, grain: quarter}
  - {id: visits, title: Visits, owner: health, definition: d, unit: percent, polarity: up, grain: month}
  - {id: rate, title: Rate, owner: health, definition: d, unit: rate_per_10k, polarity: none, grain: quarter}
  - {id: police_strat, title: P, owner: police, definition: d, unit: percent, polarity: up, grain: month}
""",
    "measures.yaml",
)
HEALTH_OWN = LoadOptions(key=TEST_KEY, default_la="394", partner="health", measures=CATALOGUE)


def test_partner_figures_load_and_supersede_by_measure_and_period(engine: Engine) -> None:
    content = csv_bytes(
        PM,
        "visits,2025-04-01,2025-04-30,45,50,90,",
        "visits,2025-05-01,2025-05-31,1,3,33.3,rounded",
        "births,2025-04-01,2025-04-30,,,212,",
        "wait_days,2025-04-01,2025-06-30,,,9.5,",
        "rate,2025-01-01,2025-03-31,12,60000,,",
    )
    out = load(engine, "partner_measures.csv", content, HEALTH_OWN)
    assert (out.rows_loaded, out.rows_rejected) == (5, 0)
    load(
        engine, "partner_measures_fix.csv", csv_bytes(PM, "visits,2025-04-01,2025-04-30,46,50,,"), HEALTH_OWN
    )
    rows = {(r["measure_id"], str(r["period_start"])[:10]): r for r in stored(engine, "partner_measures")}
    assert len(rows) == 5 and rows[("visits", "2025-04-01")]["numerator"] == 46


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        ("unknown_thing,2025-04-01,2025-04-30,1,2,,", "measure_id", "unknown_measure"),
        ("police_strat,2025-04-01,2025-04-30,1,2,,", "measure_id", "other_agency_measure"),
        ("visits,2025-04-02,2025-04-30,1,2,,", "period_start", "wrong_period_bounds"),
        ("visits,2025-04-01,2025-04-29,1,2,,", "period_end", "wrong_period_bounds"),
        ("visits,2025-04-01,2025-06-30,1,2,,", "period_end", "wrong_period_bounds"),  # a quarter, monthly
        ("wait_days,2025-05-01,2025-07-31,,,3,", "period_start", "wrong_period_bounds"),  # not a quarter
        ("wait_days,2025-04-01,2025-04-30,,,3,", "period_end", "wrong_period_bounds"),
        ("visits,2025-04-01,2025-04-30,,2,,", "numerator", "missing_numerator"),
        ("visits,2025-04-01,2025-04-30,1,,,", "denominator", "missing_denominator"),
        ("visits,2025-04-01,2025-04-30,3,2,,", "numerator", "numerator_exceeds_denominator"),
        ("visits,2025-04-01,2025-04-30,1,3,33.4,", "value", "value_inconsistent"),
        ("rate,2025-01-01,2025-03-31,12,60000,2.1,", "value", "value_inconsistent"),
        ("births,2025-04-01,2025-04-30,,,,", "value", "missing_value"),
        ("wait_days,2025-04-01,2025-06-30,,,,", "value", "missing_value"),
    ],
)
def test_each_partner_measure_rule_is_a_row_reject_with_a_code(
    engine: Engine, row: str, column: str, code: str
) -> None:
    out = load(
        engine, "partner_measures.csv", csv_bytes(PM, "births,2025-03-01,2025-03-31,,,200,", row), HEALTH_OWN
    )
    assert (out.rows_loaded, out.rows_rejected) == (1, 1)
    got = reject_rows(engine)
    assert [(r[0], r[1], r[3]) for r in got] == [(2, column, code)]
    assert reasons(engine)[0]  # a sentence for the person who fixes the file


def test_a_zero_denominator_is_a_column_error(engine: Engine) -> None:
    load(engine, "partner_measures.csv", csv_bytes(PM, "visits,2025-04-01,2025-04-30,0,0,,"), HEALTH_OWN)
    assert [r[:3] for r in reject_rows(engine)] == [(1, "denominator", "0")]
    assert reasons(engine) == ["must be more than 0"]


def test_without_a_partner_named_any_owner_loads(engine: Engine) -> None:
    opts = LoadOptions(key=TEST_KEY, default_la="394", measures=CATALOGUE)
    out = load(
        engine, "partner_measures.csv", csv_bytes(PM, "police_strat,2025-04-01,2025-04-30,9,10,,"), opts
    )
    assert out.rows_loaded == 1


def test_a_partner_that_is_not_an_agency_is_not_checked_and_the_load_says_so(engine: Engine) -> None:
    opts = LoadOptions(key=TEST_KEY, default_la="394", partner="MASH", measures=CATALOGUE)
    content = csv_bytes(PM, "police_strat,2025-04-01,2025-04-30,9,10,,")
    out = load(engine, "partner_measures.csv", content, opts)
    assert out.status == "loaded" and out.rows_loaded == 1
    assert any("not an agency that owns measures" in w for w in out.warnings)


def test_the_shipped_measures_are_used_when_none_are_given(engine: Engine) -> None:
    content = csv_bytes(
        PM,
        "icpc_health_reports,2025-04-01,2025-04-30,18,20,90,",
        "strategy_police_attendance,2025-04-01,2025-04-30,1,1,,",
    )
    out = load(engine, "partner_measures.csv", content, HEALTH)
    assert (out.rows_loaded, out.rows_rejected) == (1, 1)
    assert reject_rows(engine)[0][3] == "other_agency_measure"


# --- the date rules, LA check and bounds of every kind ----------------------------------

DATED = LoadOptions(key=TEST_KEY, default_la="394", load_date=date(2026, 3, 31))


@pytest.mark.parametrize(
    ("name", "header", "row", "column", "code"),
    [
        # Hand-picked: the load date is 31 March 2026, so 1 April 2026 is a day too late.
        ("workforce.csv", WF, "S1,W1,sw,no,1,2026-04-01,,,", "start_date", "date_in_future"),
        ("workforce.csv", WF, "S1,W1,sw,no,1,1985-01-01,1989-12-31,yes,", "end_date", "date_before_1990"),
        ("workforce.csv", WF, "S1,W1,sw,no,1.5,2024-01-01,,,", "fte", "above_maximum"),
        ("workforce.csv", WF, "S1,W1,sw,no,0,2024-01-01,,,", "fte", "below_minimum"),
        ("workforce.csv", WF + ",la_code", "S1,W1,sw,no,1,2024-01-01,,,,399", "la_code", "unknown_la"),
        ("vacancies.csv", VAC, "2026-04-30,Team A,1", "month", "date_in_future"),
        ("caseloads.csv", CASES, "1989-12-31,W1,3", "month", "date_before_1990"),
        ("audits.csv", AUD, "A1,P1,2026-04-01,good,,,", "audit_date", "date_in_future"),
        (
            "partner_measures.csv",
            PM,
            "births,1989-12-01,1989-12-31,,,200,",
            "period_start",
            "date_before_1990",
        ),
    ],
)
def test_the_new_kinds_meet_the_date_rules_la_check_and_bounds_with_their_codes(
    engine: Engine, name: str, header: str, row: str, column: str, code: str
) -> None:
    opts = LoadOptions(key=TEST_KEY, default_la="394", load_date=date(2026, 3, 31), measures=CATALOGUE)
    out = load(engine, name, csv_bytes(header, row), opts)
    assert (out.rows_loaded, out.rows_rejected) == (0, 1)
    assert [(r[1], r[3]) for r in reject_rows(engine)] == [(column, code)]


def test_a_long_serving_worker_started_before_1990_and_on_the_load_date_loads(engine: Engine) -> None:
    content = csv_bytes(WF, "S1,W1,sw,no,1,1979-09-03,,,", "S2,W2,sw,no,1,2026-03-31,,,")
    assert load(engine, "workforce.csv", content, DATED).rows_loaded == 2


# --- privacy -----------------------------------------------------------------------------


def test_the_raw_worker_id_never_reaches_the_store(engine: Engine, tmp_path: Path) -> None:
    raw = ["WZ9912345", "WZ9912346", "WZ9912347", "WZ9912348"]
    load(
        engine,
        "workforce.csv",
        csv_bytes(WF, f"S1,{raw[0]},sw,no,1,2024-01-01,,,", f"S2,{raw[1]},sw,no,7,2024-01-01,,,"),
    )
    load(engine, "caseloads.csv", csv_bytes(CASES, f"2025-01-31,{raw[2]},5", f"2025-01-31,{raw[3]},-1"))
    with engine.connect() as conn:
        dumped = repr(
            [
                conn.execute(select(t)).all()
                for t in (rejects, kind_table("workforce"), kind_table("caseloads"))
            ]
        )
    assert not any(r in dumped for r in raw)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database is not None
        engine.dispose()
        for path in Path(database).parent.glob(Path(database).name + "*"):
            assert not any(r.encode() in path.read_bytes() for r in raw), path
