"""Mortality: death probabilities by age reached, hazards, life tables and e0 targeting.

Conventions
-----------
The model's mortality input is SCB's *dödsrisk* by **age reached during the year** (``q``):
for age ``a >= 1`` the probability that a person aged ``a - 1`` on 1 January dies before
31 December; for age 0 the probability that a child born during the year dies before
31 December. Within such a year the force of mortality is assumed constant:

* ``a >= 1``: ``mu_a = -ln(1 - q_a)`` (a person present the whole year survives ``exp(-mu)``);
* ``a = 0``: births are spread evenly over the year, so ``q_0 = 1 - (1 - exp(-mu_0)) / mu_0``
  is solved for ``mu_0`` (Newton iteration).

Life tables are period tables by completed age (HMD method, Wilmoth et al., *Methods Protocol
for the Human Mortality Database*, v6, 2021): ``a_x = 0.5`` except age 0 (Andreev & Kingkade
2015 formulas) and the open group (``a = 1/m``). Rates by age reached are turned into
completed-age rates by averaging the two parallelogram hazards that cover an age
(:func:`period_mx_from_death_prob`); ``tests/test_mortality.py`` checks that SCB deaths and
population run through this path give the same e0 as HMD's own exposures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from calculator.exceptions import InputValidationError
from calculator.grid import MALE, OPEN_AGE, FloatArray

#: Hazards are capped here (exp(-50) ~ 2e-22): a probability of exactly 1 stays finite.
MAX_HAZARD = 50.0


def hazard_from_death_prob(death_prob_age: FloatArray) -> FloatArray:
    """Constant within-year force of mortality for ages reached 1.. from probabilities.

    Age 0 is converted with :func:`newborn_hazard_from_death_prob` instead; this function
    converts every element as if it were a full year's exposure.

    >>> float(np.round(hazard_from_death_prob(np.array([0.5]))[0], 6))
    0.693147
    """
    with np.errstate(divide="ignore"):
        hazard = -np.log1p(-np.asarray(death_prob_age, dtype=np.float64))
    return np.minimum(hazard, MAX_HAZARD)


def newborn_death_prob_from_hazard(hazard: FloatArray) -> FloatArray:
    """Probability of dying before 31 Dec for a birth spread evenly over the year.

    ``q0 = 1 - (1 - exp(-mu)) / mu``; ``q0 -> mu / 2`` as ``mu -> 0``.

    >>> float(np.round(newborn_death_prob_from_hazard(np.array([0.004]))[0], 6))
    0.001997
    """
    mu = np.asarray(hazard, dtype=np.float64)
    small = mu < 1e-8
    safe = np.where(small, 1.0, mu)
    exact = 1.0 + np.expm1(-safe) / safe
    return np.where(small, mu / 2.0, exact)


def newborn_hazard_from_death_prob(death_prob_age0: FloatArray) -> FloatArray:
    """Invert :func:`newborn_death_prob_from_hazard` (vectorised Newton iteration).

    >>> float(np.round(newborn_hazard_from_death_prob(np.array([0.001997]))[0], 5))
    0.004
    """
    q0 = np.asarray(death_prob_age0, dtype=np.float64)
    if np.any((q0 < 0) | (q0 > 1)):
        raise InputValidationError("age-0 death probability outside [0, 1]")
    target = np.minimum(q0, newborn_death_prob_from_hazard(np.array(MAX_HAZARD)))
    mu = 2.0 * target
    for _ in range(60):
        f = newborn_death_prob_from_hazard(mu) - target
        safe = np.maximum(mu, 1e-12)
        deriv = np.where(mu < 1e-8, 0.5, (-np.expm1(-safe) - safe * np.exp(-safe)) / safe**2)
        step = f / np.maximum(deriv, 1e-12)
        mu = np.clip(mu - step, 0.0, MAX_HAZARD)
        if np.all(np.abs(step) < 1e-13):
            break
    return mu


def hazards_from_death_prob(death_prob_sex_age: FloatArray) -> FloatArray:
    """Model hazards for a whole schedule (last axis = age reached 0..100)."""
    q = np.asarray(death_prob_sex_age, dtype=np.float64)
    mu = hazard_from_death_prob(q)
    mu[..., 0] = newborn_hazard_from_death_prob(q[..., 0])
    return mu


def death_prob_from_hazards(hazard_sex_age: FloatArray) -> FloatArray:
    """Inverse of :func:`hazards_from_death_prob`."""
    mu = np.asarray(hazard_sex_age, dtype=np.float64)
    q = -np.expm1(-mu)
    q[..., 0] = newborn_death_prob_from_hazard(mu[..., 0])
    return q


def _a0_andreev_kingkade(m0: FloatArray, sex: int) -> FloatArray:
    """Average years lived in the first year by infants who die (Andreev & Kingkade 2015)."""
    if sex == MALE:
        return np.where(m0 < 0.02300, 0.14929 - 1.99545 * m0,
                        np.where(m0 < 0.08307, 0.02832 + 3.26201 * m0, 0.29915))
    return np.where(m0 < 0.01724, 0.14903 - 2.05527 * m0,
                    np.where(m0 < 0.06891, 0.04667 + 3.88089 * m0, 0.31411))


@dataclass(frozen=True)
class LifeTable:
    """Period life table by completed age 0..open (arrays along the last axis)."""

    mx: FloatArray
    ax: FloatArray
    qx: FloatArray
    lx: FloatArray
    dx: FloatArray
    Lx: FloatArray
    Tx: FloatArray
    ex: FloatArray

    @property
    def e0(self) -> FloatArray:
        """Life expectancy at birth in years (medellivslängd)."""
        return self.ex[..., 0]


def life_table(mx_age: FloatArray, sex: int) -> LifeTable:
    """Period life table from death rates ``m_x`` by completed age; the last age is open.

    HMD method: ``q = m / (1 + (1 - a) m)``, ``a_x = 0.5`` for 1 <= x < open, Andreev-Kingkade
    ``a_0``, open group ``L = l / m``. Radix 1. Leading axes are batch axes.

    With a constant rate every age has ``m = d / L``, so ``e0 = 1 / m`` exactly:

    >>> lt = life_table(np.full(101, 0.02), sex=0)
    >>> round(float(lt.e0), 9)
    50.0
    """
    mx = np.asarray(mx_age, dtype=np.float64)
    ax = np.full_like(mx, 0.5)
    ax[..., 0] = _a0_andreev_kingkade(mx[..., 0], sex)
    with np.errstate(divide="ignore", invalid="ignore"):
        qx = mx / (1.0 + (1.0 - ax) * mx)
    qx[..., -1] = 1.0
    lx = np.ones_like(mx)
    lx[..., 1:] = np.cumprod(1.0 - qx[..., :-1], axis=-1)
    dx = lx * qx
    lx_next = np.concatenate([lx[..., 1:], np.zeros_like(lx[..., :1])], axis=-1)
    Lx = lx_next + ax * dx
    with np.errstate(divide="ignore", invalid="ignore"):
        open_L = np.where(mx[..., -1] > 0, lx[..., -1] / mx[..., -1], 0.0)
    Lx[..., -1] = open_L
    Tx = np.cumsum(Lx[..., ::-1], axis=-1)[..., ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = np.where(lx > 0, Tx / lx, 0.0)
    ax[..., -1] = np.where(mx[..., -1] > 0, 1.0 / np.where(mx[..., -1] > 0, mx[..., -1], 1), 0)
    return LifeTable(mx, ax, qx, lx, dx, Lx, Tx, ex)


def period_mx_from_death_prob(death_prob_age: FloatArray, sex: int) -> FloatArray:
    """Death rates by completed age from probabilities by age reached (last axis 0..100).

    Completed age ``x`` (1 <= x < 100) lies half in parallelogram ``x`` and half in ``x + 1``,
    so its hazard is the mean of the two. For age 0 the probability of surviving to exact age
    1 is taken as ``(1 - q_0) exp(-mu_1 / 2)`` and turned into ``m_0`` with the
    Andreev-Kingkade ``a_0``. The open group 100+ keeps its own hazard.
    """
    mu = hazards_from_death_prob(death_prob_age)
    mx = np.empty_like(mu)
    mx[..., 1:OPEN_AGE] = 0.5 * (mu[..., 1:OPEN_AGE] + mu[..., 2 : OPEN_AGE + 1])
    mx[..., OPEN_AGE] = mu[..., OPEN_AGE]
    q = np.asarray(death_prob_age, dtype=np.float64)
    q_infant = 1.0 - (1.0 - q[..., 0]) * np.exp(-0.5 * mu[..., 1])
    m0 = q_infant
    for _ in range(5):  # m0 = q / (1 - (1 - a0) q), a0 depends on m0: fixed point
        a0 = _a0_andreev_kingkade(m0, sex)
        m0 = q_infant / (1.0 - (1.0 - a0) * q_infant)
    mx[..., 0] = m0
    return mx


def e0_from_death_prob(death_prob_age: FloatArray, sex: int) -> FloatArray:
    """Life expectancy at birth (years) of a schedule of death probabilities by age reached."""
    return life_table(period_mx_from_death_prob(death_prob_age, sex), sex).e0


def remaining_life_expectancy(death_prob_age: FloatArray, sex: int, age: int = 65) -> FloatArray:
    """Remaining life expectancy at exact ``age`` (years), e.g. e65."""
    return life_table(period_mx_from_death_prob(death_prob_age, sex), sex).ex[..., age]


def scale_death_prob_to_e0(death_prob_age: FloatArray, e0_target_years: float, sex: int) -> FloatArray:
    """Scale a schedule's hazards proportionally so that its life table gives ``e0_target``.

    The factor ``k`` applied to every age's hazard (``mu' = k mu``) is found by Brent's root
    finding on ``e0(k) - target``; the age pattern of mortality is kept. Accepts one schedule
    (last axis age 0..100). ``tests/test_mortality.py`` checks the target is hit to 1e-6 years.
    """
    q = np.asarray(death_prob_age, dtype=np.float64)
    if q.ndim != 1:
        raise InputValidationError(f"one schedule expected, got shape {q.shape}", location="q")
    mu = hazards_from_death_prob(q)
    lo, hi = 1e-4, 20.0

    def e0_of(k: float) -> float:
        return float(e0_from_death_prob(death_prob_from_hazards(mu * k), sex))

    e0_lo, e0_hi = e0_of(hi), e0_of(lo)
    if not e0_lo <= e0_target_years <= e0_hi:
        raise InputValidationError(
            f"e0 target {e0_target_years} years cannot be reached by scaling this schedule; "
            f"allowed {e0_lo:.1f}..{e0_hi:.1f}",
            location="e0_target_years",
        )
    k = brentq(lambda k: e0_of(k) - e0_target_years, lo, hi, xtol=1e-12)
    return death_prob_from_hazards(mu * k)


def death_probs_for_e0_path(
    death_prob_age: FloatArray,
    sex: int,
    base_year: int,
    target_year: int,
    e0_target_years: float,
    years: np.ndarray,
) -> FloatArray:
    """Schedules for ``years`` whose e0 moves linearly from the base schedule's to the target.

    Returns shape ``(len(years), 101)``; after ``target_year`` the target e0 is kept.
    """
    e0_base = float(e0_from_death_prob(death_prob_age, sex))
    out = np.empty((len(years), death_prob_age.shape[-1]))
    span = max(target_year - base_year, 1)
    for i, year in enumerate(years):
        share = min(max((int(year) - base_year) / span, 0.0), 1.0)
        e0 = e0_base + share * (e0_target_years - e0_base)
        out[i] = death_prob_age if abs(e0 - e0_base) < 1e-9 else scale_death_prob_to_e0(
            death_prob_age, e0, sex
        )
    return out
