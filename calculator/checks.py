"""Consistency checks with clear messages (``check_*`` raise, ``strict=False`` returns a report)."""

from __future__ import annotations

import numpy as np

from calculator.exceptions import BalanceError
from calculator.grid import FloatArray, age_cohort

#: Allowed absolute residual of the balance identity, in persons, relative to the cell size.
BALANCE_RTOL = 1e-9
BALANCE_ATOL = 1e-7


def balance_residual(
    pop_count_sex_age_start: FloatArray,
    pop_count_sex_age_end: FloatArray,
    births_count_sex: FloatArray,
    deaths_count_sex_age: FloatArray,
    inflow_count_sex_age: FloatArray,
    outflow_count_sex_age: FloatArray,
) -> FloatArray:
    """``P(t) - [aged P(t-1) + births - deaths + in - out]`` for every sex and age.

    ``births_count_sex`` (leading axes, sex) enter at age 0. Inflows are immigrants plus
    domestic in-migrants (plus net migrants in net mode); outflows emigrants plus domestic
    out-migrants.
    """
    expected = age_cohort(pop_count_sex_age_start)
    expected[..., 0] += births_count_sex
    expected += inflow_count_sex_age - outflow_count_sex_age - deaths_count_sex_age
    return pop_count_sex_age_end - expected


def check_balance(
    pop_count_sex_age_start: FloatArray,
    pop_count_sex_age_end: FloatArray,
    births_count_sex: FloatArray,
    deaths_count_sex_age: FloatArray,
    inflow_count_sex_age: FloatArray,
    outflow_count_sex_age: FloatArray,
    *,
    year: int | None = None,
    labels: tuple[tuple[str, ...], ...] = (),
) -> None:
    """Raise :class:`BalanceError` if the demographic balance fails in any cell.

    ``labels`` are the names along the leading axes (e.g. scenarios, regions), used in the
    message to say where the identity broke.
    """
    residual = balance_residual(
        pop_count_sex_age_start, pop_count_sex_age_end, births_count_sex,
        deaths_count_sex_age, inflow_count_sex_age, outflow_count_sex_age,
    )
    tolerance = BALANCE_ATOL + BALANCE_RTOL * np.abs(pop_count_sex_age_end)
    bad = ~(np.abs(residual) <= tolerance)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        names = [
            labels[k][i] if k < len(labels) and i < len(labels[k]) else str(i)
            for k, i in enumerate(idx[:-2])
        ]
        sex, age = idx[-2], idx[-1]
        raise BalanceError(
            f"balance identity fails in year {year} at {'/'.join(names)} sex index {sex}, "
            f"age {age}: residual {residual[idx]:.6g} persons; population(t) must equal aged "
            "population(t-1) + births - deaths + in-migrants - out-migrants"
        )
