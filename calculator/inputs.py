"""Validated model inputs: the engine's contract.

A :class:`ProjectionInputs` holds, for a batch of ``S`` scenarios and ``R`` regions and the
``T`` projection years ``base_year + 1 .. base_year + T``:

=============================  ====================  =========================================
field                          shape                 meaning (unit, reference period)
=============================  ====================  =========================================
``pop_count_sex_age_base``     (S, R, 2, 101)        persons at 31 Dec of ``base_year``
``fert_rate_year_age``         (S, R, T, 101)        live births per woman-year by mother's age
                                                     reached during the year; exposure = mean
                                                     female population of the birth cohort
``death_prob_year_sex_age``    (S, R, T, 2, 101)     probability of dying during the year by age
                                                     reached (SCB's "dödsrisk"); at age 0 the
                                                     probability that a child born during the
                                                     year dies before 31 Dec
``immig_count_year_sex_age``   (S, R, T, 2, 101)     immigrants (invandrade), persons per year
``emig_rate_year_sex_age``     (S, R, T, 2, 101)     emigration (utvandrade) per person-year
``inmig_count_year_sex_age``   (S, R, T, 2, 101)     domestic in-migrants (inflyttade), persons
``outmig_rate_year_sex_age``   (S, R, T, 2, 101)     domestic out-migration per person-year
``netmig_count_year_sex_age``  (S, R, T, 2, 101)     net migrants (signed): all migration in
                                                     net mode; in gross mode an optional
                                                     signed adjustment added to the arrivals
``srb_males_per_female_year``  (S, R, T)             sex ratio at birth, boys per girl
=============================  ====================  =========================================

Any array broadcastable to its shape is accepted (a rate shared by every scenario can be
given once with a leading axis of length 1); broadcasting makes read-only views, no copies.
``migration_mode`` is ``"gross"`` (the four flows), ``"net"`` (``netmig`` only) or ``"none"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np

from calculator.exceptions import InputValidationError
from calculator.grid import N_AGES, N_SEXES, FloatArray

MigrationMode = Literal["gross", "net", "none"]
MIGRATION_MODES: tuple[MigrationMode, ...] = ("gross", "net", "none")

#: A rate per person-year above this is treated as an input error (nobody leaves twice a year).
MAX_RATE_PER_PERSON_YEAR = 2.0
#: Default sex ratio at birth, boys per girl (Sweden 1968-2020 averages about 1.055).
DEFAULT_SRB_MALES_PER_FEMALE = 1.055


def _as_float_array(name: str, value: object) -> FloatArray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputValidationError(f"must be numeric ({exc})", location=name) from exc
    return array


def _broadcast(name: str, array: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    try:
        return np.broadcast_to(array, shape)
    except ValueError as exc:
        raise InputValidationError(
            f"shape {array.shape} cannot be broadcast to the required shape {shape}",
            location=name,
        ) from exc


def _first_bad_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _check_range(
    name: str, array: FloatArray, low: float, high: float | None, what: str
) -> None:
    if not np.all(np.isfinite(array)):
        idx = _first_bad_index(~np.isfinite(array))
        raise InputValidationError(f"non-finite value at index {idx}; allowed: {what}", location=name)
    bad = array < low if high is None else (array < low) | (array > high)
    if np.any(bad):
        idx = _first_bad_index(bad)
        raise InputValidationError(
            f"value {array[idx]!r} at index {idx} (scenario, region, [year,] [sex,] age); "
            f"allowed: {what}",
            location=name,
        )


class InputArrays(NamedTuple):
    """The arrays of a validated :class:`ProjectionInputs`, full batch shapes (see module doc)."""

    pop_count_sex_age_base: FloatArray
    fert_rate_year_age: FloatArray
    death_prob_year_sex_age: FloatArray
    immig_count_year_sex_age: FloatArray
    emig_rate_year_sex_age: FloatArray
    inmig_count_year_sex_age: FloatArray
    outmig_rate_year_sex_age: FloatArray
    netmig_count_year_sex_age: FloatArray
    srb_males_per_female_year: FloatArray


@dataclass(frozen=True)
class ProjectionInputs:
    """Everything one batched projection needs; validated on construction (see module doc)."""

    base_year: int
    pop_count_sex_age_base: FloatArray
    fert_rate_year_age: FloatArray
    death_prob_year_sex_age: FloatArray
    immig_count_year_sex_age: FloatArray | None = None
    emig_rate_year_sex_age: FloatArray | None = None
    inmig_count_year_sex_age: FloatArray | None = None
    outmig_rate_year_sex_age: FloatArray | None = None
    netmig_count_year_sex_age: FloatArray | None = None
    srb_males_per_female_year: FloatArray | float = DEFAULT_SRB_MALES_PER_FEMALE
    migration_mode: MigrationMode = "gross"
    scenarios: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    n_years: int = field(default=0)
    #: True when net migrants enter the run (net mode, or a net adjustment in gross mode).
    has_net_migration: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.migration_mode not in MIGRATION_MODES:
            raise InputValidationError(
                f"{self.migration_mode!r}; allowed: {', '.join(MIGRATION_MODES)}",
                location="migration_mode",
            )
        pop = _as_float_array("pop_count_sex_age_base", self.pop_count_sex_age_base)
        if pop.ndim == 3:
            pop = pop[np.newaxis]
        if pop.ndim != 4 or pop.shape[-2:] != (N_SEXES, N_AGES):
            raise InputValidationError(
                f"shape {pop.shape}; expected (scenario, region, {N_SEXES}, {N_AGES})",
                location="pop_count_sex_age_base",
            )
        fert = _as_float_array("fert_rate_year_age", self.fert_rate_year_age)
        death = _as_float_array("death_prob_year_sex_age", self.death_prob_year_sex_age)
        n_years = self.n_years or max(
            fert.shape[-2] if fert.ndim >= 2 else 1,
            death.shape[-3] if death.ndim >= 3 else 1,
        )
        n_scen = max(len(self.scenarios), pop.shape[0], *(
            a.shape[0] for a in (fert, death) if a.ndim >= 4 and a.shape[0] > 1
        ))
        n_reg = pop.shape[1]
        s, r, t = n_scen, n_reg, n_years
        pop = _broadcast("pop_count_sex_age_base", pop, (s, r, N_SEXES, N_AGES))
        _check_range("pop_count_sex_age_base", pop, 0.0, None, "persons >= 0")
        sex_age = (s, r, t, N_SEXES, N_AGES)
        fert = _broadcast("fert_rate_year_age", fert, (s, r, t, N_AGES))
        _check_range("fert_rate_year_age", fert, 0.0, 1.0, "births per woman-year in [0, 1]")
        death = _broadcast("death_prob_year_sex_age", death, sex_age)
        _check_range("death_prob_year_sex_age", death, 0.0, 1.0, "probabilities in [0, 1]")
        srb = _broadcast(
            "srb_males_per_female_year",
            _as_float_array("srb_males_per_female_year", self.srb_males_per_female_year),
            (s, r, t),
        )
        _check_range("srb_males_per_female_year", srb, 0.5, 2.0, "boys per girl in [0.5, 2]")
        zeros = np.broadcast_to(np.zeros(1), sex_age)
        flows: dict[str, FloatArray] = {}
        for name, kind in (
            ("immig_count_year_sex_age", "count"),
            ("emig_rate_year_sex_age", "rate"),
            ("inmig_count_year_sex_age", "count"),
            ("outmig_rate_year_sex_age", "rate"),
        ):
            value = getattr(self, name)
            if value is None or self.migration_mode != "gross":
                flows[name] = zeros
                continue
            arr = _broadcast(name, _as_float_array(name, value), sex_age)
            if kind == "count":
                _check_range(name, arr, 0.0, None, "persons per year >= 0")
            else:
                _check_range(
                    name, arr, 0.0, MAX_RATE_PER_PERSON_YEAR,
                    f"rates per person-year in [0, {MAX_RATE_PER_PERSON_YEAR}]",
                )
            flows[name] = arr
        has_net = self.migration_mode == "net" or (
            self.migration_mode == "gross" and self.netmig_count_year_sex_age is not None
        )
        if has_net:
            if self.netmig_count_year_sex_age is None:
                raise InputValidationError(
                    "required when migration_mode is 'net'", location="netmig_count_year_sex_age"
                )
            net = _broadcast(
                "netmig_count_year_sex_age",
                _as_float_array("netmig_count_year_sex_age", self.netmig_count_year_sex_age),
                sex_age,
            )
            _check_range("netmig_count_year_sex_age", net, -np.inf, np.inf, "finite counts")
        else:
            net = zeros
        scenarios = self.scenarios or tuple(f"scenario_{i}" for i in range(s))
        regions = self.regions or tuple(f"region_{i}" for i in range(r))
        if len(scenarios) != s or len(regions) != r:
            raise InputValidationError(
                f"{len(scenarios)} scenario and {len(regions)} region labels for a batch of "
                f"{s} scenarios x {r} regions",
                location="scenarios/regions",
            )
        set_(self, "pop_count_sex_age_base", pop)
        set_(self, "fert_rate_year_age", fert)
        set_(self, "death_prob_year_sex_age", death)
        set_(self, "srb_males_per_female_year", srb)
        for name, arr in flows.items():
            set_(self, name, arr)
        set_(self, "netmig_count_year_sex_age", net)
        set_(self, "has_net_migration", has_net)
        set_(self, "scenarios", tuple(scenarios))
        set_(self, "regions", tuple(regions))
        set_(self, "n_years", t)

    def arrays(self) -> InputArrays:
        """The normalised arrays, typed (every optional component is an array by now)."""
        def arr(value: object) -> FloatArray:
            if not isinstance(value, np.ndarray):
                raise TypeError("ProjectionInputs was not normalised")  # unreachable
            return value

        return InputArrays(
            arr(self.pop_count_sex_age_base), arr(self.fert_rate_year_age),
            arr(self.death_prob_year_sex_age), arr(self.immig_count_year_sex_age),
            arr(self.emig_rate_year_sex_age), arr(self.inmig_count_year_sex_age),
            arr(self.outmig_rate_year_sex_age), arr(self.netmig_count_year_sex_age),
            arr(self.srb_males_per_female_year),
        )

    def until(self, end_year: int) -> ProjectionInputs:
        """The same inputs for the years up to ``end_year`` (a shorter horizon; views, no copy).

        >>> import numpy as np
        >>> inputs = ProjectionInputs(2024, np.ones((1, 1, 2, 101)), np.zeros((1, 1, 10, 101)),
        ...                           np.zeros((1, 1, 10, 2, 101)), migration_mode="none")
        >>> inputs.until(2030).years.tolist()
        [2025, 2026, 2027, 2028, 2029, 2030]
        """
        last = self.base_year + self.n_years
        if not self.base_year < end_year <= last:
            raise InputValidationError(
                f"{end_year} is outside the horizon; allowed: {self.base_year + 1}..{last}",
                location="end_year",
            )
        n = end_year - self.base_year
        if n == self.n_years:
            return self
        a = self.arrays()
        return ProjectionInputs(
            base_year=self.base_year,
            pop_count_sex_age_base=a.pop_count_sex_age_base,
            fert_rate_year_age=a.fert_rate_year_age[:, :, :n],
            death_prob_year_sex_age=a.death_prob_year_sex_age[:, :, :n],
            immig_count_year_sex_age=a.immig_count_year_sex_age[:, :, :n],
            emig_rate_year_sex_age=a.emig_rate_year_sex_age[:, :, :n],
            inmig_count_year_sex_age=a.inmig_count_year_sex_age[:, :, :n],
            outmig_rate_year_sex_age=a.outmig_rate_year_sex_age[:, :, :n],
            netmig_count_year_sex_age=(
                a.netmig_count_year_sex_age[:, :, :n] if self.has_net_migration else None
            ),
            srb_males_per_female_year=a.srb_males_per_female_year[:, :, :n],
            migration_mode=self.migration_mode,
            scenarios=self.scenarios,
            regions=self.regions,
            n_years=n,
        )

    @property
    def years(self) -> np.ndarray:
        """Projection years ``base_year + 1 .. base_year + T`` (flows are for these years)."""
        return np.arange(self.base_year + 1, self.base_year + 1 + self.n_years)

    @property
    def batch_shape(self) -> tuple[int, int]:
        """``(S, R)``: number of scenarios and regions."""
        s, r = self.pop_count_sex_age_base.shape[:2]
        return int(s), int(r)


def year_major(array_year_axis: FloatArray, year_axis: int = 2) -> FloatArray:
    """The same values with the year axis slowest in memory (a view of a year-first copy).

    The engine reads one year at a time; with year-major memory each year's slice is
    contiguous, which makes a large batch several times faster. Shape and values are
    unchanged.

    >>> a = np.zeros((2, 3, 4, 2, 101))
    >>> b = year_major(a)
    >>> b.shape == a.shape, bool(b[:, :, 0].flags.c_contiguous)
    (True, True)
    """
    moved = np.ascontiguousarray(np.moveaxis(np.asarray(array_year_axis), year_axis, 0))
    return np.moveaxis(moved, 0, year_axis)
