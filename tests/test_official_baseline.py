"""The official baseline reproduces SCB's projections in our engine (figures from tests/data)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.compare import compare
from calculator.official_baseline import (
    national_baseline,
    official_baseline,
    regional_baseline,
    reproduction_report,
)
from calculator.projection import project

DATA = Path(__file__).parent / "data"


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
    for variable in ("mean_population", "population", "births", "deaths"):
        assert report.loc[(variable, "total"), "max_abs_rel_diff"] < 1e-3
    for variable in ("mean_population", "population", "deaths"):
        assert report.loc[(variable, "5-year group"), "max_abs_rel_diff"] < 1e-2


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
