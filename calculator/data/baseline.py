"""Trend baseline from the embedded SCB data: estimated rates held constant, and back-tests.

Workflow (I/O through :mod:`calculator.data.embedded`, arithmetic in
:mod:`calculator.estimation`):

* fertility: pooled rates over the last ``n_years_fertility`` years up to the base year,
  shrunk towards the reference region's age pattern (empirical Bayes, see
  :func:`calculator.estimation.shrink_poisson`);
* mortality: the reference region's schedule times the region's SMR by sex
  (:func:`calculator.estimation.estimate_mortality`);
* migration: gross flows where the region has migration data (immigrant and in-migrant counts,
  emigration and out-migration rates), otherwise residual net migration by age and sex;
* sex ratio at birth: Sweden's, pooled over the fertility window.

Reference region: a municipality's county when the county's data cover the window, otherwise
Sweden (``00``); a county's reference is Sweden; Sweden has none (its own rates). When the
reference data stop before the window ends (counties stop in 2015, Sweden's population and
deaths in 2020), the latest years the reference has are used (same number of years) and the
choice is recorded in :attr:`BaselineFrames.reference_years`.

The rates are given for the first projection year only; a template year missing means "same as
the last year given", so they hold for the whole horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from calculator import estimation as est
from calculator.data import embedded
from calculator.data.templates import inputs_from_frames
from calculator.inputs import ProjectionInputs

SWEDEN = "00"


@dataclass(frozen=True)
class _RegionData:
    population: pd.DataFrame
    births: pd.DataFrame
    deaths: pd.DataFrame

    def rate_years(self) -> list[int]:
        """Years with births, deaths and the population of that year and the one before."""
        pop = set(self.population["year"])
        return sorted(
            int(y) for y in set(self.births["year"]) & set(self.deaths["year"])
            if y in pop and y - 1 in pop
        )


def _region_data(region: str) -> _RegionData:
    """Population, births and deaths of ``region``, deaths by age reached."""
    deaths = embedded.load_deaths(region)
    if embedded.deaths_age_basis(region) == "completed":
        deaths = est.deaths_completed_to_reached(deaths)
    return _RegionData(embedded.load_population(region), embedded.load_births(region), deaths)


def default_reference_region(region: str, window: Sequence[int]) -> str | None:
    """County for a municipality if its data cover ``window``, else Sweden; None for Sweden."""
    if region == SWEDEN:
        return None
    if len(region) == 4:
        county = region[:2]
        regions = embedded.available_regions().set_index("region")
        if county in regions.index and bool(regions.loc[county, "projectable"]):
            available = _region_data(county).rate_years()
            if all(y in set(available) for y in window):
                return county
    return SWEDEN


@dataclass(frozen=True)
class BaselineFrames:
    """The four template frames of a trend baseline plus what they were estimated from."""

    region: str
    base_year: int
    population: pd.DataFrame  # region, sex, age, population (31 Dec of base_year)
    fertility: pd.DataFrame  # year, region, age, rate
    mortality: pd.DataFrame  # year, region, sex, age, probability
    migration: pd.DataFrame  # gross or net template columns
    srb_males_per_female: float
    reference_region: str | None
    windows: dict[str, list[int]] = field(default_factory=dict)
    reference_years: dict[str, list[int]] = field(default_factory=dict)
    fertility_estimate: est.FertilityEstimate | None = None
    mortality_estimate: est.MortalityEstimate | None = None
    description: str = ""


def trend_baseline_frames(
    region: str,
    base_year: int | None = None,
    n_years_fertility: int = 5,
    n_years_mortality: int = 5,
    n_years_migration: int = 5,
    *,
    reference_region: str | None = None,
    prior_births: float | None = None,
    smr_prior_deaths: float = est.DEFAULT_SMR_PRIOR_DEATHS,
    shrink_fertility: bool = True,
) -> BaselineFrames:
    """Estimate a constant-rate trend baseline for ``region`` from the embedded data.

    ``base_year`` defaults to the region's data vintage base year (last final population with
    births and deaths); every estimation window ends at the base year.
    """
    region = str(region).strip()
    vintage = embedded.data_vintage(region)
    base = vintage.base_year if base_year is None else int(base_year)
    local = _region_data(region)
    available = local.rate_years()
    fert_years = est.estimation_window(base, n_years_fertility, available, f"region {region}")
    mort_years = est.estimation_window(base, n_years_mortality, available, f"region {region}")
    ref = reference_region
    if ref is None:
        ref = default_reference_region(region, sorted(set(fert_years) | set(mort_years)))
    pop_base = est.sex_age_cube(local.population, "population", [base])[0]
    windows = {"fertility": fert_years, "mortality": mort_years}
    ref_years: dict[str, list[int]] = {}
    if ref is None:
        fert = est.estimate_fertility(local.births, local.population, fert_years)
        d, e = est.death_counts_exposure(local.deaths, local.population, local.births, mort_years)
        death_prob = est.death_prob_from_counts(d, e)
        mort = None
    else:
        ref_data = _region_data(ref)
        ref_available = ref_data.rate_years()
        ref_years["fertility"] = est.reference_window(fert_years, ref_available)
        ref_years["mortality"] = est.reference_window(mort_years, ref_available)
        fert = est.estimate_fertility(
            local.births, local.population, fert_years,
            reference_births=ref_data.births if shrink_fertility else None,
            reference_population=ref_data.population if shrink_fertility else None,
            reference_years=ref_years["fertility"], prior_births=prior_births,
        )
        mort = est.estimate_mortality(
            local.deaths, local.population, local.births, mort_years,
            reference_deaths=ref_data.deaths, reference_population=ref_data.population,
            reference_births=ref_data.births, reference_years=ref_years["mortality"],
            prior_deaths=smr_prior_deaths,
        )
        death_prob = mort.death_prob_sex_age
    first = base + 1
    regions = embedded.available_regions().set_index("region")
    has_migration = region in regions.index and regions.loc[region, "migration_years"] != ""
    if has_migration:
        migration_frame = embedded.load_migration(region)
        mig_years = est.estimation_window(base, n_years_migration, sorted(
            set(migration_frame["year"]) & set(available)), f"region {region} (migration)")
        mig = est.estimate_migration(migration_frame, local.population, mig_years)
        migration = est.migration_template(region, first, mig)
    else:
        mig_years = est.estimation_window(base, n_years_migration, available, f"region {region}")
        net = est.residual_net_migration(local.population, local.deaths, local.births, mig_years)
        migration = est.net_migration_template(region, first, net)
    windows["migration"] = mig_years
    srb = est.sex_ratio_at_birth(embedded.load_births(SWEDEN), fert_years)
    description = (
        f"Trend baseline for {vintage.name} ({region}), base year {base} (31 Dec): fertility "
        f"{fert_years[0]}-{fert_years[-1]}, mortality {mort_years[0]}-{mort_years[-1]}, "
        f"migration {mig_years[0]}-{mig_years[-1]} "
        f"({'gross flows' if has_migration else 'residual net migration'})"
        + (f"; reference {ref} "
           f"(fertility {ref_years['fertility'][0]}-{ref_years['fertility'][-1]}, "
           f"mortality {ref_years['mortality'][0]}-{ref_years['mortality'][-1]})" if ref else "")
        + "."
    )
    return BaselineFrames(
        region=region, base_year=base,
        population=est.population_template(region, pop_base),
        fertility=est.fertility_template(region, first, fert.rate_age),
        mortality=est.mortality_template(region, first, death_prob),
        migration=migration, srb_males_per_female=srb, reference_region=ref,
        windows=windows, reference_years=ref_years, fertility_estimate=fert,
        mortality_estimate=mort, description=description,
    )


def trend_baseline_inputs(
    region: str, end_year: int, base_year: int | None = None, **kwargs: object
) -> ProjectionInputs:
    """:class:`ProjectionInputs` of the trend baseline (scenario label ``"trend"``)."""
    frames = trend_baseline_frames(region, base_year, **kwargs)  # type: ignore[arg-type]
    return inputs_from_frames(
        frames.population, frames.fertility, frames.mortality, frames.migration,
        base_year=frames.base_year, end_year=end_year, srb=frames.srb_males_per_female,
        scenario="trend",
    )


# ---------------------------------------------------------------------------------------------
# back-tests

AGE_GROUP_EDGES = (*range(0, 90, 5), 90)  # 0-4, ..., 85-89, 90+


def five_year_groups(pop_sex_age: np.ndarray) -> np.ndarray:
    """Both sexes, ages grouped 0-4, 5-9, ..., 85-89, 90+ (19 groups)."""
    both = np.asarray(pop_sex_age).sum(axis=-2)
    return np.add.reduceat(both, list(AGE_GROUP_EDGES), axis=-1)


def age_group_labels() -> list[str]:
    """Labels of :func:`five_year_groups`."""
    return [f"{a}-{a + 4}" for a in AGE_GROUP_EDGES[:-1]] + [f"{AGE_GROUP_EDGES[-1]}+"]


@dataclass(frozen=True)
class BacktestResult:
    """Projected vs observed population by 5-year age group at ``target_year``."""

    region: str
    base_year: int
    target_year: int
    table: pd.DataFrame  # age_group, observed, projected, naive
    total_error_pct: float  # (projected total - observed total) / observed, %
    naive_total_error_pct: float
    mape_pct: float  # mean absolute % error over age groups
    naive_mape_pct: float


def backtest(
    region: str, base_year: int, target_year: int, **kwargs: object
) -> BacktestResult:
    """Project ``region`` from ``base_year`` with rates estimated up to the base year and
    compare with the observed population of ``target_year``.

    The naive benchmark is the constant population: the base year's age groups unchanged.
    """
    from calculator.projection import project

    inputs = trend_baseline_inputs(region, target_year, base_year, **kwargs)
    result = project(inputs)
    projected = five_year_groups(result.pop_count_year_sex_age[0, 0, -1])
    base = five_year_groups(inputs.pop_count_sex_age_base[0, 0])
    observed_frame = embedded.load_population(region, years=[target_year])
    observed = five_year_groups(est.sex_age_cube(observed_frame, "population", [target_year])[0])
    table = pd.DataFrame({
        "age_group": age_group_labels(), "observed": observed, "projected": projected,
        "naive": base,
    })
    total = observed.sum()
    return BacktestResult(
        region=region, base_year=base_year, target_year=target_year, table=table,
        total_error_pct=float(100 * (projected.sum() - total) / total),
        naive_total_error_pct=float(100 * (base.sum() - total) / total),
        mape_pct=float(100 * np.mean(np.abs(projected - observed) / observed)),
        naive_mape_pct=float(100 * np.mean(np.abs(base - observed) / observed)),
    )
