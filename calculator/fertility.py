"""Fertility: TFR, age patterns, TFR paths and mean-age shifts.

Rates are live births per woman-year by mother's age reached during the year (15..49 in SCB's
tables; the model grid carries ages 0..100 with zeros outside the fertile span). The total
fertility rate (summerad fruktsamhet, children per woman) is the sum of the rates over age.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from calculator.exceptions import InputValidationError
from calculator.grid import AGES, FloatArray

PathShape = Literal["linear", "smooth"]


def tfr_of(fert_rate_age: FloatArray) -> FloatArray:
    """Total fertility rate (children per woman): the sum of rates over the last (age) axis.

    >>> float(tfr_of(np.array([0.0, 0.5, 1.0])))
    1.5
    """
    tfr: FloatArray = np.asarray(fert_rate_age, dtype=np.float64).sum(axis=-1)
    return tfr


def age_pattern(fert_rate_age: FloatArray) -> FloatArray:
    """Rates scaled to sum to 1 over age (the age pattern of fertility)."""
    rates = np.asarray(fert_rate_age, dtype=np.float64)
    total = rates.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise InputValidationError("fertility rates sum to 0: no age pattern", location="rates")
    pattern: FloatArray = rates / total
    return pattern


def mean_age_at_childbearing(fert_rate_age: FloatArray) -> FloatArray:
    """Mean age of the fertility schedule in years (age reached during the year).

    >>> float(mean_age_at_childbearing(np.eye(101)[30]))
    30.0
    """
    mean_age: FloatArray = (age_pattern(fert_rate_age) * AGES).sum(axis=-1)
    return mean_age


def tfr_path(
    base_tfr: float,
    target_tfr: float,
    base_year: int,
    target_year: int,
    years: np.ndarray,
    shape: PathShape = "linear",
) -> FloatArray:
    """TFR for each of ``years``: ``base_tfr`` at ``base_year``, ``target_tfr`` from ``target_year``.

    ``linear`` interpolates linearly; ``smooth`` uses a cosine ease (zero slope at both ends).

    >>> tfr_path(1.4, 1.8, 2024, 2028, np.arange(2025, 2030)).round(3).tolist()
    [1.5, 1.6, 1.7, 1.8, 1.8]
    >>> tfr_path(1.4, 1.8, 2024, 2028, np.arange(2025, 2030), "smooth").round(3).tolist()
    [1.459, 1.6, 1.741, 1.8, 1.8]
    """
    if shape not in ("linear", "smooth"):
        raise InputValidationError(f"{shape!r}; allowed: linear, smooth", location="path_shape")
    for name, value in (("base_tfr", base_tfr), ("target_tfr", target_tfr)):
        if not 0.0 <= value <= 10.0:
            raise InputValidationError(f"{value}; allowed 0..10 children per woman", location=name)
    span = max(target_year - base_year, 1)
    share = np.clip((np.asarray(years) - base_year) / span, 0.0, 1.0)
    if shape == "smooth":
        share = 0.5 - 0.5 * np.cos(np.pi * share)
    return np.asarray(base_tfr + share * (target_tfr - base_tfr), dtype=np.float64)


def shift_age_pattern(pattern_age: FloatArray, shift_years: float) -> FloatArray:
    """Move an age pattern ``shift_years`` older (negative: younger), keeping its sum.

    The cumulative pattern is shifted and re-differenced (linear interpolation), so the mean
    age moves by exactly ``shift_years`` as long as the pattern stays inside 0..100.

    >>> p = np.zeros(101); p[28:33] = 0.2
    >>> round(float(mean_age_at_childbearing(shift_age_pattern(p, 1.5))), 6)
    31.5
    """
    pattern = np.asarray(pattern_age, dtype=np.float64)
    if shift_years == 0:
        return pattern.copy()
    # cumulative mass at the upper edge of each age cell [a - 0.5, a + 0.5)
    edges = np.arange(-0.5, pattern.shape[-1])
    cdf = np.concatenate([[0.0], np.cumsum(pattern)])
    shifted_cdf = np.interp(edges - shift_years, edges, cdf)
    return np.diff(shifted_cdf)


def fert_rates_from_tfr_path(
    pattern_age: FloatArray,
    tfr_year: FloatArray,
    mean_age_shift_years_year: FloatArray | None = None,
) -> FloatArray:
    """Rates ``(T, 101)``: each year's TFR times the (optionally shifted) age pattern.

    >>> p = np.zeros(101); p[30] = 1.0
    >>> fert_rates_from_tfr_path(p, np.array([1.5, 1.6]))[:, 30].tolist()
    [1.5, 1.6]
    """
    pattern = age_pattern(pattern_age)
    tfr = np.asarray(tfr_year, dtype=np.float64)
    if mean_age_shift_years_year is None:
        return tfr[:, np.newaxis] * pattern[np.newaxis, :]
    shifts = np.broadcast_to(np.asarray(mean_age_shift_years_year, dtype=np.float64), tfr.shape)
    out = np.empty((tfr.shape[0], pattern.shape[-1]))
    for i, shift in enumerate(shifts):  # one interpolation per year: loop over years only
        out[i] = tfr[i] * shift_age_pattern(pattern, float(shift))
    return out
