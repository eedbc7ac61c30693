"""The partnership's measures file: validated at start-up, every problem with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorecard.cli import main
from scorecard.settings import Settings
from store.measures import MeasuresFileError, default_measures, load_measures

GOOD = """measures:
  - id: births
    title: Births notified
    owner: Health
    definition: births notified to health visiting
    unit: count
    polarity: none
    grain: month
"""


def test_the_shipped_example_has_five_measures_of_health_police_and_schools() -> None:
    catalogue = default_measures()
    assert len(catalogue.measures) == 5
    assert {m.owner for m in catalogue.measures} == {"health", "police", "school"}
    assert all(m.kpi_id.startswith("pm_") for m in catalogue.measures)


def test_the_setting_names_the_file_and_labels_are_read_as_agency_codes(tmp_path: Path) -> None:
    path = tmp_path / "measures.yaml"
    path.write_text(GOOD)
    settings = Settings.from_env({"SCORECARD_MEASURES_FILE": str(path)})
    assert [(m.id, m.owner) for m in settings.measures().measures] == [("births", "health")]


def test_every_problem_is_reported_at_once_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "measures.yaml"
    path.write_text(
        GOOD
        + """  - id: Births
    title: ""
    owner: fire brigade
    definition: x
    unit: percent
    polarity: none
    grain: week
    target: 90
    colour: red
  - id: births
    title: again
    owner: police
    definition: x
    unit: count
    polarity: up
    grain: quarter
"""
    )
    with pytest.raises(MeasuresFileError) as err:
        load_measures(path)
    lines = str(err.value).splitlines()
    assert lines[0] == f"{path}: 7 problems:"
    text = "\n".join(lines)
    assert f"{path} line 9: measures[1]: id:" in text
    assert f"{path} line 10: measures[1]: title:" in text
    assert f"{path} line 11: measures[1]: owner: unknown owner 'fire brigade'" in text
    assert f"{path} line 15: measures[1]: grain:" in text
    assert f"{path} line 17: measures[1]: colour: Extra inputs are not permitted" in text
    assert f"{path} line 16: measures[1]: target: a target needs a polarity" in text
    assert f"{path} line 18: measures[2]: id: 'births' is already declared at measures[0]" in text


def test_a_duplicate_id_names_both_places(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(GOOD + GOOD.removeprefix("measures:\n"))
    with pytest.raises(MeasuresFileError, match=r"line 9: measures\[1\]: id: 'births' is already declared"):
        load_measures(path)


def test_a_bad_measures_file_stops_a_load_with_its_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("measures: [1, 2\n")
    extract = tmp_path / "partner_measures.csv"
    extract.write_text("measure_id,period_start,period_end\n")
    monkeypatch.setenv("SCORECARD_MEASURES_FILE", str(path))
    monkeypatch.setenv("SCORECARD_SECRET_KEY", "k" * 32)
    code = main(["load", "--db", f"sqlite:///{tmp_path / 's.db'}", "--la", "394", str(extract)])
    assert code == 1
    assert f"{path} line" in capsys.readouterr().err


def test_a_partners_template_loads_once_its_figures_are_filled(tmp_path: Path) -> None:
    from datetime import date

    from loaders.readers import read_csv_bytes
    from loaders.validate import validate
    from store.extracts import EXTRACTS
    from store.measures import template_csv
    from tests.conftest import TEST_KEY

    catalogue = default_measures()
    text = template_csv(catalogue, "health", date(2026, 4, 10)).decode()
    lines = text.splitlines()
    assert [ln.split(",")[:3] for ln in lines[1:]] == [
        ["icpc_health_reports", "2026-03-01", "2026-03-31"],
        ["new_birth_visits_14d", "2026-01-01", "2026-03-31"],
    ]
    filled = "\n".join([lines[0], *(ln.replace(",,,,", ",9,10,,") for ln in lines[1:])]) + "\n"
    v = validate(
        read_csv_bytes("partner_measures.csv", filled.encode()),
        EXTRACTS["partner_measures"],
        default_la="394",
        key=TEST_KEY,
        measures=catalogue,
        partner="Health",
    )
    assert (v.rows_loaded, v.rows_rejected) == (2, 0)
