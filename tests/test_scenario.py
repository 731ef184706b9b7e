"""Scenario files: loading, validation messages, TOML and URL round trips, apply_scenario."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from calculator.data.baseline import trend_baseline_inputs
from calculator.exceptions import InputValidationError
from calculator.fertility import mean_age_at_childbearing, tfr_of
from calculator.grid import FEMALE, MALE
from calculator.inputs import ProjectionInputs
from calculator.mortality import e0_from_death_prob
from calculator.projection import project
from calculator.scenario import (
    PARAMETERS,
    FertilityChange,
    MigrationChange,
    MortalityChange,
    Scenario,
    apply_scenario,
    apply_scenarios,
    load_scenario,
    scenario_from_dict,
    scenario_from_toml,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
DATA = Path(__file__).resolve().parent / "data"
ARRAYS = (
    "pop_count_sex_age_base", "fert_rate_year_age", "death_prob_year_sex_age",
    "immig_count_year_sex_age", "emig_rate_year_sex_age", "inmig_count_year_sex_age",
    "outmig_rate_year_sex_age", "netmig_count_year_sex_age", "srb_males_per_female_year",
)


@pytest.fixture(scope="module")
def baseline() -> ProjectionInputs:
    """Luleå's trend baseline from the embedded SCB data, base year 2024, to 2045."""
    return trend_baseline_inputs("2580", 2045)


def test_the_expected_set_is_shipped() -> None:
    names = {p.stem for p in SHIPPED}
    assert names >= {"official", "low_fertility", "high_fertility", "tfr_1_8_by_2040",
                     "zero_net_migration", "high_immigration", "slower_life_expectancy_gains"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_loads_round_trips_and_runs(path: Path, baseline: ProjectionInputs) -> None:
    scenario = load_scenario(path)
    assert scenario.region == "2580"
    assert scenario_from_toml(scenario.to_toml()) == scenario
    assert Scenario.from_query_params(scenario.to_query_params()) == scenario
    on_trend = dataclasses.replace(scenario, baseline="trend")
    result = project(apply_scenario(baseline, on_trend, {"kind": "trend"}))  # checks balance
    assert result.scenarios == (scenario.name,)
    assert np.all(result.total_population() > 0)


def test_official_is_the_identity(baseline: ProjectionInputs) -> None:
    scenario = load_scenario(ROOT / "scenarios" / "official.toml")
    assert scenario.is_identity
    out = apply_scenario(baseline, dataclasses.replace(scenario, baseline="trend"))
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(out, name), getattr(baseline, name), err_msg=name)
    assert out.migration_mode == baseline.migration_mode


def test_tfr_target_reached_in_target_year(baseline: ProjectionInputs) -> None:
    scenario = Scenario(baseline="trend", fertility=FertilityChange(
        tfr_target=1.8, target_year=2040, path_shape="smooth"))
    out = apply_scenario(baseline, scenario)
    tfr = tfr_of(out.fert_rate_year_age[0, 0])
    years = out.years
    assert tfr[years == 2040][0] == pytest.approx(1.8, abs=1e-12)
    np.testing.assert_allclose(tfr[years > 2040], 1.8, atol=1e-12)
    base_tfr = tfr_of(baseline.fert_rate_year_age[0, 0])
    assert tfr[0] == pytest.approx(base_tfr[0], abs=1e-12)  # the path starts at the baseline's
    assert np.all(np.diff(tfr[years <= 2040]) > 0)


def test_mean_age_shift(baseline: ProjectionInputs) -> None:
    scenario = Scenario(baseline="trend", fertility=FertilityChange(
        mean_age_shift_years=1.0, target_year=2030))
    out = apply_scenario(baseline, scenario)
    shifted = mean_age_at_childbearing(out.fert_rate_year_age[0, 0])
    base = mean_age_at_childbearing(baseline.fert_rate_year_age[0, 0])
    years = out.years
    assert shifted[years == 2030][0] - base[years == 2030][0] == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(tfr_of(out.fert_rate_year_age[0, 0]),
                               tfr_of(baseline.fert_rate_year_age[0, 0]), atol=1e-12)


def test_life_expectancy_target_and_change(baseline: ProjectionInputs) -> None:
    scenario = Scenario(baseline="trend", mortality=MortalityChange(
        e0_female_target_years=86.0, e0_male_change_years=-1.0, target_year=2035))
    out = apply_scenario(baseline, scenario)
    t = int(np.flatnonzero(out.years == 2035)[0])
    q = out.death_prob_year_sex_age[0, 0]
    q0 = baseline.death_prob_year_sex_age[0, 0]
    assert float(e0_from_death_prob(q[t, FEMALE], FEMALE)) == pytest.approx(86.0, abs=1e-6)
    e0m, e0m_base = (float(e0_from_death_prob(x[t, MALE], MALE)) for x in (q, q0))
    assert e0m - e0m_base == pytest.approx(-1.0, abs=1e-6)
    # the deviation grows linearly from zero in the first projection year and then stays
    np.testing.assert_array_equal(q[0], q0[0])
    e0f_2030 = float(e0_from_death_prob(q[out.years == 2030][0, FEMALE], FEMALE))
    e0f_base = float(e0_from_death_prob(q0[out.years == 2035][0, FEMALE], FEMALE))
    e0f_first = float(e0_from_death_prob(q0[0, FEMALE], FEMALE))
    # constant-rate baseline: halfway (2030 of 2025..2035) is halfway to the target
    assert e0f_2030 == pytest.approx(e0f_first + 0.5 * (86.0 - e0f_base), abs=1e-6)
    late = float(e0_from_death_prob(q[-1, MALE], MALE)) - float(
        e0_from_death_prob(q0[-1, MALE], MALE))
    assert late == pytest.approx(-1.0, abs=1e-6)


def test_migration_levels(baseline: ProjectionInputs) -> None:
    scenario = Scenario(baseline="trend", migration=MigrationChange(
        immigration_multiplier=1.5, in_migrants_per_year=3000.0, emigration_multiplier=0.5))
    out = apply_scenario(baseline, scenario)
    np.testing.assert_allclose(out.immig_count_year_sex_age, 1.5 * baseline.immig_count_year_sex_age)
    np.testing.assert_allclose(out.inmig_count_year_sex_age[0, 0].sum(axis=(-2, -1)), 3000.0)
    np.testing.assert_allclose(out.emig_rate_year_sex_age, 0.5 * baseline.emig_rate_year_sex_age)
    np.testing.assert_array_equal(out.outmig_rate_year_sex_age, baseline.outmig_rate_year_sex_age)
    none = apply_scenario(baseline, Scenario(baseline="trend",
                                             migration=MigrationChange(mode="none")))
    for name in ARRAYS[3:7]:
        assert not np.any(getattr(none, name)), name


def test_sex_ratio(baseline: ProjectionInputs) -> None:
    out = apply_scenario(baseline, Scenario(baseline="trend", sex_ratio_at_birth=1.06))
    np.testing.assert_allclose(out.srb_males_per_female_year, 1.06)


def test_apply_scenarios_batches(baseline: ProjectionInputs) -> None:
    scenarios = [load_scenario(p) for p in SHIPPED]
    scenarios = [dataclasses.replace(s, baseline="trend") for s in scenarios]
    batch = apply_scenarios(baseline, scenarios)
    assert batch.batch_shape == (len(scenarios), 1)
    assert batch.scenarios == tuple(s.name for s in scenarios)
    single = apply_scenario(baseline, scenarios[2])
    np.testing.assert_array_equal(batch.fert_rate_year_age[2], single.fert_rate_year_age[0])
    with pytest.raises(InputValidationError, match="used more than once"):
        apply_scenarios(baseline, [scenarios[0], scenarios[0]])


def test_baseline_kind_must_match(baseline: ProjectionInputs) -> None:
    with pytest.raises(InputValidationError, match="changes the 'official' baseline"):
        apply_scenario(baseline, Scenario(), {"kind": "trend"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nmae": "x"}, "scenario: nmae: unknown key; allowed: name, description"),
        ({"fertility": {"tfr": 1.5}}, "scenario: fertility.tfr: unknown key; allowed in "
         "[fertility]: tfr_target, target_year, path_shape, mean_age_shift_years"),
        ({"fertility": {"tfr_target": 9.0, "target_year": 2040}},
         "scenario: fertility.tfr_target: value 9.0 is outside the allowed range; allowed: "
         "float in 0.5..4 children per woman"),
        ({"fertility": {"tfr_target": "1,6", "target_year": 2040}},
         "scenario: fertility.tfr_target: value '1,6' (str) must be a number"),
        ({"fertility": {"tfr_target": True, "target_year": 2040}},
         "scenario: fertility.tfr_target: value True (bool) must be a number"),
        ({"fertility": {"tfr_target": 1.6}},
         "scenario: fertility.target_year: is required when fertility.tfr_target"),
        ({"fertility": {"path_shape": "cubic"}},
         "scenario: fertility.path_shape: value 'cubic' is not allowed; allowed: one of "
         "'linear', 'smooth'"),
        ({"region": 2580}, 'write the SCB code as text in quotes, e.g. region = "2580"'),
        ({"region": "25800"}, "scenario: region: value '25800' is not an SCB region code"),
        ({"end_year": 2050.5}, "scenario: end_year: value 2050.5 must be a whole number"),
        ({"migration": {"immigration_multiplier": 2.0, "immigrants_per_year": 100.0}},
         "give either migration.immigration_multiplier or migration.immigrants_per_year"),
        ({"migration": {"mode": "none", "emigration_multiplier": 2.0}},
         "migration.emigration_multiplier cannot be combined with migration.mode = 'none'"),
        ({"migration": {"emigration_multiplier": -1.0}},
         "allowed: float in 0..5 x baseline"),
        ({"mortality": {"e0_male_target_years": 82.0}},
         "scenario: mortality.target_year: is required when mortality.e0_male_target_years"),
        ({"fertility": 1.8}, "scenario: fertility: must be a table ([fertility])"),
        ({"baseline": "municipal"}, "allowed: one of 'official', 'trend'"),
    ],
)
def test_invalid_scenarios_give_precise_messages(data: dict[str, object], message: str) -> None:
    with pytest.raises(InputValidationError) as err:
        scenario_from_dict(data)
    assert message in str(err.value)


def test_file_errors_name_the_file() -> None:
    path = DATA / "scenario_unknown_key.toml"
    with pytest.raises(InputValidationError) as err:
        load_scenario(path)
    assert str(err.value) == (
        f"{path}: fertility.tfr_targte: unknown key; allowed in [fertility]: tfr_target, "
        "target_year, path_shape, mean_age_shift_years"
    )
    with pytest.raises(InputValidationError, match="not valid TOML"):
        scenario_from_toml("name = ", source="broken.toml")
    with pytest.raises(InputValidationError, match="cannot read the file"):
        load_scenario(DATA / "no_such_scenario.toml")


def test_query_params_only_hold_deviations() -> None:
    assert Scenario().to_query_params() == {}
    scenario = Scenario(name="Mitt", fertility=FertilityChange(tfr_target=1.65, target_year=2035),
                        migration=MigrationChange(immigration_multiplier=1.2))
    params = scenario.to_query_params()
    assert params == {"name": "Mitt", "fertility.tfr_target": "1.65",
                      "fertility.target_year": "2035", "migration.immigration_multiplier": "1.2"}
    assert Scenario.from_query_params(params) == scenario
    with pytest.raises(InputValidationError, match=r"query fertility\.tfr_target: value 'abc'"):
        Scenario.from_query_params({"fertility.tfr_target": "abc"})
    with pytest.raises(InputValidationError, match="query foo: unknown key"):
        Scenario.from_query_params({"foo": "1"})


def test_parameter_registry_is_complete() -> None:
    for key, param in PARAMETERS.items():
        assert param.label_sv and param.label_en, key
        if param.kind in ("float", "int") and param.min is not None:
            assert param.max is not None and param.min < param.max, key
            assert param.step is not None and param.step > 0, key
            if param.default is not None:
                assert param.min <= float(param.default) <= param.max, key
    flat = Scenario().to_flat()
    assert set(flat) == set(PARAMETERS)


def test_dataclass_validates_on_construction() -> None:
    with pytest.raises(InputValidationError, match=r"sex_ratio_at_birth: value 3\.0"):
        Scenario(sex_ratio_at_birth=3.0)
