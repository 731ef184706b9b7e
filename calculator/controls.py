"""The scenario controls' reference values and the scenario they define (no Streamlit, no I/O).

A control shows the baseline's value it deviates from (:func:`baseline_tfr`,
:func:`baseline_e0` in the target year, rounded to the control's step with
:func:`round_to_step`); :func:`scenario_from_controls` keeps only the controls moved away from
those values, so an untouched set of controls is the identity scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from calculator.fertility import tfr_of
from calculator.inputs import ProjectionInputs
from calculator.mortality import e0_from_death_prob
from calculator.scenario import PARAMETERS, Scenario


def year_index(inputs: ProjectionInputs, year: int) -> int:
    """Index of a projection year in the inputs' year axis (clipped to the horizon)."""
    return int(np.clip(year - (inputs.base_year + 1), 0, inputs.n_years - 1))


def baseline_tfr(inputs: ProjectionInputs, year: int) -> float:
    """The baseline's total fertility rate (children per woman) in ``year``."""
    return float(tfr_of(np.asarray(inputs.fert_rate_year_age)[0, 0, year_index(inputs, year)]))


def baseline_e0(inputs: ProjectionInputs, year: int, sex: int) -> float:
    """The baseline's life expectancy at birth (years) in ``year`` for ``sex``."""
    q_age = np.asarray(inputs.death_prob_year_sex_age)[0, 0, year_index(inputs, year), sex]
    return float(e0_from_death_prob(q_age, sex))


def round_to_step(value: float, step: float) -> float:
    """``value`` rounded to a slider step (so an untouched slider equals its default).

    >>> round_to_step(1.43521, 0.01), round_to_step(83.8585, 0.1)
    (1.44, 83.9)
    """
    decimals = max(0, -int(np.floor(np.log10(step)))) if step < 1 else 0
    return round(round(value / step) * step, decimals)


def scenario_from_controls(values: Mapping[str, Any], defaults: Mapping[str, Any],
                           fixed: Mapping[str, Any]) -> Scenario:
    """A :class:`Scenario` from the controls' values: keys whose value equals the baseline's
    default (``defaults``) are left out (identity); ``fixed`` holds name, region and horizon.

    Target years are only kept when a change needs them.
    """
    flat: dict[str, Any] = dict(fixed)
    for key, value in values.items():
        default = defaults.get(key, PARAMETERS[key].default)
        if value is None or value == default:
            continue
        flat[key] = value
    fert = ("fertility.tfr_target" in flat) or ("fertility.mean_age_shift_years" in flat)
    if fert:
        flat["fertility.target_year"] = values["fertility.target_year"]
    else:
        flat.pop("fertility.target_year", None)
    if any(k.startswith("mortality.e0_") for k in flat):
        flat["mortality.target_year"] = values["mortality.target_year"]
    else:
        flat.pop("mortality.target_year", None)
    return Scenario.from_query_params({k: str(v) for k, v in flat.items()})


def unique_name(name: str, taken: Sequence[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)`` ... if taken.

    >>> unique_name("A", ["A", "A (2)"])
    'A (3)'
    """
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"
