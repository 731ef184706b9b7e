"""Migration: scaling age-sex profiles of flows to levels.

Immigrants (invandrade) and domestic in-migrants (inflyttade) enter the model as counts per
year by sex and age reached; emigration (utvandrade) and domestic out-migration (utflyttade)
as rates per person-year applied to the exposed population (see ``docs/method.md``).
"""

from __future__ import annotations

import numpy as np

from calculator.exceptions import InputValidationError
from calculator.grid import FloatArray


def scale_counts_to_total(profile_sex_age: FloatArray, total_persons: float | FloatArray) -> FloatArray:
    """Scale a count profile (last two axes sex, age) so that each profile sums to ``total``.

    >>> scale_counts_to_total(np.array([[1.0, 3.0], [2.0, 2.0]]), 16.0).tolist()
    [[2.0, 6.0], [4.0, 4.0]]
    """
    profile = np.asarray(profile_sex_age, dtype=np.float64)
    total = np.asarray(total_persons, dtype=np.float64)
    if np.any(total < 0):
        raise InputValidationError(f"{total}; allowed: persons per year >= 0", location="total")
    current = profile.sum(axis=(-2, -1))
    if np.any((current <= 0) & (total > 0)):
        raise InputValidationError(
            "the age-sex profile is empty, so it cannot carry a positive total", location="profile"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(current > 0, total / np.where(current > 0, current, 1.0), 0.0)
    return profile * factor[..., np.newaxis, np.newaxis]


def scale_by_multiplier(values_sex_age: FloatArray, multiplier: float | FloatArray) -> FloatArray:
    """Multiply counts or rates by a level factor (1 = unchanged), e.g. +20 % immigration.

    >>> scale_by_multiplier(np.array([0.1, 0.2]), 1.5).tolist()
    [0.15000000000000002, 0.30000000000000004]
    """
    factor = np.asarray(multiplier, dtype=np.float64)
    if np.any(factor < 0):
        raise InputValidationError(f"{factor}; allowed: multipliers >= 0", location="multiplier")
    return np.asarray(values_sex_age, dtype=np.float64) * factor
