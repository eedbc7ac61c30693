"""Targets as configuration: the shipped file, resolution per LA, and every error."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import metrics.targets
from metrics.registry import Registry, load_registry
from metrics.targets import Target, TargetsError, load_targets, parse_targets


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def test_doctests() -> None:
    assert doctest.testmod(metrics.targets).failed == 0


# --- The shipped file -------------------------------------------------------------------

# Left out of the shipped file on purpose (documented at its top).
OMITTED = {"assessments_open_over_45wd", "eh_reach"}


def test_shipped_file_has_a_target_for_every_directional_indicator(registry: Registry) -> None:
    targets = load_targets(None, registry)
    directional = {i.id for i in registry if i.polarity != "neutral"}
    assert set(targets.ids()) == directional - OMITTED
    for kpi_id in set(targets.ids()):
        t = targets.for_indicator(kpi_id, "394")
        assert t is not None and t.tolerance >= 0


def test_shipped_file_has_no_target_for_a_neutral_indicator(registry: Registry) -> None:
    targets = load_targets(None, registry)
    for ind in registry:
        if ind.polarity == "neutral":
            assert targets.for_indicator(ind.id, "394") is None


@pytest.mark.parametrize(
    ("kpi_id", "value", "tolerance"),
    [
        ("assessments_45wd", 85, 5),  # percentage: default 5 points
        ("icpc_15wd", 80, 5),
        ("rereferrals_12m", 22, 5),
        ("cp_ended_2y_plus", 4, 2),  # tolerance set in the file
        ("assessment_median_wd", 33, 3.3),  # median: default 10 % of 33
    ],
)
def test_shipped_values(registry: Registry, kpi_id: str, value: float, tolerance: float) -> None:
    t = load_targets(None, registry).for_indicator(kpi_id, "394")
    assert t is not None
    assert (t.value, t.tolerance) == (value, pytest.approx(tolerance))


def test_shipped_file_says_how_to_override() -> None:
    text = (Path(metrics.targets.__file__).parent / "data" / "targets.yaml").read_text("utf-8")
    assert "SCORECARD_TARGETS_FILE" in text.split("\n\n")[0]


# --- Resolution ------------------------------------------------------------------------

FILE = """
assessments_45wd:
  target: 85
  by_la:
    "394": {target: 88}
    "390": {tolerance: 2}
    391: {target: 90, tolerance: 1}
assessment_median_wd:
  target: 30
  tolerance: 4
  by_la:
    " 394 ": {target: 25}
cp_visits_10wd:
  by_la:
    "394": {target: 95}
"""


def test_la_override_of_the_target_keeps_the_default_tolerance(registry: Registry) -> None:
    t = parse_targets(FILE, registry)
    assert t.for_indicator("assessments_45wd", "394") == Target("assessments_45wd", 88, 5, "394")


def test_la_override_of_the_tolerance_keeps_the_target(registry: Registry) -> None:
    t = parse_targets(FILE, registry)
    assert t.for_indicator("assessments_45wd", "390") == Target("assessments_45wd", 85, 2, None)


def test_unquoted_la_code_is_text(registry: Registry) -> None:
    t = parse_targets(FILE, registry)
    assert t.for_indicator("assessments_45wd", "391") == Target("assessments_45wd", 90, 1, "391")


def test_other_las_get_the_indicator_target(registry: Registry) -> None:
    t = parse_targets(FILE, registry)
    assert t.for_indicator("assessments_45wd", "999") == Target("assessments_45wd", 85, 5, None)
    assert t.for_indicator("assessments_45wd") == Target("assessments_45wd", 85, 5, None)


def test_indicator_tolerance_applies_to_an_la_target(registry: Registry) -> None:
    # The LA code is trimmed on both sides (kpis.md: la_code used as written, trimmed).
    t = parse_targets(FILE, registry)
    assert t.for_indicator("assessment_median_wd", "394 ") == Target("assessment_median_wd", 25, 4, "394")


def test_default_tolerance_follows_the_la_target(registry: Registry) -> None:
    # Median target 25 for 394 without a tolerance anywhere would be 2.5 (10 % of 25);
    # here cp_visits_10wd is a percentage: 5 points.
    t = parse_targets(FILE, registry)
    assert t.for_indicator("cp_visits_10wd", "394") == Target("cp_visits_10wd", 95, 5, "394")
    assert t.for_indicator("cp_visits_10wd", "390") is None  # only 394 has one
    text = "assessment_median_wd:\n  target: 30\n  by_la:\n    '394': {target: 25}\n"
    got = parse_targets(text, registry).for_indicator("assessment_median_wd", "394")
    assert got is not None and got.tolerance == pytest.approx(2.5)


def test_indicator_without_an_entry_has_no_target(registry: Registry) -> None:
    assert parse_targets(FILE, registry).for_indicator("icpc_15wd", "394") is None


def test_unknown_indicator_asked_for_is_a_key_error(registry: Registry) -> None:
    with pytest.raises(KeyError, match="nope"):
        parse_targets(FILE, registry).for_indicator("nope", "394")


def test_empty_file_means_only_the_measures_own_targets(registry: Registry) -> None:
    t = parse_targets("# nothing yet\n", registry)
    # The shipped measures file declares a target for each of its five measures.
    assert t.ids() == [i.id for i in registry if i.partner is not None and i.partner.target is not None]
    assert len(t.ids()) == 5
    assert t.for_indicator("assessments_45wd", "394") is None


def test_load_from_a_path(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "our_targets.yaml"
    path.write_text("icpc_15wd:\n  target: 90\n", encoding="utf-8")
    t = load_targets(path, registry)
    assert t.source == str(path)
    assert t.for_indicator("icpc_15wd", "394") == Target("icpc_15wd", 90, 5, None)
    assert t.for_indicator("assessments_45wd", "394") is None  # the copy replaces the defaults


# --- Errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "assesments_45wd:\n  target: 85\n",
            r"assesments_45wd: unknown indicator id \(did you mean assessments_45wd\?\)",
        ),
        ("zzz:\n  target: 85\n", r"zzz: unknown indicator id \(see metrics/data/indicators.yaml\)"),
        ("contacts:\n  target: 1000\n", r"contacts: its polarity is neutral"),
        (
            "referrals_nfa:\n  by_la:\n    '394': {target: 5}\n",
            r"referrals_nfa: its polarity is neutral",
        ),
        ("assessments_45wd:\n  target: 85\n  tolerance: -1\n", r"assessments_45wd: tolerance -1 is negative"),
        (
            "assessments_45wd:\n  target: 85\n  by_la:\n    '394': {tolerance: -0.5}\n",
            r'assessments_45wd: by_la "394": tolerance -0.5 is negative',
        ),
        (
            "assessments_45wd:\n  target: 120\n",
            r"assessments_45wd: target 120 is not a percentage from 0 to 100",
        ),
        ("rereferrals_12m:\n  target: -3\n", r"rereferrals_12m: target -3 is negative"),
        (
            "icpc_15wd:\n  target: 80\n  by_la:\n    '394': {target: 101}\n",
            r'icpc_15wd: by_la "394": target 101 is not a percentage',
        ),
        ("icpc_15wd:\n  tolerance: 3\n", r"icpc_15wd: no target is set"),
        ("icpc_15wd:\n  by_la:\n    '394': {tolerance: 3}\n", r"icpc_15wd: no target for LA 394"),
        ("icpc_15wd:\n  target: 80\n  tolerence: 3\n", r"icpc_15wd: tolerence: unknown key"),
        (
            "icpc_15wd:\n  target: 80\n  by_la:\n    '394': {goal: 3}\n",
            r"icpc_15wd: by_la.394.goal: unknown key",
        ),
        ("icpc_15wd:\n  target: eighty\n", r"icpc_15wd: target: Input should be a valid number"),
        ("icpc_15wd:\n  target: .nan\n", r"icpc_15wd: target: Input should be a finite number"),
        ("icpc_15wd: 80\n", r"icpc_15wd: expected target, tolerance and by_la under it"),
        (
            "icpc_15wd:\n  target: 80\nicpc_15wd:\n  target: 70\n",
            r"line 3: not valid YAML: 'icpc_15wd' is given twice \(first on line 1\)",
        ),
        ("- icpc_15wd\n", r"expected a mapping of indicator ids"),
        ("icpc_15wd: [target: 80\n", r"line 2: not valid YAML"),
    ],
)
def test_errors_name_the_file_the_indicator_and_the_problem(
    registry: Registry, text: str, expected: str
) -> None:
    with pytest.raises(TargetsError, match=expected) as info:
        parse_targets(text, registry, source="config/targets.yaml")
    assert str(info.value).startswith("config/targets.yaml")


def test_every_problem_is_reported_at_once(registry: Registry) -> None:
    text = "nope:\n  target: 1\ncontacts:\n  target: 2\nicpc_15wd:\n  target: 200\n"
    with pytest.raises(TargetsError, match="3 problem") as info:
        parse_targets(text, registry, source="t.yaml")
    message = str(info.value)
    assert all(k in message for k in ("nope:", "contacts:", "icpc_15wd:"))


def test_missing_file_names_the_setting(tmp_path: Path, registry: Registry) -> None:
    with pytest.raises(TargetsError, match=r"missing\.yaml: targets file not found.*SCORECARD_TARGETS_FILE"):
        load_targets(tmp_path / "missing.yaml", registry)


# --- A partner measure's own target, from the measures file ------------------------------

OWN = """measures:
  - id: checks
    title: Checks returned on time
    owner: police
    definition: checks returned within a day
    unit: percent
    polarity: up
    grain: month
    target: 80
    tolerance: 4
  - id: visits
    title: Visits made
    owner: health
    definition: visits made
    unit: count
    polarity: down
    grain: month
    target: 50
"""


@pytest.fixture(scope="module")
def own_registry() -> Registry:
    from store.measures import parse_measures

    return load_registry(parse_measures(OWN, "our_measures.yaml"))


def _resolved(targets: metrics.targets.Targets, kpi_id: str, la: str = "394") -> tuple[float, float]:
    t = targets.for_indicator(kpi_id, la)
    assert t is not None
    return (t.value, t.tolerance)


def test_a_measures_own_target_and_tolerance_are_read(own_registry: Registry) -> None:
    targets = parse_targets("", own_registry)
    assert _resolved(targets, "pm_checks") == (80, 4)
    assert _resolved(targets, "pm_visits") == (50, pytest.approx(5))  # a count: 10 % of 50


def test_the_targets_file_overrides_the_measures_file_field_by_field(own_registry: Registry) -> None:
    text = """pm_checks:
  target: 70
pm_visits:
  by_la:
    "394": {target: 40}
"""
    targets = parse_targets(text, own_registry)
    assert _resolved(targets, "pm_checks") == (70, 4)  # the measure's tolerance stays
    assert _resolved(targets, "pm_visits", "394") == (40, pytest.approx(4))
    assert _resolved(targets, "pm_visits", "391") == (50, pytest.approx(5))  # the measure's own
    # An entry giving only a tolerance is complete with the measure's target.
    assert _resolved(parse_targets("pm_checks: {tolerance: 1}\n", own_registry), "pm_checks") == (80, 1)


def test_a_target_set_in_the_app_overrides_both(own_registry: Registry) -> None:
    from metrics.targets import TargetOverride, with_overrides

    base = parse_targets("pm_checks: {target: 70}\n", own_registry)
    targets = with_overrides(base, [TargetOverride("pm_checks", "*", 60, None)], own_registry)
    assert _resolved(targets, "pm_checks") == (60, 4)


def test_the_shipped_targets_file_copies_no_measures_target(registry: Registry) -> None:
    text = (Path(metrics.targets.__file__).parent / "data" / "targets.yaml").read_text("utf-8")
    assert not [line for line in text.splitlines() if line.startswith("pm_")]
    # ... and the shipped measures' targets still hold, read from the measures file.
    assert _resolved(load_targets(None, registry), "pm_icpc_health_reports") == (90, 5)
    assert _resolved(load_targets(None, registry), "pm_strategy_police_attendance") == (95, 5)


def test_a_measures_file_target_out_of_range_is_reported_with_its_line() -> None:
    from store.measures import MeasuresFileError, parse_measures

    with pytest.raises(MeasuresFileError) as err:
        parse_measures(OWN.replace("target: 80", "target: 120").replace("target: 50", "target: -1"), "m.yaml")
    text = str(err.value)
    assert "m.yaml line 9: measures[0]: target: 120 is not a percentage from 0 to 100" in text
    assert "m.yaml line 18: measures[1]: target: -1 is negative" in text
