"""Rate estimation from observed tidy frames: the step that turns counts into a baseline.

Pure functions (no I/O). Inputs are the tidy observation frames of
:mod:`calculator.data.frames` for **one region each** (population 31 Dec by completed age;
births, deaths and migration per calendar year by age reached during the year). Outputs are
arrays on the model grid and the engine's template frames (``fertility``
``year,region,age,rate``; ``mortality`` ``year,region,sex,age,probability``; ``migration``
``year,region,sex,age,immigrants,emigration_rate,in_migrants,out_migration_rate`` or
``net_migrants``). ``docs/estimation.md`` states the method in words.

Exposure. A flow at age *a* (reached) in year *t* belongs to the cohort aged *a* - 1 on
1 January and *a* on 31 December; its person-years are estimated by the mean cohort population
``E[t, a] = (P[t-1, a-1] + P[t, a]) / 2`` (``E[t, 0] = P[t, 0] / 2``; the open group 100 starts
with ``P[t-1, 99] + P[t-1, 100]``). Rates are pooled over years: sum of events / sum of
exposures, never an average of yearly rates.

Mortality is converted to the engine's death probability by age reached as
``q = 1 - exp(-D / E)`` for ages 1..100 (the engine treats ``-ln(1 - q)`` as a constant hazard
over the parallelogram, so a hazard of ``D / E`` per person-year reproduces the observed deaths
in a population with the observed person-years), and ``q_0 = D_0 / B`` (deaths in the first
calendar year of life over the year's births) at age 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from calculator.exceptions import InputValidationError
from calculator.grid import (
    CKM_MAX_ABS_NOISE_PERSONS,
    FEMALE,
    FERTILE_AGE_MAX,
    FERTILE_AGE_MIN,
    N_AGES,
    OPEN_AGE,
    SEXES,
    FloatArray,
    age_cohort,
)
from calculator.inputs import MAX_RATE_PER_PERSON_YEAR

#: Share of the infant deaths of a calendar year (completed age 0, the Lexis square) that fall
#: in the lower triangle, i.e. among children born in the same year (age reached 0). Infant
#: deaths cluster in the first weeks of life, so the even split used at ages >= 1 would halve
#: q0. Value fitted from SCB's 2025 national projection, which gives deaths by age reached
#: (reference folder SOURCES.md §19, content 000005MP, all birth regions, 2026-2050 pooled:
#: ages 0/1/2 = 4,137/607/299 deaths): with the upper triangle of age 1 taken as half of the
#: deaths reached at age 2, s = D'0 / (D'0 + D'1 - D'2 / 2) = 0.900 (0.896-0.904 in single
#: years). This agrees with the value of about 0.9 usual for low-mortality populations (HMD
#: Methods Protocol, infant-death triangle split). Luleå's observed deaths by age reached
#: (BE0101D8, 2006-2024: 25/8/3) give 0.79, but from 25 infant deaths only.
INFANT_LOWER_TRIANGLE_SHARE: Final = 0.9

#: Default prior strength of the mortality SMR shrinkage, in deaths (see :func:`estimate_smr`).
DEFAULT_SMR_PRIOR_DEATHS: Final = 20.0
#: Bounds for the empirical-Bayes prior strength of fertility shrinkage, in births.
FERT_PRIOR_BIRTHS_MIN: Final = 1.0
FERT_PRIOR_BIRTHS_MAX: Final = 1.0e6

_FERTILE = slice(FERTILE_AGE_MIN, FERTILE_AGE_MAX + 1)


# ---------------------------------------------------------------------------------------------
# frames -> arrays


def _single_region(frame: pd.DataFrame, what: str) -> str:
    regions = frame["region"].astype(str).unique()
    if len(regions) != 1:
        raise InputValidationError(
            f"expected one region, found {sorted(regions)}; filter the frame to one region",
            location=what,
        )
    return str(regions[0])


def _require_years(frame: pd.DataFrame, years: Sequence[int], what: str) -> None:
    have = set(int(y) for y in frame["year"].unique())
    missing = [int(y) for y in years if int(y) not in have]
    if missing:
        span = f"{min(have)}-{max(have)}" if have else "none"
        raise InputValidationError(
            f"year(s) {missing} needed but not given (years present: {span})", location=what
        )


def estimation_window(
    last_year: int, n_years: int, available: Sequence[int], what: str, hint: str = ""
) -> list[int]:
    """The ``n_years`` calendar years ending at ``last_year``; all must be in ``available``.

    ``available`` are the years with rates (births, deaths and the population of that year and
    the one before); ``what`` names the region in the error, ``hint`` is appended to it.

    >>> estimation_window(2024, 3, range(2015, 2025), "region 2580")
    [2022, 2023, 2024]
    """
    years = list(range(int(last_year) - int(n_years) + 1, int(last_year) + 1))
    have = set(int(y) for y in available)
    missing = [y for y in years if y not in have]
    if missing:
        span = f"{min(have)}-{max(have)}" if have else "none"
        raise InputValidationError(
            f"{what}: rates need year(s) {missing} (births, deaths and the population of the "
            f"year before); available {span}" + (f"; {hint}" if hint else ""),
            location="estimation window",
        )
    return years


def reference_window(window: Sequence[int], available: Sequence[int]) -> list[int]:
    """The reference region's years for a local ``window``.

    The window itself if the reference covers it, else the reference's latest
    ``len(window)`` years up to the window's end (or its latest years at all).

    >>> reference_window([2022, 2023, 2024], range(2010, 2021))
    [2018, 2019, 2020]
    """
    have = sorted(int(y) for y in available)
    if all(int(y) in set(have) for y in window):
        return [int(y) for y in window]
    n = len(window)
    earlier = [y for y in have if y <= max(window)]
    return earlier[-n:] if len(earlier) >= n else have[-n:]


def sex_age_cube(frame: pd.DataFrame, value: str, years: Sequence[int]) -> FloatArray:
    """``(len(years), 2, 101)`` array of ``value`` by year, sex (female, male) and age."""
    _require_years(frame, years, f"{value} frame")
    out = np.zeros((len(years), 2, N_AGES))
    sub = frame[frame["year"].isin(list(years))]
    yi = np.searchsorted(np.asarray(years), sub["year"].to_numpy())
    si = (sub["sex"] == SEXES[1]).to_numpy().astype(int)
    np.add.at(out, (yi, si, sub["age"].to_numpy()), sub[value].to_numpy(dtype=np.float64))
    return out


def births_cubes(births: pd.DataFrame, years: Sequence[int]) -> tuple[FloatArray, FloatArray]:
    """Births by ``(year, mother_age 0..100)`` and by ``(year, child sex)``."""
    _require_years(births, years, "births frame")
    sub = births[births["year"].isin(list(years))]
    yi = np.searchsorted(np.asarray(years), sub["year"].to_numpy())
    values = sub["births"].to_numpy(dtype=np.float64)
    by_age = np.zeros((len(years), N_AGES))
    np.add.at(by_age, (yi, sub["mother_age"].to_numpy()), values)
    by_sex = np.zeros((len(years), 2))
    np.add.at(by_sex, (yi, (sub["child_sex"] == SEXES[1]).to_numpy().astype(int)), values)
    return by_age, by_sex


def mean_cohort_population(population: pd.DataFrame, years: Sequence[int]) -> FloatArray:
    """Person-years by ``(year, sex, age reached)``: ``(P[t-1, a-1] + P[t, a]) / 2``.

    Needs the population of the year before the first year.
    """
    years = [int(y) for y in years]
    stocks = sex_age_cube(population, "population", [years[0] - 1, *years])
    ends = stocks[1:]
    starts = age_cohort(stocks[:-1])  # age 0 of the start stock is 0: E_0 = P_0 / 2
    return np.asarray((starts + ends) / 2.0)


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)


# ---------------------------------------------------------------------------------------------
# fertility


@dataclass(frozen=True)
class FertilityEstimate:
    """Age-specific fertility (births per woman-year, mother's age reached 0..100)."""

    rate_age: FloatArray  # final rates (shrunk if a reference was given)
    raw_rate_age: FloatArray  # pooled local births / pooled local exposure
    births_age: FloatArray  # pooled births
    exposure_age: FloatArray  # pooled female person-years
    reference_rate_age: FloatArray | None  # reference pattern scaled to the local level
    weight_age: FloatArray  # weight on the local raw rate (1 = no shrinkage)
    prior_births: float  # prior strength K (births); inf = full shrinkage


def pooled_asfr_counts(
    births: pd.DataFrame, population: pd.DataFrame, years: Sequence[int]
) -> tuple[FloatArray, FloatArray]:
    """Pooled births and female person-years by mother's age reached (each ``(101,)``)."""
    births_age, _ = births_cubes(births, years)
    exposure = mean_cohort_population(population, years)[:, FEMALE, :]
    births_out = births_age.sum(axis=0)
    exposure_out = np.zeros(N_AGES)
    exposure_out[_FERTILE] = exposure.sum(axis=0)[_FERTILE]
    return births_out, exposure_out


def asfr(births: pd.DataFrame, population: pd.DataFrame, years: Sequence[int]) -> FloatArray:
    """Pooled age-specific fertility rates ``(101,)`` over ``years`` (no shrinkage).

    Sum of births over the years divided by the sum of female person-years.
    """
    b, e = pooled_asfr_counts(births, population, years)
    return _ratio(b, e)


def shrink_poisson(
    events_age: FloatArray,
    exposure_age: FloatArray,
    reference_rate_age: FloatArray,
    prior_events: float | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """Poisson-gamma (empirical-Bayes) shrinkage of local rates towards a reference pattern.

    The reference rates are first scaled to the local level,
    ``mu_a = k * ref_a`` with ``k = sum(events) / sum(exposure * ref)`` (so the scaled
    reference predicts the observed total). With a gamma prior of mean ``mu_a`` and shape ``K``
    at every age, the posterior mean rate is

        r_a = w_a * events_a / exposure_a + (1 - w_a) * mu_a,
        w_a = m_a / (m_a + K),  m_a = exposure_a * mu_a  (expected events at age a),

    i.e. each age trusts its own data in proportion to how many events it can expect. ``K``
    (``prior_events``) is estimated by the method of moments when not given: under the model
    ``Var(events_a) = m_a + m_a**2 / K``, so
    ``1/K = max(0, sum((events - m)**2 - m)) / sum(m**2)``; no detectable extra-Poisson variation
    gives full shrinkage (``K`` = ``FERT_PRIOR_BIRTHS_MAX``). ``K`` is clipped to
    ``[FERT_PRIOR_BIRTHS_MIN, FERT_PRIOR_BIRTHS_MAX]``.

    Returns ``(rate_age, weight_age, scaled_reference_age, K)``.

    >>> r, w, mu, k = shrink_poisson(np.array([2.0, 0.0]), np.array([100.0, 100.0]),
    ...                               np.array([0.01, 0.01]), prior_events=1.0)
    >>> r.round(4).tolist(), w.tolist()
    ([0.015, 0.005], [0.5, 0.5])
    """
    events = np.asarray(events_age, dtype=np.float64)
    exposure = np.asarray(exposure_age, dtype=np.float64)
    ref = np.asarray(reference_rate_age, dtype=np.float64)
    expected_ref = float((exposure * ref).sum())
    if expected_ref <= 0:
        raise InputValidationError(
            "the reference rates predict no events for this exposure", location="reference"
        )
    level = float(events.sum()) / expected_ref
    mu = level * ref
    m = exposure * mu
    if prior_events is None:
        denom = float((m**2).sum())
        excess = float(((events - m) ** 2 - m).sum())
        inverse = excess / denom if denom > 0 else 0.0
        k = 1.0 / inverse if inverse > 0 else FERT_PRIOR_BIRTHS_MAX
    else:
        k = float(prior_events)
    k = float(np.clip(k, FERT_PRIOR_BIRTHS_MIN, FERT_PRIOR_BIRTHS_MAX))
    weight = m / (m + k)
    rate = weight * _ratio(events, exposure) + (1.0 - weight) * mu
    return rate, weight, mu, k


def estimate_fertility(
    births: pd.DataFrame,
    population: pd.DataFrame,
    years: Sequence[int],
    *,
    reference_births: pd.DataFrame | None = None,
    reference_population: pd.DataFrame | None = None,
    reference_years: Sequence[int] | None = None,
    prior_births: float | None = None,
) -> FertilityEstimate:
    """Fertility rates pooled over ``years``, optionally shrunk to a reference age pattern.

    Without reference frames the raw pooled rates are returned (weight 1). With them, the
    reference's pooled rates over ``reference_years`` (default ``years``) are scaled to the local
    level and :func:`shrink_poisson` combines the two; ``prior_births`` fixes ``K``.
    """
    _single_region(births, "births")
    b, e = pooled_asfr_counts(births, population, years)
    raw = _ratio(b, e)
    if reference_births is None or reference_population is None:
        return FertilityEstimate(raw, raw, b, e, None, np.ones(N_AGES), 0.0)
    ref_years = list(reference_years) if reference_years is not None else list(years)
    ref = asfr(reference_births, reference_population, ref_years)
    rate, weight, mu, k = shrink_poisson(b, e, ref, prior_births)
    return FertilityEstimate(rate, raw, b, e, mu, weight, k)


def sex_ratio_at_birth(births: pd.DataFrame, years: Sequence[int]) -> float:
    """Boys per girl, pooled over ``years``."""
    _, by_sex = births_cubes(births, years)
    girls, boys = by_sex.sum(axis=0)
    if girls <= 0:
        raise InputValidationError("no girls born in the window", location="births")
    return float(boys / girls)


# ---------------------------------------------------------------------------------------------
# mortality


def deaths_completed_to_reached(
    deaths: pd.DataFrame, infant_lower_share: float = INFANT_LOWER_TRIANGLE_SHARE
) -> pd.DataFrame:
    """Re-express deaths by completed age at death (Lexis squares) by age reached.

    The deaths of the square for completed age *a* >= 1 are split evenly between the two Lexis
    triangles: the lower half belongs to the cohort reaching *a* during the year, the upper
    half to the cohort reaching *a* + 1. Infant deaths are concentrated in the first weeks of
    life, so the age-0 square is split with the lower-triangle share ``infant_lower_share``
    (default :data:`INFANT_LOWER_TRIANGLE_SHARE` = 0.9). So
    ``D_reached[0] = s * D[0]``, ``D_reached[1] = (1 - s) * D[0] + D[1] / 2``,
    ``D_reached[a] = (D[a-1] + D[a]) / 2`` for 2..99 and ``D_reached[100] = D[99] / 2 + D[100]``;
    totals are unchanged. Needed for Sweden's and the counties' embedded deaths, which SCB's
    source extracts give by completed age (``tests/test_mortality.py`` shows they equal HMD's
    Lexis-square deaths cell by cell).

    >>> f = pd.DataFrame({"year": 2014, "region": "00", "sex": "female", "age": [0, 1, 100],
    ...                   "deaths": [10.0, 4.0, 6.0]})
    >>> deaths_completed_to_reached(f).set_index("age")["deaths"].loc[[0, 1, 2, 100]].tolist()
    [9.0, 3.0, 2.0, 6.0]
    """
    if not 0.0 <= infant_lower_share <= 1.0:
        raise InputValidationError(
            f"infant lower-triangle share {infant_lower_share!r}; allowed: 0..1",
            location="infant_lower_share",
        )
    keys = ["year", "region", "sex"]
    full = deaths.pivot_table(index=keys, columns="age", values="deaths", aggfunc="sum")
    full = full.reindex(columns=range(N_AGES), fill_value=0.0).fillna(0.0)
    d = full.to_numpy(dtype=np.float64)
    reached = np.empty_like(d)
    reached[:, 1:OPEN_AGE] = (d[:, 0 : OPEN_AGE - 1] + d[:, 1:OPEN_AGE]) / 2.0
    reached[:, 0] = infant_lower_share * d[:, 0]
    reached[:, 1] = (1.0 - infant_lower_share) * d[:, 0] + d[:, 1] / 2.0
    reached[:, OPEN_AGE] = d[:, OPEN_AGE - 1] / 2.0 + d[:, OPEN_AGE]
    wide = pd.DataFrame(reached, index=full.index, columns=range(N_AGES)).reset_index()
    long = wide.melt(id_vars=keys, var_name="age", value_name="deaths")
    long["age"] = long["age"].astype(np.int64)
    return long.sort_values([*keys, "age"], kind="stable").reset_index(drop=True)


def death_counts_exposure(
    deaths: pd.DataFrame, population: pd.DataFrame, births: pd.DataFrame, years: Sequence[int]
) -> tuple[FloatArray, FloatArray]:
    """Pooled deaths and exposures ``(2, 101)``; the age-0 "exposure" is births by sex."""
    d = sex_age_cube(deaths, "deaths", years).sum(axis=0)
    e = mean_cohort_population(population, years).sum(axis=0)
    _, births_sex = births_cubes(births, years)
    e[:, 0] = births_sex.sum(axis=0)
    return d, e


def death_prob_from_counts(deaths_sex_age: FloatArray, exposure_sex_age: FloatArray) -> FloatArray:
    """Engine death probabilities: ``1 - exp(-D/E)`` for ages >= 1, ``D_0 / B`` at age 0.

    ``exposure_sex_age[..., 0]`` must hold births (see :func:`death_counts_exposure`).
    """
    q = -np.expm1(-_ratio(deaths_sex_age, exposure_sex_age))
    q[..., 0] = np.minimum(_ratio(deaths_sex_age[..., 0], exposure_sex_age[..., 0]), 1.0)
    return np.asarray(q)


@dataclass(frozen=True)
class MortalityEstimate:
    """Death probabilities by sex and age reached, from a reference schedule times an SMR."""

    death_prob_sex_age: FloatArray  # (2, 101)
    reference_death_prob_sex_age: FloatArray  # (2, 101)
    smr_sex: FloatArray  # (2,) after shrinkage
    raw_smr_sex: FloatArray  # (2,) observed / expected
    observed_deaths_sex: FloatArray
    expected_deaths_sex: FloatArray


def estimate_smr(
    observed: FloatArray, expected: FloatArray, prior_deaths: float = DEFAULT_SMR_PRIOR_DEATHS
) -> FloatArray:
    """SMR shrunk towards 1: ``(observed + K) / (expected + K)``.

    This is the posterior mean of a Poisson rate ratio with a gamma(K, K) prior (mean 1):
    with few expected deaths the SMR stays near 1, with many it is the observed ratio.

    >>> estimate_smr(np.array([2.0, 1200.0]), np.array([1.0, 1000.0])).round(3).tolist()
    [1.048, 1.196]
    """
    obs = np.asarray(observed, dtype=np.float64)
    exp_ = np.asarray(expected, dtype=np.float64)
    return np.asarray((obs + prior_deaths) / (exp_ + prior_deaths))


def estimate_mortality(
    deaths: pd.DataFrame,
    population: pd.DataFrame,
    births: pd.DataFrame,
    years: Sequence[int],
    *,
    reference_deaths: pd.DataFrame,
    reference_population: pd.DataFrame,
    reference_births: pd.DataFrame,
    reference_years: Sequence[int] | None = None,
    prior_deaths: float = DEFAULT_SMR_PRIOR_DEATHS,
) -> MortalityEstimate:
    """Local schedule = reference hazards x SMR (by sex), pooled over ``years``.

    Reference hazards ``mu_ref = D_ref / E_ref`` are pooled over ``reference_years`` (default
    ``years``); expected local deaths ``sum_a E_local[a] * mu_ref[a]`` (+ births x ``q0_ref`` at
    age 0); ``SMR = observed / expected``, shrunk with :func:`estimate_smr`. The local death
    probability is ``1 - exp(-SMR * mu_ref)`` at ages >= 1 and ``min(1, SMR * q0_ref)`` at 0.
    When the reference years differ from the local ones, the SMR also absorbs the change of
    level between the two periods.
    """
    _single_region(deaths, "deaths")
    d, e = death_counts_exposure(deaths, population, births, years)
    ref_years = list(reference_years) if reference_years is not None else list(years)
    d_ref, e_ref = death_counts_exposure(
        reference_deaths, reference_population, reference_births, ref_years
    )
    hazard_ref = _ratio(d_ref, e_ref)  # age 0 holds q0_ref = D0/B
    expected = (e * hazard_ref).sum(axis=1)
    observed = d.sum(axis=1)
    raw_smr = _ratio(observed, expected)
    smr = estimate_smr(observed, expected, prior_deaths)
    q_ref = death_prob_from_counts(d_ref, e_ref)
    q = -np.expm1(-smr[:, np.newaxis] * hazard_ref)
    q[:, 0] = np.minimum(smr * hazard_ref[:, 0], 1.0)
    return MortalityEstimate(q, q_ref, smr, raw_smr, observed, expected)


# ---------------------------------------------------------------------------------------------
# migration


@dataclass(frozen=True)
class MigrationEstimate:
    """Gross migration assumptions by ``(sex, age)``: counts per year and rates per person-year."""

    immig_count_sex_age: FloatArray
    emig_rate_sex_age: FloatArray
    inmig_count_sex_age: FloatArray
    outmig_rate_sex_age: FloatArray


def estimate_migration(
    migration: pd.DataFrame, population: pd.DataFrame, years: Sequence[int]
) -> MigrationEstimate:
    """Immigrant and in-migrant counts = mean over ``years``; emigration and out-migration
    rates = pooled flows / pooled person-years (mean cohort population), capped at
    ``MAX_RATE_PER_PERSON_YEAR``.
    """
    _single_region(migration, "migration")
    n = len(years)
    exposure = mean_cohort_population(population, years).sum(axis=0)

    def pooled(column: str) -> FloatArray:
        return np.asarray(sex_age_cube(migration, column, years).sum(axis=0))

    return MigrationEstimate(
        immig_count_sex_age=pooled("immigrants") / n,
        emig_rate_sex_age=np.minimum(_ratio(pooled("emigrants"), exposure),
                                     MAX_RATE_PER_PERSON_YEAR),
        inmig_count_sex_age=pooled("in_migrants") / n,
        outmig_rate_sex_age=np.minimum(_ratio(pooled("out_migrants"), exposure),
                                       MAX_RATE_PER_PERSON_YEAR),
    )


def residual_net_migration(
    population: pd.DataFrame, deaths: pd.DataFrame, births: pd.DataFrame, years: Sequence[int]
) -> FloatArray:
    """Mean net migrants per year by ``(sex, age)`` from the balance of each cohort.

    ``net[t, a] = P[t, a] - P[t-1, a-1] + D[t, a]`` (age 0: ``P[t, 0] - B_sex[t] + D[t, 0]``),
    for regions without migration data (Sweden and the counties in the embedded set). It also
    absorbs register corrections.
    """
    years = [int(y) for y in years]
    stocks = sex_age_cube(population, "population", [years[0] - 1, *years])
    d = sex_age_cube(deaths, "deaths", years)
    _, births_sex = births_cubes(births, years)
    start = age_cohort(stocks[:-1])
    start[..., 0] = births_sex
    net = stocks[1:] - start + d
    return np.asarray(net.mean(axis=0))


# ---------------------------------------------------------------------------------------------
# Cell Key Method helpers


def rake_to_total(values: FloatArray, total: float) -> FloatArray:
    """Scale non-negative cells so they sum to a published ``total`` (last axis).

    Negative cells (noise can push a published small cell below zero in derived tables) are set
    to 0 first; proportional scaling then never makes a cell negative. If every cell is 0 the
    total is spread evenly. ``total`` must be >= 0.

    >>> rake_to_total(np.array([10.0, -1.0, 30.0]), 44.0).tolist()
    [11.0, 0.0, 33.0]
    """
    cells = np.maximum(np.asarray(values, dtype=np.float64), 0.0)
    total_arr = np.asarray(total, dtype=np.float64)
    if np.any(total_arr < 0) or not np.all(np.isfinite(total_arr)):
        raise InputValidationError(f"published total {total!r}; allowed: a count >= 0",
                                   location="total")
    current = cells.sum(axis=-1, keepdims=True)
    target = np.expand_dims(total_arr, -1) * np.ones_like(current)
    even = np.broadcast_to(target / cells.shape[-1], cells.shape)
    shares = _ratio(cells, np.broadcast_to(current, cells.shape))
    return np.asarray(np.where(current > 0, shares * target, even))


def ckm_small_cells(
    values: FloatArray | pd.Series, threshold: float = CKM_MAX_ABS_NOISE_PERSONS
) -> np.ndarray:
    """Boolean mask of cells whose absolute value is at most the CKM noise (``threshold``).

    >>> ckm_small_cells(np.array([0.0, 2.0, -3.0, 4.0])).tolist()
    [True, True, True, False]
    """
    return np.asarray(np.abs(np.asarray(values, dtype=np.float64)) <= threshold)


def rake_population_to_totals(population: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Rake single-age cells of a (CKM-noised) population frame to published totals.

    ``totals`` has columns ``year, region, population`` (one total per year and region, e.g.
    SCB's ``TOT1``) and optionally ``sex`` (then one total per sex). Returns the population frame
    with raked values (float, never negative) and an added boolean column ``below_ckm_noise``
    marking cells whose published value is within the noise (:data:`CKM_MAX_ABS_NOISE_PERSONS`).
    """
    keys = ["year", "region", *(["sex"] if "sex" in totals.columns else [])]
    merged = population.merge(
        totals.rename(columns={"population": "_total"})[[*keys, "_total"]], on=keys, how="left",
        validate="many_to_one",
    )
    if merged["_total"].isna().any():
        row = merged[merged["_total"].isna()].iloc[0]
        raise InputValidationError(
            f"no published total for {dict(row[keys])}", location="totals"
        )
    published = merged["population"].to_numpy(dtype=np.float64)
    clipped = np.maximum(published, 0.0)
    group_sum = merged.assign(_c=clipped).groupby(keys)["_c"].transform("sum").to_numpy()
    group_n = merged.groupby(keys)["population"].transform("size").to_numpy()
    total = merged["_total"].to_numpy(dtype=np.float64)
    raked = np.where(group_sum > 0, _ratio(clipped, group_sum) * total, total / group_n)
    out = population.copy()
    out["population"] = raked
    out["below_ckm_noise"] = ckm_small_cells(published)
    return out


# ---------------------------------------------------------------------------------------------
# template frames


def population_template(region: str, pop_sex_age: FloatArray) -> pd.DataFrame:
    """``region, sex, age, population`` for one region."""
    return pd.DataFrame({
        "region": region,
        "sex": np.repeat(SEXES, N_AGES),
        "age": np.tile(np.arange(N_AGES), 2),
        "population": np.asarray(pop_sex_age, dtype=np.float64).reshape(-1),
    })


def fertility_template(region: str, year: int, rate_age: FloatArray) -> pd.DataFrame:
    """``year, region, age, rate`` (all ages 0..100; zeros outside 15..49)."""
    return pd.DataFrame({
        "year": int(year), "region": region, "age": np.arange(N_AGES),
        "rate": np.asarray(rate_age, dtype=np.float64),
    })


def mortality_template(region: str, year: int, death_prob_sex_age: FloatArray) -> pd.DataFrame:
    """``year, region, sex, age, probability``."""
    frame = population_template(region, death_prob_sex_age).rename(
        columns={"population": "probability"}
    )
    frame.insert(0, "year", int(year))
    return frame


def migration_template(region: str, year: int, estimate: MigrationEstimate) -> pd.DataFrame:
    """``year, region, sex, age, immigrants, emigration_rate, in_migrants, out_migration_rate``."""
    frame = population_template(region, estimate.immig_count_sex_age).rename(
        columns={"population": "immigrants"}
    )
    frame.insert(0, "year", int(year))
    frame["emigration_rate"] = estimate.emig_rate_sex_age.reshape(-1)
    frame["in_migrants"] = estimate.inmig_count_sex_age.reshape(-1)
    frame["out_migration_rate"] = estimate.outmig_rate_sex_age.reshape(-1)
    return frame


def net_migration_template(region: str, year: int, net_sex_age: FloatArray) -> pd.DataFrame:
    """``year, region, sex, age, net_migrants`` (signed persons per year)."""
    frame = population_template(region, net_sex_age).rename(columns={"population": "net_migrants"})
    frame.insert(0, "year", int(year))
    return frame
