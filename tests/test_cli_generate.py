"""`scorecard generate` as a user meets it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scorecard.cli import main


def test_generate_writes_every_extract_and_population(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "extracts"
    status = main(
        [
            "generate",
            "--out",
            str(out),
            "--children",
            "150",
            "--years",
            "1",
            "--las",
            "394,390",
            "--seed",
            "5",
        ]
    )
    printed = capsys.readouterr().out
    assert status == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            f"{k}.csv"
            for k in (
                "contacts",
                "referrals",
                "assessments",
                "s47",
                "cp_plans",
                "cp_visits",
                "cp_reviews",
                "cin_plans",
                "early_help",
                "workforce",
                "vacancies",
                "caseloads",
                "audits",
                "partner_measures",
                "population",
            )
        ]
    )
    with (out / "population.csv").open() as f:
        assert {row["la_code"] for row in csv.DictReader(f)} == {"394", "390"}
    assert "wrote 15 files" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--children", "0"], "children must be a whole number, at least 1"),
        (["--years", "30"], "years must be a whole number from 1 to 20"),
        (["--las", "Sunderland"], "not an LA code"),
        # 804 has the form of a DfE number but is no English LA: its rows would all be rejected
        (["--las", "394,804"], "804 is not a local authority in England"),
        (["--start", "2024-02-30"], "is not a date"),
    ],
)
def test_generate_bad_arguments_exit_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["generate", "--out", str(tmp_path / "x"), *args]))
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
