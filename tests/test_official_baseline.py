"""The official baseline reproduces SCB's projections in our engine (figures from tests/data)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.compare import compare
from calculator.data.baseline import trend_baseline_inputs
from calculator.grid import FEMALE, MALE
from calculator.mortality import e0_from_death_prob
from calculator.official_baseline import (
    GROSS_PROFILES,
    national_baseline,
    official_baseline,
    regional_baseline,
    reproduction_report,
    residual_migration_summary,
)
from calculator.projection import project

DATA = Path(__file__).parent / "data"
EMBEDDED = Path(__file__).resolve().parents[1] / "calculator" / "data" / "embedded"


@pytest.fixture(scope="module")
def national() -> tuple[pd.DataFrame, pd.DataFrame]:
    baseline = national_baseline()
    return project(baseline.inputs).to_long(), baseline.official_long


@pytest.fixture(scope="module")
def regional() -> tuple[pd.DataFrame, pd.DataFrame]:
    baseline = regional_baseline("scb_regional_2024", "2580")
    return project(baseline.inputs).to_long(), baseline.official_long


def test_national_reproduces_published_totals(national: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    long, _ = national
    # SCB 000005MS / 000005MP totals (tests/data/official_projected_totals_2025_vintage.csv)
    # and births 000005MU (SOURCES.md s. 20: 96,857 in 2026, 113,540 in 2050).
    expected = pd.read_csv(DATA / "official_projected_totals_2025_vintage.csv").set_index("year")
    pop = long[long["variable"] == "population"].pivot_table(
        index=["year", "sex", "age"], values="value", aggfunc="sum")["value"]
    total = pop.groupby(level="year").sum()
    mean = (total.shift(1) + total).dropna() / 2  # total mean population = mean of stocks
    np.testing.assert_allclose(mean.loc[expected.index], expected["mean_population_total"],
                               rtol=1e-3)
    deaths = long[long["variable"] == "deaths"].groupby("year")["value"].sum()
    np.testing.assert_allclose(deaths.loc[expected.index], expected["deaths_total"], rtol=1e-3)
    births = long[long["variable"] == "births"].groupby("year")["value"].sum()
    assert births[2026] == pytest.approx(96_857, rel=1e-3)
    assert births[2050] == pytest.approx(113_540, rel=1e-3)


def test_national_five_year_groups_within_one_percent(
    national: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    long, official_long = national
    report = reproduction_report(long, official_long).set_index(["variable", "resolution"])
    worst = report["max_abs_rel_diff"].to_dict()
    for variable in ("mean_population", "population", "births", "deaths"):
        assert worst[(variable, "total")] < 1e-3
    for variable in ("mean_population", "population", "deaths"):
        assert worst[(variable, "5-year group")] < 1e-2


def test_regional_reproduces_scb_raw_file(regional: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    long, _ = regional
    raw = pd.read_csv(DATA / "official_scb_regional_lulea_raw.csv", dtype=str)
    pop = long[long["variable"] == "population"]
    for year in (2024, 2030, 2040, 2050):
        scb = raw[f"000005RC {year}"].astype(float)
        got = pop[pop["year"] == year]
        assert got["value"].sum() == pytest.approx(scb.sum(), rel=1e-3)
        for sex, code in (("male", "1"), ("female", "2")):
            ages = raw.loc[raw["Kon"] == code, "Alder"].str.rstrip("+").astype(int)
            scb_sex = pd.Series(scb[raw["Kon"] == code].to_numpy(), index=ages.to_numpy())
            mine = got[got["sex"] == sex].set_index("age")["value"].sort_index()
            groups = np.arange(0, 101, 5)
            rel = np.abs(np.add.reduceat(mine.to_numpy() - scb_sex.sort_index().to_numpy(),
                                         groups)) / np.add.reduceat(
                scb_sex.sort_index().to_numpy(), groups)
            assert rel.max() < 1e-2


def test_regional_baseline_is_gross_and_reproduces_scb_exactly() -> None:
    """Luleå: the trend's gross profiles plus a residual reproduce SCB's stocks at every age."""
    inputs = regional_baseline().inputs
    assert inputs.migration_mode == "gross" and inputs.has_net_migration
    trend = trend_baseline_inputs("2580", 2050)
    for name in GROSS_PROFILES:  # the gross flows are the trend baseline's, unchanged
        np.testing.assert_array_equal(getattr(inputs, name)[0, 0, 0], getattr(trend, name)[0, 0, 0])
    pop = project(inputs).pop_count_year_sex_age[0, 0]
    raw = pd.read_csv(DATA / "official_scb_regional_lulea_raw.csv", dtype=str)
    for t, year in enumerate(range(2024, 2051)):
        for s, code in enumerate(("2", "1")):  # FEMALE, MALE
            part = raw[raw["Kon"] == code]
            ages = part["Alder"].str.rstrip("+").astype(int).to_numpy()
            scb = part[f"000005RC {year}"].astype(float).to_numpy()
            np.testing.assert_allclose(pop[t, s, ages], scb, rtol=1e-12, atol=1e-9)


def test_residual_is_small_beside_the_gross_flows() -> None:
    """The net adjustment moves far fewer persons than the gross flows (figures in
    docs/official_forecasts.md); immigrants and in-migrants are SCB's 2020-2024 means for
    Luleå (Flyttningar97: 2,827 and 17,162 in five years)."""
    summary = residual_migration_summary(regional_baseline().inputs)
    np.testing.assert_allclose(summary["immigrants"], 2827 / 5)
    np.testing.assert_allclose(summary["in_migrants"], 17162 / 5)
    gross = summary[["immigrants", "emigrants", "in_migrants", "out_migrants"]].sum(axis=1)
    assert (summary["residual_abs"] < 0.15 * gross).all()


def test_fertility_change_leaves_cohorts_born_before_base_untouched(
    regional: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    baseline = regional_baseline()
    changed = dataclasses.replace(
        baseline.inputs, fert_rate_year_age=baseline.inputs.fert_rate_year_age * 1.1
    )
    base_pop = project(baseline.inputs).pop_count_year_sex_age[0, 0]
    new_pop = project(changed).pop_count_year_sex_age[0, 0]
    years = np.arange(new_pop.shape[0])
    for t in years[1:]:
        np.testing.assert_allclose(new_pop[t, :, t:], base_pop[t, :, t:], rtol=1e-12)
        assert new_pop[t, :, 0].sum() > base_pop[t, :, 0].sum()
    diff = compare(project(changed).to_long(), regional[1], by="total")
    births_free = diff[(diff["variable"] == "population") & (diff["sex"] == "total")]
    assert (births_free.query("year > 2024")["abs_diff"] > 0).all()


def test_unknown_forecast_is_refused() -> None:
    with pytest.raises(ValueError, match="scb_regional_2024"):
        official_baseline("scb_national_2018")


def test_lulea_mortality_is_at_lulea_level() -> None:
    """Luleå's official baseline scales the national rates by Luleå's SMR by sex (2020-2024),
    so its deaths start at Luleå's observed level: SCB BE0101D8 (embedded deaths.csv.gz, CC0)
    gives 758, 794 and 774 deaths in 2022-2024. With the national rates unscaled the engine
    gave 713 deaths in 2025, below every year since 2020."""
    deaths = pd.read_csv(EMBEDDED / "deaths.csv.gz", dtype={"region": str})
    observed = deaths[deaths["region"] == "2580"].groupby("year")["deaths"].sum()
    assert observed.loc[[2022, 2023, 2024]].tolist() == [758, 794, 774]
    inputs = regional_baseline().inputs
    engine = project(inputs).deaths_count_year_sex_age[0, 0, 0].sum()
    assert observed.loc[2020:2024].min() <= engine <= 1.05 * observed.loc[2020:2024].max()
    national = national_baseline().inputs
    t_lulea = int(np.flatnonzero(inputs.years == 2026)[0])
    t_sweden = int(np.flatnonzero(national.years == 2026)[0])
    for sex in (FEMALE, MALE):
        e0_lulea = float(e0_from_death_prob(inputs.death_prob_year_sex_age[0, 0, t_lulea, sex], sex))
        e0_sweden = float(e0_from_death_prob(
            national.death_prob_year_sex_age[0, 0, t_sweden, sex], sex))
        assert e0_lulea < e0_sweden - 0.5
