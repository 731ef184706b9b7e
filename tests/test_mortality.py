"""Life tables against independent references (HMD, UN WPP 2024, SCB)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calculator.grid import FEMALE, MALE
from calculator.mortality import (
    death_prob_from_hazards,
    death_probs_for_e0_path,
    e0_from_death_prob,
    hazards_from_death_prob,
    life_table,
    remaining_life_expectancy,
    scale_death_prob_to_e0,
)

DATA = Path(__file__).parent / "data"
SEX_INDEX = {"female": FEMALE, "male": MALE}


def hmd_mx(year: int, sex: str) -> np.ndarray:
    hmd = pd.read_csv(DATA / "hmd_sweden_1x1_1950_1990_2014.csv", dtype={"age": str})
    sub = hmd[(hmd["year"] == year) & (hmd["sex"] == sex)].copy()
    sub["age_num"] = sub["age"].str.rstrip("+").astype(int).clip(upper=100)  # close at 100+
    grouped = sub.groupby("age_num")[["deaths", "exposure"]].sum()
    return (grouped["deaths"] / grouped["exposure"]).to_numpy()


@pytest.mark.parametrize("year", [1950, 1990, 2014])
@pytest.mark.parametrize("sex", ["female", "male"])
def test_e0_from_hmd_agrees_with_un_wpp(year: int, sex: str) -> None:
    """HMD deaths/exposures through our life table vs UN WPP 2024 e0 (different methods)."""
    un = pd.read_csv(DATA / "unwpp2024_sweden_e0_1950_1990_2014.csv").set_index("year")
    e0 = float(life_table(hmd_mx(year, sex), SEX_INDEX[sex]).e0)
    assert e0 == pytest.approx(un.loc[year, f"e0_{sex}"], abs=0.2)


def test_hmd_female_2014_matches_the_value_quoted_by_hmd() -> None:
    # shared/reference/SOURCES.md section 7: "female e0 2014 computed from these ~ 84.05"
    assert float(life_table(hmd_mx(2014, "female"), FEMALE).e0) == pytest.approx(84.05, abs=0.03)


def scb_death_probs_2014(sex: str) -> np.ndarray:
    """SCB 2014 death probabilities by age reached, built from HMD's 2014 completed-age rates.

    Note: the SCB national deaths file (``scb_deaths_sweden_2014.csv``, from eha/demdata) is by
    *completed age at death*, not age reached as shared/reference/SOURCES.md says: its cells
    equal HMD's Lexis-square deaths exactly (checked in
    ``test_scb_national_deaths_are_by_completed_age``). The parallelogram for age reached a
    spans completed ages a-1 and a, so its hazard is taken as the mean of m[a-1] and m[a].
    """
    mx = hmd_mx(2014, sex)
    mu = np.empty(101)
    mu[1:100] = 0.5 * (mx[0:99] + mx[1:100])
    mu[100] = mx[100]
    q = -np.expm1(-mu)
    q[0] = 0.5 * mx[0]  # newborns: about half a year of exposure at infant mortality
    return q


def test_scb_national_deaths_are_by_completed_age() -> None:
    """SCB's deaths and population give HMD's e0 when read as completed age (Lexis squares)."""
    pop = pd.read_csv(DATA / "scb_population_sweden_2013_2014.csv", dtype={"age": str})
    deaths = pd.read_csv(DATA / "scb_deaths_sweden_2014.csv", dtype={"age": str})
    hmd = pd.read_csv(DATA / "hmd_sweden_1x1_1950_1990_2014.csv", dtype={"age": str})
    for sex in ("female", "male"):
        d = deaths[deaths.sex == sex]["deaths"].to_numpy(float)
        h = hmd[(hmd.year == 2014) & (hmd.sex == sex)]["deaths"].to_numpy(float)[:100]
        np.testing.assert_array_equal(d[:100], h)  # identical cell by cell, ages 0..99
        p13 = pop[(pop.year == 2013) & (pop.sex == sex)]["population"].to_numpy(float)
        p14 = pop[(pop.year == 2014) & (pop.sex == sex)]["population"].to_numpy(float)
        e0 = float(life_table(d / (0.5 * (p13 + p14)), SEX_INDEX[sex]).e0)
        assert e0 == pytest.approx(float(life_table(hmd_mx(2014, sex), SEX_INDEX[sex]).e0),
                                   abs=0.02)


@pytest.mark.parametrize("sex", ["female", "male"])
def test_age_reached_conversion_recovers_the_period_life_table(sex: str) -> None:
    """HMD rates -> probabilities by age reached -> our conversion back -> same e0."""
    e0_reached = float(e0_from_death_prob(scb_death_probs_2014(sex), SEX_INDEX[sex]))
    e0_hmd = float(life_table(hmd_mx(2014, sex), SEX_INDEX[sex]).e0)
    assert e0_reached == pytest.approx(e0_hmd, abs=0.05)


def test_e0_targeting_hits_the_target_and_keeps_the_pattern() -> None:
    q = scb_death_probs_2014("male")
    target = 83.0
    scaled = scale_death_prob_to_e0(q, target, MALE)
    assert float(e0_from_death_prob(scaled, MALE)) == pytest.approx(target, abs=1e-6)
    ratio = hazards_from_death_prob(scaled)[1:] / hazards_from_death_prob(q)[1:]
    np.testing.assert_allclose(ratio[ratio == ratio], ratio[0], rtol=1e-8)


def test_e0_path_is_linear_to_the_target() -> None:
    q = scb_death_probs_2014("female")
    e0_base = float(e0_from_death_prob(q, FEMALE))
    path = death_probs_for_e0_path(q, FEMALE, 2014, 2024, e0_base + 2.0, np.arange(2015, 2030))
    e0s = e0_from_death_prob(path, FEMALE)
    np.testing.assert_allclose(e0s[:10], e0_base + 0.2 * np.arange(1, 11), atol=1e-6)
    np.testing.assert_allclose(e0s[10:], e0_base + 2.0, atol=1e-6)


def test_hazard_conversion_round_trips() -> None:
    q = scb_death_probs_2014("female")
    np.testing.assert_allclose(death_prob_from_hazards(hazards_from_death_prob(q)), q, rtol=1e-9)


def test_remaining_life_expectancy_at_65_is_plausible() -> None:
    e65_f = float(remaining_life_expectancy(scb_death_probs_2014("female"), FEMALE, 65))
    e65_m = float(remaining_life_expectancy(scb_death_probs_2014("male"), MALE, 65))
    hmd_f = float(life_table(hmd_mx(2014, "female"), FEMALE).ex[65])
    hmd_m = float(life_table(hmd_mx(2014, "male"), MALE).ex[65])
    assert e65_f == pytest.approx(hmd_f, abs=0.1)
    assert e65_m == pytest.approx(hmd_m, abs=0.1)
