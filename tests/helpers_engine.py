"""Builders of small synthetic model inputs for engine tests (no data files)."""

from __future__ import annotations

import numpy as np

from calculator.inputs import ProjectionInputs


def simple_schedules() -> tuple[np.ndarray, np.ndarray]:
    """A plausible fertility schedule (TFR 1.7) and death-probability schedule (Gompertz)."""
    ages = np.arange(101)
    fert = np.where((ages >= 15) & (ages <= 49), np.exp(-0.5 * ((ages - 31) / 5.5) ** 2), 0.0)
    fert = 1.7 * fert / fert.sum()
    q = np.minimum(0.00005 * np.exp(0.095 * ages), 0.6)
    q[0] = 0.002
    return fert, q


def make_inputs(
    n_scen: int = 1, n_reg: int = 1, n_years: int = 10, seed: int = 0, mode: str = "gross"
) -> ProjectionInputs:
    rng = np.random.default_rng(seed)
    fert, q = simple_schedules()
    pop = rng.uniform(50, 500, (n_scen, n_reg, 2, 101))
    shape = (n_scen, n_reg, n_years, 2, 101)
    return ProjectionInputs(
        base_year=2024,
        pop_count_sex_age_base=pop,
        fert_rate_year_age=np.broadcast_to(fert, (n_scen, n_reg, n_years, 101)),
        death_prob_year_sex_age=np.broadcast_to(q, shape),
        immig_count_year_sex_age=rng.uniform(0, 5, shape),
        emig_rate_year_sex_age=rng.uniform(0, 0.02, shape),
        inmig_count_year_sex_age=rng.uniform(0, 10, shape),
        outmig_rate_year_sex_age=rng.uniform(0, 0.05, shape),
        netmig_count_year_sex_age=rng.uniform(-3, 3, shape) if mode == "net" else None,
        migration_mode=mode,  # type: ignore[arg-type]
    )
