"""Engine invariants: null conditions, balance, symmetry, Lotka's stable population."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import brentq

from calculator.exceptions import BalanceError, InputValidationError
from calculator.grid import FEMALE, age_cohort
from calculator.inputs import ProjectionInputs
from calculator.projection import project
from calculator.results import check_long_balance
from tests.helpers_engine import make_inputs, simple_schedules


def closed_inputs(pop: np.ndarray, fert: np.ndarray, q: np.ndarray, n_years: int,
                  srb: float = 1.05) -> ProjectionInputs:
    return ProjectionInputs(
        base_year=2000,
        pop_count_sex_age_base=pop,
        fert_rate_year_age=np.broadcast_to(fert, (1, 1, n_years, 101)),
        death_prob_year_sex_age=np.broadcast_to(q, (1, 1, n_years, 2, 101)),
        srb_males_per_female_year=srb,
        migration_mode="none",
    )


def test_null_conditions_population_just_ages() -> None:
    pop = np.arange(2 * 101, dtype=float).reshape(1, 1, 2, 101)
    result = project(closed_inputs(pop, np.zeros(101), np.zeros(101), n_years=3))
    expected = pop[0, 0]
    for year in range(1, 4):
        expected = age_cohort(expected)
        np.testing.assert_allclose(result.pop_count_year_sex_age[0, 0, year], expected)
    # nobody is lost: the open group accumulates everyone who passes 100
    np.testing.assert_allclose(result.total_population()[0, 0], pop.sum())
    assert result.pop_count_year_sex_age[0, 0, 3, :, 100].tolist() == [
        97 + 98 + 99 + 100, 198 + 199 + 200 + 201
    ]


def test_identical_sexes_give_identical_results() -> None:
    fert, q = simple_schedules()
    pop = np.broadcast_to(np.linspace(100, 10, 101), (1, 1, 2, 101))
    result = project(closed_inputs(pop, fert, q, n_years=20, srb=1.0))
    np.testing.assert_allclose(
        result.pop_count_year_sex_age[..., 0, :], result.pop_count_year_sex_age[..., 1, :]
    )


def test_zero_migration_mode_ignores_flows() -> None:
    base = make_inputs(n_years=5)
    closed = ProjectionInputs(
        base_year=base.base_year, pop_count_sex_age_base=base.pop_count_sex_age_base,
        fert_rate_year_age=base.fert_rate_year_age,
        death_prob_year_sex_age=base.death_prob_year_sex_age,
        immig_count_year_sex_age=base.immig_count_year_sex_age,
        emig_rate_year_sex_age=base.emig_rate_year_sex_age, migration_mode="none",
    )
    result = project(closed)
    assert not result.immig_count_year_sex_age.any()
    assert not result.emig_count_year_sex_age.any()
    gross = project(base)
    assert gross.immig_count_year_sex_age.sum() > 0


def test_a_person_present_all_year_dies_with_the_given_probability() -> None:
    q = np.full(101, 0.1)
    pop = np.zeros((1, 1, 2, 101))
    pop[..., 40] = 1000.0
    result = project(closed_inputs(pop, np.zeros(101), q, n_years=1))
    assert result.deaths_count_year_sex_age[0, 0, 0, :, 41].tolist() == pytest.approx([100, 100])


def test_newborns_die_with_the_age0_probability() -> None:
    fert, q = simple_schedules()
    pop = np.zeros((1, 1, 2, 101))
    pop[..., 30] = 10_000.0
    result = project(closed_inputs(pop, fert, q, n_years=1))
    births = result.births_count_year_sex[0, 0, 0]
    deaths0 = result.deaths_count_year_sex_age[0, 0, 0, :, 0]
    np.testing.assert_allclose(deaths0 / births, q[0], rtol=1e-10)


def test_out_migration_is_rate_times_person_years() -> None:
    """Emigrants = rate x person-years lived in the region (exact under constant risks)."""
    inputs = make_inputs(n_years=1)
    result = project(inputs)
    s = age_cohort(inputs.pop_count_sex_age_base)[0, 0, :, 1:]
    a = (inputs.immig_count_year_sex_age + inputs.inmig_count_year_sex_age)[0, 0, 0, :, 1:]
    from calculator.mortality import hazard_from_death_prob
    h = (hazard_from_death_prob(inputs.death_prob_year_sex_age[0, 0, 0])
         + inputs.emig_rate_year_sex_age[0, 0, 0] + inputs.outmig_rate_year_sex_age[0, 0, 0])[:, 1:]
    # person-years: S (1 - e^-h)/h + A (1 - (1 - e^-h)/h)/h
    g = -np.expm1(-h) / h
    person_years = s * g + a * (1 - g) / h
    emig = result.emig_count_year_sex_age[0, 0, 0, :, 1:]
    np.testing.assert_allclose(emig, inputs.emig_rate_year_sex_age[0, 0, 0, :, 1:] * person_years,
                               rtol=1e-9)


def test_births_use_the_mean_female_population() -> None:
    fert, _q = simple_schedules()
    inputs = make_inputs(n_years=1)
    result = project(inputs)
    start = age_cohort(inputs.pop_count_sex_age_base)[0, 0, FEMALE]
    end = result.pop_count_year_sex_age[0, 0, 1, FEMALE]
    expected = (fert * 0.5 * (start + end)).sum()
    assert result.births_count_year_sex[0, 0, 0].sum() == pytest.approx(expected, rel=1e-12)
    ratio = result.births_count_year_sex[0, 0, 0, 1] / result.births_count_year_sex[0, 0, 0, 0]
    assert ratio == pytest.approx(1.055)


@settings(max_examples=40, deadline=None)
@given(
    pop=arrays(np.float64, (2, 3, 2, 101), elements=st.floats(0, 1e5)),
    q=arrays(np.float64, (2, 101), elements=st.floats(0, 1)),
    fert=arrays(np.float64, (101,), elements=st.floats(0, 0.3)),
    imm=arrays(np.float64, (2, 101), elements=st.floats(0, 1e3)),
    rate=arrays(np.float64, (2, 101), elements=st.floats(0, 2)),
    mode=st.sampled_from(["gross", "net", "none"]),
)
def test_balance_identity_on_random_inputs(pop, q, fert, imm, rate, mode) -> None:
    inputs = ProjectionInputs(
        base_year=2020, pop_count_sex_age_base=pop,
        fert_rate_year_age=np.broadcast_to(fert, (2, 3, 4, 101)),
        death_prob_year_sex_age=np.broadcast_to(q, (2, 3, 4, 2, 101)),
        immig_count_year_sex_age=imm, emig_rate_year_sex_age=rate,
        inmig_count_year_sex_age=imm[::-1], outmig_rate_year_sex_age=rate[::-1] / 2,
        netmig_count_year_sex_age=imm - 500 if mode == "net" else None,
        migration_mode=mode,
    )
    import warnings

    from calculator.exceptions import CalculatorWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalculatorWarning)  # net outflow clipping is expected
        result = project(inputs)  # the kernel's own check runs here and raises on violation
    assert np.all(result.pop_count_year_sex_age >= -1e-9 * (1 + pop.max()))
    for arr in (result.deaths_count_year_sex_age, result.emig_count_year_sex_age):
        assert np.all(arr >= -1e-9 * (1 + pop.max()))


def test_balance_check_from_the_long_table_catches_a_broken_row() -> None:
    long = project(make_inputs(n_years=3)).to_long()
    assert check_long_balance(long) < 1e-6
    broken = long.copy()
    row = broken.index[(broken["variable"] == "deaths") & (broken["age"] == 50)][0]
    broken.loc[row, "value"] += 1.0
    with pytest.raises(BalanceError, match="age"):
        check_long_balance(broken)


def test_check_balance_raises_on_violation() -> None:
    from calculator.checks import check_balance
    pop = np.ones((1, 1, 2, 101))
    with pytest.raises(BalanceError, match="residual"):
        check_balance(pop, pop, np.zeros((1, 1, 2)), np.zeros_like(pop), np.zeros_like(pop),
                      np.zeros_like(pop), year=2025, labels=(("s",), ("r",)))


def test_lotka_stable_population_and_intrinsic_growth_rate() -> None:
    """Constant rates, closed population: growth converges to r of Lotka's equation.

    Discrete Lotka equation for this model's timing (births = rate x mean female population
    of the cohort, women aged a at 31 Dec of t were born in t - a):
        1 = sum_a lambda^-a f_a phi (l_{a-1} + l_a) / 2,
    with phi = 1 / (1 + srb) the female share of births, l_0 = 1 - q_0 the share of girls
    alive at the end of their birth year and l_a = l_{a-1} (1 - q_a). Solved with brentq,
    independently of the projection code. The stable age structure is c_a ~ lambda^-a l_a.
    """
    fert, q = simple_schedules()
    fert = fert * 2.3 / fert.sum()  # a growing population
    srb = 1.05
    phi = 1 / (1 + srb)
    surv = np.cumprod(1 - q)  # l_a for a = 0..100 (l_0 = 1 - q_0)
    l_prev = np.concatenate([[1.0], surv[:-1]])  # l_{a-1}; l_{-1} = 1 at birth

    def lotka(r: float) -> float:
        ages = np.arange(101)
        return float((np.exp(-r * ages) * fert * phi * 0.5 * (l_prev + surv)).sum() - 1.0)

    r = brentq(lotka, -0.1, 0.1)
    pop = np.zeros((1, 1, 2, 101))
    pop[..., 0:60] = 1000.0
    # generational waves die out slowly with a narrow schedule: 2,000 years (0.1 s)
    result = project(closed_inputs(pop, fert, q, n_years=2000, srb=srb))
    total = result.total_population()[0, 0]
    growth = np.log(total[-1] / total[-2])
    assert growth == pytest.approx(r, abs=1e-10)
    female = result.pop_count_year_sex_age[0, 0, -1, FEMALE, :100]
    stable = np.exp(-r * np.arange(100)) * surv[:100]
    np.testing.assert_allclose(female / female.sum(), stable / stable.sum(), rtol=1e-5)


def test_invalid_inputs_name_the_field() -> None:
    fert, q = simple_schedules()
    with pytest.raises(InputValidationError, match=r"death_prob_year_sex_age.*allowed"):
        closed_inputs(np.ones((1, 1, 2, 101)), fert, q + 1.0, 2)
    with pytest.raises(InputValidationError, match="pop_count_sex_age_base"):
        closed_inputs(-np.ones((1, 1, 2, 101)), fert, q, 2)
    with pytest.raises(InputValidationError, match="shape"):
        closed_inputs(np.ones((1, 1, 2, 100)), fert, q, 2)


def test_batches_match_single_runs() -> None:
    batch = make_inputs(n_scen=2, n_reg=3, n_years=5, seed=3)
    result = project(batch)
    single = ProjectionInputs(
        base_year=batch.base_year,
        pop_count_sex_age_base=batch.pop_count_sex_age_base[1:2, 2:3],
        fert_rate_year_age=batch.fert_rate_year_age[1:2, 2:3],
        death_prob_year_sex_age=batch.death_prob_year_sex_age[1:2, 2:3],
        immig_count_year_sex_age=batch.immig_count_year_sex_age[1:2, 2:3],
        emig_rate_year_sex_age=batch.emig_rate_year_sex_age[1:2, 2:3],
        inmig_count_year_sex_age=batch.inmig_count_year_sex_age[1:2, 2:3],
        outmig_rate_year_sex_age=batch.outmig_rate_year_sex_age[1:2, 2:3],
    )
    np.testing.assert_allclose(
        project(single).pop_count_year_sex_age[0, 0], result.pop_count_year_sex_age[1, 2]
    )


def test_net_outflow_of_infants_is_limited_by_births_not_zero() -> None:
    """Net emigration at age 0 may take newborns (up to the year's births), and no more."""
    fert, q = simple_schedules()
    pop = np.zeros((1, 1, 2, 101))
    pop[..., 30] = 10_000.0
    net = np.zeros((1, 1, 1, 2, 101))
    net[..., 0] = -10.0  # well below the ~290 births per sex
    inputs = ProjectionInputs(
        base_year=2020, pop_count_sex_age_base=pop,
        fert_rate_year_age=np.broadcast_to(fert, (1, 1, 1, 101)),
        death_prob_year_sex_age=np.broadcast_to(q, (1, 1, 1, 2, 101)),
        netmig_count_year_sex_age=net, migration_mode="net",
    )
    result = project(inputs)
    assert result.netmig_count_year_sex_age is not None
    assert result.netmig_count_year_sex_age[0, 0, 0, :, 0].tolist() == [-10.0, -10.0]
    import warnings

    from calculator.exceptions import CalculatorWarning
    net[..., 0] = -1e6  # more than were born: clipped to the births, with a warning
    inputs = ProjectionInputs(
        base_year=2020, pop_count_sex_age_base=pop,
        fert_rate_year_age=np.broadcast_to(fert, (1, 1, 1, 101)),
        death_prob_year_sex_age=np.broadcast_to(q, (1, 1, 1, 2, 101)),
        netmig_count_year_sex_age=net, migration_mode="net",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = project(inputs)
    assert any(issubclass(w.category, CalculatorWarning) for w in caught)
    assert result.pop_count_year_sex_age[0, 0, 1, :, 0].tolist() == pytest.approx([0, 0], abs=1e-9)
    births = result.births_count_year_sex[0, 0, 0]
    np.testing.assert_allclose(result.netmig_count_year_sex_age[0, 0, 0, :, 0], -births)


def test_gross_flows_with_a_net_adjustment() -> None:
    """Gross mode with a signed net adjustment: both enter, the balance holds, and a zero
    adjustment gives exactly the pure gross run."""
    base = make_inputs(n_years=4, seed=5)
    fields = dict(
        base_year=base.base_year, pop_count_sex_age_base=base.pop_count_sex_age_base,
        fert_rate_year_age=base.fert_rate_year_age,
        death_prob_year_sex_age=base.death_prob_year_sex_age,
        immig_count_year_sex_age=base.immig_count_year_sex_age,
        emig_rate_year_sex_age=base.emig_rate_year_sex_age,
        inmig_count_year_sex_age=base.inmig_count_year_sex_age,
        outmig_rate_year_sex_age=base.outmig_rate_year_sex_age,
    )
    zero_adjusted = project(ProjectionInputs(**fields, netmig_count_year_sex_age=np.zeros(1)))
    pure = project(ProjectionInputs(**fields))
    np.testing.assert_array_equal(zero_adjusted.pop_count_year_sex_age, pure.pop_count_year_sex_age)
    adjustment = np.full((1, 1, 4, 2, 101), -2.0)
    adjusted = project(ProjectionInputs(**fields, netmig_count_year_sex_age=adjustment))
    assert adjusted.netmig_count_year_sex_age is not None
    np.testing.assert_array_equal(adjusted.netmig_count_year_sex_age[..., 1:], -2.0)
    long = adjusted.to_long()
    assert {"immigrants", "emigrants", "in_migrants", "out_migrants", "net_migrants"} <= set(
        long["variable"])
    check_long_balance(long)
    # 2 fewer arrivals per cell and year (1,616 in 4 years): the population is lower by
    # somewhat less, since some of them would have died (q up to 0.6 at 90+) or moved on
    loss = pure.total_population()[0, 0, -1] - adjusted.total_population()[0, 0, -1]
    assert 0.75 * 4 * 2 * 2 * 101 < loss < 4 * 2 * 2 * 101


def test_until_cuts_inputs_and_results_alike() -> None:
    inputs = make_inputs(n_years=10)
    full = project(inputs)
    short_inputs = inputs.until(2029)
    assert short_inputs.n_years == 5 and not short_inputs.has_net_migration
    short = project(short_inputs)
    cut = full.until(2029)
    for name in ("pop_count_year_sex_age", "deaths_count_year_sex_age", "emig_count_year_sex_age",
                 "births_count_year_mother_age", "immig_count_year_sex_age"):
        np.testing.assert_array_equal(getattr(cut, name), getattr(short, name))
    with pytest.raises(InputValidationError, match=r"allowed: 2025\.\.2034"):
        inputs.until(2040)


def test_the_every_run_check_catches_a_faulty_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """project() checks each year's result against the components; a kernel whose deaths
    disagree with its survivors (here: one death too many at age 40) must be stopped."""
    import calculator.projection as projection

    real_step = projection.project_step

    def faulty_step(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real_step(*args, **kwargs)
        out.deaths_count_sex_age[..., 0, 40] += 1.0
        return out

    monkeypatch.setattr(projection, "project_step", faulty_step)
    with pytest.raises(BalanceError, match="age 40"):
        projection.project(make_inputs(n_years=2))
