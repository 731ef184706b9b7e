"""Age groups, service needs, dependency ratio, mean age and the summary table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calculator.data.baseline import trend_baseline_inputs
from calculator.exceptions import InputValidationError
from calculator.grid import AGES, SEXES
from calculator.projection import project
from calculator.tables import (
    FIVE_YEAR_GROUPS,
    PLANNING_GROUPS,
    SINGLE_YEAR_GROUPS,
    AgeGroup,
    ServiceNeed,
    dependency_ratio,
    group_ages,
    mean_age,
    parse_age_groups,
    service_needs,
    summary_table,
    wide_by_year,
)


def _population_long(values_sex_age: np.ndarray, year: int = 2025) -> pd.DataFrame:
    """A one-year long table from a (2, 101) population array."""
    rows = [
        {"scenario": "s", "region": "2580", "year": year, "sex": sex, "age": int(age),
         "variable": "population", "value": float(values_sex_age[i, age])}
        for i, sex in enumerate(SEXES) for age in AGES
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def lulea_long() -> pd.DataFrame:
    """Projection of Luleå's trend baseline (embedded SCB data), 2024-2030."""
    return project(trend_baseline_inputs("2580", 2030)).to_long()


def test_parse_user_groups_like_linkoping() -> None:
    groups = parse_age_groups("0-5,6-12,13-15,16-18,19-64,65-79,80+")
    assert [g.label for g in groups] == ["0-5", "6-12", "13-15", "16-18", "19-64", "65-79", "80+"]
    assert groups[-1].ages == range(80, 101)


def test_default_planning_groups() -> None:
    assert [g.label for g in PLANNING_GROUPS] == [
        "0", "1-5", "6", "7-9", "10-12", "13-15", "16-18", "19-24", "25-64", "65-79", "80-89",
        "90+",
    ]
    covered = sorted(a for g in PLANNING_GROUPS for a in g.ages)
    assert covered == list(range(101))
    assert len(FIVE_YEAR_GROUPS) == 21 and FIVE_YEAR_GROUPS[-2].label == "95-99"
    assert SINGLE_YEAR_GROUPS[-1].label == "100+"


def test_gaps_are_allowed() -> None:
    groups = parse_age_groups("1-5, 16-18")
    assert [g.label for g in groups] == ["1-5", "16-18"]


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("0-5,5-9", "'5-9' overlaps '0-5' (age 5 is in both)"),
        ("0-5,80+,85-89", "'85-89' overlaps '80+' (age 85 is in both)"),
        ("0-5,x", "cannot read 'x'"),
        ("0-5,,6-9", "cannot read ''"),
        ("9-3", "the upper age 3 is below the lower age 9"),
        ("0-120", "ages go from 0 to 100"),
        ("", "no age groups given"),
    ],
)
def test_bad_group_specs_name_the_item(spec: str, fragment: str) -> None:
    with pytest.raises(InputValidationError, match="age groups") as err:
        parse_age_groups(spec)
    assert fragment in str(err.value)


def test_group_sums_equal_totals(lulea_long: pd.DataFrame) -> None:
    pop = lulea_long[lulea_long["variable"] == "population"]
    total = pop.groupby(["year", "sex"])["value"].sum()
    for groups in (FIVE_YEAR_GROUPS, PLANNING_GROUPS, SINGLE_YEAR_GROUPS):
        grouped = group_ages(lulea_long, groups)
        by_sex = grouped[grouped["sex"] != "total"].groupby(["year", "sex"], observed=True)[
            "value"].sum()
        np.testing.assert_allclose(by_sex.sort_index().to_numpy(), total.sort_index().to_numpy())
        both = grouped[grouped["sex"] == "total"].groupby("year")["value"].sum()
        np.testing.assert_allclose(both.to_numpy(), pop.groupby("year")["value"].sum().to_numpy())


def test_groups_with_gaps_sum_only_their_ages(lulea_long: pd.DataFrame) -> None:
    grouped = group_ages(lulea_long, parse_age_groups("1-5,16-18"), with_total_sex=False)
    pop = lulea_long[lulea_long["variable"] == "population"]
    expected = pop[pop["age"].between(1, 5)]["value"].sum()
    assert grouped[grouped["age_group"] == "1-5"]["value"].sum() == pytest.approx(expected)


def test_wide_by_year_keeps_group_order(lulea_long: pd.DataFrame) -> None:
    wide = wide_by_year(group_ages(lulea_long, PLANNING_GROUPS))
    first = wide[(wide["sex"] == "total")]["age_group"].astype(str).tolist()
    assert first == [g.label for g in PLANNING_GROUPS]
    assert list(wide.columns[-7:]) == list(range(2024, 2031))


def test_service_needs_hand_checked() -> None:
    # Tiny example: 10 girls and 10 boys at each age 1..5 (100 children aged 1-5), 7 girls and
    # 3 boys aged 80, 2 women aged 100+.
    #   preschool 1-5: places = 100 x 0.85 = 85; cost = 85 x 170,000 = 14,450,000 kr
    #   home care 80+: population 7 + 3 + 2 = 12; places = 12 x 0.25 = 3; cost = 3 x 300,000
    #                  = 900,000 kr
    pop = np.zeros((2, 101))
    pop[:, 1:6] = 10.0
    pop[0, 80], pop[1, 80], pop[0, 100] = 7.0, 3.0, 2.0
    needs = (
        ServiceNeed("forskola", "Förskola", "Preschool", AgeGroup(1, 5), 0.85, 170_000.0, 2024),
        ServiceNeed("hemtjanst", "Hemtjänst", "Home care", AgeGroup(80, None), 0.25, 300_000.0,
                    2024),
    )
    table = service_needs(_population_long(pop), needs).set_index("service")
    assert table.loc["forskola", "population"] == 100.0
    assert table.loc["forskola", "places"] == pytest.approx(85.0)
    assert table.loc["forskola", "cost_sek"] == pytest.approx(14_450_000.0)
    assert table.loc["hemtjanst", "population"] == 12.0
    assert table.loc["hemtjanst", "places"] == pytest.approx(3.0)
    assert table.loc["hemtjanst", "cost_sek"] == pytest.approx(900_000.0)
    assert (table["price_year"] == 2024).all()


def test_service_need_validation() -> None:
    with pytest.raises(InputValidationError, match=r"service need x: coverage rate 1\.5"):
        ServiceNeed("x", "X", "X", AgeGroup(1, 5), 1.5, 1.0, 2024)


def test_dependency_ratio_and_mean_age_hand_checked() -> None:
    # 40 persons aged 0-19, 100 aged 20-64, 20 aged 65+:
    #   försörjningskvot = (40 + 20) / 100 = 0.6
    # mean age: 40 at age 10 (10.5), 100 at 40 (40.5), 20 at 70 (70.5)
    #   = (40*10.5 + 100*40.5 + 20*70.5) / 160 = (420 + 4050 + 1410) / 160 = 36.75
    pop = np.zeros((2, 101))
    pop[0, 10], pop[1, 10], pop[0, 40], pop[1, 40], pop[1, 70] = 25.0, 15.0, 50.0, 50.0, 20.0
    long = _population_long(pop)
    assert dependency_ratio(long)["dependency_ratio"].iloc[0] == pytest.approx(0.6)
    assert mean_age(long)["mean_age_years"].iloc[0] == pytest.approx(36.75)


def test_dependency_ratio_boundaries() -> None:
    # ages 19 and 65 are in the numerator, 20 and 64 in the denominator: (1 + 2) / (3 + 4)
    pop = np.zeros((2, 101))
    pop[0, 19], pop[0, 65], pop[0, 20], pop[0, 64] = 1.0, 2.0, 3.0, 4.0
    assert dependency_ratio(_population_long(pop))["dependency_ratio"].iloc[0] == pytest.approx(
        3 / 7)


def test_summary_components_add_up(lulea_long: pd.DataFrame) -> None:
    summary = summary_table(lulea_long)
    base = summary[summary["year"] == 2024].iloc[0]
    assert np.isnan(base["births"]) and np.isnan(base["change"])
    rest = summary[summary["year"] > 2024]
    np.testing.assert_allclose(
        rest["change"], rest["natural_increase"] + rest["net_migration"], atol=1e-6)
    births = lulea_long[(lulea_long["variable"] == "births") & (lulea_long["year"] == 2025)]
    assert rest.iloc[0]["births"] == pytest.approx(births["value"].sum())
    pop = lulea_long[lulea_long["variable"] == "population"].groupby("year")["value"].sum()
    np.testing.assert_allclose(summary["population"], pop.to_numpy())


def test_summary_in_net_mode() -> None:
    # net mode: only net_migrants; net migration is that, gross columns missing
    rows = []
    for year, pop, births, deaths, net in ((2024, 100.0, 0, 0, 0), (2025, 105.0, 3, 1, 3)):
        rows.append(("s", "r", year, "female", 30, "population", pop))
        if year > 2024:
            rows += [("s", "r", year, "female", 0, "births", births),
                     ("s", "r", year, "female", 30, "deaths", deaths),
                     ("s", "r", year, "female", 30, "net_migrants", net)]
    long = pd.DataFrame(rows, columns=["scenario", "region", "year", "sex", "age", "variable",
                                       "value"])
    row = summary_table(long).iloc[1]
    assert row["net_migration"] == 3.0 and row["natural_increase"] == 2.0
    assert row["change"] == 5.0 and np.isnan(row["immigrants"])
