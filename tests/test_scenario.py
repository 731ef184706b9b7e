"""Scenario files: loading, validation messages, TOML and URL round trips, apply_scenario."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.data.baseline import trend_baseline_inputs
from calculator.data.scenario_files import load_scenario
from calculator.exceptions import InputValidationError
from calculator.fertility import mean_age_at_childbearing, tfr_of
from calculator.grid import FEMALE, MALE
from calculator.inputs import ProjectionInputs
from calculator.mortality import e0_from_death_prob
from calculator.official_baseline import official_baseline
from calculator.projection import project
from calculator.scenario import (
    PARAMETERS,
    FertilityChange,
    MigrationChange,
    MortalityChange,
    Scenario,
    apply_scenario,
    apply_scenarios,
    gross_flow_changes_available,
    scenario_from_dict,
    scenario_from_toml,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
DATA = Path(__file__).resolve().parent / "data"
#: SCB Flyttningar97 (BE0101AX/AY/A2/A3) for Luleå, 2006-2024, embedded package data (CC0).
MIGRATION_CSV = ROOT / "calculator" / "data" / "embedded" / "migration.csv.gz"
#: SCB BE0101N1 population on 31 Dec by age, embedded package data (CC0).
POPULATION_CSV = ROOT / "calculator" / "data" / "embedded" / "population.csv.gz"
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
    # the path starts at the baseline's TFR in the base year (2024), so the first projection
    # year already moves by the smooth share of 1/16 of the change
    share = 0.5 - 0.5 * np.cos(np.pi / 16)
    assert tfr[0] == pytest.approx(base_tfr[0] + share * (1.8 - base_tfr[0]), abs=1e-12)
    assert np.all(np.diff(tfr[years <= 2040]) > 0)


def test_target_in_the_first_projection_year_is_met_there(baseline: ProjectionInputs) -> None:
    """Paths start at the base year (2024): a target year 2025 is met in 2025, for the TFR
    and for e0 (the old paths started at the first projection year and met it a year late)."""
    first = int(baseline.years[0])
    assert first == baseline.base_year + 1
    scenario = Scenario(baseline="trend",
                        fertility=FertilityChange(tfr_target=1.8, target_year=first),
                        mortality=MortalityChange(e0_female_target_years=86.0,
                                                  e0_male_target_years=83.0, target_year=first))
    out = apply_scenario(baseline, scenario)
    np.testing.assert_allclose(tfr_of(out.fert_rate_year_age[0, 0]), 1.8, atol=1e-12)
    q = out.death_prob_year_sex_age[0, 0]
    assert float(e0_from_death_prob(q[0, FEMALE], FEMALE)) == pytest.approx(86.0, abs=1e-6)
    assert float(e0_from_death_prob(q[0, MALE], MALE)) == pytest.approx(83.0, abs=1e-6)
    later = Scenario(baseline="trend", fertility=FertilityChange(tfr_target=1.8,
                                                                 target_year=first + 1))
    assert not np.array_equal(apply_scenario(baseline, later).fert_rate_year_age,
                              out.fert_rate_year_age)


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
    # the deviation grows linearly from zero in the base year (2024) and then stays
    e0f_2030 = float(e0_from_death_prob(q[out.years == 2030][0, FEMALE], FEMALE))
    e0f_base = float(e0_from_death_prob(q0[out.years == 2035][0, FEMALE], FEMALE))
    e0f_first = float(e0_from_death_prob(q0[0, FEMALE], FEMALE))
    # constant-rate baseline: 2030 is 6/11 of the way from 2024 to 2035
    assert e0f_2030 == pytest.approx(e0f_first + 6 / 11 * (86.0 - e0f_base), abs=1e-6)
    late = float(e0_from_death_prob(q[-1, MALE], MALE)) - float(
        e0_from_death_prob(q0[-1, MALE], MALE))
    assert late == pytest.approx(-1.0, abs=1e-6)


def test_migration_levels(baseline: ProjectionInputs) -> None:
    scenario = Scenario(baseline="trend", migration=MigrationChange(
        immigration_multiplier=1.5, in_migrants_per_year=3000.0, emigration_multiplier=0.5))
    out = apply_scenario(baseline, scenario)
    np.testing.assert_allclose(np.asarray(out.immig_count_year_sex_age),
                               1.5 * np.asarray(baseline.immig_count_year_sex_age))
    np.testing.assert_allclose(np.asarray(out.inmig_count_year_sex_age)[0, 0].sum(axis=(-2, -1)),
                               3000.0)
    np.testing.assert_allclose(np.asarray(out.emig_rate_year_sex_age),
                               0.5 * np.asarray(baseline.emig_rate_year_sex_age))
    np.testing.assert_array_equal(np.asarray(out.outmig_rate_year_sex_age),
                                  np.asarray(baseline.outmig_rate_year_sex_age))
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


# ---- gross-flow changes on the official baseline -------------------------------------------
@pytest.fixture(scope="module")
def official_lulea() -> ProjectionInputs:
    """SCB's regional projection 2024 for Luleå as gross-mode inputs, base 2024, to 2050."""
    return official_baseline("scb_regional_2024", "2580").inputs


@pytest.fixture(scope="module")
def official_sweden() -> ProjectionInputs:
    """SCB's national projection 2025 as net-mode inputs, base 2025, to 2050."""
    return official_baseline("scb_national_2025", "00").inputs


@pytest.fixture(scope="module")
def observed_flows_2020_2024() -> pd.Series:
    """Luleå's mean yearly gross flows 2020-2024, read straight from SCB's migration file."""
    frame = pd.read_csv(MIGRATION_CSV, dtype={"region": str})
    frame = frame[(frame["region"] == "2580") & frame["year"].between(2020, 2024)]
    return frame[["immigrants", "emigrants", "in_migrants", "out_migrants"]].sum() / 5


def _total(result_pop: np.ndarray, years: np.ndarray, year: int) -> float:
    return float(result_pop[0, 0, int(np.flatnonzero(years == year)[0])].sum())


def _effect_2040(base: ProjectionInputs, changed: ProjectionInputs) -> float:
    full_years = np.r_[base.base_year, base.years]
    return (_total(project(changed).pop_count_year_sex_age, full_years, 2040)
            - _total(project(base).pop_count_year_sex_age, full_years, 2040))


def _births_year(inputs: ProjectionInputs) -> np.ndarray:
    return project(inputs).births_count_year_sex[0, 0].sum(axis=-1)


@pytest.mark.parametrize("which", ["lulea", "sweden"])
def test_a_higher_tfr_target_gives_more_births_in_every_year(
    which: str, official_lulea: ProjectionInputs, official_sweden: ProjectionInputs
) -> None:
    """The TFR target is a deviation from the baseline's own path: it is met exactly in the
    target year, the baseline's later rise is kept, and a target 0.01 above the baseline's TFR
    in the target year (the app's slider default plus one step) raises births in every year.
    Before, the target replaced the path by "ramp to the target, then flat", which on SCB's
    rising official paths (Sweden 1.51 in 2030 -> 1.66 in 2050) gave fewer births: -147,256
    for Sweden 2026-2050."""
    base, region = (official_lulea, "2580") if which == "lulea" else (official_sweden, "00")
    years = base.years
    base_tfr = tfr_of(base.fert_rate_year_age[0, 0])
    in_2030 = float(base_tfr[years == 2030][0])
    assert base_tfr[-1] > in_2030 + 0.1  # SCB's path keeps rising after 2030
    base_births = _births_year(base)
    for slider in (in_2030, round(in_2030, 2)):  # the exact value and the app's default
        lower = apply_scenario(base, Scenario(region=region, fertility=FertilityChange(
            tfr_target=slider, target_year=2030)))
        higher = apply_scenario(base, Scenario(region=region, fertility=FertilityChange(
            tfr_target=slider + 0.01, target_year=2030)))
        tfr = tfr_of(higher.fert_rate_year_age[0, 0])
        assert tfr[years == 2030][0] == pytest.approx(slider + 0.01, abs=1e-12)
        assert np.all(tfr > tfr_of(lower.fert_rate_year_age[0, 0]))
        assert np.all(_births_year(higher) > _births_year(lower))
        assert tfr[-1] > slider + 0.01 + 0.1  # the baseline's rise after 2030 is kept
    exact = apply_scenario(base, Scenario(region=region, fertility=FertilityChange(
        tfr_target=in_2030, target_year=2030)))
    np.testing.assert_allclose(_births_year(exact), base_births, rtol=1e-12)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_runs_on_its_own_baseline(
    path: Path, official_lulea: ProjectionInputs
) -> None:
    scenario = load_scenario(path)
    assert scenario.baseline == "official"
    result = project(apply_scenario(official_lulea, scenario, {"kind": "official"}))
    assert result.scenarios == (scenario.name,)
    assert np.all(result.total_population() > 0)


def test_identity_multipliers_reproduce_the_official_baseline(
    official_lulea: ProjectionInputs, official_sweden: ProjectionInputs
) -> None:
    identity = MigrationChange(immigration_multiplier=1.0, emigration_multiplier=1.0,
                               in_migration_multiplier=1.0, out_migration_multiplier=1.0)
    for base, region, mode in ((official_lulea, "2580", "gross"), (official_sweden, "00", "net")):
        out = apply_scenario(base, Scenario(region=region, migration=identity))
        for name in ARRAYS:
            np.testing.assert_array_equal(getattr(out, name), getattr(base, name), err_msg=name)
        assert out.migration_mode == mode
        assert out.has_net_migration


def test_more_immigration_on_the_official_baseline(
    official_lulea: ProjectionInputs, baseline: ProjectionInputs,
    observed_flows_2020_2024: pd.Series,
) -> None:
    """+50 % immigration: half the trend's immigrants more every year, who then emigrate and
    move out at the baseline's rates like everyone else.

    Hand computation: SCB counted 2,827 immigrants to Luleå in 2020-2024, 565.4 a year; +50 %
    is c = 282.7 a year, 16 years (2025-2040) of arrivals by 31 Dec 2040. They leave again at
    Luleå's observed rate (emigrants + out-migrants per resident, 2020-2024): about 0.075 a
    year at the ages they arrive (weighted by immigrants' ages), falling to about 0.033 at
    40-44, the ages the typical immigrant (late twenties) reaches by 2040. A constant inflow
    ``c`` leaving at rate ``l`` leaves ``c (1 - e^(-16 l)) / l`` present after 16 years: with
    the arrival-age rate and no births a lower bound (about 2,630), with the 40-44 rate and at
    most +30 % for their children an upper bound (about 4,570). The old net-migration
    approximation (nobody leaves) gave +5,223; the same change on the trend baseline, whose
    flows the official baseline shares, gives about +3,380.
    """
    scenario = load_scenario(ROOT / "scenarios" / "high_immigration.toml")
    assert scenario.migration.immigration_multiplier == 1.5
    out = apply_scenario(official_lulea, scenario, {"kind": "official"})
    c = 0.5 * float(observed_flows_2020_2024["immigrants"])
    assert c == pytest.approx(282.7)
    np.testing.assert_allclose(
        (np.asarray(out.immig_count_year_sex_age)
         - np.asarray(official_lulea.immig_count_year_sex_age))[0, 0].sum(
            axis=(-2, -1)), c)
    np.testing.assert_array_equal(out.netmig_count_year_sex_age,
                                  official_lulea.netmig_count_year_sex_age)

    migration = pd.read_csv(MIGRATION_CSV, dtype={"region": str})
    migration = migration[(migration["region"] == "2580") & migration["year"].between(2020, 2024)]
    population = pd.read_csv(POPULATION_CSV, dtype={"region": str})
    population = population[(population["region"] == "2580")
                            & population["year"].between(2020, 2024)]
    by_age = migration.groupby("age")[["immigrants", "emigrants", "out_migrants"]].sum()
    leave_rate = (by_age["emigrants"] + by_age["out_migrants"]) / population.groupby("age")[
        "population"].sum()
    at_arrival = float((leave_rate * by_age["immigrants"]).sum() / by_age["immigrants"].sum())
    at_40_44 = float(leave_rate.loc[40:44].mean())
    assert at_arrival == pytest.approx(0.075, abs=0.005)
    assert at_40_44 == pytest.approx(0.033, abs=0.005)
    low = c * (1 - np.exp(-16 * at_arrival)) / at_arrival
    high = 1.3 * c * (1 - np.exp(-16 * at_40_44)) / at_40_44
    effect = _effect_2040(official_lulea, out)
    assert low < effect < high
    assert effect < 16 * c  # fewer than all the extra immigrants: some leave again
    on_trend = _effect_2040(baseline, apply_scenario(
        baseline, dataclasses.replace(scenario, baseline="trend")))
    assert effect == pytest.approx(on_trend, rel=0.05)


def test_emigration_and_out_migration_on_the_official_baseline(
    official_lulea: ProjectionInputs, observed_flows_2020_2024: pd.Series
) -> None:
    """A rate x m gives about m x one year's observed outflow in the first year (283
    emigrants, 3,366 out-migrants a year in 2020-2024; the official population is close to the
    observed one), a little less as the leavers' person-years go (much less at x 5), taken from
    the scenario's own population: no cohort is emptied (no clipping warning), and the
    population falls by less than the extra outflow at the baseline's level."""
    base = project(official_lulea)
    for change, multiplier, observed, flow in (
        (MigrationChange(emigration_multiplier=2.0), 2.0, "emigrants", "emig_count_year_sex_age"),
        (MigrationChange(out_migration_multiplier=1.2), 1.2, "out_migrants",
         "outmig_count_year_sex_age"),
        (MigrationChange(out_migration_multiplier=5.0), 5.0, "out_migrants",
         "outmig_count_year_sex_age"),
    ):
        out = apply_scenario(official_lulea, Scenario(migration=change))
        np.testing.assert_array_equal(out.netmig_count_year_sex_age,
                                      official_lulea.netmig_count_year_sex_age)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = project(out)
        first_year = float(getattr(result, flow)[0, 0, 0].sum())
        base_first_year = float(getattr(base, flow)[0, 0, 0].sum())
        assert base_first_year == pytest.approx(float(observed_flows_2020_2024[observed]),
                                                rel=0.1)
        # the rate applies to the person-years present, which fall as more leave
        assert base_first_year < first_year < multiplier * base_first_year
        if multiplier <= 2.0:
            assert first_year == pytest.approx(multiplier * base_first_year, rel=0.05)
        assert np.all(result.pop_count_year_sex_age >= 0)
        removed = base.total_population()[0, 0, -1] - result.total_population()[0, 0, -1]
        extra_outflow = (multiplier - 1.0) * float(getattr(base, flow)[0, 0].sum())
        assert 0 < removed < extra_outflow


def test_immigrants_per_year_on_the_official_baseline(
    official_lulea: ProjectionInputs, observed_flows_2020_2024: pd.Series
) -> None:
    out = apply_scenario(official_lulea, Scenario(migration=MigrationChange(
        immigrants_per_year=1000.0, in_migration_multiplier=0.9)))
    np.testing.assert_allclose(np.asarray(out.immig_count_year_sex_age)[0, 0].sum(axis=(-2, -1)),
                               1000.0)
    np.testing.assert_allclose(np.asarray(out.inmig_count_year_sex_age)[0, 0].sum(axis=(-2, -1)),
                               0.9 * observed_flows_2020_2024["in_migrants"])
    np.testing.assert_array_equal(out.netmig_count_year_sex_age,
                                  official_lulea.netmig_count_year_sex_age)


def test_no_migration_removes_the_residual_too(official_lulea: ProjectionInputs) -> None:
    out = apply_scenario(official_lulea, Scenario(migration=MigrationChange(mode="none")))
    result = project(out)
    assert not np.any(result.net_migration_count_year_sex_age())


def test_batch_keeps_the_residual(official_lulea: ProjectionInputs) -> None:
    scenarios = [Scenario(name="a"), Scenario(name="b", migration=MigrationChange(
        immigration_multiplier=1.5))]
    batch = apply_scenarios(official_lulea, scenarios)
    for i in range(2):
        np.testing.assert_array_equal(np.asarray(batch.netmig_count_year_sex_age)[i],
                                      np.asarray(official_lulea.netmig_count_year_sex_age)[0])
    np.testing.assert_allclose(project(batch).pop_count_year_sex_age[0],
                               project(official_lulea).pop_count_year_sex_age[0], rtol=1e-12)


def test_sweden_official_baseline(official_sweden: ProjectionInputs) -> None:
    fert = apply_scenario(official_sweden, Scenario(
        region="00", fertility=FertilityChange(tfr_target=1.8, target_year=2040)))
    assert project(fert).total_population()[0, 0, -1] > project(
        official_sweden).total_population()[0, 0, -1]
    none = apply_scenario(official_sweden, Scenario(region="00",
                                                    migration=MigrationChange(mode="none")))
    assert not np.any(none.netmig_count_year_sex_age)
    assert not gross_flow_changes_available(official_sweden)
    with pytest.raises(InputValidationError, match="region 00 has no gross migration flows"):
        apply_scenario(official_sweden, Scenario(
            region="00", migration=MigrationChange(immigration_multiplier=1.5)))


def test_gross_flow_changes_available(
    official_lulea: ProjectionInputs, baseline: ProjectionInputs
) -> None:
    assert gross_flow_changes_available(official_lulea)
    assert gross_flow_changes_available(baseline)
