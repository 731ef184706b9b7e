"""Speed and memory of the projection engine.

Run: ``python benchmarks/bench_projection.py``. Prints the figures and ends with one JSON line
with the keys ``one_region_50y_ms``, ``regions290_scen3_50y_ms``, ``peak_mb``,
``cell_years_per_s`` and ``ratio_to_copy``.

* one region, 50 years (best of 20 runs, balance check on, as the product runs it);
* 290 regions x 3 scenarios x 50 years (best of 5), with distinct inputs per region and
  scenario (nothing shared by broadcasting), balance check on;
* peak memory: the process's peak resident set (ru_maxrss) after the first batch run, so it
  includes Python, numpy, the inputs and their construction;
* throughput: cell-years per second, a cell being one (scenario, region, sex, age);
* ratio to copy: batch run time / time of plain numpy copies of the same arrays that the run
  reads and writes (inputs once, outputs once): how far the kernel is from the
  memory-bandwidth floor.
"""

from __future__ import annotations

import json
import resource
import time

import numpy as np

from calculator.inputs import ProjectionInputs
from calculator.projection import project


def make_batch(n_scen: int, n_reg: int, n_years: int, seed: int = 1) -> ProjectionInputs:
    """Distinct inputs for every scenario, region and year, laid out year-major in memory
    (as the product's builders do), exposed in the engine's (S, R, T, ...) shape."""
    rng = np.random.default_rng(seed)
    ages = np.arange(101)
    fert = np.where((ages >= 15) & (ages <= 49), np.exp(-0.5 * ((ages - 31) / 5.5) ** 2), 0.0)
    fert = 1.6 * fert / fert.sum()
    q = np.minimum(0.00005 * np.exp(0.095 * ages), 0.6)
    q[0] = 0.002
    shape = (n_years, n_scen, n_reg, 2, 101)

    def uniform(low: float, high: float, scale: np.ndarray | float = 1.0) -> np.ndarray:
        arr = rng.uniform(low, high, shape)
        arr *= scale
        return np.moveaxis(arr, 0, 2)

    fert_rates = rng.uniform(0.8, 1.2, (n_years, n_scen, n_reg, 101))
    fert_rates *= fert
    return ProjectionInputs(
        base_year=2024,
        pop_count_sex_age_base=rng.uniform(10, 2000, (n_scen, n_reg, 2, 101)),
        fert_rate_year_age=np.moveaxis(fert_rates, 0, 2),
        death_prob_year_sex_age=uniform(0.9, 1.1, q),
        immig_count_year_sex_age=uniform(0, 20),
        emig_rate_year_sex_age=uniform(0, 0.01),
        inmig_count_year_sex_age=uniform(0, 40),
        outmig_rate_year_sex_age=uniform(0, 0.06),
    )


def best_of(n: int, func) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    small = make_batch(1, 1, 50)
    project(small)
    one_ms = best_of(20, lambda: project(small)) * 1e3

    big = make_batch(3, 290, 50)
    result = project(big)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # inputs + one run
    del result
    batch_s = best_of(5, lambda: project(big))
    result = project(big)

    cells = 3 * 290 * 2 * 101
    cell_years_per_s = cells * 50 / batch_s

    arrays_in = [big.fert_rate_year_age, big.death_prob_year_sex_age, big.immig_count_year_sex_age,
                 big.emig_rate_year_sex_age, big.inmig_count_year_sex_age,
                 big.outmig_rate_year_sex_age]
    arrays_out = [result.pop_count_year_sex_age, result.deaths_count_year_sex_age,
                  result.emig_count_year_sex_age, result.outmig_count_year_sex_age,
                  result.births_count_year_mother_age]
    copy_s = best_of(5, lambda: [np.array(a, copy=True) for a in arrays_in + arrays_out])

    print(f"one region, 50 years:               {one_ms:8.2f} ms   (goal < 5 ms)")
    print(f"290 regions x 3 scenarios x 50 y:   {batch_s * 1e3:8.1f} ms   (goal < 300 ms)")
    print(f"peak resident memory:               {peak_mb:8.0f} MB   (goal < 1024 MB)")
    print(f"throughput:                         {cell_years_per_s / 1e6:8.1f} M cell-years/s")
    print(f"plain numpy copy of the same arrays: {copy_s * 1e3:7.1f} ms; "
          f"ratio run/copy = {batch_s / copy_s:.1f}")
    print(json.dumps({
        "one_region_50y_ms": round(one_ms, 3),
        "regions290_scen3_50y_ms": round(batch_s * 1e3, 1),
        "peak_mb": round(peak_mb, 1),
        "cell_years_per_s": round(cell_years_per_s),
        "ratio_to_copy": round(batch_s / copy_s, 2),
    }))


if __name__ == "__main__":
    main()
