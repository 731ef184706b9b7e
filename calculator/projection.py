"""The cohort-component projection: one-year kernel, loop over years, and workflow.

Timing and exposure convention (``docs/method.md`` gives the derivation)
----------------------------------------------------------------------------
State: persons at 31 December by sex and completed age 0..100+ for each scenario and region.
In year *t* the cohort that reaches age *a* during *t* (aged *a*-1 on 1 January, or born in
*t* for *a* = 0) is followed through the Lexis parallelogram:

* the start stock ``S`` (aged population of 31 Dec *t*-1; the open group takes 99 and 100+)
  is exposed for the whole year;
* arrivals ``A`` (immigrants + domestic in-migrants, and for *a* = 0 the year's births) come
  evenly over the year, so on average they are exposed for half of it;
* within the year, death (hazard ``mu`` from the death probability, see
  :mod:`calculator.mortality`) and out-migration (emigration + domestic out-migration rates
  per person-year, ``m``) are competing constant risks, ``h = mu + m``.

Then, exactly,

    P(t) = S e^{-h} + A g,  with g = (1 - e^{-h}) / h  (share of arrivals still present)
    exits = S (1 - e^{-h}) + A (1 - g);  deaths = exits mu / h;  out-migrants = exits m / h

so out-migrants equal the rate times the person-years lived in the region, a person present
all year dies with probability ``q``, and a newborn with probability ``q_0`` before 31 Dec.
Births are age-specific fertility rates times the mean female population of the cohort,
``(S_f + P_f(t)) / 2`` (the exposure SCB's age-reached tables imply), split by sex with the sex
ratio at birth. In net mode the signed net migrants take the place of ``A`` (no out-rates);
a net outflow larger than the cohort is clipped (with a :class:`CalculatorWarning`).

The balance identity is checked every year for every cell (:func:`calculator.checks.check_balance`).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from calculator.checks import check_balance
from calculator.exceptions import CalculatorWarning
from calculator.grid import FEMALE, MALE, FloatArray, age_cohort
from calculator.inputs import ProjectionInputs
from calculator.mortality import hazard_from_death_prob, newborn_hazard_from_death_prob
from calculator.results import ProjectionResult

_TINY = 1e-300  # keeps (1 - e^-h) / h finite at h = 0 (its limit, 1, is then returned)


class StepResult(NamedTuple):
    """Components of one projection year, each ``(..., sex, age)`` unless noted."""

    pop_count_sex_age_end: FloatArray
    births_count_sex: FloatArray  # (..., sex) children born, by sex of the child
    births_count_mother_age: FloatArray  # (..., age) by mother's age reached
    deaths_count_sex_age: FloatArray
    emig_count_sex_age: FloatArray
    outmig_count_sex_age: FloatArray
    netmig_count_sex_age: FloatArray  # the net migrants applied (zeros when none)


def project_step(
    pop_count_sex_age_start: FloatArray,
    fert_rate_age: FloatArray,
    death_hazard_sex_age: FloatArray,
    immig_count_sex_age: FloatArray,
    emig_rate_sex_age: FloatArray,
    inmig_count_sex_age: FloatArray,
    outmig_rate_sex_age: FloatArray,
    netmig_count_sex_age: FloatArray,
    srb_males_per_female: FloatArray,
    net_mode: bool = False,
    out: StepResult | None = None,
    gross_mode: bool | None = None,
) -> StepResult:
    """Project one calendar year (the kernel; vectorised over all leading batch axes).

    Arguments (leading axes ``...`` are batch axes, e.g. ``(S, R)``):

    * ``pop_count_sex_age_start`` (..., 2, 101): persons at 31 Dec of year *t*-1, completed age.
    * ``fert_rate_age`` (..., 101): births per woman-year in *t* by mother's age reached.
    * ``death_hazard_sex_age`` (..., 2, 101): constant within-year force of mortality by age
      reached in *t* (from :func:`calculator.mortality.hazards_from_death_prob`).
    * ``immig_count_sex_age``, ``inmig_count_sex_age`` (..., 2, 101): immigrants and domestic
      in-migrants during *t*, persons, by age reached.
    * ``emig_rate_sex_age``, ``outmig_rate_sex_age`` (..., 2, 101): per person-year.
    * ``netmig_count_sex_age`` (..., 2, 101): signed net migrants, added to the arrivals when
      ``net_mode`` is true (alone, or on top of the gross flows when ``gross_mode`` is true).
    * ``gross_mode``: use the four gross flows (default: ``not net_mode``).
    * ``srb_males_per_female`` (...): boys born per girl.
    * ``out``: optional preallocated buffers to write the result into (the loop passes slices
      of the result arrays, so nothing is copied).

    Returns a :class:`StepResult` whose population satisfies the balance identity exactly
    (to rounding). References it must reproduce: the stable population and intrinsic growth
    rate of Lotka's equation for constant rates (``tests/test_projection.py::test_lotka``),
    and SCB's observed populations in the back-tests (``tests/test_backtest.py``).
    """
    mu = death_hazard_sex_age
    gross = (not net_mode) if gross_mode is None else gross_mode
    if out is None:
        shape = mu.shape
        out = StepResult(
            np.empty(shape), np.empty((*shape[:-2], 2)), np.empty(fert_rate_age.shape),
            np.empty(shape), np.empty(shape), np.empty(shape), np.empty(shape),
        )
    aged = age_cohort(pop_count_sex_age_start)
    if gross:
        hazard = emig_rate_sex_age + outmig_rate_sex_age
        hazard += mu
        hazard += _TINY
        arrivals = immig_count_sex_age + inmig_count_sex_age
        if net_mode:
            arrivals += netmig_count_sex_age
    else:
        hazard = mu + _TINY
        arrivals = netmig_count_sex_age
    # Survivors and leavers are computed by separate formulas (exp and expm1), so that the
    # balance check in project() compares two independent computations, not a residual.
    stay = np.exp(-hazard)  # e^{-h}: share of the start stock still present at year end
    leave = np.negative(hazard)
    np.expm1(leave, out=leave)
    np.negative(leave, out=leave)  # 1 - e^{-h}, exact for tiny h
    arrive_stay = leave / hazard  # g = (1 - e^{-h}) / h: share of arrivals still present
    arrive_leave = 1.0 - arrive_stay  # share of arrivals who died or moved on
    if net_mode:
        # a net outflow can take at most the cohort: P = S e^{-h} + A g >= 0. For age 0 the
        # cohort is the year's births, known only below, so age 0 is clipped there.
        floor = -aged * stay / arrive_stay
        floor[..., 0] = -np.inf
        clipped = bool(np.any(arrivals < floor))
        if clipped:
            netmig_count_sex_age = netmig_count_sex_age + (np.maximum(arrivals, floor) - arrivals)
        arrivals = np.maximum(arrivals, floor)
    pop_end = np.multiply(aged, stay, out=out.pop_count_sex_age_end)
    pop_end += arrivals * arrive_stay
    exits = aged * leave  # deaths and out-migrants, from the start stock ...
    exits += arrivals * arrive_leave  # ... and from the arrivals

    # births: rates x mean female population of each mother cohort (age 0 has no fertility)
    mean_female = aged[..., FEMALE, :] + pop_end[..., FEMALE, :]
    mean_female *= 0.5
    births_mother_age = np.multiply(fert_rate_age, mean_female, out=out.births_count_mother_age)
    births_total = births_mother_age.sum(axis=-1)
    births_sex = out.births_count_sex
    births_sex[..., FEMALE] = births_total / (1.0 + srb_males_per_female)
    births_sex[..., MALE] = births_total - births_sex[..., FEMALE]
    if net_mode:
        infant_floor = -births_sex  # net out-migration of this year's newborns <= births
        if np.any(arrivals[..., 0] < infant_floor):
            clipped = True
            extra = np.maximum(arrivals[..., 0], infant_floor) - arrivals[..., 0]
            arrivals[..., 0] += extra
            netmig_count_sex_age = netmig_count_sex_age.copy()
            netmig_count_sex_age[..., 0] += extra
            pop_end[..., 0] += extra * arrive_stay[..., 0]
            exits[..., 0] += extra * arrive_leave[..., 0]
        if clipped:
            warnings.warn(
                "net out-migration exceeded the population of a cohort and was clipped to it",
                CalculatorWarning,
                stacklevel=3,
            )
        out.netmig_count_sex_age[...] = netmig_count_sex_age
    pop_end[..., 0] += births_sex * arrive_stay[..., 0]
    exits[..., 0] += births_sex * arrive_leave[..., 0]

    exits /= hazard  # exits per unit hazard, split by cause below
    if not gross:
        out.emig_count_sex_age[...] = 0.0
        out.outmig_count_sex_age[...] = 0.0
        np.multiply(exits, mu, out=out.deaths_count_sex_age)
    else:
        np.multiply(exits, emig_rate_sex_age, out=out.emig_count_sex_age)
        np.multiply(exits, outmig_rate_sex_age, out=out.outmig_count_sex_age)
        np.multiply(exits, mu, out=out.deaths_count_sex_age)
    return out


def project(inputs: ProjectionInputs, *, check: bool = True) -> ProjectionResult:
    """Run the projection for every scenario and region in the batch; loop over years only.

    The balance identity is checked every year in every cell (``check=False`` exists for the
    benchmark's kernel-only figure and is never used by the product). Inputs laid out
    year-major in memory (see :func:`calculator.inputs.year_major`) run fastest.
    """
    arrays = inputs.arrays()
    n_scen, n_reg = inputs.batch_shape
    n_years = inputs.n_years
    shape_sa = (n_years, n_scen, n_reg, 2, 101)
    # year-first storage: each year's slice is contiguous; exposed as (S, R, T, ...) views
    pop = np.empty((n_years + 1, n_scen, n_reg, 2, 101))
    pop[0] = arrays.pop_count_sex_age_base
    births_sex = np.empty((n_years, n_scen, n_reg, 2))
    births_mother = np.empty((n_years, n_scen, n_reg, 101))
    deaths = np.empty(shape_sa)
    net_mode = inputs.has_net_migration
    gross = inputs.migration_mode == "gross"
    emig = np.empty(shape_sa) if gross else None
    outmig = np.empty(shape_sa) if gross else None
    netmig = np.empty(shape_sa) if net_mode else None
    zeros = np.zeros((n_scen, n_reg, 2, 101))
    scratch = np.empty((n_scen, n_reg, 2, 101))
    newborn_hazard = newborn_hazard_from_death_prob(arrays.death_prob_year_sex_age[..., 0])
    labels = (inputs.scenarios, inputs.regions)
    for t in range(n_years):
        hazard = hazard_from_death_prob(arrays.death_prob_year_sex_age[:, :, t])
        hazard[..., 0] = newborn_hazard[:, :, t]
        buffers = StepResult(
            pop[t + 1], births_sex[t], births_mother[t], deaths[t],
            emig[t] if emig is not None else scratch,
            outmig[t] if outmig is not None else scratch,
            netmig[t] if netmig is not None else scratch,
        )
        project_step(
            pop[t],
            arrays.fert_rate_year_age[:, :, t],
            hazard,
            arrays.immig_count_year_sex_age[:, :, t] if gross else zeros,
            arrays.emig_rate_year_sex_age[:, :, t] if gross else zeros,
            arrays.inmig_count_year_sex_age[:, :, t] if gross else zeros,
            arrays.outmig_rate_year_sex_age[:, :, t] if gross else zeros,
            arrays.netmig_count_year_sex_age[:, :, t],
            arrays.srb_males_per_female_year[:, :, t],
            net_mode=net_mode,
            out=buffers,
            gross_mode=gross,
        )
        if check:
            inflow = zeros
            outflow = zeros
            if gross:
                inflow = arrays.immig_count_year_sex_age[:, :, t] + arrays.inmig_count_year_sex_age[:, :, t]
                outflow = buffers.emig_count_sex_age + buffers.outmig_count_sex_age
            if netmig is not None:
                inflow = inflow + netmig[t]
            check_balance(
                pop[t], pop[t + 1], births_sex[t], deaths[t], inflow, outflow,
                year=int(inputs.base_year + 1 + t), labels=labels,
            )
    empty = np.broadcast_to(np.zeros(1), (n_scen, n_reg, n_years, 2, 101))
    return ProjectionResult(
        base_year=inputs.base_year,
        scenarios=inputs.scenarios,
        regions=inputs.regions,
        migration_mode=inputs.migration_mode,
        pop_count_year_sex_age=np.moveaxis(pop, 0, 2),
        births_count_year_sex=np.moveaxis(births_sex, 0, 2),
        births_count_year_mother_age=np.moveaxis(births_mother, 0, 2),
        deaths_count_year_sex_age=np.moveaxis(deaths, 0, 2),
        immig_count_year_sex_age=arrays.immig_count_year_sex_age if gross else empty,
        emig_count_year_sex_age=np.moveaxis(emig, 0, 2) if emig is not None else empty,
        inmig_count_year_sex_age=arrays.inmig_count_year_sex_age if gross else empty,
        outmig_count_year_sex_age=np.moveaxis(outmig, 0, 2) if outmig is not None else empty,
        netmig_count_year_sex_age=None if netmig is None else np.moveaxis(netmig, 0, 2),
    )
