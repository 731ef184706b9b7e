"""Rate estimation on real SCB data (the embedded dataset) against independent references.

References: SCB's published TFR (TAB4805, embedded as observed TFR), the reference folder's
own TFR computation (shared/reference/derived_tfr_sweden_1969_2015.csv, SOURCES.md §6), HMD
and UN WPP life expectancy (SOURCES.md §7, §9) and the balance checks of SOURCES.md §17.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator import estimation as est
from calculator.data import baseline, embedded
from calculator.data.templates import inputs_from_frames
from calculator.grid import CKM_MAX_ABS_NOISE_PERSONS, FEMALE, MALE
from calculator.mortality import e0_from_death_prob
from calculator.projection import project


def _direct_tfr(births: pd.DataFrame, population: pd.DataFrame, year: int) -> float:
    """TFR computed independently with pandas: births / ((P[t-1, a-1] + P[t, a]) / 2)."""
    women = population[population["sex"] == "female"]
    start = women[women["year"] == year - 1].assign(age=lambda f: f["age"] + 1)
    end = women[women["year"] == year]
    exposure = (
        start.set_index("age")["population"].add(end.set_index("age")["population"], fill_value=0)
        / 2
    )
    b = births[births["year"] == year].groupby("mother_age")["births"].sum()
    return float((b / exposure.reindex(b.index)).sum())


@pytest.mark.parametrize(("region", "year"), [("2580", 2024), ("2580", 2012), ("00", 2015)])
def test_single_year_tfr_equals_direct_computation(region: str, year: int) -> None:
    births, pop = embedded.load_births(region), embedded.load_population(region)
    rates = est.estimate_fertility(births, pop, [year]).rate_age
    assert rates.sum() == pytest.approx(_direct_tfr(births, pop, year), rel=1e-12)


@pytest.mark.parametrize(
    ("year", "expected"),
    # shared/reference/derived_tfr_sweden_1969_2015.csv, column tfr_age_reached (SOURCES §6);
    # SCB published 1.90 for 2011 and 1.50 for 1999.
    [(1999, 1.498), (2011, 1.902), (2015, 1.849)],
)
def test_sweden_tfr_matches_reference_computation(year: int, expected: float) -> None:
    tfr = est.asfr(embedded.load_births("00"), embedded.load_population("00"), [year]).sum()
    assert tfr == pytest.approx(expected, abs=0.0015)


def test_lulea_tfr_matches_scb_tab4805_every_year() -> None:
    births, pop = embedded.load_births("2580"), embedded.load_population("2580")
    published = embedded.load_tfr_observed("2580").set_index("year")["tfr_children_per_woman"]
    for year in range(2007, 2025):
        tfr = est.asfr(births, pop, [year]).sum()
        assert abs(tfr - published[year]) <= 0.03, year  # SOURCES §15: within ±0.02 holds


def test_pooling_sums_births_and_exposures() -> None:
    births, pop = embedded.load_births("2580"), embedded.load_population("2580")
    years = [2020, 2021, 2022, 2023, 2024]
    b, e = est.pooled_asfr_counts(births, pop, years)
    assert b.sum() == births[births["year"].isin(years)]["births"].sum()
    # The pooled TFR lies between the lowest and highest single-year TFRs.
    singles = [est.asfr(births, pop, [y]).sum() for y in years]
    assert min(singles) < (b[15:50] / e[15:50]).sum() < max(singles)


def test_shrinkage_moves_small_populations_towards_the_reference() -> None:
    """One year of Luleå (about 600 births) moves towards Sweden's pattern; Sweden does not."""
    ref_b, ref_p = embedded.load_births("00"), embedded.load_population("00")
    small = est.estimate_fertility(
        embedded.load_births("2580"), embedded.load_population("2580"), [2015],
        reference_births=ref_b, reference_population=ref_p, reference_years=[2015],
    )
    ages = slice(15, 50)
    raw_gap = np.abs(small.raw_rate_age - small.reference_rate_age)[ages].sum()
    new_gap = np.abs(small.rate_age - small.reference_rate_age)[ages].sum()
    assert new_gap < 0.8 * raw_gap
    assert small.weight_age[ages].min() < 0.5  # ages with few births lean on the reference
    # A large population (a county, ~2,700 births a year over 5 years) barely moves.
    large = est.estimate_fertility(
        embedded.load_births("01"), embedded.load_population("01"), list(range(2011, 2016)),
        reference_births=ref_b, reference_population=ref_p, reference_years=list(range(2011, 2016)),
    )
    core = slice(20, 41)
    rel_change = np.abs(large.rate_age[core] / large.raw_rate_age[core] - 1)
    assert rel_change.max() < 0.02  # measured: 1.3 % at age 20, under 0.7 % at 21-40
    assert large.rate_age.sum() == pytest.approx(large.raw_rate_age.sum(), rel=0.01)


def test_shrinkage_weight_formula() -> None:
    events = np.array([0.0, 5.0, 50.0])
    exposure = np.array([1000.0, 1000.0, 1000.0])
    ref = np.array([0.002, 0.01, 0.04])
    rate, weight, mu, _ = est.shrink_poisson(events, exposure, ref, prior_events=10.0)
    level = events.sum() / (exposure * ref).sum()
    np.testing.assert_allclose(mu, level * ref)
    np.testing.assert_allclose(weight, exposure * mu / (exposure * mu + 10.0))
    np.testing.assert_allclose(rate, weight * events / exposure + (1 - weight) * mu)
    assert np.all(rate > 0)  # a zero-birth age gets a positive rate from the reference


def test_mortality_smr_reproduces_observed_deaths_and_shrinks() -> None:
    frames = baseline._region_data("2580")
    ref = baseline._region_data("25")
    years = list(range(2010, 2015))
    kwargs = dict(reference_deaths=ref.deaths, reference_population=ref.population,
                  reference_births=ref.births)
    unshrunk = est.estimate_mortality(frames.deaths, frames.population, frames.births, years,
                                      prior_deaths=0.0, **kwargs)
    np.testing.assert_allclose(unshrunk.smr_sex * unshrunk.expected_deaths_sex,
                               unshrunk.observed_deaths_sex)
    assert unshrunk.observed_deaths_sex.sum() == frames.deaths[
        frames.deaths["year"].isin(years)]["deaths"].sum()
    assert unshrunk.smr_sex.min() > 0.8
    assert unshrunk.smr_sex.max() < 1.2
    strong = est.estimate_mortality(frames.deaths, frames.population, frames.births, years,
                                    prior_deaths=1e6, **kwargs)
    np.testing.assert_allclose(strong.smr_sex, 1.0, atol=1e-3)
    np.testing.assert_allclose(strong.death_prob_sex_age, strong.reference_death_prob_sex_age,
                               rtol=2e-3, atol=1e-9)


@pytest.mark.parametrize(
    ("sex", "expected"),
    # SOURCES §7: HMD female e0 2014 ≈ 84.05; UN WPP 2024 Sweden 2014: men 80.36 (§9).
    [(FEMALE, 84.05), (MALE, 80.36)],
)
def test_death_probs_from_sweden_2014_give_published_e0(sex: int, expected: float) -> None:
    data = baseline._region_data("00")  # completed-age deaths converted to age reached
    d, e = est.death_counts_exposure(data.deaths, data.population, data.births, [2014])
    q = est.death_prob_from_counts(d, e)
    assert float(e0_from_death_prob(q[sex], sex)) == pytest.approx(expected, abs=0.1)


def test_deaths_completed_to_reached_keeps_totals() -> None:
    deaths = embedded.load_deaths("00", years=[2019, 2020])
    converted = est.deaths_completed_to_reached(deaths)
    assert converted.groupby("year")["deaths"].sum().tolist() == [88_766, 98_124]  # §2
    assert (converted["deaths"] >= 0).all()


def test_infant_lower_triangle_share_matches_scb_deaths_by_age_reached() -> None:
    """SCB's 2025 national projection gives deaths by age reached (SOURCES §19, 000005MP, all
    birth regions, 2026-2050 pooled): ages 0/1/2 = 4,137/607/299. Taking the upper triangle of
    age 1 as half the deaths reached at age 2, the lower-triangle share of infant deaths is
    D'0 / (D'0 + D'1 - D'2 / 2)."""
    share = 4137 / (4137 + 607 - 299 / 2)
    assert abs(est.INFANT_LOWER_TRIANGLE_SHARE - share) < 0.01


@pytest.mark.parametrize(
    # SOURCES §2: Sweden's deaths at completed age 0, 2016-2020: women 587, men 723; births
    # 2016-2020 by sex (SCB, embedded): girls 280,019, boys 296,236.
    ("sex", "infant_deaths", "births"), [(FEMALE, 587, 280_019), (MALE, 723, 296_236)],
)
def test_sweden_infant_death_probability_2016_2020(sex: int, infant_deaths: int,
                                                   births: int) -> None:
    """q0 (death before 31 Dec of the birth year) is about 0.9 of the Lexis-square infant
    mortality (0.0021 women, 0.0024 men), not half of it, and q1 is far below q0."""
    data = baseline._region_data("00")
    years = list(range(2016, 2021))
    d, e = est.death_counts_exposure(data.deaths, data.population, data.births, years)
    q = est.death_prob_from_counts(d, e)[sex]
    square_imr = infant_deaths / births
    assert q[0] == pytest.approx(0.9 * square_imr, rel=1e-3)
    assert 0.0015 < q[0] < 0.0030
    assert q[0] > 4 * q[1] > 4 * q[2]
    assert q[1] < 0.0005


def test_one_year_projection_with_same_year_rates_reproduces_observed_flows() -> None:
    """Rates from 2024 applied to the 2023 population give back 2024's births, deaths,
    migrations and population: the exposure conventions agree with the engine's."""
    region, year = "2580", 2024
    pop = embedded.load_population(region)
    births, deaths = embedded.load_births(region), embedded.load_deaths(region)
    migration = embedded.load_migration(region)
    fert = est.estimate_fertility(births, pop, [year]).rate_age
    d, e = est.death_counts_exposure(deaths, pop, births, [year])
    mig = est.estimate_migration(migration, pop, [year])
    base = est.sex_age_cube(pop, "population", [year - 1])[0]
    srb = est.sex_ratio_at_birth(births, [year])
    inputs = inputs_from_frames(
        est.population_template(region, base), est.fertility_template(region, year, fert),
        est.mortality_template(region, year, est.death_prob_from_counts(d, e)),
        est.migration_template(region, year, mig), base_year=year - 1, end_year=year, srb=srb,
    )
    result = project(inputs)
    assert result.births_count_year_sex[0, 0, 0].sum() == pytest.approx(613, rel=0.01)  # §15
    assert result.deaths_count_year_sex_age[0, 0, 0].sum() == pytest.approx(774, rel=0.02)  # §16
    m24 = migration[migration["year"] == year]
    for name, column in (("emig", "emigrants"), ("outmig", "out_migrants")):
        projected = getattr(result, f"{name}_count_year_sex_age")[0, 0, 0].sum()
        assert projected == pytest.approx(m24[column].sum(), rel=0.02)
    # SOURCES §13: 2024 = 79,645; the balance residual of SCB's data is -8..+24 a year (§17).
    assert result.pop_count_year_sex_age[0, 0, 1].sum() == pytest.approx(79_645, abs=40)


def test_residual_net_migration_matches_observed_net_migration() -> None:
    region = "2580"
    pop, deaths = embedded.load_population(region), embedded.load_deaths(region)
    births, migration = embedded.load_births(region), embedded.load_migration(region)
    for year in range(2007, 2025):
        net = est.residual_net_migration(pop, deaths, births, [year]).sum()
        m = migration[migration["year"] == year]
        observed = (m["immigrants"] + m["in_migrants"] - m["emigrants"] - m["out_migrants"]).sum()
        # SOURCES §17: P[t]-P[t-1]-(B-D+net) is -8..+24 except 2021 (+68) and 2022 (+51).
        limit = 70 if year in (2021, 2022) else 25
        assert abs(net - observed) <= limit, year


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-5, 500, allow_nan=False), min_size=1, max_size=101),
    st.floats(0, 1e6, allow_nan=False),
)
def test_raking_hits_total_and_never_goes_negative(cells: list[float], total: float) -> None:
    raked = est.rake_to_total(np.array(cells), total)
    assert np.all(raked >= 0)
    assert raked.sum() == pytest.approx(total, rel=1e-12, abs=1e-9)


def test_rake_lulea_2025_ckm_cells_to_totals() -> None:
    ckm = embedded.load_population("2580", years=[2025], include_ckm=True)
    # Per-sex totals: SCB's TOT1 is not in the extract; the sums of the published cells are
    # used here, with one total moved by the CKM noise size to exercise the raking.
    totals = ckm.groupby(["year", "region", "sex"], as_index=False)["population"].sum()
    totals.loc[totals["sex"] == "female", "population"] += CKM_MAX_ABS_NOISE_PERSONS
    raked = est.rake_population_to_totals(ckm, totals)
    by_sex = raked.groupby("sex")["population"].sum()
    assert by_sex["male"] == pytest.approx(totals.set_index("sex").loc["male", "population"])
    assert by_sex["female"] == pytest.approx(totals.set_index("sex").loc["female", "population"])
    assert (raked["population"] >= 0).all()
    small = raked["below_ckm_noise"].to_numpy()
    np.testing.assert_array_equal(small, ckm["population"].to_numpy() <= 3)
    assert small.any()


def test_unknown_region_in_estimation_input_is_rejected() -> None:
    both = pd.concat([embedded.load_births("2580"), embedded.load_births("25")])
    with pytest.raises(ValueError, match="expected one region"):
        est.estimate_fertility(both, embedded.load_population("2580"), [2012])
    with pytest.raises(ValueError, match=r"year\(s\) \[2030\]"):
        est.asfr(embedded.load_births("2580"), embedded.load_population("2580"), [2030])


def test_trend_baseline_frames_for_lulea() -> None:
    frames = baseline.trend_baseline_frames("2580")
    assert frames.base_year == 2024
    assert frames.population["population"].sum() == 79_645
    assert frames.windows["fertility"] == [2020, 2021, 2022, 2023, 2024]
    # County data stop in 2015 and Sweden's population in 2020: reference = Sweden 2016-2020.
    assert frames.reference_region == "00"
    assert frames.reference_years["mortality"] == [2016, 2017, 2018, 2019, 2020]
    tfr = frames.fertility["rate"].sum()
    published = embedded.load_tfr_observed("2580").set_index("year")["tfr_children_per_woman"]
    assert published[2024] - 0.05 < tfr < published[2020] + 0.05  # within the window's range
    assert set(frames.migration.columns) >= {"immigrants", "emigration_rate", "in_migrants",
                                             "out_migration_rate"}
    assert "base year 2024" in frames.description
    inputs = baseline.trend_baseline_inputs("2580", end_year=2030)
    assert inputs.n_years == 6 and inputs.regions == ("2580",)


def test_estimation_window_names_missing_years_and_hint() -> None:
    with pytest.raises(est.InputValidationError, match=r"region 2580: rates need year\(s\) "
                       r"\[2019\].*available 2020-2024; fetch from an earlier year"):
        est.estimation_window(2024, 6, range(2020, 2025), "region 2580",
                              "fetch from an earlier year")


def test_reference_window_uses_latest_reference_years() -> None:
    # Sweden's population and deaths stop in 2020: Luleå's 2020-2024 window uses 2016-2020.
    assert est.reference_window(range(2020, 2025), range(1969, 2021)) == list(range(2016, 2021))
    assert est.reference_window([2010, 2011], range(1969, 2016)) == [2010, 2011]
    assert est.reference_window([2010, 2011, 2012], [2014]) == [2014]
