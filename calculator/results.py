"""Projection results and their tidy long table.

Long format (one row per value): ``scenario, region, year, sex, age, variable, value``.

=============  =====================================================================
variable       meaning (unit: persons)
=============  =====================================================================
population     folkmängd at 31 Dec of ``year`` (base year included), completed age
births         födda during ``year`` by sex of the child, in the ``age = 0`` row
deaths         döda during ``year`` by age reached (= age at the end of the year)
immigrants     invandrade during ``year``
emigrants      utvandrade during ``year``
in_migrants    inflyttade (domestic) during ``year``
out_migrants   utflyttade (domestic) during ``year``
net_migrants   net migrants, signed (net mode, or a net adjustment on top of gross flows)
=============  =====================================================================

Flows carry the age the cohort has at the end of the year, so for every row
``population(year, age) = population(year - 1, age - 1) + births(age 0) - deaths + immigrants
+ in_migrants - emigrants - out_migrants (+ net_migrants)``, the open group 100+ taking ages
99 and 100+ of the previous year; :func:`check_long_balance` checks that from the table alone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from calculator.grid import AGES, SEXES, FloatArray

FLOW_VARIABLES = ("births", "deaths", "immigrants", "emigrants", "in_migrants", "out_migrants")
VARIABLE_UNITS = {v: "persons" for v in ("population", *FLOW_VARIABLES, "net_migrants")}


@dataclass(frozen=True)
class ProjectionResult:
    """Population and every component, for every scenario and region in the batch.

    Shapes: ``pop_count_year_sex_age`` (S, R, T+1, 2, 101) with index 0 = base year;
    flows (S, R, T, 2, 101) for years ``base_year + 1 ..``; ``births_count_year_sex``
    (S, R, T, 2); ``births_count_year_mother_age`` (S, R, T, 101).
    """

    base_year: int
    scenarios: tuple[str, ...]
    regions: tuple[str, ...]
    migration_mode: str
    pop_count_year_sex_age: FloatArray
    births_count_year_sex: FloatArray
    births_count_year_mother_age: FloatArray
    deaths_count_year_sex_age: FloatArray
    immig_count_year_sex_age: FloatArray
    emig_count_year_sex_age: FloatArray
    inmig_count_year_sex_age: FloatArray
    outmig_count_year_sex_age: FloatArray
    netmig_count_year_sex_age: FloatArray | None = None

    @property
    def years(self) -> np.ndarray:
        """Years of the population array: base year first."""
        return np.arange(self.base_year, self.base_year + self.pop_count_year_sex_age.shape[2])

    @property
    def flow_years(self) -> np.ndarray:
        """Years of the flow arrays (calendar years after the base year)."""
        return self.years[1:]

    def until(self, end_year: int) -> ProjectionResult:
        """The result up to ``end_year`` (views, no copy); every flow array is cut alike."""
        last = int(self.years[-1])
        if not self.base_year < end_year <= last:
            raise ValueError(f"{end_year} is outside the result's years "
                             f"{self.base_year + 1}..{last}")
        n = end_year - self.base_year
        if end_year == last:
            return self
        changes: dict[str, object] = {"pop_count_year_sex_age": self.pop_count_year_sex_age[:, :, : n + 1]}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "pop_count_year_sex_age" and isinstance(value, np.ndarray):
                changes[f.name] = value[:, :, :n]
        return replace(self, **changes)  # type: ignore[arg-type]

    def total_population(self) -> FloatArray:
        """Total population at 31 Dec, shape (S, R, T+1)."""
        total: FloatArray = self.pop_count_year_sex_age.sum(axis=(-2, -1))
        return total

    def net_migration_count_year_sex_age(self) -> FloatArray:
        """Net migration (immigrants + in-migrants - emigrants - out-migrants [+ net])."""
        net = (
            self.immig_count_year_sex_age + self.inmig_count_year_sex_age
            - self.emig_count_year_sex_age - self.outmig_count_year_sex_age
        )
        if self.netmig_count_year_sex_age is not None:
            net = net + self.netmig_count_year_sex_age
        return net

    def births_as_sex_age(self) -> FloatArray:
        """Births by sex of child placed in the age-0 cell: (S, R, T, 2, 101)."""
        out = np.zeros(self.deaths_count_year_sex_age.shape)
        out[..., 0] = self.births_count_year_sex
        return out

    def to_long(self) -> pd.DataFrame:
        """The tidy long table (see module docstring)."""
        pieces = [self._long_block("population", self.pop_count_year_sex_age, self.years)]
        flows: list[tuple[str, FloatArray]] = [
            ("births", self.births_as_sex_age()),
            ("deaths", self.deaths_count_year_sex_age),
        ]
        if self.migration_mode == "gross":
            flows += [
                ("immigrants", self.immig_count_year_sex_age),
                ("emigrants", self.emig_count_year_sex_age),
                ("in_migrants", self.inmig_count_year_sex_age),
                ("out_migrants", self.outmig_count_year_sex_age),
            ]
        if self.netmig_count_year_sex_age is not None:
            flows.append(("net_migrants", self.netmig_count_year_sex_age))
        for name, arr in flows:
            block = self._long_block(name, arr, self.flow_years)
            if name == "births":
                block = block[block["age"] == 0]
            pieces.append(block)
        return pd.concat(pieces, ignore_index=True)

    def _long_block(self, variable: str, arr: FloatArray, years: np.ndarray) -> pd.DataFrame:
        _s, _r, _t, _n_sex, _n_age = arr.shape
        index = pd.MultiIndex.from_product(
            [list(self.scenarios), list(self.regions), years.tolist(), list(SEXES), AGES.tolist()],
            names=["scenario", "region", "year", "sex", "age"],
        )
        frame = pd.DataFrame({"value": np.ascontiguousarray(arr).reshape(-1)}, index=index)
        frame = frame.reset_index()
        frame.insert(5, "variable", variable)
        return frame

    def births_mother_age_long(self) -> pd.DataFrame:
        """Births by mother's age reached: ``scenario, region, year, mother_age, births``."""
        arr = self.births_count_year_mother_age
        index = pd.MultiIndex.from_product(
            [list(self.scenarios), list(self.regions), self.flow_years.tolist(), AGES.tolist()],
            names=["scenario", "region", "year", "mother_age"],
        )
        frame = pd.DataFrame({"births": np.ascontiguousarray(arr).reshape(-1)}, index=index)
        frame = frame.reset_index()
        return frame[frame["births"] > 0].reset_index(drop=True)


def check_long_balance(long: pd.DataFrame, atol: float = 1e-6) -> float:
    """Check the balance identity from a long table alone; return the largest residual.

    Raises :class:`calculator.exceptions.BalanceError` when a residual exceeds ``atol``
    persons (plus 1e-9 relative). Works on a table read back from the CLI's CSV output.
    """
    from calculator.exceptions import BalanceError

    keys = ["scenario", "region", "year", "sex", "age"]
    wide = long.pivot_table(index=keys, columns="variable", values="value", aggfunc="sum")
    wide = wide.fillna(0.0)
    pop = wide["population"]
    prev = pop.reset_index()
    prev["year"] += 1
    prev["age"] = np.minimum(prev["age"] + 1, AGES[-1])
    aged = prev.groupby(keys)["population"].sum()
    flows = wide.drop(columns="population")
    change = pd.Series(0.0, index=flows.index)
    for col, sign in (
        ("births", 1), ("deaths", -1), ("immigrants", 1), ("emigrants", -1),
        ("in_migrants", 1), ("out_migrants", -1), ("net_migrants", 1),
    ):
        if col in flows:
            change = change + sign * flows[col]
    joined = pd.DataFrame({"pop": pop, "aged": aged, "change": change}).dropna(subset=["aged"])
    joined = joined[joined.index.get_level_values("year") > long["year"].min()]
    joined["aged"] = joined["aged"].fillna(0.0)
    residual = (joined["pop"] - joined["aged"] - joined["change"].fillna(0.0)).abs()
    limit = atol + 1e-9 * joined["pop"].abs()
    if (residual > limit).any():
        where = residual[residual > limit].index[0]
        raise BalanceError(f"balance identity fails at {dict(zip(keys, where, strict=True))}: "
                           f"residual {residual.loc[where]:.6g} persons")
    return float(residual.max()) if len(residual) else 0.0
