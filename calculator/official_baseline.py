"""The "official" baseline scenario: engine inputs that reproduce an official projection.

A user's scenario is "the official forecast with one component changed". This module derives
:class:`~calculator.inputs.ProjectionInputs` from an official projection so that
:func:`calculator.projection.project` reproduces it; in gross-migration mode where the embedded
data have the region's gross flows (Luleå, 2580), else in net-migration mode (Sweden, 00):

* **fertility**: births per woman-year by mother's age reached. Sweden (2025 vintage): SCB's
  projected births by mother's age divided by the projected mean female population of the
  same age, which is exactly the engine's exposure ``(S_f + P_f) / 2``. Luleå (regional 2024):
  SCB's assumed rates for all women (content 00000782, probably the 2024 assumption set, the
  same vintage as the regional projection) times a yearly factor chosen so that, with no net
  migration at age 0, the births would reproduce SCB's projected 0-year-olds.
* **mortality**: the national 2025-vintage parallelogram rates ``mu = D / M`` (projected deaths
  over projected mean population, by sex and age reached) as the engine's constant hazard,
  converted to SCB-style death probabilities (``q = 1 - e^-mu``; at age 0 the probability for
  a birth spread over the year). For Sweden the hazards are then rescaled (a few rounds)
  until the engine's deaths equal SCB's projected deaths, because the engine applies them to
  its own person-years rather than to SCB's mean population (so Sweden's deaths are
  calibrated to SCB's, not a check). Luleå: the national hazards times Luleå's standardised
  mortality ratio by sex (:func:`local_mortality_level`, observed deaths 2020-2024), since
  SCB's regional projections also use the region's own mortality level, which SCB does not
  publish; 2025 uses the 2026 rates.
* **sex ratio at birth**: from SCB's projected 0-year-olds (boys / girls, corrected for the
  share of newborns surviving to 31 Dec); births by sex are not published.
* **migration**: the residual of the engine's own cohort balance. With the target stocks
  ``P`` known, the engine's one-year kernel (``P = S e^-h + A g``, ``g = (1 - e^-h) / h``) is
  solved for the arrivals ``A``; at age 0 the births are taken out. In gross mode the hazard
  ``h`` includes the trend baseline's emigration and out-migration rates, its immigrant and
  in-migrant counts arrive, and the rest of ``A`` is a signed net adjustment ``R`` (kept fixed
  in scenarios; its effect on ``P`` is ``R g``); in net mode ``A`` is the net migration. So the
  population is reproduced by construction; the checks of the engine are the births and
  deaths it then produces. For Sweden the births are SCB's by construction and the deaths are
  calibrated by the hazard rescaling above, so their agreement shows that the calibration
  converged (the gap before it is the engine's own error); for Luleå the births reproduce the
  0-year-olds by construction and the deaths are ours. See :func:`reproduction_report` and
  docs/official_forecasts.md, which also gives the size of ``R`` beside the gross flows.

Only :func:`baseline_inputs_from_targets` is pure; the ``*_baseline`` functions and
:func:`trend_gross_profiles` read the embedded data through :mod:`calculator.data`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from calculator.compare import By, compare
from calculator.data import official
from calculator.exceptions import InputValidationError
from calculator.grid import FEMALE, MALE, N_AGES, SEXES, FloatArray, age_cohort
from calculator.inputs import ProjectionInputs
from calculator.mortality import death_prob_from_hazards, hazards_from_death_prob
from calculator.projection import project

#: Rounds of rescaling the national hazards so the engine's deaths equal SCB's.
CALIBRATION_ROUNDS = 4


@dataclass(frozen=True)
class OfficialBaseline:
    """Engine inputs reproducing an official forecast, and the forecast's own long table."""

    forecast_id: str
    region: str
    inputs: ProjectionInputs
    official_long: pd.DataFrame


def _sex_age(frame: pd.DataFrame, value: str, years: np.ndarray) -> FloatArray:
    """Tidy (year, sex, age, value) -> array (years, 2, 101)."""
    out = np.zeros((len(years), 2, N_AGES))
    for s, sex in enumerate(SEXES):
        wide = frame[frame["sex"] == sex].pivot_table(
            index="year", columns="age", values=value, aggfunc="sum"
        )
        out[:, s] = wide.reindex(index=years, columns=range(N_AGES)).to_numpy(dtype=np.float64)
    return out


def death_prob_from_parallelogram_rates(deaths: FloatArray, mean_pop: FloatArray) -> FloatArray:
    """SCB-style death probabilities from deaths / mean population by age reached.

    ``mu = D / M`` is taken as the constant hazard of the year (the engine's assumption);
    ``q = 1 - e^-mu`` for ages 1+, and at age 0 the probability that a birth spread evenly
    over the year dies before 31 Dec (:func:`calculator.mortality.death_prob_from_hazards`).

    >>> q = death_prob_from_parallelogram_rates(np.full(101, 1.0), np.full(101, 100.0))
    >>> round(float(q[1]), 6), round(float(q[0]), 6)
    (0.00995, 0.004983)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.where(mean_pop > 0, deaths / np.where(mean_pop > 0, mean_pop, 1.0), 0.0)
    return death_prob_from_hazards(mu)


#: The gross profiles of a region, keyed by the engine's array names, each (T, 2, 101).
GROSS_PROFILES: Final = (
    "immig_count_year_sex_age", "emig_rate_year_sex_age", "inmig_count_year_sex_age",
    "outmig_rate_year_sex_age",
)


def baseline_inputs_from_targets(
    pop_target_year_sex_age: FloatArray,
    fert_rate_year_age: FloatArray,
    death_prob_year_sex_age: FloatArray,
    srb_males_per_female_year: FloatArray,
    *,
    base_year: int,
    scenario: str,
    region: str,
    gross_profiles: Mapping[str, FloatArray] | None = None,
) -> ProjectionInputs:
    """Inputs whose projection reproduces ``pop_target_year_sex_age`` (pure).

    ``pop_target_year_sex_age`` (T+1, 2, 101): target stocks on 31 Dec of ``base_year`` ..
    ``base_year + T``; the other arrays are for the T projection years.

    Without ``gross_profiles`` the inputs are in net mode: the net migrants are the residual
    of the engine's kernel (see :mod:`calculator.projection`). With ``S`` the aged start stock,
    ``h`` the hazard of leaving, ``g = (1 - e^-h) / h``, the arrivals are
    ``A = (P - S e^-h) / g``, and at age 0 the births (fertility x mean female population of
    the target, split by the sex ratio) are subtracted.

    With ``gross_profiles`` (keys :data:`GROSS_PROFILES`: immigrant and in-migrant counts,
    persons per year; emigration and out-migration rates, per person-year; each (T, 2, 101))
    the inputs are in gross mode: the rates join the hazard (``h = mu + e + o``), the counts
    ``I + N`` arrive, and the residual ``R = A - I - N`` is the signed net adjustment
    (``netmig_count_year_sex_age``) the engine adds to the arrivals. Every year's cells depend
    only on that year's targets, so all years are solved at once.
    """
    target = np.asarray(pop_target_year_sex_age, dtype=np.float64)
    mu = hazards_from_death_prob(np.asarray(death_prob_year_sex_age, dtype=np.float64))
    hazard = mu
    flows: dict[str, FloatArray] = {}
    if gross_profiles is not None:
        missing = [n for n in GROSS_PROFILES if n not in gross_profiles]
        if missing:
            raise InputValidationError(
                f"gross profiles lack {', '.join(missing)}; required: {', '.join(GROSS_PROFILES)}",
                location="baseline_inputs_from_targets: gross_profiles",
            )
        flows = {n: np.broadcast_to(np.asarray(gross_profiles[n], dtype=np.float64), mu.shape)
                 for n in GROSS_PROFILES}
        hazard = flows["emig_rate_year_sex_age"] + flows["outmig_rate_year_sex_age"] + mu
    aged = age_cohort(target[:-1])
    end = target[1:]
    leave = -np.expm1(-hazard)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(hazard > 1e-12, leave / np.where(hazard > 1e-12, hazard, 1.0), 1.0)
    arrivals = (end - aged * (1.0 - leave)) / g
    mean_female = 0.5 * (aged[:, FEMALE] + end[:, FEMALE])
    births_total = (np.asarray(fert_rate_year_age) * mean_female).sum(axis=-1)
    srb = np.asarray(srb_males_per_female_year, dtype=np.float64)
    births_f = births_total / (1.0 + srb)
    arrivals[:, FEMALE, 0] -= births_f
    arrivals[:, MALE, 0] -= births_total - births_f
    counts = np.zeros_like(arrivals)
    if flows:
        counts = flows["immig_count_year_sex_age"] + flows["inmig_count_year_sex_age"]
    # The kernel caps the arrivals at minus the aged stock's survivors (at age 0 at minus the
    # births, added after the cap); stay on the cap where rounding put a solution just beyond.
    floor = -aged * (1.0 - leave) / g
    arrivals = np.maximum(arrivals, floor + 1e-12 * (np.abs(floor) + counts))
    net = arrivals - counts
    batch = (np.newaxis, np.newaxis)
    gross = {n: a[batch] for n, a in flows.items()}
    return ProjectionInputs(
        base_year=base_year,
        pop_count_sex_age_base=target[0][batch],
        fert_rate_year_age=np.asarray(fert_rate_year_age)[batch],
        death_prob_year_sex_age=np.asarray(death_prob_year_sex_age)[batch],
        immig_count_year_sex_age=gross.get("immig_count_year_sex_age"),
        emig_rate_year_sex_age=gross.get("emig_rate_year_sex_age"),
        inmig_count_year_sex_age=gross.get("inmig_count_year_sex_age"),
        outmig_rate_year_sex_age=gross.get("outmig_rate_year_sex_age"),
        netmig_count_year_sex_age=net[batch],
        srb_males_per_female_year=srb[batch],
        migration_mode="gross" if flows else "net",
        scenarios=(scenario,),
        regions=(region,),
    )


def trend_gross_profiles(region: str, years: np.ndarray) -> dict[str, FloatArray] | None:
    """The trend baseline's gross migration profiles of ``region`` for the calendar ``years``.

    Immigrant and in-migrant counts (persons per year) and emigration and out-migration rates
    (per person-year) by sex and age reached, each (T, 2, 101): the means of the last five
    observed years in SCB's migration statistics (Flyttningar97, embedded), see
    :func:`calculator.data.baseline.trend_baseline_frames`. ``None`` if the embedded data have
    no gross flows for the region (Sweden, ``00``, among them). Years after the trend's
    horizon take its last year (its flows are constant).
    """
    from calculator.data.baseline import trend_baseline_inputs
    from calculator.data.embedded import available_regions

    regions = available_regions().set_index("region")
    if region not in regions.index or regions.loc[region, "migration_years"] == "":
        return None
    trend = trend_baseline_inputs(region, int(years[-1]))
    if trend.migration_mode != "gross":
        return None
    index = np.clip(np.asarray(years) - trend.years[0], 0, trend.n_years - 1)
    return {n: np.asarray(getattr(trend, n))[0, 0][index] for n in GROSS_PROFILES}


def residual_migration_summary(inputs: ProjectionInputs) -> pd.DataFrame:
    """The net adjustment of a gross-mode baseline beside its gross flows, by year (persons).

    Columns: year, immigrants, emigrants, in_migrants, out_migrants (the engine's flows),
    residual_net (sum of the signed adjustment ``R``), residual_abs (sum of ``|R|`` over sex
    and age). First scenario and region.
    """
    result = project(inputs)

    def total(arr: FloatArray | None) -> FloatArray:
        if arr is None:
            return np.zeros(inputs.n_years)
        summed: FloatArray = np.asarray(arr, dtype=np.float64)[0, 0].sum(axis=(-2, -1))
        return summed

    net = result.netmig_count_year_sex_age
    return pd.DataFrame({
        "year": inputs.years,
        "immigrants": total(result.immig_count_year_sex_age),
        "emigrants": total(result.emig_count_year_sex_age),
        "in_migrants": total(result.inmig_count_year_sex_age),
        "out_migrants": total(result.outmig_count_year_sex_age),
        "residual_net": total(net),
        "residual_abs": total(None if net is None else np.abs(net)),
    })


def _srb_from_newborns(end_age0: FloatArray, death_prob_age0: FloatArray) -> FloatArray:
    """Boys per girl implied by the 0-year-olds on 31 Dec and the newborn survival share."""
    mu0 = hazards_from_death_prob(death_prob_age0[..., np.newaxis])[..., 0]
    g0 = np.where(mu0 > 1e-12, -np.expm1(-mu0) / np.where(mu0 > 1e-12, mu0, 1.0), 1.0)
    born = end_age0 / g0
    return np.asarray(born[:, MALE] / born[:, FEMALE], dtype=np.float64)


def _national_rates(years: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """National 2025-vintage death probabilities and mean population for ``years``."""
    comp = official.load_official_components("scb_national_2025")
    pub_years = np.arange(2026, 2051)
    deaths = _sex_age(comp[comp["variable"] == "deaths"], "value", pub_years)
    mean = _sex_age(comp[comp["variable"] == "mean_population"], "value", pub_years)
    q = death_prob_from_parallelogram_rates(deaths, mean)
    idx = np.clip(years - 2026, 0, len(pub_years) - 1)
    return q[idx], mean[idx]


#: Years of observed deaths over which a region's mortality level is measured (the trend
#: baseline's mortality window, see :func:`calculator.data.baseline.trend_baseline_frames`).
SMR_YEARS: Final = (2020, 2021, 2022, 2023, 2024)


@dataclass(frozen=True)
class LocalMortalityLevel:
    """A region's mortality level against a national schedule, by sex (female, male).

    ``smr_sex`` = ``(observed + K) / (expected + K)`` (shrunk towards 1,
    :func:`calculator.estimation.estimate_smr`); ``expected`` = the region's observed
    person-years (births at age 0) in ``years`` times the national hazards (``q0`` at age 0).
    """

    region: str
    years: tuple[int, ...]
    observed_deaths_sex: FloatArray
    expected_deaths_sex: FloatArray
    smr_sex: FloatArray


def local_mortality_level(
    region: str, national_death_prob_sex_age: FloatArray, years: tuple[int, ...] = SMR_YEARS
) -> LocalMortalityLevel:
    """The SMR by sex of ``region`` against the national schedule ``(2, 101)`` the official
    baseline uses (SCB's 2025-vintage rates of the first projected year), from the region's
    observed deaths, population and births in ``years`` (embedded SCB data, deaths by age
    reached). Measuring against the projected national schedule, not against national deaths
    of the same years (the embedded national series ends in 2020), puts the jump-off at the
    region's observed mortality level; the national path then sets the improvement after it.
    """
    from calculator import estimation as est
    from calculator.data import embedded

    deaths = embedded.load_deaths(region)
    if embedded.deaths_age_basis(region) == "completed":
        deaths = est.deaths_completed_to_reached(deaths)
    d, e = est.death_counts_exposure(
        deaths, embedded.load_population(region), embedded.load_births(region), list(years)
    )
    q = np.asarray(national_death_prob_sex_age, dtype=np.float64)
    hazard = hazards_from_death_prob(q)
    hazard[:, 0] = q[:, 0]  # the age-0 "exposure" is births: expected = births x q0
    observed = d.sum(axis=1)
    expected = (e * hazard).sum(axis=1)
    smr = np.asarray(est.estimate_smr(observed, expected), dtype=np.float64)
    return LocalMortalityLevel(region, tuple(years), observed, expected, smr)


def scale_death_prob_by_smr(death_prob_year_sex_age: FloatArray, smr_sex: FloatArray) -> FloatArray:
    """Death probabilities with the hazards multiplied by an SMR by sex (pure).

    >>> q = np.full((1, 2, 101), 0.01)
    >>> out = scale_death_prob_by_smr(q, np.array([1.0, 2.0]))
    >>> round(float(out[0, 0, 50]), 6), round(float(out[0, 1, 50]), 6)
    (0.01, 0.0199)
    """
    mu = hazards_from_death_prob(np.asarray(death_prob_year_sex_age, dtype=np.float64))
    return death_prob_from_hazards(mu * np.asarray(smr_sex)[:, np.newaxis])


def national_baseline(forecast_id: str = "scb_national_2025") -> OfficialBaseline:
    """Inputs reproducing SCB's national projection (2025 vintage), base 31 Dec 2025.

    The base stock is the one derived from mean population (see
    :func:`calculator.data.official.derive_population_from_mean`).
    """
    pop = official.load_official_population(forecast_id)
    years = np.arange(2026, 2051)
    target = _sex_age(pop, "population", np.r_[2025, years])
    q, mean = _national_rates(years)
    births = official.load_vintage_births("2025")
    births_wide = births.pivot_table(index="year", columns="mother_age", values="births",
                                     aggfunc="sum")
    births_year_age = births_wide.reindex(index=years, columns=range(N_AGES), fill_value=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fert = np.where(mean[:, FEMALE] > 0, births_year_age.to_numpy() / mean[:, FEMALE], 0.0)
    srb = _srb_from_newborns(target[1:, :, 0], q[:, :, 0])
    deaths = _sex_age(
        official.load_official_components(forecast_id).query("variable == 'deaths'"), "value",
        years,
    )
    # D / M is the hazard for the mean population; the engine applies it to the person-years
    # it computes, so rescale the hazards until the engine's deaths equal SCB's.
    mu = hazards_from_death_prob(q)
    for _ in range(CALIBRATION_ROUNDS):
        q = death_prob_from_hazards(mu)
        inputs = baseline_inputs_from_targets(
            target, fert, q, srb, base_year=2025, scenario="official", region="00"
        )
        engine_deaths = project(inputs).deaths_count_year_sex_age[0, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(engine_deaths > 0, deaths / engine_deaths, 1.0)
        mu = mu * ratio
    return OfficialBaseline(forecast_id, "00", inputs, official.load_official_long(forecast_id))


def regional_baseline(
    forecast_id: str = "scb_regional_2024", region: str = "2580"
) -> OfficialBaseline:
    """Inputs reproducing SCB's regional projection for ``region``, base = its first year.

    Base stock: SCB's projected population on 31 Dec 2024 (the projection's first year; its
    own base, 31 Dec 2023, is observed data and not part of the embedded forecast).
    """
    pop = official.load_official_population(forecast_id, region)
    all_years = np.sort(pop["year"].unique())
    base_year = int(all_years[0])
    years = all_years[1:]
    target = _sex_age(pop, "population", all_years)
    q_national, _ = _national_rates(years)
    level = local_mortality_level(region, q_national[0])
    q = scale_death_prob_by_smr(q_national, level.smr_sex)
    asfr = official.load_assumed_fert_rates()
    pattern = asfr.pivot_table(index="year", columns="mother_age", values="fert_rate",
                               aggfunc="sum")
    pattern = pattern.reindex(index=years, columns=range(N_AGES), fill_value=0.0).ffill()
    pattern_year_age = pattern.to_numpy(dtype=np.float64)
    srb = _srb_from_newborns(target[1:, :, 0], q[:, :, 0])
    # Scale the national pattern so births reproduce the 0-year-olds (no age-0 migration).
    mu0 = hazards_from_death_prob(q[:, :, :1])[:, :, 0]
    g0 = -np.expm1(-mu0) / mu0
    births_needed = (target[1:, :, 0] / g0).sum(axis=1)
    aged_female = age_cohort(target[:-1])[:, FEMALE]
    mean_female = 0.5 * (aged_female + target[1:, FEMALE])
    births_pattern = (pattern_year_age * mean_female).sum(axis=1)
    factor = births_needed / births_pattern
    fert = pattern_year_age * factor[:, np.newaxis]
    inputs = baseline_inputs_from_targets(
        target, fert, q, srb, base_year=base_year, scenario="official", region=region,
        gross_profiles=trend_gross_profiles(region, years),
    )
    return OfficialBaseline(forecast_id, region, inputs,
                            official.load_official_long(forecast_id, region))


def official_baseline(forecast_id: str, region: str | None = None) -> OfficialBaseline:
    """The baseline for an embedded official forecast that publishes (or derives) population."""
    if forecast_id == "scb_national_2025":
        return national_baseline(forecast_id)
    if forecast_id == "scb_regional_2024":
        return regional_baseline(forecast_id, region or "2580")
    allowed = "scb_national_2025, scb_regional_2024"
    raise InputValidationError(
        f"{forecast_id!r} has no population to reproduce; allowed: {allowed}",
        location="forecast_id",
    )


def reproduction_report(
    scenario_long: pd.DataFrame, official_long: pd.DataFrame
) -> pd.DataFrame:
    """Largest relative differences per variable and resolution (for docs and tests).

    Columns: variable, resolution ("total" by year, "5-year group" by year and sex),
    max_abs_rel_diff, max_abs_diff.
    """
    rows = []
    resolutions: tuple[tuple[By, str], ...] = (("total", "total"), ("age_group", "5-year group"))
    for by, name in resolutions:
        diff = compare(scenario_long, official_long, by=by)
        diff = diff[diff["official_value"].abs() > 0]
        for variable, part in diff.groupby("variable", sort=False):
            rows.append({
                "variable": variable, "resolution": name,
                "max_abs_rel_diff": float(part["rel_diff"].abs().max()),
                "max_abs_diff": float(part["abs_diff"].abs().max()),
            })
    return pd.DataFrame(rows)
