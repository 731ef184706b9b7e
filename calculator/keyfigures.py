"""Key figures and view tables of a projection against a comparison, straight from the arrays.

They turn a :class:`~calculator.results.ProjectionResult` (one region, several scenarios) and
an official forecast's long table into small tidy frames: totals, differences, planning age
groups, pyramids, components of change (with the comparison's published components), key
figures (population in 5/10/20 years, children 1-5 and 6-15, 80+, dependency ratio) and the
comparison by age group. They work on the population cubes, not on long tables, so they are
fast enough to run on every rerun of the app; :func:`comparison_by_group`,
:func:`dependency_ratio` and :func:`services_frame` give the same numbers as
:func:`calculator.compare.compare`, :func:`calculator.tables.dependency_ratio` and
:func:`calculator.tables.service_needs` (the tests check that). No Streamlit, no I/O.
Conventions are the engine's: stocks at 31 Dec, flows per calendar year, age = age at the end
of the year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calculator.exceptions import InputValidationError
from calculator.grid import FEMALE, MALE, N_AGES
from calculator.results import ProjectionResult
from calculator.tables import (
    PLANNING_GROUPS,
    AgeGroup,
    ServiceNeed,
    dependency_ratio_of_ages,
    parse_age_groups,
)

#: Planning groups shown as small multiples (a subset of the default planning groups).
KEY_GROUPS: tuple[AgeGroup, ...] = (
    AgeGroup(1, 5), AgeGroup(6, 15), AgeGroup(16, 18), AgeGroup(19, 64), AgeGroup(65, 79),
    AgeGroup(80, None),
)


@dataclass(frozen=True)
class Series:
    """Population cubes of several series on one year axis.

    ``pop_series_year_sex_age`` (N, Y, 2, 101) persons at 31 Dec; NaN where a series has no
    value for a year (e.g. the comparison before its first year).
    """

    names: tuple[str, ...]
    years: np.ndarray
    pop_series_year_sex_age: np.ndarray

    def index(self, name: str) -> int:
        return self.names.index(name)


def official_cube(official_long: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Years and population (Y, 2, 101) from an official/own forecast's long table.

    Rows with ``variable == "population"`` and sex female/male are used; ``None`` if none.
    """
    if official_long is None or official_long.empty:
        return None
    pop = official_long.loc[
        (official_long["variable"] == "population")
        & official_long["sex"].isin(["female", "male"])
    ]
    if pop.empty:
        return None
    years = np.sort(pop["year"].astype(np.int64).unique())
    cube = np.zeros((len(years), 2, N_AGES))
    yi = np.searchsorted(years, pop["year"].astype(np.int64).to_numpy())
    si = np.where(pop["sex"].to_numpy() == "female", FEMALE, MALE)
    ai = pop["age"].astype(np.int64).to_numpy()
    np.add.at(cube, (yi, si, ai), pop["value"].astype(np.float64).to_numpy())
    return years, cube


def combine(result: ProjectionResult, official: tuple[np.ndarray, np.ndarray] | None,
            official_name: str) -> Series:
    """The scenarios of ``result`` (region 0) and the comparison on the scenario's years."""
    years = np.asarray(result.years)
    pop = np.asarray(result.pop_count_year_sex_age)[:, 0]  # (S, Y, 2, 101)
    names = list(result.scenarios)
    cubes = [pop]
    if official is not None:
        o_years, o_cube = official
        aligned = np.full((1, len(years), 2, N_AGES), np.nan)
        for j, y in enumerate(years):
            k = np.searchsorted(o_years, y)
            if k < len(o_years) and o_years[k] == y:
                aligned[0, j] = o_cube[k]
        cubes.append(aligned)
        names.append(official_name)
    return Series(tuple(names), years, np.concatenate(cubes, axis=0))


def group_sum(cube: np.ndarray, group: AgeGroup) -> np.ndarray:
    """Both sexes, ages of ``group`` summed: (..., 2, 101) -> (...)."""
    ages = list(group.ages)
    summed: np.ndarray = np.asarray(cube)[..., ages].sum(axis=(-1, -2))
    return summed


def totals_frame(series: Series) -> pd.DataFrame:
    """Tidy ``series, year, population`` (persons at 31 Dec), missing years dropped."""
    total = np.asarray(series.pop_series_year_sex_age).sum(axis=(-1, -2))  # NaN stays NaN
    frame = pd.DataFrame({
        "series": np.repeat(series.names, len(series.years)),
        "year": np.tile(series.years, len(series.names)).astype(np.int64),
        "population": total.reshape(-1),
    })
    return frame.dropna(subset=["population"]).reset_index(drop=True)


def difference_frame(series: Series, reference: str) -> pd.DataFrame:
    """``series, year, difference`` (persons) of every other series minus ``reference``.

    Differences are rounded to 0.01 persons: a scenario equal to the forecast must show 0,
    not floating-point residue (1e-11) that a chart's automatic scale would blow up.
    """
    total = np.asarray(series.pop_series_year_sex_age).sum(axis=(-1, -2))
    ref = total[series.index(reference)]
    rows = []
    for i, name in enumerate(series.names):
        if name == reference:
            continue
        diff = total[i] - ref
        ok = ~np.isnan(diff)
        rows.append(pd.DataFrame({"series": name, "year": series.years[ok].astype(np.int64),
                                  "difference": np.round(diff[ok], 2) + 0.0}))
    if not rows:
        return pd.DataFrame({"series": [], "year": [], "difference": []})
    return pd.concat(rows, ignore_index=True)


def groups_frame(series: Series, groups: Sequence[AgeGroup] = KEY_GROUPS) -> pd.DataFrame:
    """``series, year, age_group, population`` (both sexes, persons at 31 Dec)."""
    parts = []
    for group in groups:
        values = group_sum(series.pop_series_year_sex_age, group)  # (N, Y)
        parts.append(pd.DataFrame({
            "series": np.repeat(series.names, len(series.years)),
            "year": np.tile(series.years, len(series.names)).astype(np.int64),
            "age_group": group.label,
            "population": values.reshape(-1),
        }))
    return pd.concat(parts, ignore_index=True).dropna(subset=["population"]).reset_index(drop=True)


def pyramid_frame(series: Series, name: str, year: int) -> pd.DataFrame:
    """``age, sex, population`` of one series in one year (empty if the year is missing)."""
    j = np.searchsorted(series.years, year)
    if j >= len(series.years) or series.years[j] != year:
        return pd.DataFrame({"age": [], "sex": [], "population": []})
    cube = series.pop_series_year_sex_age[series.index(name), j]
    if np.isnan(cube).all():
        return pd.DataFrame({"age": [], "sex": [], "population": []})
    return pd.DataFrame({
        "age": np.tile(np.arange(N_AGES), 2),
        "sex": np.repeat(["female", "male"], N_AGES),
        "population": cube.reshape(-1),
    })


def components_frame(result: ProjectionResult) -> pd.DataFrame:
    """``series, year, component, persons`` for births, deaths and net migration per year."""
    flows = {
        "births": np.asarray(result.births_count_year_sex)[:, 0].sum(axis=-1),
        "deaths": np.asarray(result.deaths_count_year_sex_age)[:, 0].sum(axis=(-1, -2)),
        "net_migration": np.asarray(result.net_migration_count_year_sex_age())[:, 0].sum(
            axis=(-1, -2)),
    }
    years = np.asarray(result.flow_years).astype(np.int64)
    parts = [
        pd.DataFrame({"series": np.repeat(result.scenarios, len(years)),
                      "year": np.tile(years, len(result.scenarios)), "component": name,
                      "persons": values.reshape(-1)})
        for name, values in flows.items()
    ]
    return pd.concat(parts, ignore_index=True)


def dependency_ratio(cube_sex_age: np.ndarray) -> float:
    """SCB's försörjningskvot: (0-19 + 65+) / 20-64, both sexes, from a (2, 101) cube
    (:func:`calculator.tables.dependency_ratio_of_ages`)."""
    return float(dependency_ratio_of_ages(np.asarray(cube_sex_age).sum(axis=0)))


@dataclass(frozen=True)
class KeyFigure:
    """One key figure: the scenario's value and the comparison's (NaN if none)."""

    key: str
    year: int
    value: float
    reference: float
    decimals: int = 0

    @property
    def difference(self) -> float:
        return self.value - self.reference


def key_figures(series: Series, scenario: str, reference: str | None, base_year: int,
                key_year: int) -> list[KeyFigure]:
    """Population in 5, 10 and 20 years; children 1-5 and 6-15, 80+ and the dependency ratio
    in ``key_year``; each with the reference series' value (NaN where it has none)."""
    last = int(series.years[-1])

    def at(name: str | None, year: int) -> np.ndarray:
        if name is None:
            return np.full((2, N_AGES), np.nan)
        j = int(np.searchsorted(series.years, year))
        return np.asarray(series.pop_series_year_sex_age[series.index(name), j])

    figures = []
    for n in (5, 10, 20):
        year = min(base_year + n, last)
        figures.append(KeyFigure(f"pop_in_{n}", year, float(at(scenario, year).sum()),
                                 float(at(reference, year).sum())))
    s, r = at(scenario, key_year), at(reference, key_year)
    figures.append(KeyFigure("pop_year", key_year, float(s.sum()), float(r.sum())))
    for key, group in (("children_1_5", AgeGroup(1, 5)), ("children_6_15", AgeGroup(6, 15)),
                       ("aged_80", AgeGroup(80, None))):
        figures.append(KeyFigure(key, key_year, float(group_sum(s, group)),
                                 float(group_sum(r, group))))
    figures.append(KeyFigure("dep_ratio", key_year, dependency_ratio(s), dependency_ratio(r), 2))
    return figures


def comparison_by_group(series: Series, scenario: str, reference: str,
                        groups: Sequence[AgeGroup] = PLANNING_GROUPS,
                        every_years: int = 5) -> pd.DataFrame:
    """Scenario vs reference population (both sexes, 31 Dec) by age group, every
    ``every_years`` years from the base year: the same quantities as
    :func:`calculator.compare.compare` (``scenario_value``, ``official_value``, ``abs_diff``,
    ``rel_diff``) straight from the arrays, fast enough for every rerun."""
    years = series.years
    keep = ((years - years[0]) % every_years == 0) & (years > years[0])
    s = series.pop_series_year_sex_age[series.index(scenario)][keep]
    r = series.pop_series_year_sex_age[series.index(reference)][keep]
    rows = []
    for group in groups:
        sv, rv = group_sum(s, group), group_sum(r, group)
        rows.append(pd.DataFrame({"year": years[keep].astype(np.int64), "age_group": group.label,
                                  "scenario_value": sv, "official_value": rv}))
    out = pd.concat(rows, ignore_index=True).dropna(subset=["official_value"])
    out["abs_diff"] = out["scenario_value"] - out["official_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = out["abs_diff"].to_numpy() / out["official_value"].to_numpy()
    out["rel_diff"] = np.where(out["official_value"].to_numpy() == 0, np.nan, rel)
    return out.sort_values(["year"], kind="stable").reset_index(drop=True)


def totals_wide(series: Series) -> pd.DataFrame:
    """Text alternative of the total-population chart: year, one column per series."""
    total = np.asarray(series.pop_series_year_sex_age).sum(axis=(-1, -2))
    frame = pd.DataFrame(total.T, columns=list(series.names))
    frame.insert(0, "year", series.years.astype(np.int64))
    return frame


def groups_wide(series: Series, groups: Sequence[AgeGroup] = KEY_GROUPS) -> pd.DataFrame:
    """Text alternative of the planning-group chart: age_group, year, one column per series."""
    parts = []
    for group in groups:
        values = group_sum(series.pop_series_year_sex_age, group)  # (N, Y)
        frame = pd.DataFrame(values.T, columns=list(series.names))
        frame.insert(0, "year", series.years.astype(np.int64))
        frame.insert(0, "age_group", group.label)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def components_wide(components: pd.DataFrame) -> pd.DataFrame:
    """Text alternative of the components chart: year, one column per series and component
    (NaN where a series has no value for the year, e.g. the comparison's first years)."""
    frame = components.assign(column=components["series"].astype(str) + ": "
                              + components["component"].astype(str))
    order = list(dict.fromkeys(frame["column"]))
    wide = frame.pivot_table(index="year", columns="column", values="persons", aggfunc="sum",
                             sort=True)
    wide = wide.reindex(columns=order)
    wide.columns.name = None
    return wide.reset_index()


def services_frame(series: Series, needs: Sequence[ServiceNeed], scenario: str,
                   reference: str | None) -> pd.DataFrame:
    """Places needed and cost per year for each service: ``series, service, year, places,
    cost_msek`` for the scenario and (if any) the reference. Places = population of the age
    group at 31 Dec x coverage rate; cost in SEK million at the need's price year (the same
    arithmetic as :func:`calculator.tables.service_needs`)."""
    names = [scenario] + ([reference] if reference else [])
    parts = []
    for name in names:
        cube = series.pop_series_year_sex_age[series.index(name)]
        for need in needs:
            places = group_sum(cube, need.age_group) * need.coverage_rate
            parts.append(pd.DataFrame({
                "series": name, "service": need.name_sv, "year": series.years.astype(np.int64),
                "places": places, "cost_msek": places * need.cost_sek_per_user_year / 1e6,
            }))
    return pd.concat(parts, ignore_index=True).dropna(subset=["places"]).reset_index(drop=True)


#: Components of change a comparison's long table may publish, by the engine's name.
COMPONENT_VARIABLES: tuple[str, ...] = ("births", "deaths", "net_migration")


def comparison_components_frame(comparison_long: pd.DataFrame | None, name: str,
                                years: Sequence[int]) -> pd.DataFrame:
    """``series, year, component, persons`` of the components a comparison publishes
    (births, deaths, net migration: variables of :func:`calculator.data.official.
    load_official_long`), summed over sex and age, for the calendar ``years``; empty if it
    publishes none (e.g. SCB's regional projection, population only).
    """
    empty = pd.DataFrame({"series": [], "year": [], "component": [], "persons": []})
    if comparison_long is None or comparison_long.empty:
        return empty
    rows = comparison_long.loc[comparison_long["variable"].isin(COMPONENT_VARIABLES)
                               & comparison_long["year"].isin(list(years))]
    if rows.empty:
        return empty
    summed = rows.groupby(["variable", "year"], as_index=False, sort=True)["value"].sum()
    return pd.DataFrame({
        "series": name, "year": summed["year"].astype(np.int64).to_numpy(),
        "component": summed["variable"].astype(str).to_numpy(),
        "persons": summed["value"].astype(np.float64).to_numpy(),
    })


def service_needs_from_table(table: pd.DataFrame,
                             examples: Sequence[ServiceNeed]) -> list[ServiceNeed]:
    """Service needs from an edited table with columns ``key, name, age_group,
    coverage_rate, cost_sek_per_user_year`` (one row per need of ``examples``, matched by
    ``key``; price year from the example). ``age_group`` is one group as
    :func:`calculator.tables.parse_age_groups` reads it (``1-5``, ``6``, ``80+``).

    >>> from calculator.tables import EXAMPLE_SERVICE_NEEDS as ex
    >>> row = {"key": ex[0].key, "name": "F", "age_group": "1-6", "coverage_rate": 0.5,
    ...        "cost_sek_per_user_year": 1.0}
    >>> service_needs_from_table(pd.DataFrame([row]), ex)[0].age_group.label
    '1-6'
    """
    by_key = {n.key: n for n in examples}
    needs = []
    for i, row in enumerate(table.to_dict("records")):
        location = f"service table, row {i + 1}"
        example = by_key.get(str(row["key"]))
        if example is None:
            raise InputValidationError(f"unknown service {row['key']!r}; allowed: "
                                       f"{sorted(by_key)}", location=location)
        groups = parse_age_groups(str(row["age_group"]))
        if len(groups) != 1:
            raise InputValidationError(
                f"{row['age_group']!r} is {len(groups)} age groups; one allowed (e.g. 1-5, 16-18 "
                "or 80+)", location=f"{location}, column age_group")
        try:
            coverage, cost = float(row["coverage_rate"]), float(row["cost_sek_per_user_year"])
        except (TypeError, ValueError) as exc:
            raise InputValidationError(f"not a number ({exc})", location=location) from exc
        needs.append(ServiceNeed(example.key, str(row["name"]), str(row["name"]), groups[0],
                                 coverage, cost, example.price_year))
    return needs
